-- +goose Up
-- A disabled account (停用) cannot log in and its sessions are ended; the
-- row stays, so history and audit entries keep naming it. NULL: active.
ALTER TABLE users ADD COLUMN disabled_at DATETIME;

-- +goose Down
ALTER TABLE users DROP COLUMN disabled_at;
