-- What an idempotent request created (e.g. `booking:42`), written in the same transaction as
-- the work: a retry after an unknown outcome answers with it instead of doing the work twice.
ALTER TABLE idempotency_keys ADD COLUMN effect VARCHAR(64) NULL;
