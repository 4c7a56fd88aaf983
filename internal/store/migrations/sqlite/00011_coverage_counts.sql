-- +goose Up
-- Coverage counts kept up to date by the writes, so that GET /coverage
-- reads a few hundred rows instead of counting a million ledgers.
--
-- coverage_facts holds, per in-scope ledger, what it contributes to the
-- coverage table (store/coverage.go computes it from the ledger, its plan,
-- its liaison and its joint group, with the SQL that defines coverage).
-- coverage_cells counts the ledgers of each combination of the undated
-- facts, per township ('' for the unassigned); coverage_days counts them
-- by date: the planned completion of an open plan (kind 'due', for
-- overdue_plan) and the district date of the last verification (kind
-- 'verified', '' when never, for stale_ledger), so a gap that depends on
-- today is a sum over the days before a cutoff. pool_members is a joint
-- candidate's full members (0 for the others): the cells also give each
-- township's joint pool, which every ledger page explains.
--
-- Triggers note every ledger whose facts may have changed in
-- coverage_dirty; the transaction that wrote it brings its facts and the
-- counts up to date before it commits (store.applyCoverage).
-- (SQLite has one writer at a time.)
CREATE TABLE coverage_facts (
    enterprise_id        INTEGER PRIMARY KEY,
    township_code        TEXT NOT NULL,
    method               TEXT NOT NULL,
    plan_status          TEXT NOT NULL,
    organization_covered BOOLEAN NOT NULL,
    standalone_formed    BOOLEAN NOT NULL,
    work_covered         BOOLEAN NOT NULL,
    union_org            BOOLEAN NOT NULL,
    youth_league         BOOLEAN NOT NULL,
    womens_federation    BOOLEAN NOT NULL,
    should_form          BOOLEAN NOT NULL,
    ungrouped_joint      BOOLEAN NOT NULL,
    no_liaison           BOOLEAN NOT NULL,
    check_digit          BOOLEAN NOT NULL,
    pool_members         INTEGER NOT NULL,
    due_on               TEXT,
    verified_on          TEXT NOT NULL
);
-- Gap lists page through these in id order: the district's and a
-- township's (the rare gaps need no township variant). A dated gap
-- (overdue_plan, stale_ledger) is paged in id order through the township
-- index when many ledgers have it, and gathered by its day when few do
-- (store.gapIDs decides from coverage_days).
CREATE INDEX coverage_facts_should_form_idx ON coverage_facts (enterprise_id) WHERE should_form;
CREATE INDEX coverage_facts_ungrouped_joint_idx ON coverage_facts (enterprise_id) WHERE ungrouped_joint;
CREATE INDEX coverage_facts_no_liaison_idx ON coverage_facts (enterprise_id) WHERE no_liaison;
CREATE INDEX coverage_facts_check_digit_idx ON coverage_facts (enterprise_id) WHERE check_digit;
CREATE INDEX coverage_facts_unassigned_idx ON coverage_facts (enterprise_id) WHERE township_code = '';
CREATE INDEX coverage_facts_township_should_form_idx ON coverage_facts (township_code, enterprise_id) WHERE should_form;
CREATE INDEX coverage_facts_township_ungrouped_joint_idx ON coverage_facts (township_code, enterprise_id) WHERE ungrouped_joint;
CREATE INDEX coverage_facts_township_no_liaison_idx ON coverage_facts (township_code, enterprise_id) WHERE no_liaison;
CREATE INDEX coverage_facts_township_idx ON coverage_facts (township_code, enterprise_id);
CREATE INDEX coverage_facts_due_idx ON coverage_facts (township_code, due_on) WHERE due_on IS NOT NULL;
CREATE INDEX coverage_facts_verified_idx ON coverage_facts (township_code, verified_on);

CREATE TABLE coverage_cells (
    township_code        TEXT NOT NULL,
    method               TEXT NOT NULL,
    plan_status          TEXT NOT NULL,
    organization_covered BOOLEAN NOT NULL,
    standalone_formed    BOOLEAN NOT NULL,
    work_covered         BOOLEAN NOT NULL,
    union_org            BOOLEAN NOT NULL,
    youth_league         BOOLEAN NOT NULL,
    womens_federation    BOOLEAN NOT NULL,
    should_form          BOOLEAN NOT NULL,
    ungrouped_joint      BOOLEAN NOT NULL,
    no_liaison           BOOLEAN NOT NULL,
    check_digit          BOOLEAN NOT NULL,
    pool_members         INTEGER NOT NULL,
    n                    INTEGER NOT NULL,
    PRIMARY KEY (township_code, method, plan_status, organization_covered, standalone_formed, work_covered,
        union_org, youth_league, womens_federation, should_form, ungrouped_joint, no_liaison, check_digit, pool_members)
);

CREATE TABLE coverage_days (
    township_code  TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('due', 'verified')),
    day            TEXT NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (township_code, kind, day)
);

CREATE TABLE coverage_dirty (
    enterprise_id  INTEGER PRIMARY KEY
);

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

-- The counts are filled by the program right after migrating
-- (store.RebuildCoverage), which records here the migration version it
-- counted at: a rebuild that did not finish is done again at the next
-- start.
CREATE TABLE coverage_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    counted_at_version  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE coverage_state;
DROP TRIGGER coverage_members_delete;
DROP TRIGGER coverage_members_update;
DROP TRIGGER coverage_members_insert;
DROP TRIGGER coverage_liaisons_delete;
DROP TRIGGER coverage_liaisons_update;
DROP TRIGGER coverage_liaisons_insert;
DROP TRIGGER coverage_plans_delete;
DROP TRIGGER coverage_plans_update;
DROP TRIGGER coverage_plans_insert;
DROP TRIGGER coverage_enterprises_update;
DROP TRIGGER coverage_enterprises_insert;
DROP TABLE coverage_dirty;
DROP TABLE coverage_days;
DROP TABLE coverage_cells;
DROP TABLE coverage_facts;
