-- +goose Up
CREATE TABLE import_jobs (
    id               BIGSERIAL PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('registration', 'survey')),
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    dry_run          BOOLEAN NOT NULL DEFAULT FALSE,
    filename         TEXT NOT NULL DEFAULT '',
    size             BIGINT NOT NULL,
    sha256           TEXT NOT NULL,
    idempotency_key  TEXT,
    created_by       BIGINT REFERENCES users (id),
    created_by_name  TEXT NOT NULL,
    township_code    TEXT,
    format           TEXT NOT NULL DEFAULT '',
    sheet            TEXT NOT NULL DEFAULT '',
    header_row       INTEGER NOT NULL DEFAULT 0,
    unknown_columns  TEXT,
    processed        INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL DEFAULT 0,
    counts           TEXT,
    error_code       TEXT NOT NULL DEFAULT '',
    error_message    TEXT NOT NULL DEFAULT '',
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ
);
CREATE UNIQUE INDEX import_jobs_idempotency_idx ON import_jobs (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX import_jobs_status_idx ON import_jobs (status, id);

-- The uploaded file, in chunks, so every server instance can run the job.
CREATE TABLE import_files (
    job_id  BIGINT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (job_id, seq)
);

CREATE TABLE import_issues (
    id           BIGSERIAL PRIMARY KEY,
    job_id       BIGINT NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    row_number   INTEGER NOT NULL,
    column_name  TEXT NOT NULL DEFAULT '',
    value        TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('rejected', 'warning'))
);
CREATE INDEX import_issues_job_idx ON import_issues (job_id, id);

-- Progress of running jobs, written outside the job's transaction.
CREATE TABLE import_progress (
    job_id      BIGINT PRIMARY KEY REFERENCES import_jobs (id) ON DELETE CASCADE,
    processed   INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

ALTER TABLE enterprise_history ADD COLUMN job_id BIGINT REFERENCES import_jobs (id);

-- +goose Down
ALTER TABLE enterprise_history DROP COLUMN job_id;
DROP TABLE import_progress;
DROP TABLE import_issues;
DROP TABLE import_files;
DROP TABLE import_jobs;
