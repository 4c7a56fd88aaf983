-- +goose Up
-- Affiliated (挂靠) and included (纳入) plans end as completed (已落实): no
-- organisation forms them, so "formed" is not theirs. Those marked formed
-- before become completed.
ALTER TABLE plans DROP CONSTRAINT plans_status_check;
ALTER TABLE plans ADD CONSTRAINT plans_status_check
    CHECK (status IN ('not_started', 'in_progress', 'formed', 'completed', 'not_applicable'));
-- A plan completed, not formed
UPDATE plans SET status = 'completed', formed_on = NULL, version = version + 1
WHERE status = 'formed' AND party_org_id IS NULL;

-- +goose Down
UPDATE plans SET status = 'in_progress' WHERE status = 'completed';
ALTER TABLE plans DROP CONSTRAINT plans_status_check;
ALTER TABLE plans ADD CONSTRAINT plans_status_check
    CHECK (status IN ('not_started', 'in_progress', 'formed', 'not_applicable'));
