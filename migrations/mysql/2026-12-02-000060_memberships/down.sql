ALTER TABLE households DROP COLUMN active_members;
DROP TABLE memberships;
