-- Webhooks in order per resource (issue 21). Each domain event gets the next number of its
-- resource (`event_sequences` is the counter: bumping it locks the resource's row, so events
-- of one resource are numbered in the order their transactions commit). A delivery keeps its
-- event's resource and number: the worker sends it only when no earlier event of the same
-- resource is still pending for the same subscription.
CREATE TABLE event_sequences (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resource_type VARCHAR(32) NOT NULL,
    resource_id BIGINT NOT NULL,
    last_sequence BIGINT NOT NULL,
    UNIQUE KEY uq_event_sequences_resource (resource_type, resource_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
ALTER TABLE domain_events
    ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0,
    ADD KEY ix_domain_events_resource (resource_type, resource_id, sequence);
ALTER TABLE webhook_deliveries
    ADD COLUMN resource_type VARCHAR(32) NOT NULL DEFAULT '',
    ADD COLUMN resource_id BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0,
    ADD KEY ix_webhook_deliveries_order (subscription_id, resource_type, resource_id, status, sequence);
