-- Piles driven over the DNY protocol: the whitelist of printed physical ids (each bound to
-- one pile), every socket's live state from the heartbeats, the command outbox the gateways
-- claim, which gateway holds which device, charging sessions and the settlements the piles
-- sent (one per order number, however many copies came).
CREATE TABLE devices (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    physical_id BIGINT NOT NULL,
    pile_id BIGINT NOT NULL,
    port_count INT NOT NULL,
    firmware INT NULL,
    iccid VARCHAR(32) NULL,
    online BOOLEAN NOT NULL,
    last_seen_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_devices_physical_id (physical_id),
    UNIQUE KEY ux_devices_pile (pile_id),
    CONSTRAINT fk_devices_pile FOREIGN KEY (pile_id) REFERENCES piles (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE socket_live_states (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    socket_id BIGINT NOT NULL,
    device_id BIGINT NOT NULL,
    state VARCHAR(16) NOT NULL,
    status_code INT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_socket_live_states_socket (socket_id),
    KEY ix_socket_live_states_device (device_id),
    CONSTRAINT fk_socket_live_states_socket FOREIGN KEY (socket_id) REFERENCES sockets (id),
    CONSTRAINT fk_socket_live_states_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE device_leases (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    device_id BIGINT NOT NULL,
    gateway VARCHAR(64) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_device_leases_device (device_id),
    CONSTRAINT fk_device_leases_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE charging_sessions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_no VARCHAR(32) NOT NULL,
    socket_id BIGINT NOT NULL,
    open_socket_id BIGINT NULL,
    device_id BIGINT NOT NULL,
    port INT NOT NULL,
    user_id BIGINT NOT NULL,
    household_id BIGINT NOT NULL,
    booking_id BIGINT NULL,
    state VARCHAR(32) NOT NULL,
    requested_at DATETIME(6) NOT NULL,
    started_at DATETIME(6) NULL,
    ended_at DATETIME(6) NULL,
    last_report_at DATETIME(6) NULL,
    power_w INT NULL,
    energy_wh INT NOT NULL,
    duration_s INT NOT NULL,
    peak_power_w INT NULL,
    band_power_w INT NULL,
    stop_reason_code INT NULL,
    stop_reason VARCHAR(32) NULL,
    failure VARCHAR(32) NULL,
    failure_code INT NULL,
    UNIQUE KEY ux_charging_sessions_order (order_no),
    UNIQUE KEY ux_charging_sessions_open_socket (open_socket_id),
    KEY ix_charging_sessions_user (user_id, requested_at),
    KEY ix_charging_sessions_booking (booking_id),
    KEY ix_charging_sessions_device (device_id, state),
    CONSTRAINT fk_charging_sessions_socket FOREIGN KEY (socket_id) REFERENCES sockets (id),
    CONSTRAINT fk_charging_sessions_device FOREIGN KEY (device_id) REFERENCES devices (id),
    CONSTRAINT fk_charging_sessions_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_charging_sessions_household FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT fk_charging_sessions_booking FOREIGN KEY (booking_id) REFERENCES bookings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE device_commands (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    device_id BIGINT NOT NULL,
    session_id BIGINT NULL,
    kind VARCHAR(16) NOT NULL,
    port INT NOT NULL,
    order_no VARCHAR(32) NOT NULL,
    duration_s INT NOT NULL,
    status VARCHAR(16) NOT NULL,
    message_id INT NULL,
    attempts INT NOT NULL,
    next_attempt_at DATETIME(6) NOT NULL,
    claimed_by VARCHAR(64) NULL,
    claimed_until DATETIME(6) NULL,
    reply_code INT NULL,
    created_at DATETIME(6) NOT NULL,
    sent_at DATETIME(6) NULL,
    done_at DATETIME(6) NULL,
    KEY ix_device_commands_due (status, next_attempt_at),
    KEY ix_device_commands_device (device_id, message_id),
    CONSTRAINT fk_device_commands_device FOREIGN KEY (device_id) REFERENCES devices (id),
    CONSTRAINT fk_device_commands_session FOREIGN KEY (session_id) REFERENCES charging_sessions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE device_settlements (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_no VARCHAR(32) NOT NULL,
    device_id BIGINT NOT NULL,
    port INT NOT NULL,
    energy_wh INT NOT NULL,
    duration_s INT NOT NULL,
    max_power_w INT NOT NULL,
    band_power_w INT NULL,
    stop_reason_code INT NOT NULL,
    raw_hex VARCHAR(600) NOT NULL,
    copies INT NOT NULL,
    received_at DATETIME(6) NOT NULL,
    last_copy_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_device_settlements_order (order_no),
    CONSTRAINT fk_device_settlements_device FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
