-- Maintenance windows a firm can correct (issue 21): a window can be moved or withdrawn.
-- `cancelled_at` marks a withdrawn window (its cells are freed); `updated_at` is set by every
-- change and cancellation, whose first statement is a conditional update of the window's row
-- (it both checks the window's state and serialises changes of one window).
-- `maintenance_cancellations` keeps which bookings a window cancelled, so their residents are
-- told when the window is withdrawn or moved off their time (`released_at`, once each).
ALTER TABLE maintenance_windows
    ADD COLUMN cancelled_at DATETIME(6) NULL,
    ADD COLUMN updated_at DATETIME(6) NULL;
CREATE TABLE maintenance_cancellations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    maintenance_id BIGINT NOT NULL,
    booking_id BIGINT NOT NULL,
    released_at DATETIME(6) NULL,
    UNIQUE KEY uq_maintenance_cancellations (maintenance_id, booking_id),
    CONSTRAINT fk_maintenance_cancellations_window FOREIGN KEY (maintenance_id) REFERENCES maintenance_windows (id),
    CONSTRAINT fk_maintenance_cancellations_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
