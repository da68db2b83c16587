-- Maintenance windows a firm can correct (issue 21); see the MySQL migration of the same name.
ALTER TABLE maintenance_windows ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE maintenance_windows ADD COLUMN updated_at TIMESTAMP;
CREATE TABLE maintenance_cancellations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    maintenance_id BIGINT NOT NULL,
    booking_id BIGINT NOT NULL,
    released_at TIMESTAMP,
    UNIQUE (maintenance_id, booking_id),
    FOREIGN KEY (maintenance_id) REFERENCES maintenance_windows (id),
    FOREIGN KEY (booking_id) REFERENCES bookings (id)
);
