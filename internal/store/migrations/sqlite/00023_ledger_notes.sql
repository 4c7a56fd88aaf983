-- +goose Up
-- The writers of ledgers note the ledgers whose coverage they may change
-- themselves (store.noteLedgers), as on PostgreSQL, instead of these
-- triggers. Plans, liaisons and joint-group members are still noted by
-- their triggers. A writer of an older version would leave its ledgers
-- unnoted: it may no longer write (fugai_schema).
UPDATE fugai_schema SET min_writer = 23;
DROP TRIGGER coverage_enterprises_update;
DROP TRIGGER coverage_enterprises_insert;

-- +goose Down
UPDATE fugai_schema SET min_writer = 21;
-- +goose StatementBegin
CREATE TRIGGER coverage_enterprises_insert AFTER INSERT ON enterprises WHEN NEW.in_scope
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_enterprises_update AFTER UPDATE ON enterprises
    WHEN NEW.township_code IS NOT OLD.township_code OR NEW.in_scope IS NOT OLD.in_scope
        OR NEW.suggested_method IS NOT OLD.suggested_method OR NEW.full_members IS NOT OLD.full_members
        OR NEW.union_org IS NOT OLD.union_org OR NEW.youth_league IS NOT OLD.youth_league
        OR NEW.womens_federation IS NOT OLD.womens_federation OR NEW.verified_at IS NOT OLD.verified_at
        OR NEW.check_digit_warning IS NOT OLD.check_digit_warning
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.id);
END;
-- +goose StatementEnd
