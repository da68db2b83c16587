DROP TABLE pii_rotations;
DROP INDEX ix_users_phone_key_version;
DROP INDEX ix_users_phone_index;
ALTER TABLE users DROP COLUMN erased_at;
ALTER TABLE users DROP COLUMN phone_key_version;
ALTER TABLE users DROP COLUMN phone_index;
ALTER TABLE users DROP COLUMN phone_cipher;
