-- Piles driven over the DNY protocol: the whitelist of printed physical ids (each bound to
-- one pile), every socket's live state from the heartbeats, the command outbox the gateways
-- claim, which gateway holds which device, charging sessions and the settlements the piles
-- sent (one per order number, however many copies came).
CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    physical_id BIGINT NOT NULL UNIQUE,
    pile_id BIGINT NOT NULL UNIQUE,
    port_count INT NOT NULL,
    firmware INT,
    iccid TEXT,
    online BOOLEAN NOT NULL,
    last_seen_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (pile_id) REFERENCES piles (id)
);

CREATE TABLE socket_live_states (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    socket_id BIGINT NOT NULL UNIQUE,
    device_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    status_code INT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (socket_id) REFERENCES sockets (id),
    FOREIGN KEY (device_id) REFERENCES devices (id)
);
CREATE INDEX ix_socket_live_states_device ON socket_live_states (device_id);

CREATE TABLE device_leases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    device_id BIGINT NOT NULL UNIQUE,
    gateway TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (device_id) REFERENCES devices (id)
);

CREATE TABLE charging_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    order_no TEXT NOT NULL UNIQUE,
    socket_id BIGINT NOT NULL,
    open_socket_id BIGINT UNIQUE,
    device_id BIGINT NOT NULL,
    port INT NOT NULL,
    user_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    booking_id BIGINT,
    state TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    last_report_at TIMESTAMP,
    power_w INT,
    energy_wh INT NOT NULL,
    duration_s INT NOT NULL,
    peak_power_w INT,
    band_power_w INT,
    stop_reason_code INT,
    stop_reason TEXT,
    failure TEXT,
    failure_code INT,
    FOREIGN KEY (socket_id) REFERENCES sockets (id),
    FOREIGN KEY (device_id) REFERENCES devices (id),
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (household_id) REFERENCES households (id),
    FOREIGN KEY (booking_id) REFERENCES bookings (id)
);
CREATE INDEX ix_charging_sessions_user ON charging_sessions (user_id, requested_at);
CREATE INDEX ix_charging_sessions_booking ON charging_sessions (booking_id);
CREATE INDEX ix_charging_sessions_device ON charging_sessions (device_id, state);

CREATE TABLE device_commands (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    device_id BIGINT NOT NULL,
    session_id BIGINT,
    kind TEXT NOT NULL,
    port INT NOT NULL,
    order_no TEXT NOT NULL,
    duration_s INT NOT NULL,
    status TEXT NOT NULL,
    message_id INT,
    attempts INT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    reply_code INT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    done_at TIMESTAMP,
    FOREIGN KEY (device_id) REFERENCES devices (id),
    FOREIGN KEY (session_id) REFERENCES charging_sessions (id)
);
CREATE INDEX ix_device_commands_due ON device_commands (status, next_attempt_at);
CREATE INDEX ix_device_commands_device ON device_commands (device_id, message_id);

CREATE TABLE device_settlements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    order_no TEXT NOT NULL UNIQUE,
    device_id BIGINT NOT NULL,
    port INT NOT NULL,
    energy_wh INT NOT NULL,
    duration_s INT NOT NULL,
    max_power_w INT NOT NULL,
    band_power_w INT,
    stop_reason_code INT NOT NULL,
    raw_hex TEXT NOT NULL,
    copies INT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    last_copy_at TIMESTAMP NOT NULL,
    FOREIGN KEY (device_id) REFERENCES devices (id)
);
