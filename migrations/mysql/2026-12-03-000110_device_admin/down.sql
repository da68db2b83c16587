ALTER TABLE charging_sessions DROP COLUMN stop_requested_at;
DELETE FROM socket_live_states WHERE device_id IN (SELECT id FROM devices WHERE retired_at IS NOT NULL);
ALTER TABLE devices
    ADD UNIQUE KEY ux_devices_physical_id (physical_id),
    ADD UNIQUE KEY ux_devices_pile (pile_id);
ALTER TABLE devices
    DROP INDEX ix_devices_physical_id,
    DROP INDEX ix_devices_pile,
    DROP INDEX ux_devices_bound_physical_id,
    DROP INDEX ux_devices_bound_pile,
    DROP COLUMN bound_pile_id,
    DROP COLUMN bound_physical_id,
    DROP COLUMN retired_at;
