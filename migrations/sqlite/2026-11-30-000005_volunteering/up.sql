-- Volunteer sign-ups: teams, profiles, activities, sign-ups with seats and a waitlist, the
-- points ledger, the points supermarket, micro-wishes and private calendar feeds.
-- Invariants live here: one live sign-up per person and activity (UNIQUE on live_key, NULL
-- once cancelled), one ledger entry per reference, one balance row per user.

CREATE TABLE volunteer_teams (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    community_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (name),
    FOREIGN KEY (community_id) REFERENCES communities (id)
);

CREATE TABLE team_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    team_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    UNIQUE (team_id, user_id),
    FOREIGN KEY (team_id) REFERENCES volunteer_teams (id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_team_members_user ON team_members (user_id);

CREATE TABLE volunteer_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    skills TEXT NOT NULL,
    is_party_member BOOLEAN NOT NULL,
    party_unit TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (user_id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    team_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    signup_deadline TIMESTAMP NOT NULL,
    capacity INT NOT NULL,
    seats_taken INT NOT NULL,
    queue_seq BIGINT NOT NULL,
    required_skills TEXT NOT NULL,
    points_per_hour INT NOT NULL,
    checkin_code TEXT NOT NULL,
    status TEXT NOT NULL,
    cancel_reason TEXT,
    created_by BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    FOREIGN KEY (team_id) REFERENCES volunteer_teams (id),
    FOREIGN KEY (community_id) REFERENCES communities (id),
    FOREIGN KEY (created_by) REFERENCES users (id)
);
CREATE INDEX ix_activities_status_start ON activities (status, starts_at);
CREATE INDEX ix_activities_community_start ON activities (community_id, starts_at);
CREATE INDEX ix_activities_team ON activities (team_id);

CREATE TABLE signups (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    live_key BIGINT,
    queue_no BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    checked_in_at TIMESTAMP,
    checked_out_at TIMESTAMP,
    no_show BOOLEAN NOT NULL,
    service_minutes INT,
    points_awarded INT,
    UNIQUE (activity_id, live_key),
    FOREIGN KEY (activity_id) REFERENCES activities (id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_signups_queue ON signups (activity_id, status, queue_no);
CREATE INDEX ix_signups_user ON signups (user_id, created_at);

CREATE TABLE points_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    amount INT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    note TEXT,
    created_by BIGINT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (reference),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_points_ledger_user ON points_ledger (user_id, created_at);

CREATE TABLE points_balances (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    balance BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (user_id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);

CREATE TABLE shop_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    price_points INT NOT NULL,
    stock INT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX ix_shop_items_active ON shop_items (active, id);

CREATE TABLE redemptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    quantity INT NOT NULL,
    points INT NOT NULL,
    pickup_code TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    collected_at TIMESTAMP,
    collected_by BIGINT,
    UNIQUE (pickup_code),
    FOREIGN KEY (item_id) REFERENCES shop_items (id),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_redemptions_user ON redemptions (user_id, created_at);

CREATE TABLE wishes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    community_id BIGINT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    points INT NOT NULL,
    status TEXT NOT NULL,
    claimer_id BIGINT,
    claimed_at TIMESTAMP,
    fulfilled_at TIMESTAMP,
    confirmed_at TIMESTAMP,
    auto_confirmed BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (claimer_id) REFERENCES users (id),
    FOREIGN KEY (community_id) REFERENCES communities (id)
);
CREATE INDEX ix_wishes_status ON wishes (status, created_at);
CREATE INDEX ix_wishes_fulfilled ON wishes (status, fulfilled_at);
CREATE INDEX ix_wishes_user ON wishes (user_id);
CREATE INDEX ix_wishes_claimer ON wishes (claimer_id);

CREATE TABLE calendar_feeds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id),
    UNIQUE (token),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
