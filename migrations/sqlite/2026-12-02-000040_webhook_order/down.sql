DROP INDEX ix_webhook_deliveries_order;
ALTER TABLE webhook_deliveries DROP COLUMN sequence;
ALTER TABLE webhook_deliveries DROP COLUMN resource_id;
ALTER TABLE webhook_deliveries DROP COLUMN resource_type;
DROP INDEX ix_domain_events_resource;
ALTER TABLE domain_events DROP COLUMN sequence;
DROP TABLE event_sequences;
