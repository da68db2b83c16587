-- E-bike charging: piles, sockets, per-compound settings, bookings, the slot cells that make
-- overlaps impossible, household quotas, suspensions, maintenance windows and the waitlist.

CREATE TABLE charging_settings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    compound_id BIGINT NOT NULL,
    slot_minutes INT NOT NULL,
    days_ahead INT NOT NULL,
    min_notice_minutes INT NOT NULL,
    max_booking_minutes INT NOT NULL,
    grace_minutes INT NOT NULL,
    max_active_per_household INT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (compound_id),
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);

CREATE TABLE piles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    compound_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    location TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (code),
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);
CREATE INDEX ix_piles_compound ON piles (compound_id);

CREATE TABLE sockets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pile_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    number INT NOT NULL,
    code TEXT NOT NULL,
    state TEXT NOT NULL,
    state_changed_at TIMESTAMP NOT NULL,
    write_seq BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code),
    UNIQUE (pile_id, number),
    FOREIGN KEY (pile_id) REFERENCES piles (id),
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);
CREATE INDEX ix_sockets_compound ON sockets (compound_id);

CREATE TABLE bookings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    socket_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    checked_in_at TIMESTAMP,
    finished_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    cancel_reason TEXT,
    reminded_at TIMESTAMP,
    FOREIGN KEY (socket_id) REFERENCES sockets (id),
    FOREIGN KEY (compound_id) REFERENCES compounds (id),
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (household_id) REFERENCES households (id)
);
CREATE INDEX ix_bookings_user ON bookings (user_id, created_at);
CREATE INDEX ix_bookings_household ON bookings (household_id, status);
CREATE INDEX ix_bookings_status_start ON bookings (status, starts_at);
CREATE INDEX ix_bookings_status_end ON bookings (status, ends_at);
CREATE INDEX ix_bookings_socket ON bookings (socket_id, starts_at);

-- One row per taken slot cell of a socket. UNIQUE(socket_id, slot_start) is what makes two
-- bookings of one socket never overlap. A cell is taken by a booking, a maintenance window or
-- a waitlist offer being held.
CREATE TABLE booking_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    socket_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    slot_start TIMESTAMP NOT NULL,
    booking_id BIGINT,
    household_id BIGINT,
    maintenance_id BIGINT,
    offer_id BIGINT,
    UNIQUE (socket_id, slot_start),
    FOREIGN KEY (socket_id) REFERENCES sockets (id)
);
CREATE INDEX ix_booking_slots_compound ON booking_slots (compound_id, slot_start);
CREATE INDEX ix_booking_slots_booking ON booking_slots (booking_id);
CREATE INDEX ix_booking_slots_maintenance ON booking_slots (maintenance_id);
CREATE INDEX ix_booking_slots_offer ON booking_slots (offer_id);

-- Active bookings per household, changed only by conditional updates.
CREATE TABLE household_quotas (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL,
    active_count INT NOT NULL,
    UNIQUE (household_id),
    FOREIGN KEY (household_id) REFERENCES households (id)
);

CREATE TABLE booking_suspensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL,
    suspended_until TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (household_id),
    FOREIGN KEY (household_id) REFERENCES households (id)
);

CREATE TABLE maintenance_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    compound_id BIGINT NOT NULL,
    pile_id BIGINT,
    socket_id BIGINT,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);
CREATE INDEX ix_maintenance_compound ON maintenance_windows (compound_id, starts_at);

-- Queue for a taken slot range, of one socket or of any socket of a compound. Ordered by
-- queued_at (never by id). live_key is set while the entry is waiting or offered, so one
-- person queues once per range.
CREATE TABLE waitlist_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    compound_id BIGINT NOT NULL,
    socket_id BIGINT,
    user_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    live_key TEXT,
    offered_socket_id BIGINT,
    offer_expires_at TIMESTAMP,
    booking_id BIGINT,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (live_key),
    FOREIGN KEY (compound_id) REFERENCES compounds (id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_waitlist_compound ON waitlist_entries (compound_id, status, starts_at);
CREATE INDEX ix_waitlist_user ON waitlist_entries (user_id, status);
