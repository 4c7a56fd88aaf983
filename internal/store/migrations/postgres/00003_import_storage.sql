-- +goose Up
-- A million-row import writes a million history entries: these changes
-- make that affordable (docs/performance.md has the figures).

-- History is written far more than it is searched: json keeps the text as
-- written (checked, not re-encoded) and takes a fraction of jsonb's time.
-- A creation is stored as one object of its values (enterprise.EncodeCreated),
-- a change as an array of changes.
ALTER TABLE enterprise_history ALTER COLUMN changes TYPE json USING changes::json;

-- Row-by-row foreign-key checks doubled the cost of writing history. The
-- store writes a history entry only in the transaction that writes its
-- ledger (or job), so what the keys still guarded is deletion: ledgers and
-- import jobs are never deleted — a ledger leaves the scope, it does not
-- leave the ledger, and a job is the record of where changes came from.
ALTER TABLE enterprise_history DROP CONSTRAINT enterprise_history_enterprise_id_fkey;
ALTER TABLE enterprise_history DROP CONSTRAINT enterprise_history_job_id_fkey;
-- +goose StatementBegin
CREATE FUNCTION fugai_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are never deleted', TG_TABLE_NAME;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER enterprises_never_deleted BEFORE DELETE ON enterprises
    FOR EACH ROW EXECUTE FUNCTION fugai_never_deleted();
CREATE TRIGGER import_jobs_never_deleted BEFORE DELETE ON import_jobs
    FOR EACH ROW EXECUTE FUNCTION fugai_never_deleted();

-- Uploaded files are mostly compressed already (xlsx) or written once and
-- read once (CSV): store them as they are rather than spend an import's
-- time in pglz.
ALTER TABLE import_files ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose Down
ALTER TABLE import_files ALTER COLUMN data SET STORAGE EXTENDED;
DROP TRIGGER import_jobs_never_deleted ON import_jobs;
DROP TRIGGER enterprises_never_deleted ON enterprises;
DROP FUNCTION fugai_never_deleted;
ALTER TABLE enterprise_history ADD CONSTRAINT enterprise_history_job_id_fkey FOREIGN KEY (job_id) REFERENCES import_jobs (id);
ALTER TABLE enterprise_history ADD CONSTRAINT enterprise_history_enterprise_id_fkey FOREIGN KEY (enterprise_id) REFERENCES enterprises (id);
ALTER TABLE enterprise_history ALTER COLUMN changes TYPE jsonb USING changes::jsonb;
