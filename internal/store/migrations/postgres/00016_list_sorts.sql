-- +goose Up
-- Ledger lists sort by these keys (store.enterpriseSortKeys) and page by
-- keyset on (key, id). Text keys compare by code point (COLLATE "C"), as on
-- SQLite, whatever the database's collation. Only the name sort (what a
-- client's list shows) and the industry= prefix filter (a range) have an
-- index: every index is written by every import row and ledger edit, and
-- one on updated_at would be rewritten by every edit (measured: the six
-- sort indexes first tried made a 200,000-row import 23–38 % slower). The
-- other sorts read the matching ledgers and keep the top of them.
CREATE INDEX enterprises_name_idx ON enterprises ((name COLLATE "C"), id);
CREATE INDEX enterprises_industry_idx ON enterprises ((industry COLLATE "C"), id);

-- +goose Down
DROP INDEX enterprises_industry_idx;
DROP INDEX enterprises_name_idx;
