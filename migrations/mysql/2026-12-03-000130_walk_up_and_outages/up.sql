-- Walk-up charging and pile outages (issue 15 point 5). A session started without a booking
-- holds one unit of its household's quota (`holds_quota`, cleared once, conditionally, when
-- it ends) and the socket's current and next slot cells (`booking_slots.session_id`), so a
-- booking and a walk-up never share a cell. `device_outages` keeps when each pile was silent
-- (from its last frame until it was heard again), so the no-show sweeper can tell whether
-- the pile was offline during a booking's grace period.
ALTER TABLE charging_sessions ADD COLUMN holds_quota BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE booking_slots
    ADD COLUMN session_id BIGINT NULL,
    ADD KEY ix_booking_slots_session (session_id);
CREATE TABLE device_outages (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    device_id BIGINT NOT NULL,
    pile_id BIGINT NOT NULL,
    offline_from DATETIME(6) NOT NULL,
    online_at DATETIME(6) NULL,
    KEY ix_device_outages_pile (pile_id, offline_from),
    KEY ix_device_outages_device (device_id, online_at),
    CONSTRAINT fk_device_outages_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
