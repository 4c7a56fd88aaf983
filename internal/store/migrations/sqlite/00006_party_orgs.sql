-- +goose Up
-- Registered party organisations and the enterprises each covers (one
-- organisation per enterprise).
CREATE TABLE party_orgs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'joint_branch')),
    formation_type  TEXT NOT NULL CHECK (formation_type IN ('standalone', 'joint')),
    founded_on      DATE NOT NULL,
    secretary       TEXT NOT NULL DEFAULT '',
    member_count    INTEGER NOT NULL,
    township_code   TEXT NOT NULL,
    joint_group_id  INTEGER REFERENCES joint_groups (id),
    enterprise_ids  TEXT NOT NULL,
    version         INTEGER NOT NULL,
    created_at      DATETIME NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    updated_at      DATETIME NOT NULL
);
CREATE INDEX party_orgs_township_idx ON party_orgs (township_code, id);
CREATE TABLE party_org_enterprises (
    enterprise_id  INTEGER PRIMARY KEY REFERENCES enterprises (id),
    party_org_id   INTEGER NOT NULL REFERENCES party_orgs (id)
);
CREATE INDEX party_org_enterprises_org_idx ON party_org_enterprises (party_org_id);

-- +goose Down
DROP TABLE party_org_enterprises;
DROP TABLE party_orgs;
