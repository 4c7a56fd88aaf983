package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

type planJSON struct {
	EnterpriseID    int64  `json:"enterprise_id"`
	Method          string `json:"method"`
	MethodSource    string `json:"method_source"`
	SuggestedMethod string `json:"suggested_method"`
	Override        *struct {
		Method      string `json:"method"`
		Reason      string `json:"reason"`
		NeedsReview bool   `json:"needs_review"`
	} `json:"override"`
	PlannedStartOn      *string `json:"planned_start_on"`
	PlannedCompletionOn *string `json:"planned_completion_on"`
	ContactName         string  `json:"contact_name"`
	Status              string  `json:"status"`
	Version             int64   `json:"version"`
}

func decodePlan(t *testing.T, body []byte) planJSON {
	t.Helper()
	var p planJSON
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("plan: %v %s", err, body)
	}
	return p
}

func errorFields(t *testing.T, body []byte) map[string]string {
	t.Helper()
	var b struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	json.Unmarshal(body, &b)
	return b.Error.Fields
}

func TestPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道1号")
		path := fmt.Sprintf("/api/v1/enterprises/%d/plan", id)

		// Every in-scope enterprise has a plan from the start.
		r := e.do(http.MethodGet, path, "township", nil, nil)
		p := decodePlan(t, r.Body.Bytes())
		if r.Code != http.StatusOK || p.Status != "not_started" || p.Method != "included" || p.MethodSource != "suggestion" ||
			p.Override != nil || r.Header().Get("ETag") != `"1"` {
			t.Fatalf("initial plan: %d %+v %s", r.Code, p, r.Header())
		}
		put := func(user string, body map[string]any, match string) (int, []byte, string) {
			r := e.do(http.MethodPut, path, user, body, map[string]string{"If-Match": match})
			return r.Code, r.Body.Bytes(), r.Header().Get("ETag")
		}
		if code, _, _ := put("district", map[string]any{"status": "in_progress"}, ""); code != http.StatusPreconditionRequired {
			t.Fatalf("no If-Match: %d", code)
		}
		// Validation names every field at fault.
		code, body, _ := put("district", map[string]any{"method": "standalone", "planned_start_on": "2026-06-30",
			"planned_completion_on": "2026-03-01", "status": "formed", "contact_phone": "12", "bogus": 1}, `"1"`)
		if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown field: %d %s", code, body)
		}
		code, body, _ = put("district", map[string]any{"method": "standalone", "planned_start_on": "2026-06-30",
			"planned_completion_on": "2026-03-01", "status": "formed", "contact_phone": "12"}, `"1"`)
		f := errorFields(t, body)
		for _, field := range []string{"override_reason", "planned_completion_on", "status", "contact_phone"} {
			if !hasChinese(f[field]) {
				t.Errorf("invalid plan: field %s not named: %d %s", field, code, body)
			}
		}
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("invalid plan: %d", code)
		}
		// An override with a reason is kept and shown beside the suggestion.
		code, body, tag := put("township", map[string]any{"method": "affiliated", "override_reason": "党员关系拟转入社区党委",
			"planned_start_on": "2026-06-01", "planned_completion_on": "2026-09-30", "contact_name": "李四",
			"contact_phone": "13800000000", "status": "in_progress"}, `"1"`)
		p = decodePlan(t, body)
		if code != http.StatusOK || tag != `"2"` || p.Method != "affiliated" || p.MethodSource != "override" ||
			p.SuggestedMethod != "included" || p.Override == nil || p.Override.NeedsReview || *p.PlannedCompletionOn != "2026-09-30" {
			t.Fatalf("override: %d %s", code, body)
		}
		if code, _, _ := put("district", map[string]any{"status": "not_started"}, `"1"`); code != http.StatusPreconditionFailed {
			t.Fatalf("stale If-Match: %d", code)
		}
		// The suggestion changes (3 full members): the override stays,
		// flagged for review.
		l := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), "district", nil, nil)
		if r := e.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", id), "district", map[string]any{"full_members": 3},
			map[string]string{"If-Match": l.Header().Get("ETag")}); r.Code != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		p = decodePlan(t, e.do(http.MethodGet, path, "auditor", nil, nil).Body.Bytes())
		if p.Method != "affiliated" || p.SuggestedMethod != "standalone" || p.Override == nil || !p.Override.NeedsReview {
			t.Fatalf("after the suggestion changed: %+v", p)
		}
		// Following the suggestion again clears the override.
		code, body, _ = put("district", map[string]any{"method": "standalone", "status": "in_progress"}, `"2"`)
		p = decodePlan(t, body)
		if code != http.StatusOK || p.Override != nil || p.Method != "standalone" || p.MethodSource != "suggestion" || p.Version != 3 {
			t.Fatalf("back to the suggestion: %d %s", code, body)
		}
		// Liaisons read plans but do not change them.
		if code, _, _ := put("liaison", map[string]any{"status": "in_progress"}, `"3"`); code != http.StatusForbidden {
			t.Fatalf("liaison PUT: %d", code)
		}
		// Another township's plan does not exist for a township admin.
		other := e.createLedger(2, "冷水滩区凤凰街道1号")
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", other), "township", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("other township's plan: %d", r.Code)
		}
		// Out-of-scope enterprises have no plan.
		out := e.createLedger(3, "湖南省永州市零陵区南津路1号")
		r = e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", out), "district", nil, nil)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "plan_not_applicable") {
			t.Fatalf("out-of-scope plan: %d %s", r.Code, r.Body)
		}
		// Every change is in the audit log.
		if r := e.do(http.MethodGet, "/api/v1/audit-events?action=plan.update", "auditor", nil, nil); !strings.Contains(r.Body.String(), "党员关系拟转入社区党委") {
			t.Fatalf("audit: %s", r.Body)
		}
	})
}

