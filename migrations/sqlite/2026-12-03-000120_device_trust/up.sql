-- Trust and limits (issue 15 point 6). A session whose readings are implausible (more than
-- 10 kWh, more than 3.5 kW) keeps them for audit but is flagged and never billed. Raw frames
-- of settlements and faults are kept for 90 days (a purge job deletes older ones).
ALTER TABLE charging_sessions ADD COLUMN reading_flag TEXT;
ALTER TABLE charging_sessions ADD COLUMN billable BOOLEAN NOT NULL DEFAULT 1;

CREATE TABLE device_frames (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    device_id BIGINT NOT NULL,
    physical_id BIGINT NOT NULL,
    command INT NOT NULL,
    raw_hex TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    FOREIGN KEY (device_id) REFERENCES devices (id)
);
CREATE INDEX ix_device_frames_received ON device_frames (received_at);
CREATE INDEX ix_device_frames_device ON device_frames (device_id, received_at);
