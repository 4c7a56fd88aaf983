-- +goose Up
-- The oldest program version (its highest migration) that may still write
-- to this database. Every writing transaction of a program reads it first
-- (PostgreSQL) and refuses to write when it is older: during a rolling
-- upgrade an instance of the previous version may still be running. A
-- migration that changes what writers must do (what they keep in step,
-- such as the coverage counts) raises it to its own version, under
--   LOCK TABLE fugai_schema IN ACCESS EXCLUSIVE MODE;
-- which waits for the writing transactions in flight and holds new ones
-- until it commits. Other migrations leave it, and older instances keep
-- writing through a rolling upgrade (docs/deployment.md, Upgrades).
CREATE TABLE fugai_schema (
    min_writer INTEGER NOT NULL
);
INSERT INTO fugai_schema (min_writer) VALUES (21);

-- +goose Down
DROP TABLE fugai_schema;
