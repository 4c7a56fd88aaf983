-- +goose Up
-- Coverage is maintained by the program alone: a writing transaction notes
-- the ledgers it touched in memory and, before it commits, takes the
-- coverage lock (an advisory lock per schema) and brings their facts and
-- the counts up to date (store.applyCoverage). The triggers that noted
-- ledgers whose plan, liaison or joint-group membership was written, and
-- the table they noted them in, go. A writer of an older version would
-- leave such writes unnoted: it may no longer write (fugai_schema).
LOCK TABLE fugai_schema IN ACCESS EXCLUSIVE MODE;
UPDATE fugai_schema SET min_writer = 24;
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
DROP TABLE coverage_dirty;

-- +goose Down
UPDATE fugai_schema SET min_writer = 23;
CREATE TABLE coverage_dirty (
    enterprise_id  BIGINT PRIMARY KEY,
    txid           BIGINT NOT NULL DEFAULT txid_current()
);
CREATE INDEX coverage_dirty_txid_idx ON coverage_dirty (txid);
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
