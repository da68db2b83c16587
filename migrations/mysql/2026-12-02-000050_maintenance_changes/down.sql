DROP TABLE maintenance_cancellations;
ALTER TABLE maintenance_windows
    DROP COLUMN updated_at,
    DROP COLUMN cancelled_at;
