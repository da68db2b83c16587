-- Volunteer sign-ups: teams, profiles, activities, sign-ups with seats and a waitlist, the
-- points ledger, the points supermarket, micro-wishes and private calendar feeds.
-- Invariants live here: one live sign-up per person and activity (UNIQUE on live_key, NULL
-- once cancelled), one ledger entry per reference, one balance row per user.

CREATE TABLE volunteer_teams (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    description VARCHAR(1000) NOT NULL,
    community_id BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_volunteer_teams_name (name),
    CONSTRAINT fk_volunteer_teams_community FOREIGN KEY (community_id) REFERENCES communities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE team_members (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    team_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    role VARCHAR(16) NOT NULL,
    joined_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_team_members (team_id, user_id),
    KEY ix_team_members_user (user_id),
    CONSTRAINT fk_team_members_team FOREIGN KEY (team_id) REFERENCES volunteer_teams (id),
    CONSTRAINT fk_team_members_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE volunteer_profiles (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    skills TEXT NOT NULL,
    is_party_member BOOLEAN NOT NULL,
    party_unit VARCHAR(128) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_volunteer_profiles_user (user_id),
    CONSTRAINT fk_volunteer_profiles_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE activities (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    team_id BIGINT NOT NULL,
    community_id BIGINT NOT NULL,
    title VARCHAR(128) NOT NULL,
    category VARCHAR(32) NOT NULL,
    description TEXT NOT NULL,
    place VARCHAR(255) NOT NULL,
    starts_at DATETIME(6) NOT NULL,
    ends_at DATETIME(6) NOT NULL,
    signup_deadline DATETIME(6) NOT NULL,
    capacity INT NOT NULL,
    seats_taken INT NOT NULL,
    queue_seq BIGINT NOT NULL,
    required_skills TEXT NOT NULL,
    points_per_hour INT NOT NULL,
    checkin_code VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    cancel_reason VARCHAR(255) NULL,
    created_by BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    closed_at DATETIME(6) NULL,
    KEY ix_activities_status_start (status, starts_at),
    KEY ix_activities_community_start (community_id, starts_at),
    KEY ix_activities_team (team_id),
    CONSTRAINT fk_activities_team FOREIGN KEY (team_id) REFERENCES volunteer_teams (id),
    CONSTRAINT fk_activities_community FOREIGN KEY (community_id) REFERENCES communities (id),
    CONSTRAINT fk_activities_created_by FOREIGN KEY (created_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE signups (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    activity_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    status VARCHAR(16) NOT NULL,
    live_key BIGINT NULL,
    queue_no BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    confirmed_at DATETIME(6) NULL,
    cancelled_at DATETIME(6) NULL,
    checked_in_at DATETIME(6) NULL,
    checked_out_at DATETIME(6) NULL,
    no_show BOOLEAN NOT NULL,
    service_minutes INT NULL,
    points_awarded INT NULL,
    UNIQUE KEY uq_signups_live (activity_id, live_key),
    KEY ix_signups_queue (activity_id, status, queue_no),
    KEY ix_signups_user (user_id, created_at),
    CONSTRAINT fk_signups_activity FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT fk_signups_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE points_ledger (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    amount INT NOT NULL,
    reason VARCHAR(32) NOT NULL,
    reference VARCHAR(96) NOT NULL,
    note VARCHAR(255) NULL,
    created_by BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_points_ledger_reference (reference),
    KEY ix_points_ledger_user (user_id, created_at),
    CONSTRAINT fk_points_ledger_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE points_balances (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    balance BIGINT NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_points_balances_user (user_id),
    CONSTRAINT fk_points_balances_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE shop_items (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    description VARCHAR(500) NOT NULL,
    price_points INT NOT NULL,
    stock INT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    KEY ix_shop_items_active (active, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE redemptions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    quantity INT NOT NULL,
    points INT NOT NULL,
    pickup_code VARCHAR(16) NOT NULL,
    status VARCHAR(16) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    collected_at DATETIME(6) NULL,
    collected_by BIGINT NULL,
    UNIQUE KEY uq_redemptions_pickup_code (pickup_code),
    KEY ix_redemptions_user (user_id, created_at),
    CONSTRAINT fk_redemptions_item FOREIGN KEY (item_id) REFERENCES shop_items (id),
    CONSTRAINT fk_redemptions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE wishes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    community_id BIGINT NULL,
    title VARCHAR(64) NOT NULL,
    description VARCHAR(1000) NOT NULL,
    points INT NOT NULL,
    status VARCHAR(16) NOT NULL,
    claimer_id BIGINT NULL,
    claimed_at DATETIME(6) NULL,
    fulfilled_at DATETIME(6) NULL,
    confirmed_at DATETIME(6) NULL,
    auto_confirmed BOOLEAN NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    KEY ix_wishes_status (status, created_at),
    KEY ix_wishes_fulfilled (status, fulfilled_at),
    KEY ix_wishes_user (user_id),
    KEY ix_wishes_claimer (claimer_id),
    CONSTRAINT fk_wishes_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_wishes_claimer FOREIGN KEY (claimer_id) REFERENCES users (id),
    CONSTRAINT fk_wishes_community FOREIGN KEY (community_id) REFERENCES communities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE calendar_feeds (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    token VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_calendar_feeds_user (user_id),
    UNIQUE KEY uq_calendar_feeds_token (token),
    CONSTRAINT fk_calendar_feeds_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
