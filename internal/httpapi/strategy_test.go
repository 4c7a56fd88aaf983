package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// The seed scenario through the API: after the sample registration and
// survey, the method filter and each ledger's suggestion agree with
// expected.json, and each suggestion explains itself in Chinese.
func TestSuggestionsThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration"})
		if j := e.importAndRun("district", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"}); j.Status != "succeeded" {
			t.Fatalf("survey: %+v", j)
		}
		type item struct {
			ID              int64   `json:"id"`
			TownshipCode    *string `json:"township_code"`
			SuggestedMethod *string `json:"suggested_method"`
			InScope         bool    `json:"in_scope"`
			Suggestion      *struct {
				Method, MethodLabel, Reason, Explanation string
			} `json:"suggestion"`
		}
		want := map[string]int{"standalone": 21, "joint": 2, "affiliated": 6, "included": 263}
		for method, n := range want {
			var page struct{ Items []item }
			r := e.do(http.MethodGet, "/api/v1/enterprises?limit=200&in_scope=true&method="+method, "district", nil, nil)
			total := 0
			for {
				json.Unmarshal(r.Body.Bytes(), &page)
				total += len(page.Items)
				for _, it := range page.Items {
					if it.SuggestedMethod == nil || *it.SuggestedMethod != method || it.Suggestion == nil ||
						it.Suggestion.Method != method || !hasChinese(it.Suggestion.Explanation) || it.Suggestion.Reason == "" {
						t.Fatalf("%s: %+v", method, it)
					}
					if method == "joint" && (it.TownshipCode == nil || *it.TownshipCode != "431103006" ||
						!strings.Contains(it.Suggestion.Explanation, "可联合组建")) {
						t.Fatalf("joint: %+v (the two 凤凰街道 enterprises)", it)
					}
				}
				var next struct {
					NextCursor *string `json:"next_cursor"`
				}
				json.Unmarshal(r.Body.Bytes(), &next)
				if next.NextCursor == nil {
					break
				}
				r = e.do(http.MethodGet, "/api/v1/enterprises?limit=200&in_scope=true&method="+method+"&cursor="+*next.NextCursor, "district", nil, nil)
			}
			if total != n {
				t.Errorf("method=%s: %d ledgers, want %d", method, total, n)
			}
		}
		var out struct{ Items []item }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?limit=200&in_scope=false", "district", nil, nil).Body.Bytes(), &out)
		if len(out.Items) != 48 {
			t.Fatalf("%d out of scope, want 48", len(out.Items))
		}
		for _, it := range out.Items {
			if it.SuggestedMethod != nil || it.Suggestion != nil {
				t.Fatalf("an out-of-scope ledger has a suggestion: %+v", it)
			}
		}
		r := e.do(http.MethodGet, "/api/v1/enterprises?method=alone", "district", nil, nil)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `"method"`) {
			t.Fatalf("unknown method: %d %s", r.Code, r.Body)
		}
	})
}
