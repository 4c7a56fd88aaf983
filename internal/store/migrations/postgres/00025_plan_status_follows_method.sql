-- +goose Up
-- A plan completed (已落实) as affiliated or included whose method has
-- since become standalone or joint (the suggestion followed new members)
-- is not started again: completed belongs to affiliated and included
-- plans alone. Writing transactions keep this from now on (settlePlansSQL);
-- the coverage counts are rebuilt after migrating.
UPDATE plans SET status = 'not_started', version = version + 1
WHERE status = 'completed'
  AND COALESCE(override_method, (SELECT e.suggested_method FROM enterprises e WHERE e.id = plans.enterprise_id))
      IN ('standalone', 'joint');

-- +goose Down
-- Nothing to undo: the statuses reset were not valid for their methods.
SELECT 1;
