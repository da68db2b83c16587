-- The outbox of domain events (`events/`): each row is written in the same transaction as the
-- change that caused it, so an event exists exactly when its change was committed. Consumers
-- claim events with conditional updates: the partners' webhook worker fans each one out into
-- webhook deliveries once (`fanned_out_at`). Read in order of `occurred_at`, then `event_id`
-- (a UUIDv7): auto-increment ids interleave across the nodes of a multi-primary cluster.
CREATE TABLE domain_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    compound_id BIGINT,
    resource_type TEXT NOT NULL,
    resource_id BIGINT NOT NULL,
    payload TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    fanned_out_at TIMESTAMP,
    UNIQUE (event_id)
);
CREATE INDEX ix_domain_events_fan_out ON domain_events (fanned_out_at, occurred_at, event_id);
