-- +goose Up
-- Failed logins under names no account has are counted and locked like an
-- account's (users.failed_logins, locked_until), so that a locked account and
-- an unknown name answer alike: keyed by the SHA-256 of the name tried.
CREATE TABLE login_throttle (
    name_hash     TEXT PRIMARY KEY,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- The client's own X-Request-ID, kept apart from the server's request_id.
ALTER TABLE audit_events ADD COLUMN client_request_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE audit_events DROP COLUMN client_request_id;
DROP TABLE login_throttle;
