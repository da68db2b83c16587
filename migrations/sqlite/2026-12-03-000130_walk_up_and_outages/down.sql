DROP TABLE device_outages;
DROP INDEX ix_booking_slots_session;
ALTER TABLE booking_slots DROP COLUMN session_id;
ALTER TABLE charging_sessions DROP COLUMN holds_quota;
