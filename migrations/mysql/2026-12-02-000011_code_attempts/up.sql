-- Failed guesses of printed codes (a card's check code when binding a household, an
-- activity's check-in code), counted per subject in the database so the count holds across
-- server processes. Each attempt reserves a place first (`failures < max`, a conditional
-- update); a right code gives it back. A subject that reaches the limit within the window is
-- locked until `locked_until`.
CREATE TABLE code_attempts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind VARCHAR(16) NOT NULL,
    subject VARCHAR(64) NOT NULL,
    failures INT NOT NULL,
    window_start DATETIME(6) NOT NULL,
    locked_until DATETIME(6) NULL,
    UNIQUE KEY uq_code_attempts (kind, subject),
    KEY ix_code_attempts_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
