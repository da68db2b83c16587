-- Platform: places (community > grid > compound > building > household), cards, users,
-- login sessions and idempotency keys. All times are UTC, stored as ISO-8601 text.

CREATE TABLE communities (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    address TEXT NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code)
);

CREATE TABLE grids (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    community_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code),
    FOREIGN KEY (community_id) REFERENCES communities (id)
);
CREATE INDEX ix_grids_community ON grids (community_id);

CREATE TABLE compounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    community_id BIGINT NOT NULL,
    grid_id BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL,
    has_charging BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code),
    FOREIGN KEY (community_id) REFERENCES communities (id),
    FOREIGN KEY (grid_id) REFERENCES grids (id)
);
CREATE INDEX ix_compounds_community ON compounds (community_id);
CREATE INDEX ix_compounds_grid ON compounds (grid_id);

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    compound_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    units INT NOT NULL,
    floors INT NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (compound_id, name),
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    building_id BIGINT NOT NULL,
    unit INT NOT NULL,
    room TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (building_id, unit, room),
    FOREIGN KEY (building_id) REFERENCES buildings (id)
);

CREATE TABLE cards (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    household_id BIGINT NOT NULL,
    card_number TEXT NOT NULL,
    check_code TEXT NOT NULL,
    status TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    UNIQUE (card_number),
    FOREIGN KEY (household_id) REFERENCES households (id)
);
CREATE INDEX ix_cards_household ON cards (household_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    openid TEXT NOT NULL,
    unionid TEXT,
    nickname TEXT NOT NULL,
    role TEXT NOT NULL,
    household_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP NOT NULL,
    UNIQUE (openid),
    FOREIGN KEY (household_id) REFERENCES households (id)
);
CREATE INDEX ix_users_household ON users (household_id);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL,
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    UNIQUE (token_hash),
    FOREIGN KEY (user_id) REFERENCES users (id)
);
CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    principal TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INT,
    response_body TEXT,
    response_headers TEXT,
    created_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    UNIQUE (principal, idem_key)
);
CREATE INDEX ix_idempotency_expires ON idempotency_keys (expires_at);
