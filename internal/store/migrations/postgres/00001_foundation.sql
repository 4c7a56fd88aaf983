-- +goose Up
CREATE TABLE users (
    id             BIGSERIAL PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('district_admin', 'township_admin', 'liaison', 'auditor')),
    township_code  TEXT,
    password_hash  TEXT NOT NULL,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK ((role IN ('township_admin', 'liaison')) = (township_code IS NOT NULL))
);

CREATE TABLE sessions (
    id            BIGSERIAL PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE enterprises (
    id                     BIGSERIAL PRIMARY KEY,
    credit_code            TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    entity_type            TEXT NOT NULL DEFAULT '',
    nature                 TEXT NOT NULL,
    legal_representative   TEXT NOT NULL DEFAULT '',
    registered_capital     NUMERIC(18, 4),
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
    member_sources         JSONB,
    owner_identity         TEXT,
    operating_status       TEXT,
    above_scale            BOOLEAN,
    priority               BOOLEAN NOT NULL DEFAULT FALSE,
    annual_revenue         NUMERIC(18, 4),
    needs                  JSONB,
    union_org              BOOLEAN,
    youth_league           BOOLEAN,
    womens_federation      BOOLEAN,
    suggested_method       TEXT,
    version                BIGINT NOT NULL DEFAULT 1,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX enterprises_township_idx ON enterprises (township_code, id);
CREATE INDEX enterprises_in_scope_idx ON enterprises (in_scope, id);

CREATE TABLE enterprise_history (
    id             BIGSERIAL PRIMARY KEY,
    enterprise_id  BIGINT NOT NULL REFERENCES enterprises (id),
    version        BIGINT NOT NULL,
    actor_id       BIGINT,
    actor_name     TEXT NOT NULL,
    source         TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    changes        JSONB NOT NULL
);
CREATE INDEX enterprise_history_enterprise_idx ON enterprise_history (enterprise_id, id);

CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor_id     BIGINT,
    actor_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL DEFAULT '',
    entity_id    TEXT NOT NULL DEFAULT '',
    detail       JSONB,
    request_id   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_name, id);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);

-- History and audit are append-only.
-- +goose StatementBegin
CREATE FUNCTION fugai_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER enterprise_history_append_only BEFORE UPDATE OR DELETE ON enterprise_history
    FOR EACH ROW EXECUTE FUNCTION fugai_append_only();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION fugai_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP TABLE enterprise_history;
DROP FUNCTION fugai_append_only;
DROP TABLE enterprises;
DROP TABLE sessions;
DROP TABLE users;
