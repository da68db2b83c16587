-- A device can be retired (unbound) by staff: its row stays for the sessions and settlements
-- that name it, and its physical id and pile are free to bind again. The whitelist's
-- uniqueness moves to two nullable keys that hold the values only while the device is bound.
-- SQLite cannot drop a column's UNIQUE, so the table is rebuilt as SQLite's ALTER TABLE page
-- says (foreign keys off, outside the migration's transaction, so the other tables' keys keep
-- naming `devices`; see metadata.toml).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE devices_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    physical_id BIGINT NOT NULL,
    pile_id BIGINT NOT NULL,
    port_count INT NOT NULL,
    firmware INT,
    iccid TEXT,
    online BOOLEAN NOT NULL,
    last_seen_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,
    bound_physical_id BIGINT UNIQUE,
    bound_pile_id BIGINT UNIQUE,
    FOREIGN KEY (pile_id) REFERENCES piles (id)
);
INSERT INTO devices_rebuilt (id, physical_id, pile_id, port_count, firmware, iccid, online, last_seen_at, created_at, retired_at, bound_physical_id, bound_pile_id)
    SELECT id, physical_id, pile_id, port_count, firmware, iccid, online, last_seen_at, created_at, NULL, physical_id, pile_id
    FROM devices;
DROP TABLE devices;
ALTER TABLE devices_rebuilt RENAME TO devices;
CREATE INDEX ix_devices_physical_id ON devices (physical_id);
CREATE INDEX ix_devices_pile ON devices (pile_id);
-- A firm's remote stop, once per session however often it is asked for.
ALTER TABLE charging_sessions ADD COLUMN stop_requested_at TIMESTAMP;
COMMIT;
PRAGMA foreign_keys = ON;
