-- The in-app inbox: what the service tells a user (booking confirmed, offer, cancellation...).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    data TEXT NOT NULL,
    dedupe_key TEXT,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    UNIQUE (user_id, dedupe_key),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_notifications_user ON notifications (user_id, created_at);
