-- +goose Up
-- A survey import keeps ledger fields changed after the file's date unless
-- it was uploaded with overwrite_newer; the report names each such field
-- with the ledger's value and when and by whom it was changed. The edits
-- are looked up through enterprise_history_enterprise_idx, a batch of
-- ledgers at a time: no new index is needed.
ALTER TABLE import_jobs ADD COLUMN overwrite_newer BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE import_issues ADD COLUMN code TEXT NOT NULL DEFAULT '';
ALTER TABLE import_issues ADD COLUMN ledger_value TEXT NOT NULL DEFAULT '';
ALTER TABLE import_issues ADD COLUMN changed_at TIMESTAMPTZ;
ALTER TABLE import_issues ADD COLUMN changed_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE import_issues DROP COLUMN changed_by;
ALTER TABLE import_issues DROP COLUMN changed_at;
ALTER TABLE import_issues DROP COLUMN ledger_value;
ALTER TABLE import_issues DROP COLUMN code;
ALTER TABLE import_jobs DROP COLUMN overwrite_newer;
