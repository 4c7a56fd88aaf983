package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// TestDatesWithinSense: visits, plans, organisations and survey rounds
// refuse a date before 1949 or — where a date may lie ahead — more than
// ten years ahead (the test clock reads 2026-06-01), with 422 naming the
// field; the dates at the bounds are taken.
func TestDatesWithinSense(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道")
		e.assignLiaison(id)
		led := fmt.Sprintf("/api/v1/enterprises/%d", id)
		plan := func(body map[string]any) (int, string) {
			etag := e.do(http.MethodGet, led+"/plan", "district", nil, nil).Header().Get("ETag")
			r := e.do(http.MethodPut, led+"/plan", "district", body, map[string]string{"If-Match": etag})
			return r.Code, r.Body.String()
		}
		for _, c := range []struct {
			name, field string
			send        func() (int, string)
		}{
			{"a visit in 1948", "visited_on", func() (int, string) {
				r := e.do(http.MethodPost, led+"/visits", "liaison", map[string]any{"visited_on": "1948-12-31", "services": []string{"policy"}}, nil)
				return r.Code, r.Body.String()
			}},
			{"a visit in year 202", "visited_on", func() (int, string) {
				r := e.do(http.MethodPost, led+"/visits", "liaison", map[string]any{"visited_on": "0202-05-20", "services": []string{"policy"}}, nil)
				return r.Code, r.Body.String()
			}},
			{"a plan started in 1900", "planned_start_on", func() (int, string) { return plan(map[string]any{"planned_start_on": "1900-03-01"}) }},
			{"a plan completed in 2206", "planned_completion_on", func() (int, string) { return plan(map[string]any{"planned_completion_on": "2206-06-30"}) }},
			{"a plan completed eleven years ahead", "planned_completion_on", func() (int, string) { return plan(map[string]any{"planned_completion_on": "2036-06-02"}) }},
			{"an organisation founded in 1921", "founded_on", func() (int, string) {
				r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "某党支部", "kind": "branch", "formation_type": "standalone",
					"founded_on": "1921-07-01", "member_count": 3, "enterprise_ids": []int64{id}}, nil)
				return r.Code, r.Body.String()
			}},
			{"a round from 1948", "starts_on", func() (int, string) {
				r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "远古", "starts_on": "1948-01-01", "ends_on": "2026-06-30"}, nil)
				return r.Code, r.Body.String()
			}},
			{"a round to 2099", "ends_on", func() (int, string) {
				r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "远期", "starts_on": "2026-06-01", "ends_on": "2099-06-30"}, nil)
				return r.Code, r.Body.String()
			}},
		} {
			code, body := c.send()
			if code != http.StatusUnprocessableEntity || !strings.Contains(body, `"`+c.field+`"`) || !(strings.Contains(body, "1949") || strings.Contains(body, "10年以内")) {
				t.Errorf("%s: %d %s", c.name, code, body)
			}
		}
		// The bounds themselves are taken.
		if code, body := plan(map[string]any{"planned_start_on": "1949-01-01", "planned_completion_on": "2036-06-01"}); code != http.StatusOK {
			t.Errorf("a plan within the bounds: %d %s", code, body)
		}
		r := e.do(http.MethodPost, led+"/visits", "liaison", map[string]any{"visited_on": "1949-01-01", "services": []string{"policy"}}, nil)
		if r.Code != http.StatusCreated && r.Code != http.StatusOK {
			t.Errorf("a visit on 1949-01-01: %d %s", r.Code, r.Body)
		}
	})
}
