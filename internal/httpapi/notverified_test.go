package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// TestNotVerifiedSince: the ledgers not visited in an open survey round are
// those never verified or verified before its start, counted as the round
// counts its progress; a malformed date is refused.
func TestNotVerifiedSince(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d) // today is 2026-06-01 in the district
		var led []int64
		for i := 1; i <= 4; i++ {
			id := e.createLedger(i, "冷水滩区梅湾街道")
			e.assignLiaison(id)
			led = append(led, id)
		}
		visit := func(id int64, on string) {
			t.Helper()
			r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/enterprises/%d/visits", id), "liaison",
				map[string]any{"visited_on": on, "services": []string{"policy"}}, nil)
			if r.Code != http.StatusCreated {
				t.Fatalf("visit %d on %s: %d %s", id, on, r.Code, r.Body)
			}
		}
		visit(led[0], "2026-05-31") // the day before the round: not visited in it
		visit(led[1], "2026-06-01") // its first day: visited
		// A survey update verifies the ledger as of now (2026-06-01 09:00Z).
		r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", led[2]), "liaison", nil, nil)
		if r := e.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", led[2]), "liaison", map[string]any{"employees": 12},
			map[string]string{"If-Match": r.Header().Get("ETag")}); r.Code != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		// led[3] was never verified.
		list := func(path, user string) []int64 {
			t.Helper()
			r := e.do(http.MethodGet, path, user, nil, nil)
			var p listedPage
			if err := json.Unmarshal(r.Body.Bytes(), &p); err != nil || r.Code != http.StatusOK {
				t.Fatalf("GET %s: %d %s", path, r.Code, r.Body)
			}
			return ids(p.Items)
		}
		cases := []struct {
			name, query string
			want        []int64
		}{
			{"since the round's start", "not_verified_since=2026-06-01", []int64{led[0], led[3]}},
			{"since the day before", "not_verified_since=2026-05-31", []int64{led[3]}},
			{"since tomorrow", "not_verified_since=2026-06-02", led},
			{"with the liaison's other filters", "not_verified_since=2026-06-01&in_scope=true&sort=-id", []int64{led[3], led[0]}},
		}
		for _, c := range cases {
			if got := list("/api/v1/me/enterprises?"+c.query, "liaison"); !slices.Equal(got, c.want) {
				t.Errorf("%s: /me/enterprises?%s = %v, want %v", c.name, c.query, got, c.want)
			}
			if got := list("/api/v1/enterprises?"+c.query, "district"); !slices.Equal(got, c.want) {
				t.Errorf("%s: /enterprises?%s = %v, want %v", c.name, c.query, got, c.want)
			}
		}
		// Paging keeps the filter.
		if got := ids(listAll(t, e, "not_verified_since=2026-06-01", 1)); !slices.Equal(got, []int64{led[0], led[3]}) {
			t.Errorf("paged one by one: %v", got)
		}

		// The same count as the round's progress: base − verified.
		if r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district",
			map[string]any{"name": "2026年上半年", "starts_on": "2026-06-01", "ends_on": "2026-06-30"}, nil); r.Code != http.StatusCreated {
			t.Fatalf("create round: %d %s", r.Code, r.Body)
		}
		var rounds struct {
			Items []struct {
				StartsOn string `json:"starts_on"`
				Total    struct{ Enterprises, Verified int }
			}
		}
		r = e.do(http.MethodGet, "/api/v1/survey-rounds", "liaison", nil, nil)
		if err := json.Unmarshal(r.Body.Bytes(), &rounds); err != nil || len(rounds.Items) != 1 {
			t.Fatalf("rounds: %d %s", r.Code, r.Body)
		}
		total := rounds.Items[0].Total
		notVisited := list("/api/v1/enterprises?in_scope=true&township=431103001&not_verified_since="+rounds.Items[0].StartsOn, "district")
		if total.Enterprises != 4 || total.Enterprises-total.Verified != len(notVisited) {
			t.Errorf("round progress %+v, not visited %v", total, notVisited)
		}

		for _, bad := range []string{"2026-13-01", "2026-06-01T00:00:00Z", "yesterday", "2026/06/01"} {
			r := e.do(http.MethodGet, "/api/v1/me/enterprises?not_verified_since="+bad, "liaison", nil, nil)
			if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Fields["not_verified_since"] == "" {
				t.Errorf("not_verified_since=%s: %d %s", bad, r.Code, r.Body)
			}
		}
	})
}
