ALTER TABLE compounds DROP COLUMN open_to_community;
ALTER TABLE partner_clients DROP COLUMN auth_version;
ALTER TABLE users DROP COLUMN auth_version;
