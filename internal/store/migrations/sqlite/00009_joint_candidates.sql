-- +goose Up
-- Joint candidates (strategy.InPool: in scope, 1–2 full members) are few:
-- this index lets a township's or the district's pool be counted, and
-- their suggestions refreshed, without reading every ledger. The bounds
-- are strategy.StandaloneMin; queries repeat them literally.
CREATE INDEX enterprises_joint_candidates_idx ON enterprises (township_code, id)
    WHERE in_scope AND full_members >= 1 AND full_members < 3;

-- +goose Down
DROP INDEX enterprises_joint_candidates_idx;
