-- Every attempt of an idempotent request bumps this first thing in the transaction of its work:
-- attempts of one request then run one after the other (the row lock on one server; on a Galera
-- cluster the row is in both write sets and the later attempt is refused at COMMIT and run
-- again), so the second finds the first's effect instead of failing on it.
ALTER TABLE idempotency_keys ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
