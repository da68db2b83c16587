DROP TABLE device_outages;
ALTER TABLE booking_slots DROP INDEX ix_booking_slots_session, DROP COLUMN session_id;
ALTER TABLE charging_sessions DROP COLUMN holds_quota;
