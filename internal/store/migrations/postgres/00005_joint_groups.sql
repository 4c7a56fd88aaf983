-- +goose Up
-- Confirmed joint groups (联合组建小组). enterprise_ids keeps the members
-- as confirmed (a JSON array), also after the group is dissolved;
-- joint_group_members holds the standing memberships, one group per
-- enterprise at most.
CREATE TABLE joint_groups (
    id              BIGSERIAL PRIMARY KEY,
    township_code   TEXT NOT NULL,
    enterprise_ids  TEXT NOT NULL,
    full_members    INTEGER NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    dissolved_at    TIMESTAMPTZ,
    dissolved_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX joint_groups_township_idx ON joint_groups (township_code, id);
CREATE TABLE joint_group_members (
    enterprise_id  BIGINT PRIMARY KEY REFERENCES enterprises (id),
    group_id       BIGINT NOT NULL REFERENCES joint_groups (id)
);
CREATE INDEX joint_group_members_group_idx ON joint_group_members (group_id);

-- +goose Down
DROP TABLE joint_group_members;
DROP TABLE joint_groups;
