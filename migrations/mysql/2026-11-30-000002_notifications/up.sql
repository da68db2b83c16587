-- The in-app inbox: what the service tells a user (booking confirmed, offer, cancellation...).
CREATE TABLE notifications (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind VARCHAR(48) NOT NULL,
    title VARCHAR(128) NOT NULL,
    body VARCHAR(1000) NOT NULL,
    data TEXT NOT NULL,
    dedupe_key VARCHAR(128) NULL,
    created_at DATETIME(6) NOT NULL,
    read_at DATETIME(6) NULL,
    UNIQUE KEY uq_notifications_dedupe (user_id, dedupe_key),
    KEY ix_notifications_user (user_id, created_at),
    CONSTRAINT fk_notifications_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
