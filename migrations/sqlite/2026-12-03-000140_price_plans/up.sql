-- Price plans per compound: see the MySQL migration of the same name.
CREATE TABLE price_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    compound_id BIGINT NOT NULL,
    version INT NOT NULL,
    unit_minutes INT NOT NULL,
    min_fee_fen INT NOT NULL,
    max_hours INT NOT NULL,
    fault_waiver_minutes INT NOT NULL,
    set_by VARCHAR(64) NOT NULL,
    created_at TIMESTAMP NOT NULL,
    FOREIGN KEY (compound_id) REFERENCES compounds (id)
);
CREATE UNIQUE INDEX ux_price_plans_version ON price_plans (compound_id, version);
CREATE TABLE price_bands (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    plan_id BIGINT NOT NULL,
    from_w INT NOT NULL,
    to_w INT NOT NULL,
    fen_per_hour INT NOT NULL,
    FOREIGN KEY (plan_id) REFERENCES price_plans (id)
);
CREATE UNIQUE INDEX ux_price_bands_from ON price_bands (plan_id, from_w);
