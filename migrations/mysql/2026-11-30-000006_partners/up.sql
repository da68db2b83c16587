-- Property-firm partners: their compounds, API clients, webhook subscriptions, the outbox of
-- events with their deliveries and attempts, and the audit log of partner writes.

CREATE TABLE partners (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_partners_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE partner_compounds (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    partner_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_partner_compounds_compound (compound_id),
    KEY ix_partner_compounds_partner (partner_id),
    CONSTRAINT fk_partner_compounds_partner FOREIGN KEY (partner_id) REFERENCES partners (id),
    CONSTRAINT fk_partner_compounds_compound FOREIGN KEY (compound_id) REFERENCES compounds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE partner_clients (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    partner_id BIGINT NOT NULL,
    client_id VARCHAR(64) NOT NULL,
    name VARCHAR(128) NOT NULL,
    scopes VARCHAR(255) NOT NULL,
    secret_hash VARCHAR(64) NOT NULL,
    previous_secret_hash VARCHAR(64) NULL,
    previous_valid_until DATETIME(6) NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    rotated_at DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    UNIQUE KEY uq_partner_clients_client (client_id),
    KEY ix_partner_clients_partner (partner_id),
    CONSTRAINT fk_partner_clients_partner FOREIGN KEY (partner_id) REFERENCES partners (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_subscriptions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    partner_id BIGINT NOT NULL,
    url VARCHAR(512) NOT NULL,
    events VARCHAR(255) NOT NULL,
    secret VARCHAR(128) NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_webhook_subscriptions_partner (partner_id),
    CONSTRAINT fk_webhook_subscriptions_partner FOREIGN KEY (partner_id) REFERENCES partners (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outbox: written in the same transaction as the change that caused the event.
CREATE TABLE webhook_events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id VARCHAR(64) NOT NULL,
    partner_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    event_type VARCHAR(48) NOT NULL,
    payload TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_webhook_events_event (event_id),
    KEY ix_webhook_events_partner (partner_id, created_at),
    CONSTRAINT fk_webhook_events_partner FOREIGN KEY (partner_id) REFERENCES partners (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_deliveries (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_row_id BIGINT NOT NULL,
    subscription_id BIGINT NOT NULL,
    partner_id BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    attempts INT NOT NULL,
    next_attempt_at DATETIME(6) NOT NULL,
    claimed_by VARCHAR(64) NULL,
    claimed_until DATETIME(6) NULL,
    last_status_code INT NULL,
    last_error VARCHAR(255) NULL,
    delivered_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_webhook_deliveries_due (status, next_attempt_at),
    KEY ix_webhook_deliveries_subscription (subscription_id, created_at),
    KEY ix_webhook_deliveries_partner (partner_id),
    CONSTRAINT fk_webhook_deliveries_event FOREIGN KEY (event_row_id) REFERENCES webhook_events (id),
    CONSTRAINT fk_webhook_deliveries_subscription FOREIGN KEY (subscription_id) REFERENCES webhook_subscriptions (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_attempts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    delivery_id BIGINT NOT NULL,
    attempted_at DATETIME(6) NOT NULL,
    status_code INT NULL,
    error VARCHAR(255) NULL,
    duration_ms INT NOT NULL,
    KEY ix_webhook_attempts_delivery (delivery_id),
    CONSTRAINT fk_webhook_attempts_delivery FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    partner_id BIGINT NULL,
    actor VARCHAR(96) NOT NULL,
    action VARCHAR(64) NOT NULL,
    target_type VARCHAR(32) NOT NULL,
    target_id BIGINT NULL,
    before_json TEXT NULL,
    after_json TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_audit_log_partner (partner_id, created_at),
    KEY ix_audit_log_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
