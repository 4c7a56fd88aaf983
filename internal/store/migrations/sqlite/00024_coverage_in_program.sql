-- +goose Up
-- Coverage is maintained by the program alone, as on PostgreSQL: a writing
-- transaction notes the ledgers it touched in memory and brings their
-- facts and the counts up to date before it commits
-- (store.applyCoverage). The triggers that noted ledgers whose plan,
-- liaison or joint-group membership was written, and the table they noted
-- them in, go. A writer of an older version would leave such writes
-- unnoted: it may no longer write (fugai_schema).
UPDATE fugai_schema SET min_writer = 24;
DROP TRIGGER coverage_members_delete;
DROP TRIGGER coverage_members_update;
DROP TRIGGER coverage_members_insert;
DROP TRIGGER coverage_liaisons_delete;
DROP TRIGGER coverage_liaisons_update;
DROP TRIGGER coverage_liaisons_insert;
DROP TRIGGER coverage_plans_delete;
DROP TRIGGER coverage_plans_update;
DROP TRIGGER coverage_plans_insert;
DROP TABLE coverage_dirty;

-- +goose Down
UPDATE fugai_schema SET min_writer = 23;
CREATE TABLE coverage_dirty (
    enterprise_id  INTEGER PRIMARY KEY
);
-- +goose StatementBegin
CREATE TRIGGER coverage_plans_insert AFTER INSERT ON plans
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_plans_update AFTER UPDATE ON plans
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (OLD.enterprise_id);
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_plans_delete AFTER DELETE ON plans
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (OLD.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_liaisons_insert AFTER INSERT ON liaison_assignments
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_liaisons_update AFTER UPDATE ON liaison_assignments
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (OLD.enterprise_id);
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_liaisons_delete AFTER DELETE ON liaison_assignments
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (OLD.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_members_insert AFTER INSERT ON joint_group_members
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_members_update AFTER UPDATE ON joint_group_members
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (OLD.enterprise_id);
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (NEW.enterprise_id);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER coverage_members_delete AFTER DELETE ON joint_group_members
BEGIN
    INSERT OR IGNORE INTO coverage_dirty (enterprise_id) VALUES (OLD.enterprise_id);
END;
-- +goose StatementEnd
