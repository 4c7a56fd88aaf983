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
-- counts up to date before it commits (store.applyCoverage). A ledger
-- noted by two transactions at once is serialised by coverage_dirty's key;
-- a note left by a write outside the program is taken over by the next
-- transaction that notes the same ledger.
CREATE TABLE coverage_facts (
    enterprise_id        BIGINT PRIMARY KEY,
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
    n                    BIGINT NOT NULL,
    PRIMARY KEY (township_code, method, plan_status, organization_covered, standalone_formed, work_covered,
        union_org, youth_league, womens_federation, should_form, ungrouped_joint, no_liaison, check_digit, pool_members)
);

CREATE TABLE coverage_days (
    township_code  TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('due', 'verified')),
    day            TEXT NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (township_code, kind, day)
);

-- txid: the transaction that noted the ledger, so that it finds its own
-- notes by index (a seq scan would wade through a large import's notes).
CREATE TABLE coverage_dirty (
    enterprise_id  BIGINT PRIMARY KEY,
    txid           BIGINT NOT NULL DEFAULT txid_current()
);
CREATE INDEX coverage_dirty_txid_idx ON coverage_dirty (txid);

-- +goose StatementBegin
CREATE FUNCTION coverage_note_enterprises() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO coverage_dirty (enterprise_id)
            SELECT id FROM new_rows WHERE in_scope ORDER BY id ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid;
    ELSE
        INSERT INTO coverage_dirty (enterprise_id)
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.township_code, n.in_scope, n.suggested_method, n.full_members, n.union_org, n.youth_league,
                   n.womens_federation, n.verified_at, n.check_digit_warning)
                IS DISTINCT FROM (o.township_code, o.in_scope, o.suggested_method, o.full_members, o.union_org,
                   o.youth_league, o.womens_federation, o.verified_at, o.check_digit_warning)
            ORDER BY n.id ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER coverage_enterprises_insert AFTER INSERT ON enterprises
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_enterprises();
CREATE TRIGGER coverage_enterprises_update AFTER UPDATE ON enterprises
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_enterprises();

-- +goose StatementBegin
CREATE FUNCTION coverage_note_related() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO coverage_dirty (enterprise_id)
            SELECT DISTINCT enterprise_id FROM new_rows ORDER BY enterprise_id ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO coverage_dirty (enterprise_id)
            SELECT DISTINCT enterprise_id FROM old_rows ORDER BY enterprise_id ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid;
    ELSE
        INSERT INTO coverage_dirty (enterprise_id)
            SELECT enterprise_id FROM new_rows UNION SELECT enterprise_id FROM old_rows
            ORDER BY enterprise_id ON CONFLICT (enterprise_id) DO UPDATE SET txid = EXCLUDED.txid;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER coverage_plans_insert AFTER INSERT ON plans
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_plans_update AFTER UPDATE ON plans
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_plans_delete AFTER DELETE ON plans
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_liaisons_insert AFTER INSERT ON liaison_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_liaisons_update AFTER UPDATE ON liaison_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_liaisons_delete AFTER DELETE ON liaison_assignments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_members_insert AFTER INSERT ON joint_group_members
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_members_update AFTER UPDATE ON joint_group_members
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();
CREATE TRIGGER coverage_members_delete AFTER DELETE ON joint_group_members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coverage_note_related();

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
DROP TRIGGER coverage_members_delete ON joint_group_members;
DROP TRIGGER coverage_members_update ON joint_group_members;
DROP TRIGGER coverage_members_insert ON joint_group_members;
DROP TRIGGER coverage_liaisons_delete ON liaison_assignments;
DROP TRIGGER coverage_liaisons_update ON liaison_assignments;
DROP TRIGGER coverage_liaisons_insert ON liaison_assignments;
DROP TRIGGER coverage_plans_delete ON plans;
DROP TRIGGER coverage_plans_update ON plans;
DROP TRIGGER coverage_plans_insert ON plans;
DROP FUNCTION coverage_note_related;
DROP TRIGGER coverage_enterprises_update ON enterprises;
DROP TRIGGER coverage_enterprises_insert ON enterprises;
DROP FUNCTION coverage_note_enterprises;
DROP TABLE coverage_dirty;
DROP TABLE coverage_days;
DROP TABLE coverage_cells;
DROP TABLE coverage_facts;
