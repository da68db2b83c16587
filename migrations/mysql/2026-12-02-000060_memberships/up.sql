-- Household membership (issue 14 §1). Binding with the card number and check code asks to
-- join: a pending membership that an active owner of the household or community staff
-- approves or rejects. `live_user_id` equals `user_id` while the membership is pending or
-- active and is NULL otherwise, so its UNIQUE key allows one live membership per user.
-- `households.active_members` counts the active memberships; approving raises it with a
-- conditional update below the configured cap. `users.household_id` stays the household of
-- the user's active membership only (set on approval, cleared on revocation and expiry).
CREATE TABLE memberships (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    household_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    live_user_id BIGINT NULL,
    valid_from DATETIME(6) NOT NULL,
    valid_until DATETIME(6) NULL,
    decided_by BIGINT NULL,
    decided_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_memberships_live (live_user_id),
    KEY ix_memberships_household (household_id, status),
    KEY ix_memberships_user (user_id, status),
    KEY ix_memberships_expiry (status, valid_until),
    CONSTRAINT fk_memberships_household FOREIGN KEY (household_id) REFERENCES households (id),
    CONSTRAINT fk_memberships_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE households ADD COLUMN active_members INT NOT NULL DEFAULT 0;

-- Every account bound before this migration becomes an active member (no owner: staff
-- assign owners after checking papers in person).
INSERT INTO memberships (household_id, user_id, role, status, live_user_id, valid_from,
                         valid_until, decided_by, decided_at, created_at, updated_at)
SELECT household_id, id, 'member', 'active', id, created_at, NULL, NULL, created_at,
       created_at, created_at
FROM users WHERE household_id IS NOT NULL;

UPDATE households SET active_members =
    (SELECT COUNT(*) FROM memberships m WHERE m.household_id = households.id AND m.status = 'active');
