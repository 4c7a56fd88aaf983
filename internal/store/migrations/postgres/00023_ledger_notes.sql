-- +goose Up
-- The writers of ledgers note the ledgers whose coverage they may change
-- themselves (store.noteLedgers), instead of these triggers: a statement
-- trigger with transition tables made PostgreSQL keep a copy of every row
-- an import copied in, and note each in coverage_dirty, for a job that
-- recounts coverage anyway. Plans, liaisons and joint-group members are
-- still noted by their triggers. A writer of an older version would leave
-- its ledgers unnoted: it may no longer write (fugai_schema).
LOCK TABLE fugai_schema IN ACCESS EXCLUSIVE MODE;
UPDATE fugai_schema SET min_writer = 23;
DROP TRIGGER coverage_enterprises_update ON enterprises;
DROP TRIGGER coverage_enterprises_insert ON enterprises;
DROP FUNCTION coverage_note_enterprises;

-- +goose Down
UPDATE fugai_schema SET min_writer = 21;
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
