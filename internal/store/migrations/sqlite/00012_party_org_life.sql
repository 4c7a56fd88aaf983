-- +goose Up
-- A party organisation's life: active until dissolved (撤销) or merged into
-- another (合并), with the date and the reason. The row stays as history.
ALTER TABLE party_orgs ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dissolved', 'merged'));
ALTER TABLE party_orgs ADD COLUMN ended_on DATE;
ALTER TABLE party_orgs ADD COLUMN end_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE party_orgs ADD COLUMN merged_into_id INTEGER REFERENCES party_orgs (id);

-- A plan is formed only while a registered organisation covers its
-- enterprise. Standalone and joint plans marked formed by hand without one
-- go back to in progress (affiliated and included ones become completed in
-- migration 18); plans of covered enterprises are formed by their
-- organisation, on its founding date, and keep its formation type as
-- their method.
UPDATE plans SET status = 'in_progress', formed_on = NULL, party_org_id = NULL, version = version + 1
WHERE NOT EXISTS (SELECT 1 FROM party_org_enterprises x WHERE x.enterprise_id = plans.enterprise_id)
  AND (party_org_id IS NOT NULL OR (status = 'formed' AND COALESCE(override_method,
      (SELECT e.suggested_method FROM enterprises e WHERE e.id = plans.enterprise_id)) IN ('standalone', 'joint')));
UPDATE plans SET status = 'formed',
    party_org_id = (SELECT x.party_org_id FROM party_org_enterprises x WHERE x.enterprise_id = plans.enterprise_id),
    formed_on = (SELECT o.founded_on FROM party_org_enterprises x JOIN party_orgs o ON o.id = x.party_org_id WHERE x.enterprise_id = plans.enterprise_id),
    override_reason = CASE WHEN override_method IS NULL OR override_method <> (SELECT o.formation_type FROM party_org_enterprises x JOIN party_orgs o ON o.id = x.party_org_id WHERE x.enterprise_id = plans.enterprise_id)
        THEN '已登记党组织' ELSE override_reason END,
    override_suggestion = COALESCE(override_suggestion, (SELECT e.suggested_method FROM enterprises e WHERE e.id = plans.enterprise_id)),
    override_method = (SELECT o.formation_type FROM party_org_enterprises x JOIN party_orgs o ON o.id = x.party_org_id WHERE x.enterprise_id = plans.enterprise_id),
    version = version + 1
WHERE EXISTS (SELECT 1 FROM party_org_enterprises x WHERE x.enterprise_id = plans.enterprise_id);

-- +goose Down
ALTER TABLE party_orgs DROP COLUMN merged_into_id;
ALTER TABLE party_orgs DROP COLUMN end_reason;
ALTER TABLE party_orgs DROP COLUMN ended_on;
ALTER TABLE party_orgs DROP COLUMN status;
