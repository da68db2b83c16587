-- Convenience cards and the service directory (issue 4): see the MySQL migration for notes.

CREATE TABLE directory_stamp (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO directory_stamp (id, version, updated_at) VALUES (1, 1, '2026-11-30 00:00:00');

ALTER TABLE cards ADD COLUMN active_household_id BIGINT;
CREATE UNIQUE INDEX uq_cards_active_household ON cards (active_household_id);
UPDATE cards SET active_household_id = household_id WHERE status = 'active';

CREATE TABLE taxonomy_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id BIGINT,
    position INT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (code),
    FOREIGN KEY (parent_id) REFERENCES taxonomy_terms (id)
);
CREATE INDEX ix_taxonomy_terms_parent ON taxonomy_terms (parent_id);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    url TEXT,
    status TEXT NOT NULL,
    last_confirmed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (name)
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organization_id BIGINT,
    community_id BIGINT,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (organization_id) REFERENCES organizations (id),
    FOREIGN KEY (community_id) REFERENCES communities (id)
);
CREATE INDEX ix_locations_organization ON locations (organization_id);
CREATE INDEX ix_locations_community ON locations (community_id);

CREATE TABLE services (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organization_id BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    community_id BIGINT,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    last_confirmed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP,
    FOREIGN KEY (organization_id) REFERENCES organizations (id),
    FOREIGN KEY (category_id) REFERENCES taxonomy_terms (id),
    FOREIGN KEY (community_id) REFERENCES communities (id)
);
CREATE INDEX ix_services_category ON services (category_id);
CREATE INDEX ix_services_community ON services (community_id, status);
CREATE INDEX ix_services_organization ON services (organization_id);

CREATE TABLE service_at_locations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    UNIQUE (service_id, location_id),
    FOREIGN KEY (service_id) REFERENCES services (id),
    FOREIGN KEY (location_id) REFERENCES locations (id)
);
CREATE INDEX ix_service_at_locations_location ON service_at_locations (location_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    phone TEXT,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (service_id) REFERENCES services (id)
);
CREATE INDEX ix_contacts_service ON contacts (service_id);

CREATE TABLE phones (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id BIGINT NOT NULL,
    number TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (service_id) REFERENCES services (id)
);
CREATE INDEX ix_phones_service ON phones (service_id);

CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id BIGINT NOT NULL,
    weekday INT NOT NULL,
    opens_minute INT NOT NULL,
    closes_minute INT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (service_id) REFERENCES services (id)
);
CREATE INDEX ix_schedules_service ON schedules (service_id);

CREATE TABLE schedule_exceptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    closed BOOLEAN NOT NULL,
    opens_minute INT,
    closes_minute INT,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (service_id, on_date),
    FOREIGN KEY (service_id) REFERENCES services (id)
);

CREATE TABLE role_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    community_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    last_confirmed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    FOREIGN KEY (community_id) REFERENCES communities (id)
);
CREATE INDEX ix_role_contacts_community ON role_contacts (community_id, role);

CREATE TABLE role_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    role_contact_id BIGINT NOT NULL,
    role TEXT NOT NULL,
    compound_id BIGINT,
    building_id BIGINT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (compound_id, role),
    UNIQUE (building_id, role),
    FOREIGN KEY (role_contact_id) REFERENCES role_contacts (id),
    FOREIGN KEY (compound_id) REFERENCES compounds (id),
    FOREIGN KEY (building_id) REFERENCES buildings (id)
);
CREATE INDEX ix_role_assignments_contact ON role_assignments (role_contact_id);

CREATE TABLE directory_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    service_id BIGINT,
    role_contact_id BIGINT,
    reporter_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    open_key TEXT,
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT,
    resolution_note TEXT,
    UNIQUE (open_key),
    FOREIGN KEY (service_id) REFERENCES services (id),
    FOREIGN KEY (role_contact_id) REFERENCES role_contacts (id),
    FOREIGN KEY (reporter_id) REFERENCES users (id)
);
CREATE INDEX ix_directory_reports_status ON directory_reports (status, created_at);
