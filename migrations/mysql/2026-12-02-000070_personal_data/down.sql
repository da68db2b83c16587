DROP TABLE pii_rotations;
ALTER TABLE users
    DROP KEY ix_users_phone_key_version,
    DROP KEY ix_users_phone_index,
    DROP COLUMN erased_at,
    DROP COLUMN phone_key_version,
    DROP COLUMN phone_index,
    DROP COLUMN phone_cipher;
