-- +goose Up
-- Ledger lists sort by these keys (store.enterpriseSortKeys) and page by
-- keyset on (key, id): each index reads a page from the cursor on, in
-- either direction. Text keys compare by code point (COLLATE "C"), as on
-- SQLite, whatever the database's collation; unknown counts sort as -1.
-- The industry index serves the industry= prefix filter (a range).
CREATE INDEX enterprises_name_idx ON enterprises ((name COLLATE "C"), id);
CREATE INDEX enterprises_credit_code_sort_idx ON enterprises ((credit_code COLLATE "C"), id);
CREATE INDEX enterprises_updated_at_idx ON enterprises (updated_at, id);
CREATE INDEX enterprises_full_members_idx ON enterprises ((COALESCE(full_members, -1)), id);
CREATE INDEX enterprises_employees_idx ON enterprises ((COALESCE(employees, -1)), id);
CREATE INDEX enterprises_industry_idx ON enterprises ((industry COLLATE "C"), id);

-- +goose Down
DROP INDEX enterprises_industry_idx;
DROP INDEX enterprises_employees_idx;
DROP INDEX enterprises_full_members_idx;
DROP INDEX enterprises_updated_at_idx;
DROP INDEX enterprises_credit_code_sort_idx;
DROP INDEX enterprises_name_idx;
