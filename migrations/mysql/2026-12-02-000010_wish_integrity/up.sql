-- Points that cannot be farmed. Team memberships wait for a leader's approval (rows that
-- exist already were joined under the old rule and stay approved). A disputed wish waits for
-- staff. Per-user counters decide the caps by conditional updates (`... WHERE open_claims < cap`),
-- so two requests at once cannot both slip under a cap: open wishes and open claims per user,
-- wish points per user and month. Adjustments above the approval threshold wait for a second
-- staff member.

ALTER TABLE team_members
    ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'approved',
    ADD COLUMN decided_by BIGINT NULL,
    ADD COLUMN decided_at DATETIME(6) NULL;

ALTER TABLE wishes
    ADD COLUMN disputed_at DATETIME(6) NULL,
    ADD COLUMN dispute_reason VARCHAR(255) NULL,
    ADD COLUMN settled_by BIGINT NULL,
    ADD COLUMN settle_reason VARCHAR(255) NULL,
    ADD COLUMN points_paid INT NULL;

CREATE INDEX ix_wishes_confirmed ON wishes (status, confirmed_at);

CREATE TABLE wish_quotas (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    open_wishes INT NOT NULL,
    open_claims INT NOT NULL,
    UNIQUE KEY uq_wish_quotas_user (user_id),
    CONSTRAINT fk_wish_quotas_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE wish_month_points (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    month VARCHAR(7) NOT NULL,
    points INT NOT NULL,
    UNIQUE KEY uq_wish_month_points (user_id, month),
    CONSTRAINT fk_wish_month_points_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE points_adjustments (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    amount INT NOT NULL,
    note VARCHAR(255) NOT NULL,
    status VARCHAR(16) NOT NULL,
    requested_by BIGINT NOT NULL,
    decided_by BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    decided_at DATETIME(6) NULL,
    KEY ix_points_adjustments_status (status, created_at),
    CONSTRAINT fk_points_adjustments_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_points_adjustments_requested FOREIGN KEY (requested_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
