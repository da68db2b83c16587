DROP TABLE audit_log;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_subscriptions;
DROP TABLE partner_clients;
DROP TABLE partner_compounds;
DROP TABLE partners;
