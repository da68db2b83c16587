-- Personal data (issue 14 §2). A resident's phone number is stored only as AES-256-GCM
-- ciphertext (`phone_cipher`: key version byte, 96-bit nonce, ciphertext and tag) with the key
-- version also in `phone_key_version` (the rotation job's conditional per row), and found through
-- `phone_index`, an HMAC-SHA256 blind index of the normalised number under a separate key.
-- `erased_at` marks an account its owner deleted (its openid is replaced, so the same WeChat
-- login makes a fresh account). `pii_rotations` records how far each re-encryption got.
ALTER TABLE users
    ADD COLUMN phone_cipher VARBINARY(64) NULL,
    ADD COLUMN phone_index VARBINARY(32) NULL,
    ADD COLUMN phone_key_version BIGINT NULL,
    ADD COLUMN erased_at DATETIME(6) NULL,
    ADD KEY ix_users_phone_index (phone_index),
    ADD KEY ix_users_phone_key_version (phone_key_version, id);
CREATE TABLE pii_rotations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    key_version BIGINT NOT NULL,
    last_user_id BIGINT NOT NULL DEFAULT 0,
    rows_done BIGINT NOT NULL DEFAULT 0,
    started_at DATETIME(6) NOT NULL,
    finished_at DATETIME(6) NULL,
    UNIQUE KEY uq_pii_rotations_version (key_version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
