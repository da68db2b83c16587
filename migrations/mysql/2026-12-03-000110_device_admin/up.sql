-- A device can be retired (unbound) by staff: its row stays for the sessions and settlements
-- that name it, and its physical id and pile are free to bind again. The whitelist's
-- uniqueness moves to two nullable keys that hold the values only while the device is bound.
ALTER TABLE devices
    ADD COLUMN retired_at DATETIME(6) NULL,
    ADD COLUMN bound_physical_id BIGINT NULL,
    ADD COLUMN bound_pile_id BIGINT NULL;
UPDATE devices SET bound_physical_id = physical_id, bound_pile_id = pile_id;
ALTER TABLE devices
    ADD UNIQUE KEY ux_devices_bound_physical_id (bound_physical_id),
    ADD UNIQUE KEY ux_devices_bound_pile (bound_pile_id),
    ADD KEY ix_devices_physical_id (physical_id),
    ADD KEY ix_devices_pile (pile_id);
ALTER TABLE devices
    DROP INDEX ux_devices_physical_id,
    DROP INDEX ux_devices_pile;
-- A firm's remote stop, once per session however often it is asked for.
ALTER TABLE charging_sessions ADD COLUMN stop_requested_at DATETIME(6) NULL;
