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
