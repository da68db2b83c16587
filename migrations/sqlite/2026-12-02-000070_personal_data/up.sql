-- Personal data (issue 14 §2); see the MySQL migration of the same name.
ALTER TABLE users ADD COLUMN phone_cipher BLOB NULL;
ALTER TABLE users ADD COLUMN phone_index BLOB NULL;
ALTER TABLE users ADD COLUMN phone_key_version BIGINT NULL;
ALTER TABLE users ADD COLUMN erased_at TIMESTAMP NULL;
CREATE INDEX ix_users_phone_index ON users (phone_index);
CREATE INDEX ix_users_phone_key_version ON users (phone_key_version, id);
CREATE TABLE pii_rotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    key_version BIGINT NOT NULL,
    last_user_id BIGINT NOT NULL DEFAULT 0,
    rows_done BIGINT NOT NULL DEFAULT 0,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NULL,
    UNIQUE (key_version)
);
