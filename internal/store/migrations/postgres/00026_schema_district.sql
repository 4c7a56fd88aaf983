-- +goose Up
-- The district whose ledgers this database (or schema) keeps: set by the
-- first instance that serves or imports into it, and checked by every one
-- after (store.BindDistrict). An instance started with another
-- FUGAI_DISTRICT would resolve every address against the wrong gazetteer
-- and take jobs from the shared queue: it refuses to start instead.
ALTER TABLE fugai_schema ADD COLUMN district TEXT;

-- +goose Down
ALTER TABLE fugai_schema DROP COLUMN district;
