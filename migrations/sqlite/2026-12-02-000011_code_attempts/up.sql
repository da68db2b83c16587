-- Failed guesses of printed codes (a card's check code when binding a household, an
-- activity's check-in code), counted per subject in the database so the count holds across
-- server processes. Each attempt reserves a place first (`failures < max`, a conditional
-- update); a right code gives it back. A subject that reaches the limit within the window is
-- locked until `locked_until`.
CREATE TABLE code_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    UNIQUE (kind, subject)
);
CREATE INDEX ix_code_attempts_window ON code_attempts (window_start);
