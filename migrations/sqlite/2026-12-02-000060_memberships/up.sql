-- Household membership (issue 14 §1). Binding with the card number and check code asks to
-- join: a pending membership that an active owner of the household or community staff
-- approves or rejects. `live_user_id` equals `user_id` while the membership is pending or
-- active and is NULL otherwise, so its UNIQUE key allows one live membership per user.
-- `households.active_members` counts the active memberships; approving raises it with a
-- conditional update below the configured cap. `users.household_id` stays the household of
-- the user's active membership only (set on approval, cleared on revocation and expiry).
CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    live_user_id BIGINT,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP,
    decided_by BIGINT,
    decided_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (live_user_id),
    FOREIGN KEY (household_id) REFERENCES households (id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_memberships_household ON memberships (household_id, status);
CREATE INDEX ix_memberships_user ON memberships (user_id, status);
CREATE INDEX ix_memberships_expiry ON memberships (status, valid_until);

ALTER TABLE households ADD COLUMN active_members INTEGER NOT NULL DEFAULT 0;

-- Every account bound before this migration becomes an active member (no owner: staff
-- assign owners after checking papers in person).
INSERT INTO memberships (household_id, user_id, role, status, live_user_id, valid_from,
                         valid_until, decided_by, decided_at, created_at, updated_at)
SELECT household_id, id, 'member', 'active', id, created_at, NULL, NULL, created_at,
       created_at, created_at
FROM users WHERE household_id IS NOT NULL;

UPDATE households SET active_members =
    (SELECT COUNT(*) FROM memberships m WHERE m.household_id = households.id AND m.status = 'active');