// TestPlanStatusFollowsMethod: a plan completed (已落实) as affiliated is
// not left completed when its method becomes standalone (the ledger's own
// members) or joint (a partner's through the pool): it starts again, and
// its past completion date counts as overdue — as a PUT of that plan
// would be refused.
func TestPlanStatusFollowsMethod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		complete := func(id int64) {
			t.Helper()
			path := fmt.Sprintf("/api/v1/enterprises/%d/plan", id)
			tag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
			if r := e.do(http.MethodPut, path, "district", map[string]any{"status": "completed", "planned_start_on": "2026-01-01",
				"planned_completion_on": "2026-03-01"}, map[string]string{"If-Match": tag}); r.Code != http.StatusOK {
				t.Fatalf("complete %d: %d %s", id, r.Code, r.Body)
			}
		}
		patch := e.mustPatchLedger
		plan := func(id int64) planJSON {
			return decodePlan(t, e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", nil, nil).Body.Bytes())
		}
		overdue := func() int { return e.coverage("auditor", "").District.Gaps["overdue_plan"] }

		// Its own members: affiliated and completed, then three members.
		own := e.createLedger(1, "冷水滩区梅湾街道1号")
		patch(own, map[string]any{"full_members": 1})
		complete(own)
		if p := plan(own); p.Method != "affiliated" || p.Status != "completed" || overdue() != 0 {
			t.Fatalf("completed: %+v, overdue %d", p, overdue())
		}
		patch(own, map[string]any{"full_members": 3})
		if p := plan(own); p.Method != "standalone" || p.Status != "not_started" {
			t.Errorf("standalone, still completed: %+v", p)
		}
		if n := overdue(); n != 1 {
			t.Errorf("overdue_plan %d, want 1", n)
		}
		if n := e.listCount("auditor", "gap=overdue_plan"); n != 1 {
			t.Errorf("gap=overdue_plan lists %d, want 1", n)
		}
		// A partner's: affiliated alone in 珊瑚街道 and completed, then a
		// two-member neighbour makes them both joint candidates.
		alone := e.createLedger(2, "冷水滩区珊瑚街道2号")
		patch(alone, map[string]any{"full_members": 1})
		complete(alone)
		partner := e.createLedger(3, "冷水滩区珊瑚街道3号")
		patch(partner, map[string]any{"full_members": 2})
		if p := plan(alone); p.Method != "joint" || p.Status != "not_started" {
			t.Errorf("joint through the pool, still completed: %+v", p)
		}
		// Included and completed stays completed when it becomes affiliated.
		kept := e.createLedger(4, "冷水滩区梅湾街道4号")
		complete(kept)
		patch(kept, map[string]any{"full_members": 1})
		if p := plan(kept); p.Method != "affiliated" || p.Status != "completed" {
			t.Errorf("affiliated from included: %+v", p)
		}
		if n := overdue(); n != 2 {
			t.Errorf("overdue_plan %d, want 2", n)
		}
	})
}
