DROP TABLE points_adjustments;
DROP TABLE wish_month_points;
DROP TABLE wish_quotas;
DROP INDEX ix_wishes_confirmed ON wishes;
ALTER TABLE wishes
    DROP COLUMN points_paid,
    DROP COLUMN settle_reason,
    DROP COLUMN settled_by,
    DROP COLUMN dispute_reason,
    DROP COLUMN disputed_at;
ALTER TABLE team_members
    DROP COLUMN decided_at,
    DROP COLUMN decided_by,
    DROP COLUMN status;
