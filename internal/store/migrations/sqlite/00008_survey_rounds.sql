-- +goose Up
-- Survey rounds (百名干部进百企, twice a year). Closing a round keeps an
-- immutable snapshot: the coverage table and each township's progress
-- (JSON), and each in-scope enterprise's method and plan status.
CREATE TABLE survey_rounds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    ended_on    DATE,
    created_at  DATETIME NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    closed_at   DATETIME,
    closed_by   TEXT NOT NULL DEFAULT '',
    coverage    TEXT,
    progress    TEXT
);
CREATE TABLE survey_round_enterprises (
    round_id       INTEGER NOT NULL REFERENCES survey_rounds (id),
    enterprise_id  INTEGER NOT NULL,
    township_code  TEXT,
    method         TEXT,
    plan_status    TEXT NOT NULL,
    verified       BOOLEAN NOT NULL,
    PRIMARY KEY (round_id, enterprise_id)
);
-- +goose StatementBegin
CREATE TRIGGER survey_rounds_closed_update BEFORE UPDATE ON survey_rounds WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'survey round is closed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER survey_rounds_closed_delete BEFORE DELETE ON survey_rounds WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'survey round is closed'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER survey_round_enterprises_no_update BEFORE UPDATE ON survey_round_enterprises
BEGIN SELECT RAISE(ABORT, 'survey_round_enterprises is append-only'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER survey_round_enterprises_no_delete BEFORE DELETE ON survey_round_enterprises
BEGIN SELECT RAISE(ABORT, 'survey_round_enterprises is append-only'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE survey_round_enterprises;
DROP TABLE survey_rounds;
