DROP INDEX ix_memberships_expiry;
DROP INDEX ix_memberships_user;
DROP INDEX ix_memberships_household;
DROP TABLE memberships;
ALTER TABLE households DROP COLUMN active_members;
