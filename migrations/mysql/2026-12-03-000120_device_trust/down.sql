DROP TABLE device_frames;
ALTER TABLE charging_sessions DROP COLUMN billable;
ALTER TABLE charging_sessions DROP COLUMN reading_flag;
