-- +goose Up
ALTER TABLE users ADD COLUMN unit TEXT NOT NULL DEFAULT '';

-- 一企一联络员: one standing assignment per enterprise; ended ones are
-- kept as the record of who was responsible when.
CREATE TABLE liaison_assignments (
    id             BIGSERIAL PRIMARY KEY,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises (id),
    liaison_id     BIGINT NOT NULL REFERENCES users (id),
    assigned_at    TIMESTAMPTZ NOT NULL,
    assigned_by    TEXT NOT NULL DEFAULT '',
    ended_at       TIMESTAMPTZ,
    ended_by       TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX liaison_assignments_active_idx ON liaison_assignments (enterprise_id) WHERE ended_at IS NULL;
CREATE INDEX liaison_assignments_liaison_idx ON liaison_assignments (liaison_id, enterprise_id) WHERE ended_at IS NULL;
CREATE INDEX liaison_assignments_enterprise_idx ON liaison_assignments (enterprise_id, id);

-- When the ledger was last confirmed by a visit or a survey update (the
-- stale clock).
ALTER TABLE enterprises ADD COLUMN verified_at TIMESTAMPTZ;

-- 走访记录.
CREATE TABLE visits (
    id             BIGSERIAL PRIMARY KEY,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises (id),
    visited_on     DATE NOT NULL,
    services       TEXT NOT NULL,
    notes          TEXT NOT NULL DEFAULT '',
    next_steps     TEXT NOT NULL DEFAULT '',
    author_id      BIGINT REFERENCES users (id),
    author_name    TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX visits_enterprise_idx ON visits (enterprise_id, visited_on);
CREATE INDEX visits_author_idx ON visits (author_id, visited_on);

-- +goose Down
DROP TABLE visits;
ALTER TABLE enterprises DROP COLUMN verified_at;
DROP TABLE liaison_assignments;
ALTER TABLE users DROP COLUMN unit;
