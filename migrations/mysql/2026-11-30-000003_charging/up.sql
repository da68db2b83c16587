-- E-bike charging: piles, sockets, per-compound settings, bookings, the slot cells that make
-- overlaps impossible, household quotas, suspensions, maintenance windows and the waitlist.

CREATE TABLE charging_settings (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    compound_id BIGINT NOT NULL,
    slot_minutes INT NOT NULL,
    days_ahead INT NOT NULL,
    min_notice_minutes INT NOT NULL,
    max_booking_minutes INT NOT NULL,
    grace_minutes INT NOT NULL,
    max_active_per_household INT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_charging_settings_compound (compound_id),
    CONSTRAINT fk_charging_settings_compound FOREIGN KEY (compound_id) REFERENCES compounds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE piles (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    compound_id BIGINT NOT NULL,
    code VARCHAR(32) NOT NULL,
    name VARCHAR(64) NOT NULL,
    location VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_piles_code (code),
    KEY ix_piles_compound (compound_id),
    CONSTRAINT fk_piles_compound FOREIGN KEY (compound_id) REFERENCES compounds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sockets (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    pile_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    number INT NOT NULL,
    code VARCHAR(16) NOT NULL,
    state VARCHAR(16) NOT NULL,
    state_changed_at DATETIME(6) NOT NULL,
    write_seq BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_sockets_code (code),
    UNIQUE KEY uq_sockets_number (pile_id, number),
    KEY ix_sockets_compound (compound_id),
    CONSTRAINT fk_sockets_pile FOREIGN KEY (pile_id) REFERENCES piles (id),
    CONSTRAINT fk_sockets_compound FOREIGN KEY (compound_id) REFERENCES compounds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE bookings (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    socket_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    starts_at DATETIME(6) NOT NULL,
    ends_at DATETIME(6) NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    checked_in_at DATETIME(6) NULL,
    finished_at DATETIME(6) NULL,
    cancelled_at DATETIME(6) NULL,
    cancel_reason VARCHAR(255) NULL,
    reminded_at DATETIME(6) NULL,
    KEY ix_bookings_user (user_id, created_at),
    KEY ix_bookings_household (household_id, status),
    KEY ix_bookings_status_start (status, starts_at),
    KEY ix_bookings_status_end (status, ends_at),
    KEY ix_bookings_socket (socket_id, starts_at),
    CONSTRAINT fk_bookings_socket FOREIGN KEY (socket_id) REFERENCES sockets (id),
    CONSTRAINT fk_bookings_compound FOREIGN KEY (compound_id) REFERENCES compounds (id),
    CONSTRAINT fk_bookings_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_bookings_household FOREIGN KEY (household_id) REFERENCES households (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per taken slot cell of a socket. UNIQUE(socket_id, slot_start) is what makes two
-- bookings of one socket never overlap. A cell is taken by a booking, a maintenance window or
-- a waitlist offer being held.
CREATE TABLE booking_slots (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    socket_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    slot_start DATETIME(6) NOT NULL,
    booking_id BIGINT NULL,
    household_id BIGINT NULL,
    maintenance_id BIGINT NULL,
    offer_id BIGINT NULL,
    UNIQUE KEY uq_booking_slots_cell (socket_id, slot_start),
    KEY ix_booking_slots_compound (compound_id, slot_start),
    KEY ix_booking_slots_booking (booking_id),
    KEY ix_booking_slots_maintenance (maintenance_id),
    KEY ix_booking_slots_offer (offer_id),
    CONSTRAINT fk_booking_slots_socket FOREIGN KEY (socket_id) REFERENCES sockets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Active bookings per household, changed only by conditional updates.
CREATE TABLE household_quotas (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    household_id BIGINT NOT NULL,
    active_count INT NOT NULL,
    UNIQUE KEY uq_household_quotas (household_id),
    CONSTRAINT fk_household_quotas_household FOREIGN KEY (household_id) REFERENCES households (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE booking_suspensions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    household_id BIGINT NOT NULL,
    suspended_until DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_booking_suspensions (household_id),
    CONSTRAINT fk_booking_suspensions_household FOREIGN KEY (household_id) REFERENCES households (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE maintenance_windows (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    compound_id BIGINT NOT NULL,
    pile_id BIGINT NULL,
    socket_id BIGINT NULL,
    starts_at DATETIME(6) NOT NULL,
    ends_at DATETIME(6) NOT NULL,
    reason VARCHAR(255) NOT NULL,
    created_by VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_maintenance_compound (compound_id, starts_at),
    CONSTRAINT fk_maintenance_compound FOREIGN KEY (compound_id) REFERENCES compounds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Queue for a taken slot range, of one socket or of any socket of a compound. Ordered by
-- queued_at (never by id). live_key is set while the entry is waiting or offered, so one
-- person queues once per range.
CREATE TABLE waitlist_entries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    compound_id BIGINT NOT NULL,
    socket_id BIGINT NULL,
    user_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    starts_at DATETIME(6) NOT NULL,
    ends_at DATETIME(6) NOT NULL,
    status VARCHAR(16) NOT NULL,
    queued_at DATETIME(6) NOT NULL,
    live_key VARCHAR(96) NULL,
    offered_socket_id BIGINT NULL,
    offer_expires_at DATETIME(6) NULL,
    booking_id BIGINT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_waitlist_live (live_key),
    KEY ix_waitlist_compound (compound_id, status, starts_at),
    KEY ix_waitlist_user (user_id, status),
    CONSTRAINT fk_waitlist_compound FOREIGN KEY (compound_id) REFERENCES compounds (id),
    CONSTRAINT fk_waitlist_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
