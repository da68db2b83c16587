-- Trust and limits (issue 15 point 6). A session whose readings are implausible (more than
-- 10 kWh, more than 3.5 kW) keeps them for audit but is flagged and never billed. Raw frames
-- of settlements and faults are kept for 90 days (a purge job deletes older ones).
ALTER TABLE charging_sessions ADD COLUMN reading_flag VARCHAR(32) NULL;
ALTER TABLE charging_sessions ADD COLUMN billable BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE device_frames (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    device_id BIGINT NOT NULL,
    physical_id BIGINT NOT NULL,
    command INT NOT NULL,
    raw_hex TEXT NOT NULL,
    received_at DATETIME(6) NOT NULL,
    KEY ix_device_frames_received (received_at),
    KEY ix_device_frames_device (device_id, received_at),
    CONSTRAINT fk_device_frames_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
