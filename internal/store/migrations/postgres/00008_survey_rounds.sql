-- +goose Up
-- Survey rounds (百名干部进百企, twice a year). Closing a round keeps an
-- immutable snapshot: the coverage table and each township's progress
-- (JSON), and each in-scope enterprise's method and plan status.
CREATE TABLE survey_rounds (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL,
    starts_on   DATE NOT NULL,
    ends_on     DATE NOT NULL,
    ended_on    DATE,
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    closed_at   TIMESTAMPTZ,
    closed_by   TEXT NOT NULL DEFAULT '',
    coverage    TEXT,
    progress    TEXT
);
CREATE TABLE survey_round_enterprises (
    round_id       BIGINT NOT NULL REFERENCES survey_rounds (id),
    enterprise_id  BIGINT NOT NULL,
    township_code  TEXT,
    method         TEXT,
    plan_status    TEXT NOT NULL,
    verified       BOOLEAN NOT NULL,
    PRIMARY KEY (round_id, enterprise_id)
);
-- +goose StatementBegin
CREATE FUNCTION fugai_closed_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.closed_at IS NOT NULL THEN
        RAISE EXCEPTION 'survey round % is closed', OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER survey_rounds_closed BEFORE UPDATE OR DELETE ON survey_rounds
    FOR EACH ROW EXECUTE FUNCTION fugai_closed_round();
CREATE TRIGGER survey_round_enterprises_append_only BEFORE UPDATE OR DELETE ON survey_round_enterprises
    FOR EACH ROW EXECUTE FUNCTION fugai_append_only();

-- +goose Down
DROP TABLE survey_round_enterprises;
DROP TABLE survey_rounds;
DROP FUNCTION fugai_closed_round;
