package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// The seed scenario continued: confirm the suggested group, register a
// 联合党支部 for it and a 党支部 for one standalone enterprise; the covered
// plans become formed.
func TestPartyOrgsSeedScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration"})
		e.importAndRun("district", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"})
		var sug struct {
			Items []map[string]any `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil).Body.Bytes(), &sug)
		var group struct {
			ID            int64   `json:"id"`
			EnterpriseIDs []int64 `json:"enterprise_ids"`
		}
		json.Unmarshal(e.do(http.MethodPost, "/api/v1/joint-groups", "district", sug.Items[0], nil).Body.Bytes(), &group)
		var standalone struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?method=standalone&limit=5", "district", nil, nil).Body.Bytes(), &standalone)
		planStatus := func(id int64) (string, *int64) {
			var p struct {
				Status     string `json:"status"`
				PartyOrgID *int64 `json:"party_org_id"`
			}
			json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "auditor", nil, nil).Body.Bytes(), &p)
			return p.Status, p.PartyOrgID
		}
		org := func(body map[string]any) (int, map[string]any) {
			r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", body, nil)
			var m map[string]any
			json.Unmarshal(r.Body.Bytes(), &m)
			return r.Code, m
		}
		// Wrong inputs: named fields, nothing written.
		code, m := org(map[string]any{"name": "", "kind": "cell", "formation_type": "joint", "founded_on": "2099-01-01", "member_count": 2,
			"enterprise_ids": group.EnterpriseIDs})
		fields, _ := m["error"].(map[string]any)["fields"].(map[string]any)
		for _, f := range []string{"name", "kind", "founded_on", "member_count"} {
			if s, _ := fields[f].(string); !hasChinese(s) {
				t.Errorf("invalid org: %s not named: %v", f, m)
			}
		}
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid org: %d", code)
		}
		if code, _ := org(map[string]any{"name": "某党支部", "kind": "branch", "formation_type": "standalone", "founded_on": "2026-05-01",
			"member_count": 3, "enterprise_ids": []int64{group.EnterpriseIDs[0]}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("standalone org for a joint enterprise: %d", code)
		}
		if code, _ := org(map[string]any{"name": "联合党支部", "kind": "joint_branch", "formation_type": "joint", "founded_on": "2026-05-01",
			"member_count": 3, "enterprise_ids": group.EnterpriseIDs[:1]}); code != http.StatusUnprocessableEntity {
			t.Fatalf("joint org for part of a group: %d", code)
		}
		if s, _ := planStatus(group.EnterpriseIDs[0]); s != "not_started" {
			t.Fatalf("a refused org changed a plan: %s", s)
		}
		// The 联合党支部 for the group.
		code, m = org(map[string]any{"name": "凤凰街道非公企业联合党支部", "kind": "joint_branch", "formation_type": "joint",
			"founded_on": "2026-05-20", "secretary": "王书记", "member_count": 3, "enterprise_ids": group.EnterpriseIDs})
		if code != http.StatusCreated || m["joint_group_id"] != float64(group.ID) || m["kind_label"] != "联合党支部" {
			t.Fatalf("joint org: %d %v", code, m)
		}
		jointOrg := int64(m["id"].(float64))
		for _, id := range group.EnterpriseIDs {
			if s, o := planStatus(id); s != "formed" || o == nil || *o != jointOrg {
				t.Fatalf("plan of %d: %s %v", id, s, o)
			}
		}
		// The 党支部 of one standalone enterprise.
		sid := standalone.Items[0].ID
		code, m = org(map[string]any{"name": "某公司党支部", "kind": "branch", "formation_type": "standalone",
			"founded_on": "2026-04-01", "member_count": 5, "enterprise_ids": []int64{sid}})
		if code != http.StatusCreated {
			t.Fatalf("standalone org: %d %v", code, m)
		}
		if s, _ := planStatus(sid); s != "formed" {
			t.Fatalf("standalone plan: %s", s)
		}
		if s, _ := planStatus(standalone.Items[1].ID); s != "not_started" {
			t.Fatalf("another standalone plan changed: %s", s)
		}
		if code, _ := org(map[string]any{"name": "又一个党支部", "kind": "branch", "formation_type": "standalone",
			"founded_on": "2026-04-01", "member_count": 5, "enterprise_ids": []int64{sid}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("second org for one enterprise: %d", code)
		}
		// A formed group cannot be dissolved.
		if r := e.do(http.MethodDelete, fmt.Sprintf("/api/v1/joint-groups/%d", group.ID), "district", nil, nil); r.Code != http.StatusConflict {
			t.Fatalf("dissolve a formed group: %d", r.Code)
		}
		// Details can be corrected, with If-Match.
		path := fmt.Sprintf("/api/v1/party-orgs/%d", jointOrg)
		tag := e.do(http.MethodGet, path, "auditor", nil, nil).Header().Get("ETag")
		r := e.do(http.MethodPatch, path, "district", map[string]any{"name": "凤凰街道联合党支部", "kind": "joint_branch",
			"formation_type": "joint", "founded_on": "2026-05-18", "member_count": 4}, map[string]string{"If-Match": tag})
		if r.Code != http.StatusOK {
			t.Fatalf("patch org: %d %s", r.Code, r.Body)
		}
		var p struct {
			FormedOn *string `json:"formed_on"`
		}
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", group.EnterpriseIDs[0]), "district", nil, nil).Body.Bytes(), &p)
		if p.FormedOn == nil || *p.FormedOn != "2026-05-18" {
			t.Fatalf("formed_on after the founding date moved: %v", p.FormedOn)
		}
		var list struct{ Items []map[string]any }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/party-orgs", "auditor", nil, nil).Body.Bytes(), &list)
		if len(list.Items) != 2 {
			t.Fatalf("orgs: %v", list)
		}
	})
}
