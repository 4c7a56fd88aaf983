package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
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
		e.importSamples()
		_, group := e.confirmFirstSuggestion()
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

		// The formed group changes through its organisation: a new joint
		// enterprise of the township joins, an original one leaves.
		orgCovered := func() float64 {
			var c struct {
				District map[string]any `json:"district"`
			}
			json.Unmarshal(e.do(http.MethodGet, "/api/v1/coverage", "district", nil, nil).Body.Bytes(), &c)
			return c.District["organization_covered"].(float64)
		}
		covered := orgCovered()
		joiner := e.createLedger(900001, "冷水滩区凤凰街道凤凰路88号")
		ltag := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", joiner), "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", joiner), "district", map[string]any{"full_members": 1},
			map[string]string{"If-Match": ltag}); r.Code != http.StatusOK {
			t.Fatalf("joiner members: %d %s", r.Code, r.Body)
		}
		regroup := func(ids []int64) (int, map[string]any) {
			tag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
			r := e.do(http.MethodPatch, path, "district", map[string]any{"enterprise_ids": ids}, map[string]string{"If-Match": tag})
			var m map[string]any
			json.Unmarshal(r.Body.Bytes(), &m)
			return r.Code, m
		}
		grown := append(append([]int64(nil), group.EnterpriseIDs...), joiner)
		if code, m := regroup(grown); code != http.StatusOK || len(m["enterprise_ids"].([]any)) != 3 {
			t.Fatalf("a joint enterprise joins the branch: %d %v", code, m)
		}
		if s, o := planStatus(joiner); s != "formed" || o == nil || *o != jointOrg {
			t.Fatalf("joiner's plan: %s %v", s, o)
		}
		var g map[string]any
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/joint-groups/%d", group.ID), "district", nil, nil).Body.Bytes(), &g)
		if len(g["enterprise_ids"].([]any)) != 3 {
			t.Fatalf("the group after a joiner: %v", g)
		}
		if c := orgCovered(); c != covered+1 {
			t.Fatalf("organisation covered after a joiner: %v, was %v", c, covered)
		}
		leaver := group.EnterpriseIDs[0]
		if code, m := regroup([]int64{group.EnterpriseIDs[1], joiner}); code != http.StatusOK {
			t.Fatalf("an enterprise leaves the branch: %d %v", code, m)
		}
		if s, o := planStatus(leaver); s != "not_started" || o != nil {
			t.Fatalf("leaver's plan: %s %v", s, o)
		}
		if c := orgCovered(); c != covered {
			t.Fatalf("organisation covered after a leaver: %v, was %v", c, covered)
		}
		if code, _ := regroup([]int64{joiner}); code != http.StatusUnprocessableEntity {
			t.Fatalf("a joint branch of one enterprise: %d", code)
		}
		if code, _ := regroup([]int64{group.EnterpriseIDs[1], joiner, sid}); code != http.StatusUnprocessableEntity {
			t.Fatalf("a standalone-covered enterprise into the joint branch: %d", code)
		}
	})
}

