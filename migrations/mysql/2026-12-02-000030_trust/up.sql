-- Trust (issue 20). Roles and partner scopes are checked against the database on every
-- request: `auth_version` is bumped by every change of a user's role and of a client's scopes
-- or status, and access tokens carry the version they were signed at. A compound open to the
-- whole community can be booked by any resident; the others only by their own households.
ALTER TABLE users ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE partner_clients ADD COLUMN auth_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE compounds ADD COLUMN open_to_community BOOLEAN NOT NULL DEFAULT FALSE;
