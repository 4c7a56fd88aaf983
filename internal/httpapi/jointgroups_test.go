package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// The seed scenario: one suggested group, the two 凤凰街道 enterprises with
// 2 + 1 full members; confirming it gives their plans the group, a second
// confirmation is refused, dissolving frees them again.
func TestJointGroupsSeedScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()

		var sug struct {
			Items []struct {
				TownshipCode  string  `json:"township_code"`
				EnterpriseIDs []int64 `json:"enterprise_ids"`
				FullMembers   int     `json:"full_members"`
			} `json:"items"`
		}
		r := e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil)
		json.Unmarshal(r.Body.Bytes(), &sug)
		if r.Code != http.StatusOK || len(sug.Items) != 1 || sug.Items[0].TownshipCode != "431103006" ||
			len(sug.Items[0].EnterpriseIDs) != 2 || sug.Items[0].FullMembers != 3 {
			t.Fatalf("suggestions: %d %s", r.Code, r.Body)
		}
		// The township administrator of another township sees none.
		r = e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "township", nil, nil)
		json.Unmarshal(r.Body.Bytes(), &sug)
		if r.Code != http.StatusOK || len(sug.Items) != 0 {
			t.Fatalf("township 431103001's suggestions: %s", r.Body)
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups/suggestions?township=431103006", "auditor", nil, nil).Body.Bytes(), &sug)
		item := sug.Items[0]
		// A township admin cannot confirm another township's group.
		if r := e.do(http.MethodPost, "/api/v1/joint-groups", "township", item, nil); r.Code != http.StatusUnprocessableEntity && r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
			t.Fatalf("other township's group: %d %s", r.Code, r.Body)
		}
		// The suggestion posted back as it is.
		r = e.do(http.MethodPost, "/api/v1/joint-groups", "district", item, nil)
		var g struct {
			ID            int64   `json:"id"`
			EnterpriseIDs []int64 `json:"enterprise_ids"`
			FullMembers   int     `json:"full_members"`
			TownshipName  string  `json:"township_name"`
		}
		json.Unmarshal(r.Body.Bytes(), &g)
		if r.Code != http.StatusCreated || g.FullMembers != 3 || len(g.EnterpriseIDs) != 2 || g.TownshipName != "凤凰街道" {
			t.Fatalf("confirm: %d %s", r.Code, r.Body)
		}
		for _, id := range g.EnterpriseIDs {
			var p struct {
				Method       string `json:"method"`
				JointGroupID *int64 `json:"joint_group_id"`
			}
			json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", nil, nil).Body.Bytes(), &p)
			if p.Method != "joint" || p.JointGroupID == nil || *p.JointGroupID != g.ID {
				t.Fatalf("plan of %d after confirming: %+v", id, p)
			}
		}
		// Each enterprise in at most one group; the suggestion is gone.
		if r := e.do(http.MethodPost, "/api/v1/joint-groups", "district", item, nil); r.Code != http.StatusUnprocessableEntity || !hasChinese(errorFields(t, r.Body.Bytes())["enterprise_ids"]) {
			t.Fatalf("second confirmation: %d %s", r.Code, r.Body)
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil).Body.Bytes(), &sug)
		if len(sug.Items) != 0 {
			t.Fatalf("suggestions after confirming: %+v", sug)
		}
		// A group with too few members, or a standalone enterprise, is refused.
		if r := e.do(http.MethodPost, "/api/v1/joint-groups", "district", map[string]any{"township_code": "431103006",
			"enterprise_ids": []int64{g.EnterpriseIDs[0]}}, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("one-enterprise group: %d", r.Code)
		}
		var list struct{ Items []struct{ ID int64 } }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups", "auditor", nil, nil).Body.Bytes(), &list)
		if len(list.Items) != 1 || list.Items[0].ID != g.ID {
			t.Fatalf("list: %+v", list)
		}
		// Dissolving frees the enterprises and their plans.
		path := fmt.Sprintf("/api/v1/joint-groups/%d", g.ID)
		if r := e.do(http.MethodDelete, path, "district", nil, nil); r.Code != http.StatusNoContent {
			t.Fatalf("dissolve: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodDelete, path, "district", nil, nil); r.Code != http.StatusConflict {
			t.Fatalf("dissolve twice: %d", r.Code)
		}
		var p struct {
			JointGroupID *int64 `json:"joint_group_id"`
		}
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", g.EnterpriseIDs[0]), "district", nil, nil).Body.Bytes(), &p)
		if p.JointGroupID != nil {
			t.Fatalf("plan still in the dissolved group")
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil).Body.Bytes(), &sug)
		if len(sug.Items) != 1 {
			t.Fatalf("suggestions after dissolving: %+v", sug)
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups?dissolved=true", "district", nil, nil).Body.Bytes(), &list)
		if len(list.Items) != 1 {
			t.Fatalf("dissolved groups are kept: %+v", list)
		}
	})
}