// Organisation coverage counts organisations, never a plan status alone:
// a plan cannot be marked formed by hand, a formed plan keeps its method
// and organisation when its suggestion changes, and dissolving or merging
// an organisation moves the counts with it.
func TestOrganisationCoverageFollowsOrganisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()
		ids := func(query string) []int64 {
			var page struct {
				Items []struct{ ID int64 } `json:"items"`
			}
			json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?"+query, "district", nil, nil).Body.Bytes(), &page)
			out := make([]int64, len(page.Items))
			for i, it := range page.Items {
				out[i] = it.ID
			}
			return out
		}
		type row struct {
			Enterprises         int     `json:"enterprises"`
			OrganizationCovered int     `json:"organization_covered"`
			StandaloneRate      float64 `json:"standalone_rate"`
		}
		district := func() row {
			var c struct {
				District row `json:"district"`
			}
			json.Unmarshal(e.do(http.MethodGet, "/api/v1/coverage", "district", nil, nil).Body.Bytes(), &c)
			return c.District
		}
		type plan struct {
			Method     string `json:"method"`
			Status     string `json:"status"`
			PartyOrgID *int64 `json:"party_org_id"`
			Override   *struct {
				NeedsReview bool `json:"needs_review"`
			} `json:"override"`
		}
		getPlan := func(id int64) (plan, string) {
			r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", nil, nil)
			var p plan
			json.Unmarshal(r.Body.Bytes(), &p)
			return p, r.Header().Get("ETag")
		}
		putPlan := func(id int64, body map[string]any) int {
			_, tag := getPlan(id)
			return e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", body, map[string]string{"If-Match": tag}).Code
		}
		register := func(id int64, name string) map[string]any {
			r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": name, "kind": "branch",
				"formation_type": "standalone", "founded_on": "2026-04-01", "member_count": 3, "enterprise_ids": []int64{id}}, nil)
			var m map[string]any
			json.Unmarshal(r.Body.Bytes(), &m)
			if r.Code != http.StatusCreated {
				t.Fatalf("register %s: %d %v", name, r.Code, m)
			}
			return m
		}
		orgWrite := func(method, path string, body map[string]any) (int, map[string]any) {
			tag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
			if i := strings.Index(path, "/dissolve"); i > 0 {
				tag = e.do(http.MethodGet, path[:i], "district", nil, nil).Header().Get("ETag")
			}
			if i := strings.Index(path, "/merge"); i > 0 {
				tag = e.do(http.MethodGet, path[:i], "district", nil, nil).Header().Get("ETag")
			}
			r := e.do(method, path, "district", body, map[string]string{"If-Match": tag})
			var m map[string]any
			json.Unmarshal(r.Body.Bytes(), &m)
			return r.Code, m
		}

		// Formed by hand, on an affiliated ledger: refused, nothing counted.
		affiliated := ids("method=affiliated&limit=1")[0]
		if code := putPlan(affiliated, map[string]any{"status": "formed", "formed_on": "2026-05-01"}); code != http.StatusUnprocessableEntity {
			t.Fatalf("affiliated plan formed by hand: %d", code)
		}
		if c := district(); c.OrganizationCovered != 0 {
			t.Fatalf("organisation covered without an organisation: %+v", c)
		}
		// An affiliated plan carried out is completed: not covered by an
		// organisation, and never overdue.
		if code := putPlan(affiliated, map[string]any{"status": "completed", "planned_start_on": "2026-01-01",
			"planned_completion_on": "2026-03-01"}); code != http.StatusOK {
			t.Fatalf("affiliated plan completed: %d", code)
		}
		if slices.Contains(ids("gap=overdue_plan&limit=200"), affiliated) {
			t.Fatal("a completed plan listed as overdue")
		}
		if c := district(); c.OrganizationCovered != 0 {
			t.Fatalf("organisation covered by a completed plan: %+v", c)
		}
		if code := putPlan(ids("method=standalone&limit=1")[0], map[string]any{"status": "completed"}); code != http.StatusUnprocessableEntity {
			t.Fatalf("a standalone plan completed without an organisation: %d", code)
		}

		// A 党支部 of its own: covered, standalone.
		standalone := ids("method=standalone&limit=3")
		s0 := standalone[0]
		org0 := register(s0, "甲公司党支部")
		before := district()
		if before.OrganizationCovered != 1 || before.StandaloneRate == 0 {
			t.Fatalf("after one 党支部: %+v", before)
		}
		// Its members drop to 2: the plan keeps its method and
		// organisation (flagged for review), the counts stay, and no joint
		// group proposes it.
		tag := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", s0), "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", s0), "district", map[string]any{"full_members": 2},
			map[string]string{"If-Match": tag}); r.Code != http.StatusOK {
			t.Fatalf("members drop: %d %s", r.Code, r.Body)
		}
		if p, _ := getPlan(s0); p.Method != "standalone" || p.Status != "formed" || p.PartyOrgID == nil || p.Override == nil || !p.Override.NeedsReview {
			t.Fatalf("formed plan after its members dropped: %+v", p)
		}
		if c := district(); c != before {
			t.Fatalf("counts moved when a covered enterprise's members dropped: %+v, were %+v", c, before)
		}
		if body := e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil).Body.String(); strings.Contains(body, fmt.Sprintf("%d,", s0)) ||
			strings.Contains(body, fmt.Sprintf(",%d]", s0)) || strings.Contains(body, fmt.Sprintf("[%d]", s0)) {
			t.Fatalf("a covered enterprise proposed for a joint group: %s", body)
		}
		// The organisation decides the plan's status and method.
		if code := putPlan(s0, map[string]any{"status": "in_progress"}); code != http.StatusUnprocessableEntity {
			t.Fatalf("formed plan reopened by hand: %d", code)
		}
		if code := putPlan(s0, map[string]any{"method": "joint", "override_reason": "改为联合"}); code != http.StatusUnprocessableEntity {
			t.Fatalf("formed plan's method changed by hand: %d", code)
		}
		if code := putPlan(s0, map[string]any{"contact_name": "李四"}); code != http.StatusOK {
			t.Fatalf("contact of a formed plan: %d", code)
		}
		if p, _ := getPlan(s0); p.Status != "formed" || p.Method != "standalone" {
			t.Fatalf("formed plan after a contact edit: %+v", p)
		}

		// PATCH is partial; unknown fields and a kind without its members
		// are refused.
		path0 := fmt.Sprintf("/api/v1/party-orgs/%d", int64(org0["id"].(float64)))
		if code, m := orgWrite(http.MethodPatch, path0, map[string]any{"secretary": "新书记"}); code != http.StatusOK ||
			m["name"] != "甲公司党支部" || m["secretary"] != "新书记" || m["member_count"] != float64(3) {
			t.Fatalf("partial patch: %d %v", code, m)
		}
		if code, m := orgWrite(http.MethodPatch, path0, map[string]any{"bogus": 1}); code != http.StatusUnprocessableEntity ||
			m["error"].(map[string]any)["code"] != "unknown_field" {
			t.Fatalf("unknown field: %d %v", code, m)
		}
		if code, m := orgWrite(http.MethodPatch, path0, map[string]any{"kind": "general_branch"}); code != http.StatusUnprocessableEntity {
			t.Fatalf("党总支 of 3 members: %d %v", code, m)
		}
		if code, m := orgWrite(http.MethodPatch, path0, map[string]any{"kind": "general_branch", "member_count": 60}); code != http.StatusUnprocessableEntity {
			t.Fatalf("党总支 beyond the ledger's members: %d %v", code, m)
		}

		// Dissolved: kept as history, no longer covering.
		if code, _ := orgWrite(http.MethodPost, path0+"/dissolve", map[string]any{"on": "2026-03-01", "reason": "企业注销"}); code != http.StatusUnprocessableEntity {
			t.Fatalf("dissolved before it was founded: %d", code)
		}
		code, m := orgWrite(http.MethodPost, path0+"/dissolve", map[string]any{"on": "2026-05-15", "reason": "企业迁出"})
		if code != http.StatusOK || m["status"] != "dissolved" || m["ended_on"] != "2026-05-15" || m["end_reason"] != "企业迁出" {
			t.Fatalf("dissolve: %d %v", code, m)
		}
		if p, _ := getPlan(s0); p.Status != "in_progress" || p.PartyOrgID != nil {
			t.Fatalf("plan of a dissolved organisation: %+v", p)
		}
		if c := district(); c.OrganizationCovered != 0 || c.StandaloneRate != 0 {
			t.Fatalf("counts after the dissolution: %+v", c)
		}
		if code, _ := orgWrite(http.MethodPatch, path0, map[string]any{"secretary": "再改"}); code != http.StatusConflict {
			t.Fatalf("patch a dissolved organisation: %d", code)
		}
		if code, _ := orgWrite(http.MethodPost, path0+"/dissolve", map[string]any{"on": "2026-05-16", "reason": "再撤销"}); code != http.StatusConflict {
			t.Fatalf("dissolve twice: %d", code)
		}

		// Merged: its enterprise is covered by the other organisation of
		// its township.
		var all struct {
			Items []struct {
				ID           int64  `json:"id"`
				TownshipCode string `json:"township_code"`
			} `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?method=standalone&limit=200", "district", nil, nil).Body.Bytes(), &all)
		byTownship := map[string][]int64{}
		for _, it := range all.Items {
			if it.ID != s0 && it.TownshipCode != "" {
				byTownship[it.TownshipCode] = append(byTownship[it.TownshipCode], it.ID)
			}
		}
		standalone = nil
		for _, ids := range byTownship {
			if len(ids) >= 2 {
				standalone = []int64{s0, ids[0], ids[1]}
				break
			}
		}
		if standalone == nil {
			t.Fatalf("no township with two standalone enterprises: %v", byTownship)
		}
		org1, org2 := register(standalone[1], "乙公司党支部"), register(standalone[2], "丙公司党支部")
		id1, id2 := int64(org1["id"].(float64)), int64(org2["id"].(float64))
		code, m = orgWrite(http.MethodPost, fmt.Sprintf("/api/v1/party-orgs/%d/merge", id1), map[string]any{"into": id2, "on": "2026-05-20", "reason": "两企业合并"})
		if code != http.StatusOK || m["status"] != "merged" || m["merged_into"] != float64(id2) {
			t.Fatalf("merge: %d %v", code, m)
		}
		if p, _ := getPlan(standalone[1]); p.Status != "formed" || p.PartyOrgID == nil || *p.PartyOrgID != id2 {
			t.Fatalf("plan of a merged organisation's enterprise: %+v", p)
		}
		var into map[string]any
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/party-orgs/%d", id2), "district", nil, nil).Body.Bytes(), &into)
		if got := fmt.Sprint(into["enterprise_ids"]); !strings.Contains(got, fmt.Sprint(standalone[1])) || into["member_count"] != float64(6) {
			t.Fatalf("merged into: %v", into)
		}
		if c := district(); c.OrganizationCovered != 2 {
			t.Fatalf("counts after the merger: %+v", c)
		}
		// The enterprise of the dissolved organisation may register anew,
		// once its ledger holds the members a 党支部 needs.
		r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "甲公司新党支部", "kind": "branch",
			"formation_type": "standalone", "founded_on": "2026-05-25", "member_count": 3, "enterprise_ids": []int64{s0}}, nil)
		if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Fields["kind"] == "" {
			t.Fatalf("a 党支部 over a ledger of 2 full members: %d %s", r.Code, r.Body)
		}
		tag = e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", s0), "district", nil, nil).Header().Get("ETag")
		e.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", s0), "district", map[string]any{"full_members": 4}, map[string]string{"If-Match": tag})
		register(s0, "甲公司新党支部")
		if c := district(); c.OrganizationCovered != 3 {
			t.Fatalf("counts after registering anew: %+v", c)
		}
	})
}

// A joint branch's group stays with it: a plan cannot drop its group by a
// PUT, the group of a registered branch cannot be dissolved, its
// enterprises cannot be grouped again, and the branch cannot merge into a
// standalone organisation (its 1–2-member enterprises would count as
// standalone formed).
func TestFormedGroupStaysWithItsBranch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()
		suggestion, group := e.confirmFirstSuggestion()
		for _, id := range group.EnterpriseIDs {
			path := fmt.Sprintf("/api/v1/enterprises/%d/plan", id)
			tag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
			r := e.do(http.MethodPut, path, "district", map[string]any{"status": "not_started"}, map[string]string{"If-Match": tag})
			var p struct {
				JointGroupID *int64 `json:"joint_group_id"`
			}
			json.Unmarshal(r.Body.Bytes(), &p)
			if r.Code != http.StatusOK || p.JointGroupID == nil || *p.JointGroupID != group.ID {
				t.Fatalf("a PUT without joint_group_id: %d %s", r.Code, r.Body)
			}
		}
		r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "联合党支部", "kind": "joint_branch",
			"formation_type": "joint", "founded_on": "2026-05-20", "member_count": 3, "enterprise_ids": group.EnterpriseIDs}, nil)
		if r.Code != http.StatusCreated {
			t.Fatalf("joint branch: %d %s", r.Code, r.Body)
		}
		var branch struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(r.Body.Bytes(), &branch)
		if r := e.do(http.MethodDelete, fmt.Sprintf("/api/v1/joint-groups/%d", group.ID), "district", nil, nil); r.Code != http.StatusConflict {
			t.Fatalf("dissolve the group of a registered branch: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodPost, "/api/v1/joint-groups", "district", suggestion, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("group a branch's enterprises again: %d %s", r.Code, r.Body)
		}
		var standalone struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?method=standalone&limit=1", "district", nil, nil).Body.Bytes(), &standalone)
		r = e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "某公司党支部", "kind": "branch",
			"formation_type": "standalone", "founded_on": "2026-04-01", "member_count": 3, "enterprise_ids": []int64{standalone.Items[0].ID}}, nil)
		var target struct {
			ID int64 `json:"id"`
		}
		json.Unmarshal(r.Body.Bytes(), &target)
		path := fmt.Sprintf("/api/v1/party-orgs/%d", branch.ID)
		tag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
		r = e.do(http.MethodPost, path+"/merge", "district", map[string]any{"into": target.ID, "on": "2026-05-25", "reason": "合并"},
			map[string]string{"If-Match": tag})
		if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Code != "merge_kind_mismatch" {
			t.Fatalf("a joint branch merged into a 党支部: %d %s", r.Code, r.Body)
		}
	})
}

// confirmedGroup is a joint group as POST /joint-groups answers it.
type confirmedGroup struct {
	ID            int64   `json:"id"`
	EnterpriseIDs []int64 `json:"enterprise_ids"`
}

// confirmFirstSuggestion confirms the first suggested joint group,
// returning the suggestion and the group.
func (e *env) confirmFirstSuggestion() (map[string]any, confirmedGroup) {
	e.t.Helper()
	var sug struct {
		Items []map[string]any `json:"items"`
	}
	json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil).Body.Bytes(), &sug)
	if len(sug.Items) == 0 {
		e.t.Fatal("no joint group suggested")
	}
	var g confirmedGroup
	if r := e.do(http.MethodPost, "/api/v1/joint-groups", "district", sug.Items[0], nil); r.Code != http.StatusCreated {
		e.t.Fatalf("confirm the suggested group: %d %s", r.Code, r.Body)
	} else {
		json.Unmarshal(r.Body.Bytes(), &g)
	}
	return sug.Items[0], g
}

// TestMovingAnOrganisedLedger: an organisation of one ledger moves with it
// to another township; a member of a joint group cannot leave the group's
// township alone, and nothing is written when it is refused.
func TestMovingAnOrganisedLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		patch := e.patchLedger
		township := func(id int64) string {
			var l struct {
				TownshipCode string `json:"township_code"`
			}
			json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), "district", nil, nil).Body.Bytes(), &l)
			return l.TownshipCode
		}
		alone := e.createLedger(1, "冷水滩区梅湾街道1号")
		if r := patch(alone, map[string]any{"full_members": 3}); r.Code != http.StatusOK {
			t.Fatalf("members: %d %s", r.Code, r.Body)
		}
		r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "测试企业1党支部", "kind": "branch",
			"formation_type": "standalone", "founded_on": "2026-04-01", "member_count": 3, "enterprise_ids": []int64{alone}}, nil)
		var org struct {
			ID           int64  `json:"id"`
			TownshipCode string `json:"township_code"`
		}
		json.Unmarshal(r.Body.Bytes(), &org)
		if r.Code != http.StatusCreated || org.TownshipCode != "431103001" {
			t.Fatalf("register: %d %s", r.Code, r.Body)
		}
		if r := patch(alone, map[string]any{"township_code": "431103002"}); r.Code != http.StatusOK {
			t.Fatalf("move: %d %s", r.Code, r.Body)
		}
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/party-orgs/%d", org.ID), "district", nil, nil).Body.Bytes(), &org)
		if org.TownshipCode != "431103002" {
			t.Errorf("the organisation stayed in %s", org.TownshipCode)
		}
		for _, row := range e.coverage("auditor", "").Townships {
			if want := map[string]int{"431103001": 0, "431103002": 1}[row.Code]; (row.Code == "431103001" || row.Code == "431103002") && row.OrganizationCovered != want {
				t.Errorf("township %s: %d organisation covered, want %d", row.Code, row.OrganizationCovered, want)
			}
		}
		// A joint group of two in 梅湾街道.
		a, b := e.createLedger(2, "冷水滩区梅湾街道2号"), e.createLedger(3, "冷水滩区梅湾街道3号")
		patch(a, map[string]any{"full_members": 1})
		patch(b, map[string]any{"full_members": 2})
		if r := e.do(http.MethodPost, "/api/v1/joint-groups", "district", map[string]any{"township_code": "431103001",
			"enterprise_ids": []int64{a, b}}, nil); r.Code != http.StatusCreated {
			t.Fatalf("group: %d %s", r.Code, r.Body)
		}
		for _, body := range []map[string]any{{"township_code": "431103002"}, {"registered_address": "冷水滩区珊瑚街道9号"}, {"registered_address": "湖南省永州市某某大道8号"}} {
			r := patch(a, body)
			if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Code != "township_change_joint_group" {
				t.Errorf("move %v out of its group's township: %d %s", body, r.Code, r.Body)
			}
		}
		if tw := township(a); tw != "431103001" {
			t.Errorf("a refused move was written: %s", tw)
		}
	})
}

// TestOrganisationEditsInOrder: an edit that changes nothing keeps the
// version and audits nothing (organisations and plans); null clears the
// secretary and is refused for a required field; the dates of merging,
// dissolving and founding keep their order, and a merged-in ledger keeps
// its own founding date when the target's changes.
func TestOrganisationEditsInOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		write := func(method, path string, body any) *httptest.ResponseRecorder {
			t.Helper()
			tagPath := path
			for _, s := range []string{"/dissolve", "/merge"} {
				tagPath = strings.TrimSuffix(tagPath, s)
			}
			tag := e.do(http.MethodGet, tagPath, "district", nil, nil).Header().Get("ETag")
			return e.do(method, path, "district", body, map[string]string{"If-Match": tag})
		}
		register := func(n int, founded string) (int64, int64) {
			t.Helper()
			id := e.createLedger(n, fmt.Sprintf("冷水滩区梅湾街道%d号", n))
			if r := write(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", id), map[string]any{"full_members": 3}); r.Code != http.StatusOK {
				t.Fatalf("members: %d %s", r.Code, r.Body)
			}
			r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": fmt.Sprintf("测试企业%d党支部", n), "kind": "branch",
				"formation_type": "standalone", "founded_on": founded, "member_count": 3, "secretary": "李四", "enterprise_ids": []int64{id}}, nil)
			var o struct{ ID int64 }
			if json.Unmarshal(r.Body.Bytes(), &o); r.Code != http.StatusCreated {
				t.Fatalf("register: %d %s", r.Code, r.Body)
			}
			return o.ID, id
		}
		org := func(id int64) string { return fmt.Sprintf("/api/v1/party-orgs/%d", id) }
		a, ledgerA := register(1, "2020-01-01")
		b, _ := register(2, "2021-01-01")

		// Nothing changed: the same version, nothing audited.
		before := e.auditCount("party_org.update", strconv.FormatInt(a, 10))
		tag := e.do(http.MethodGet, org(a), "district", nil, nil).Header().Get("ETag")
		for _, body := range []map[string]any{{}, {"name": "测试企业1党支部", "member_count": 3}} {
			if r := write(http.MethodPatch, org(a), body); r.Code != http.StatusOK || r.Header().Get("ETag") != tag {
				t.Errorf("unchanged %v: %d %s, ETag %s (was %s)", body, r.Code, r.Body, r.Header().Get("ETag"), tag)
			}
		}
		if n := e.auditCount("party_org.update", strconv.FormatInt(a, 10)); n != before {
			t.Errorf("an unchanged organisation audited %d times", n-before)
		}
		planPath := fmt.Sprintf("/api/v1/enterprises/%d/plan", e.createLedger(9, "冷水滩区梅湾街道9号"))
		body := map[string]any{"status": "in_progress", "planned_start_on": "2026-07-01", "contact_name": "王五"}
		first := write(http.MethodPut, planPath, body)
		again := write(http.MethodPut, planPath, body)
		if first.Code != http.StatusOK || again.Code != http.StatusOK || again.Header().Get("ETag") != first.Header().Get("ETag") {
			t.Errorf("a plan saved twice alike: %s then %s", first.Header().Get("ETag"), again.Header().Get("ETag"))
		}
		// null clears the secretary; a required field cannot be null.
		if r := write(http.MethodPatch, org(a), map[string]any{"secretary": nil}); r.Code != http.StatusOK || strings.Contains(r.Body.String(), "李四") {
			t.Errorf("secretary null: %d %s", r.Code, r.Body)
		}
		for _, f := range []string{"name", "founded_on", "member_count", "kind"} {
			r := write(http.MethodPatch, org(a), map[string]any{f: nil})
			if r.Code != http.StatusUnprocessableEntity || !hasChinese(decodeError(t, r).Error.Fields[f]) {
				t.Errorf("%s null: %d %s", f, r.Code, r.Body)
			}
		}
		// A merged into B before B was founded: refused.
		if r := write(http.MethodPost, org(a)+"/merge", map[string]any{"into": b, "on": "2020-06-01", "reason": "企业合并"}); r.Code != http.StatusUnprocessableEntity ||
			!hasChinese(decodeError(t, r).Error.Fields["on"]) {
			t.Errorf("merged before the target's founding: %d %s", r.Code, r.Body)
		}
		if r := write(http.MethodPost, org(a)+"/merge", map[string]any{"into": b, "on": "2026-05-01", "reason": "企业合并"}); r.Code != http.StatusOK {
			t.Fatalf("merge: %d %s", r.Code, r.Body)
		}
		// B dissolved before A was merged into it, or founded after: refused.
		if r := write(http.MethodPost, org(b)+"/dissolve", map[string]any{"on": "2026-04-01", "reason": "企业注销"}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("dissolved before a merger into it: %d %s", r.Code, r.Body)
		}
		if r := write(http.MethodPatch, org(b), map[string]any{"founded_on": "2026-05-20"}); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("founded after a merger into it: %d %s", r.Code, r.Body)
		}
		// B's founding moves earlier: A's ledger keeps its own date.
		if r := write(http.MethodPatch, org(b), map[string]any{"founded_on": "2020-12-01"}); r.Code != http.StatusOK {
			t.Fatalf("founding date: %d %s", r.Code, r.Body)
		}
		var p struct {
			FormedOn string `json:"formed_on"`
		}
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", ledgerA), "district", nil, nil).Body.Bytes(), &p)
		if p.FormedOn != "2020-01-01" {
			t.Errorf("the merged-in ledger's founding date: %q", p.FormedOn)
		}
	})
}
