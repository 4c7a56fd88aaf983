-- +goose Up
-- A claimed import job is leased to the instance that runs it: the lease
-- is renewed while the instance lives (the upload being copied out, the
-- rows applied), and a job whose lease ran out — its instance killed, or
-- cut off from the database — is taken by another. Kept apart from
-- import_jobs, whose row the running job's transaction holds locked, so a
-- renewal never waits for the job.
CREATE TABLE import_leases (
    job_id      BIGINT PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    owner       TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    -- given_back: the holder stopped through no fault of the job (shutdown,
    -- the database gone) and gave it back; the next claim does not count an
    -- attempt, unless it was given back interruptions times in a row.
    given_back     BOOLEAN NOT NULL DEFAULT FALSE,
    interruptions  INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE import_leases;
