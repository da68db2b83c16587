-- The outbox of domain events (`events/`): each row is written in the same transaction as the
-- change that caused it, so an event exists exactly when its change was committed. Consumers
-- claim events with conditional updates: the partners' webhook worker fans each one out into
-- webhook deliveries once (`fanned_out_at`). Read in order of `occurred_at`, then `event_id`
-- (a UUIDv7): auto-increment ids interleave across the nodes of a multi-primary cluster.
CREATE TABLE domain_events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id VARCHAR(64) NOT NULL,
    event_type VARCHAR(48) NOT NULL,
    compound_id BIGINT NULL,
    resource_type VARCHAR(32) NOT NULL,
    resource_id BIGINT NOT NULL,
    payload TEXT NOT NULL,
    occurred_at DATETIME(6) NOT NULL,
    fanned_out_at DATETIME(6) NULL,
    UNIQUE KEY uq_domain_events_event (event_id),
    KEY ix_domain_events_fan_out (fanned_out_at, occurred_at, event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
