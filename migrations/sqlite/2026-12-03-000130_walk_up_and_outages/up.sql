-- Walk-up charging and pile outages (issue 15 point 5). A session started without a booking
-- holds one unit of its household's quota (`holds_quota`, cleared once, conditionally, when
-- it ends) and the socket's current and next slot cells (`booking_slots.session_id`), so a
-- booking and a walk-up never share a cell. `device_outages` keeps when each pile was silent
-- (from its last frame until it was heard again), so the no-show sweeper can tell whether
-- the pile was offline during a booking's grace period.
ALTER TABLE charging_sessions ADD COLUMN holds_quota BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE booking_slots ADD COLUMN session_id BIGINT;
CREATE INDEX ix_booking_slots_session ON booking_slots (session_id);
CREATE TABLE device_outages (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    device_id BIGINT NOT NULL,
    pile_id BIGINT NOT NULL,
    offline_from TIMESTAMP NOT NULL,
    online_at TIMESTAMP,
    FOREIGN KEY (device_id) REFERENCES devices (id)
);
CREATE INDEX ix_device_outages_pile ON device_outages (pile_id, offline_from);
CREATE INDEX ix_device_outages_device ON device_outages (device_id, online_at);
