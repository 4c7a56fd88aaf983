-- +goose Up
-- Import leases (see the PostgreSQL migration). SQLite has one instance
-- (one writer, one process), which knows the jobs it runs: the table is
-- kept for a schema alike on both databases and stays empty here.
CREATE TABLE import_leases (
    job_id      INTEGER PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    owner       TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    expires_at  DATETIME NOT NULL,
    -- given_back: the holder stopped through no fault of the job (shutdown,
    -- the database gone) and gave it back; the next claim does not count an
    -- attempt, unless it was given back interruptions times in a row.
    given_back     BOOLEAN NOT NULL DEFAULT FALSE,
    interruptions  INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE import_leases;
