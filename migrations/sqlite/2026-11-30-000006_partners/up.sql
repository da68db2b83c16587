-- Property-firm partners: their compounds, API clients, webhook subscriptions, the outbox of
-- events with their deliveries and attempts, and the audit log of partner writes.

CREATE TABLE partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (name)
);

CREATE TABLE partner_compounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (compound_id),
    FOREIGN KEY (partner_id) REFERENCES partners (id),
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);
CREATE INDEX ix_partner_compounds_partner ON partner_compounds (partner_id);

CREATE TABLE partner_clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id BIGINT NOT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    previous_secret_hash TEXT,
    previous_valid_until TIMESTAMP,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP,
    UNIQUE (client_id),
    FOREIGN KEY (partner_id) REFERENCES partners (id)
);
CREATE INDEX ix_partner_clients_partner ON partner_clients (partner_id);

CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id BIGINT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (partner_id) REFERENCES partners (id)
);
CREATE INDEX ix_webhook_subscriptions_partner ON webhook_subscriptions (partner_id);

-- The outbox: written in the same transaction as the change that caused the event.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id TEXT NOT NULL,
    partner_id BIGINT NOT NULL,
    compound_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (event_id),
    FOREIGN KEY (partner_id) REFERENCES partners (id)
);
CREATE INDEX ix_webhook_events_partner ON webhook_events (partner_id, created_at);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_row_id BIGINT NOT NULL,
    subscription_id BIGINT NOT NULL,
    partner_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts INT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_status_code INT,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (event_row_id) REFERENCES webhook_events (id),
    FOREIGN KEY (subscription_id) REFERENCES webhook_subscriptions (id)
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX ix_webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);
CREATE INDEX ix_webhook_deliveries_partner ON webhook_deliveries (partner_id);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    delivery_id BIGINT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INT,
    error TEXT,
    duration_ms INT NOT NULL,
    FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries (id)
);
CREATE INDEX ix_webhook_attempts_delivery ON webhook_attempts (delivery_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id BIGINT,
    before_json TEXT,
    after_json TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_audit_log_partner ON audit_log (partner_id, created_at);
CREATE INDEX ix_audit_log_created ON audit_log (created_at);
