-- +goose Up
-- A visit may carry its author's Idempotency-Key (the web client's offline
-- queue sends one with every visit): the same author and key name one visit,
-- so a visit re-sent after a lost answer is not logged twice. NULL: none.
ALTER TABLE visits ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX visits_author_idempotency ON visits (author_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- +goose Down
DROP INDEX visits_author_idempotency;
ALTER TABLE visits DROP COLUMN idempotency_key;
