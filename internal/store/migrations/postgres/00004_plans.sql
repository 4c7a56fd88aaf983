-- +goose Up
-- The 全覆盖计划表: one row per planned enterprise. An in-scope enterprise
-- nobody has planned yet has no row: its plan is "not started, following
-- the suggestion" (strategy.NewPlan), so an import of a million ledgers
-- writes no plans.
CREATE TABLE plans (
    enterprise_id          BIGINT PRIMARY KEY REFERENCES enterprises (id),
    override_method        TEXT CHECK (override_method IN ('standalone', 'joint', 'affiliated', 'included')),
    override_reason        TEXT NOT NULL DEFAULT '',
    override_suggestion    TEXT,
    override_by            TEXT NOT NULL DEFAULT '',
    override_at            TIMESTAMPTZ,
    planned_start_on       DATE,
    formation_details      TEXT NOT NULL DEFAULT '',
    planned_completion_on  DATE,
    contact_name           TEXT NOT NULL DEFAULT '',
    contact_phone          TEXT NOT NULL DEFAULT '',
    status                 TEXT NOT NULL DEFAULT 'not_started'
                           CHECK (status IN ('not_started', 'in_progress', 'formed', 'not_applicable')),
    formed_on              DATE,
    party_org_id           BIGINT,
    joint_group_id         BIGINT,
    version                BIGINT NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    updated_by             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX plans_status_idx ON plans (status, enterprise_id);

-- +goose Down
DROP TABLE plans;
