-- Price plans per compound (issue 16 point 1). A plan is never edited: each change is a new
-- row with the next `version` (UNIQUE per compound, so two racing writers cannot both make
-- version n+1), and the current plan is the compound's highest version. Its power bands
-- `[from_w, to_w)` are rows of `price_bands`. Money is integer fen; there are no floats.
CREATE TABLE price_plans (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    compound_id BIGINT NOT NULL,
    version INT NOT NULL,
    unit_minutes INT NOT NULL,
    min_fee_fen INT NOT NULL,
    max_hours INT NOT NULL,
    fault_waiver_minutes INT NOT NULL,
    set_by VARCHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_price_plans_version (compound_id, version),
    CONSTRAINT fk_price_plans_compound FOREIGN KEY (compound_id) REFERENCES compounds (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE price_bands (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    plan_id BIGINT NOT NULL,
    from_w INT NOT NULL,
    to_w INT NOT NULL,
    fen_per_hour INT NOT NULL,
    UNIQUE KEY ux_price_bands_from (plan_id, from_w),
    CONSTRAINT fk_price_bands_plan FOREIGN KEY (plan_id) REFERENCES price_plans (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
