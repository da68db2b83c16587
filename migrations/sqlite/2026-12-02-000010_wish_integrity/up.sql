-- Points that cannot be farmed. Team memberships wait for a leader's approval (rows that
-- exist already were joined under the old rule and stay approved). A disputed wish waits for
-- staff. Per-user counters decide the caps by conditional updates (`... WHERE open_claims < cap`),
-- so two requests at once cannot both slip under a cap: open wishes and open claims per user,
-- wish points per user and month. Adjustments above the approval threshold wait for a second
-- staff member.

ALTER TABLE team_members ADD COLUMN status TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE team_members ADD COLUMN decided_by BIGINT;
ALTER TABLE team_members ADD COLUMN decided_at TIMESTAMP;

ALTER TABLE wishes ADD COLUMN disputed_at TIMESTAMP;
ALTER TABLE wishes ADD COLUMN dispute_reason TEXT;
ALTER TABLE wishes ADD COLUMN settled_by BIGINT;
ALTER TABLE wishes ADD COLUMN settle_reason TEXT;
ALTER TABLE wishes ADD COLUMN points_paid INTEGER;

CREATE INDEX ix_wishes_confirmed ON wishes (status, confirmed_at);

CREATE TABLE wish_quotas (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    open_wishes INTEGER NOT NULL,
    open_claims INTEGER NOT NULL,
    UNIQUE (user_id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE wish_month_points (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    points INTEGER NOT NULL,
    UNIQUE (user_id, month),
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE points_adjustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    amount INTEGER NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by BIGINT NOT NULL,
    decided_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (requested_by) REFERENCES users (id)
);
CREATE INDEX ix_points_adjustments_status ON points_adjustments (status, created_at);
