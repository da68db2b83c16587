-- Convenience cards and the service directory (issue 4): an HSDS-style directory
-- (organizations, locations, services, contacts, phones, schedules, taxonomy), the seven typed
-- role contacts of each building, residents' reports, and the stamp every staff edit bumps so
-- each server process knows when its lookup cache is stale. All times are UTC.

-- One row (id 1): its version goes up in the same transaction as every staff edit of cards or
-- the directory. Each server process polls it to drop its cached lookups.
CREATE TABLE directory_stamp (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    version BIGINT NOT NULL,
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO directory_stamp (id, version, updated_at) VALUES (1, 1, '2026-11-30 00:00:00');

-- At most one active card per household: set while the card is active, NULL once revoked.
ALTER TABLE cards ADD COLUMN active_household_id BIGINT NULL;
CREATE UNIQUE INDEX uq_cards_active_household ON cards (active_household_id);
UPDATE cards SET active_household_id = household_id WHERE status = 'active';

CREATE TABLE taxonomy_terms (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(32) NOT NULL,
    name VARCHAR(64) NOT NULL,
    parent_id BIGINT NULL,
    position INT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_taxonomy_terms_code (code),
    KEY ix_taxonomy_terms_parent (parent_id),
    CONSTRAINT fk_taxonomy_terms_parent FOREIGN KEY (parent_id) REFERENCES taxonomy_terms (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE organizations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    description TEXT NOT NULL,
    url VARCHAR(255) NULL,
    status VARCHAR(16) NOT NULL,
    last_confirmed_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_organizations_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE locations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organization_id BIGINT NULL,
    community_id BIGINT NULL,
    name VARCHAR(128) NOT NULL,
    address VARCHAR(255) NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    KEY ix_locations_organization (organization_id),
    KEY ix_locations_community (community_id),
    CONSTRAINT fk_locations_organization FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT fk_locations_community FOREIGN KEY (community_id) REFERENCES communities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE services (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    organization_id BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    community_id BIGINT NULL,
    name VARCHAR(128) NOT NULL,
    description TEXT NOT NULL,
    status VARCHAR(16) NOT NULL,
    last_confirmed_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    retired_at DATETIME(6) NULL,
    KEY ix_services_category (category_id),
    KEY ix_services_community (community_id, status),
    KEY ix_services_organization (organization_id),
    CONSTRAINT fk_services_organization FOREIGN KEY (organization_id) REFERENCES organizations (id),
    CONSTRAINT fk_services_category FOREIGN KEY (category_id) REFERENCES taxonomy_terms (id),
    CONSTRAINT fk_services_community FOREIGN KEY (community_id) REFERENCES communities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE service_at_locations (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id BIGINT NOT NULL,
    location_id BIGINT NOT NULL,
    UNIQUE KEY uq_service_at_locations (service_id, location_id),
    KEY ix_service_at_locations_location (location_id),
    CONSTRAINT fk_service_at_locations_service FOREIGN KEY (service_id) REFERENCES services (id),
    CONSTRAINT fk_service_at_locations_location FOREIGN KEY (location_id) REFERENCES locations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- HSDS contact: a named person for a service.
CREATE TABLE contacts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id BIGINT NOT NULL,
    name VARCHAR(64) NOT NULL,
    title VARCHAR(64) NOT NULL,
    phone VARCHAR(32) NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_contacts_service (service_id),
    CONSTRAINT fk_contacts_service FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE phones (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id BIGINT NOT NULL,
    number VARCHAR(32) NOT NULL,
    description VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_phones_service (service_id),
    CONSTRAINT fk_phones_service FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Regular opening hours: weekday 1 (Monday) to 7 (Sunday), minutes after local midnight
-- (Asia/Shanghai), closes_minute > opens_minute.
CREATE TABLE schedules (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id BIGINT NOT NULL,
    weekday INT NOT NULL,
    opens_minute INT NOT NULL,
    closes_minute INT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_schedules_service (service_id),
    CONSTRAINT fk_schedules_service FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A local date (YYYY-MM-DD) with other hours than usual: closed, or open opens..closes.
CREATE TABLE schedule_exceptions (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id BIGINT NOT NULL,
    on_date VARCHAR(10) NOT NULL,
    closed BOOLEAN NOT NULL,
    opens_minute INT NULL,
    closes_minute INT NULL,
    note VARCHAR(128) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_schedule_exceptions (service_id, on_date),
    CONSTRAINT fk_schedule_exceptions_service FOREIGN KEY (service_id) REFERENCES services (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- 三长三员一民警: a named, public person in one of seven roles.
CREATE TABLE role_contacts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    community_id BIGINT NOT NULL,
    role VARCHAR(32) NOT NULL,
    name VARCHAR(64) NOT NULL,
    phone VARCHAR(32) NOT NULL,
    status VARCHAR(16) NOT NULL,
    last_confirmed_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    KEY ix_role_contacts_community (community_id, role),
    CONSTRAINT fk_role_contacts_community FOREIGN KEY (community_id) REFERENCES communities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who covers what: a role contact assigned to a whole compound or to one building. A
-- building's holder of a role is its own assignment, else its compound's; one holder per role
-- and place (the UNIQUE keys; NULLs do not collide).
CREATE TABLE role_assignments (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    role_contact_id BIGINT NOT NULL,
    role VARCHAR(32) NOT NULL,
    compound_id BIGINT NULL,
    building_id BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_role_assignments_compound (compound_id, role),
    UNIQUE KEY uq_role_assignments_building (building_id, role),
    KEY ix_role_assignments_contact (role_contact_id),
    CONSTRAINT fk_role_assignments_contact FOREIGN KEY (role_contact_id) REFERENCES role_contacts (id),
    CONSTRAINT fk_role_assignments_compound FOREIGN KEY (compound_id) REFERENCES compounds (id),
    CONSTRAINT fk_role_assignments_building FOREIGN KEY (building_id) REFERENCES buildings (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A resident says an entry is wrong. open_key is set while open (one open report per reporter
-- and entry) and cleared when staff resolve it.
CREATE TABLE directory_reports (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    service_id BIGINT NULL,
    role_contact_id BIGINT NULL,
    reporter_id BIGINT NOT NULL,
    kind VARCHAR(16) NOT NULL,
    message VARCHAR(500) NOT NULL,
    status VARCHAR(16) NOT NULL,
    open_key VARCHAR(64) NULL,
    created_at DATETIME(6) NOT NULL,
    resolved_at DATETIME(6) NULL,
    resolved_by BIGINT NULL,
    resolution_note VARCHAR(500) NULL,
    UNIQUE KEY uq_directory_reports_open (open_key),
    KEY ix_directory_reports_status (status, created_at),
    CONSTRAINT fk_directory_reports_service FOREIGN KEY (service_id) REFERENCES services (id),
    CONSTRAINT fk_directory_reports_contact FOREIGN KEY (role_contact_id) REFERENCES role_contacts (id),
    CONSTRAINT fk_directory_reports_reporter FOREIGN KEY (reporter_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
