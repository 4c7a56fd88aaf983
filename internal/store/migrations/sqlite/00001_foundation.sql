-- +goose Up
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('district_admin', 'township_admin', 'liaison', 'auditor')),
    township_code  TEXT,
    password_hash  TEXT NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   DATETIME,
    created_at     DATETIME NOT NULL,
    CHECK ((role IN ('township_admin', 'liaison')) = (township_code IS NOT NULL))
);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL,
    last_seen_at  DATETIME NOT NULL,
    revoked_at    DATETIME
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE enterprises (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code            TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    entity_type            TEXT NOT NULL DEFAULT '',
    nature                 TEXT NOT NULL,
    legal_representative   TEXT NOT NULL DEFAULT '',
    registered_capital     REAL,
    founded_on             DATE,
    registration_status    TEXT NOT NULL DEFAULT '',
    registered_address     TEXT NOT NULL DEFAULT '',
    operating_address      TEXT NOT NULL DEFAULT '',
    registration_authority TEXT NOT NULL DEFAULT '',
    industry               TEXT NOT NULL DEFAULT '',
    business_scope         TEXT NOT NULL DEFAULT '',
    township_code          TEXT,
    assignment             TEXT NOT NULL CHECK (assignment IN ('address_township', 'address_place', 'manual', 'none')),
    assignment_reason      TEXT,
    in_scope               BOOLEAN NOT NULL,
    out_of_scope_reason    TEXT,
    check_digit_warning    BOOLEAN NOT NULL DEFAULT FALSE,
    employees              INTEGER,
    young_employees        INTEGER,
    full_members           INTEGER,
    probationary_members   INTEGER,
    member_sources         TEXT,
    owner_identity         TEXT,
    operating_status       TEXT,
    above_scale            BOOLEAN,
    priority               BOOLEAN NOT NULL DEFAULT FALSE,
    annual_revenue         REAL,
    needs                  TEXT,
    union_org              BOOLEAN,
    youth_league           BOOLEAN,
    womens_federation      BOOLEAN,
    suggested_method       TEXT,
    version                INTEGER NOT NULL DEFAULT 1,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL
);
CREATE INDEX enterprises_township_idx ON enterprises (township_code, id);
CREATE INDEX enterprises_in_scope_idx ON enterprises (in_scope, id);

CREATE TABLE enterprise_history (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise_id  INTEGER NOT NULL REFERENCES enterprises (id),
    version        INTEGER NOT NULL,
    actor_id       INTEGER,
    actor_name     TEXT NOT NULL,
    source         TEXT NOT NULL,
    at             DATETIME NOT NULL,
    changes        TEXT NOT NULL
);
CREATE INDEX enterprise_history_enterprise_idx ON enterprise_history (enterprise_id, id);

CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           DATETIME NOT NULL,
    actor_id     INTEGER,
    actor_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL DEFAULT '',
    entity_id    TEXT NOT NULL DEFAULT '',
    detail       TEXT,
    request_id   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_name, id);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);

-- History and audit are append-only.
-- +goose StatementBegin
CREATE TRIGGER enterprise_history_no_update BEFORE UPDATE ON enterprise_history
BEGIN SELECT RAISE(ABORT, 'enterprise_history is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER enterprise_history_no_delete BEFORE DELETE ON enterprise_history
BEGIN SELECT RAISE(ABORT, 'enterprise_history is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
DROP TABLE enterprise_history;
DROP TABLE enterprises;
DROP TABLE sessions;
DROP TABLE users;
