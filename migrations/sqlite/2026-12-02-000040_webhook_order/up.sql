-- Webhooks in order per resource (issue 21); see the MySQL migration of the same name.
CREATE TABLE event_sequences (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    last_sequence BIGINT NOT NULL,
    UNIQUE (resource_type, resource_id)
);
ALTER TABLE domain_events ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ix_domain_events_resource ON domain_events (resource_type, resource_id, sequence);
ALTER TABLE webhook_deliveries ADD COLUMN resource_type TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN resource_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;
CREATE INDEX ix_webhook_deliveries_order ON webhook_deliveries (subscription_id, resource_type, resource_id, status, sequence);
