package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

type coverageRow struct {
	Code                     string         `json:"code"`
	Enterprises              int            `json:"enterprises"`
	ByMethod                 map[string]int `json:"by_method"`
	OrganizationCovered      int            `json:"organization_covered"`
	WorkCovered              int            `json:"work_covered"`
	OrganizationCoverageRate float64        `json:"organization_coverage_rate"`
	StandaloneRate           float64        `json:"standalone_rate"`
	Gaps                     map[string]int `json:"gaps"`
	Plans                    map[string]int `json:"plans"`
	Union                    int            `json:"union"`
	YouthLeague              int            `json:"youth_league"`
	WomensFederation         int            `json:"womens_federation"`
}

// sum adds up the counts of rows, the way the district row must.
func sumRows(rows ...coverageRow) coverageRow {
	out := coverageRow{ByMethod: map[string]int{}, Gaps: map[string]int{}, Plans: map[string]int{}}
	for _, r := range rows {
		out.Enterprises += r.Enterprises
		out.OrganizationCovered += r.OrganizationCovered
		out.WorkCovered += r.WorkCovered
		out.Union += r.Union
		out.YouthLeague += r.YouthLeague
		out.WomensFederation += r.WomensFederation
		for k, v := range r.ByMethod {
			out.ByMethod[k] += v
		}
		for k, v := range r.Gaps {
			out.Gaps[k] += v
		}
		for k, v := range r.Plans {
			out.Plans[k] += v
		}
	}
	return out
}

// listCount counts the ledgers a list query returns, page by page.
func (e *env) listCount(user, query string) int {
	e.t.Helper()
	n, cursor := 0, ""
	for {
		r := e.do(http.MethodGet, "/api/v1/enterprises?limit=200&"+query+cursor, user, nil, nil)
		if r.Code != http.StatusOK {
			e.t.Fatalf("list %s: %d %s", query, r.Code, r.Body)
		}
		var page struct {
			Items      []struct{ ID int64 } `json:"items"`
			NextCursor *string              `json:"next_cursor"`
		}
		json.Unmarshal(r.Body.Bytes(), &page)
		n += len(page.Items)
		if page.NextCursor == nil {
			return n
		}
		cursor = "&cursor=" + *page.NextCursor
	}
}

type coverageTable struct {
	District   *coverageRow  `json:"district"`
	Townships  []coverageRow `json:"townships"`
	Unassigned *coverageRow  `json:"unassigned"`
}

func (e *env) coverage(user, query string) coverageTable {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/coverage"+query, user, nil, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("coverage%s: %d %s", query, r.Code, r.Body)
	}
	var t coverageTable
	json.Unmarshal(r.Body.Bytes(), &t)
	return t
}

// The seed scenario's coverage: the base and methods of expected.json, then
// the organisation-covered count as organisations are registered; a round
// closed in between keeps its snapshot while the live figures move on.
func TestCoverageAndRounds(t *testing.T) {
	var exp struct {
		TotalsByMethod map[string]int            `json:"totals_by_method"`
		PerTownship    map[string]map[string]int `json:"per_township"`
	}
	b, _ := os.ReadFile("../importer/testdata/expected.json")
	json.Unmarshal(b, &exp)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()
		c := e.coverage("auditor", "")
		base := 0
		for m, n := range exp.TotalsByMethod {
			base += n
			if c.District.ByMethod[m] != n {
				t.Errorf("district %s: %d, want %d", m, c.District.ByMethod[m], n)
			}
		}
		if c.District.Enterprises != base || c.District.OrganizationCovered != 0 || c.District.Gaps["should_form"] != exp.TotalsByMethod["standalone"] ||
			c.District.Gaps["ungrouped_joint"] != 2 || c.District.Gaps["no_liaison"] != base {
			t.Fatalf("district row: %+v", c.District)
		}
		for _, row := range c.Townships {
			want := exp.PerTownship[row.Code]
			if row.Enterprises != want["enterprises"] {
				t.Errorf("township %s: %d, want %d", row.Code, row.Enterprises, want["enterprises"])
			}
		}
		if c.Unassigned.Enterprises != exp.PerTownship["unassigned"]["enterprises"] {
			t.Errorf("unassigned: %d, want %d", c.Unassigned.Enterprises, exp.PerTownship["unassigned"]["enterprises"])
		}
		// The district row is the sum of the township rows and the unassigned.
		want := sumRows(append(append([]coverageRow{}, c.Townships...), *c.Unassigned)...)
		got := *c.District
		got.Code, got.OrganizationCoverageRate, got.StandaloneRate = "", 0, 0
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Fatalf("district row %s, sum of rows %s", gj, wj)
		}
		if c.District.Plans["not_started"] != base || len(c.Townships) != 18 {
			t.Fatalf("plans %v, %d townships (every township, also empty ones)", c.District.Plans, len(c.Townships))
		}
		// A township admin sees its own row alone.
		r0 := e.do(http.MethodGet, "/api/v1/coverage", "township", nil, nil)
		own := e.coverage("township", "")
		if len(own.Townships) != 1 || own.Townships[0].Code != "431103001" || own.District != nil || own.Unassigned != nil ||
			strings.Contains(r0.Body.String(), `"district"`) {
			t.Fatalf("township coverage: %s", r0.Body)
		}

		// A round, a visit in it, its progress.
		r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "2026年上半年", "starts_on": "2026-03-01", "ends_on": "2026-06-30"}, nil)
		var round struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			Total  struct {
				Enterprises, Verified int
			} `json:"total"`
			EndedOn *string `json:"ended_on"`
		}
		json.Unmarshal(r.Body.Bytes(), &round)
		if r.Code != http.StatusCreated || round.Status != "open" || round.Total.Enterprises != base {
			t.Fatalf("create round: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "重叠", "starts_on": "2026-06-01", "ends_on": "2026-12-31"}, nil); r.Code != http.StatusConflict {
			t.Fatalf("overlapping round: %d", r.Code)
		}
		if r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "倒置", "starts_on": "2027-06-01", "ends_on": "2027-01-01"}, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("reversed round: %d", r.Code)
		}
		var page struct{ Items []struct{ ID int64 } }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?method=standalone&limit=2", "district", nil, nil).Body.Bytes(), &page)
		if len(page.Items) == 0 {
			t.Fatalf("standalone page: %s", e.do(http.MethodGet, "/api/v1/enterprises?method=standalone&limit=2", "district", nil, nil).Body)
		}
		sid := page.Items[0].ID
		if r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/enterprises/%d/visits", sid), "district",
			map[string]any{"visited_on": "2026-05-15", "services": []string{"party_building"}}, nil); r.Code != http.StatusCreated {
			t.Fatalf("visit: %d %s", r.Code, r.Body)
		}
		path := fmt.Sprintf("/api/v1/survey-rounds/%d", round.ID)
		json.Unmarshal(e.do(http.MethodGet, path, "auditor", nil, nil).Body.Bytes(), &round)
		// The survey import verified the 315 ledgers it updated (today,
		// inside the round); the visit is one of them or one more.
		if round.Total.Verified < 1 {
			t.Fatalf("progress after a visit: %+v", round.Total)
		}
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/coverage?round=%d", round.ID), "district", nil, nil); r.Code != http.StatusConflict {
			t.Fatalf("snapshot of an open round: %d", r.Code)
		}
		// Close: the snapshot; closing again is refused.
		r = e.do(http.MethodPost, path+"/close", "district", nil, nil)
		json.Unmarshal(r.Body.Bytes(), &round)
		if r.Code != http.StatusOK || round.Status != "closed" || round.EndedOn == nil || *round.EndedOn != "2026-06-01" {
			t.Fatalf("close: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodPost, path+"/close", "district", nil, nil); r.Code != http.StatusConflict {
			t.Fatalf("close twice: %d", r.Code)
		}
		// Organisations registered after closing move the live figures,
		// not the snapshot.
		if r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "某公司党支部", "kind": "branch",
			"formation_type": "standalone", "founded_on": "2026-05-01", "member_count": 3, "enterprise_ids": []int64{sid}}, nil); r.Code != http.StatusCreated {
			t.Fatalf("org: %d %s", r.Code, r.Body)
		}
		var sug struct {
			Items []map[string]any `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/joint-groups/suggestions", "district", nil, nil).Body.Bytes(), &sug)
		var group struct {
			EnterpriseIDs []int64 `json:"enterprise_ids"`
		}
		json.Unmarshal(e.do(http.MethodPost, "/api/v1/joint-groups", "district", sug.Items[0], nil).Body.Bytes(), &group)
		if r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "凤凰街道联合党支部", "kind": "joint_branch",
			"formation_type": "joint", "founded_on": "2026-05-20", "member_count": 3, "enterprise_ids": group.EnterpriseIDs}, nil); r.Code != http.StatusCreated {
			t.Fatalf("joint org: %d %s", r.Code, r.Body)
		}
		// A ledger planned by hand, then suspended: out of the base, its
		// override kept, listed by method no more than it is counted.
		left := e.createLedger(9101, "冷水滩区梅湾街道测试路1号")
		planTag := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", left), "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/plan", left), "district",
			map[string]any{"method": "affiliated", "override_reason": "业主要求挂靠社区党组织"}, map[string]string{"If-Match": planTag}); r.Code != http.StatusOK {
			t.Fatalf("override: %d %s", r.Code, r.Body)
		}
		tag := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", left), "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", left), "district",
			map[string]any{"operating_status": "停产"}, map[string]string{"If-Match": tag}); r.Code != http.StatusOK {
			t.Fatalf("suspend: %d %s", r.Code, r.Body)
		}
		if n := e.listCount("auditor", "method=affiliated&credit_code="+creditCode(9101)); n != 0 {
			t.Errorf("a suspended ledger is listed by its plan method")
		}
		live := e.coverage("auditor", "")
		if live.District.OrganizationCovered != 3 || live.District.Gaps["should_form"] != exp.TotalsByMethod["standalone"]-1 ||
			live.District.Gaps["ungrouped_joint"] != 0 || live.District.StandaloneRate <= 0 || live.District.WorkCovered < 3 {
			t.Fatalf("live after the organisations: %+v", live.District)
		}
		// The list filters count as coverage does, per township too.
		for _, row := range live.Townships {
			for gap, want := range row.Gaps {
				if n := e.listCount("auditor", "township="+row.Code+"&gap="+gap); n != want {
					t.Errorf("township %s gap=%s lists %d, coverage counts %d", row.Code, gap, n, want)
				}
			}
			for st, want := range row.Plans {
				if n := e.listCount("auditor", "township="+row.Code+"&plan_status="+st); n != want {
					t.Errorf("township %s plan_status=%s lists %d, coverage counts %d", row.Code, st, n, want)
				}
			}
			for m, want := range row.ByMethod {
				if n := e.listCount("auditor", "township="+row.Code+"&method="+m); n != want {
					t.Errorf("township %s method=%s lists %d, coverage counts %d", row.Code, m, n, want)
				}
			}
		}
		if n := e.listCount("auditor", "in_scope=true&liaison=none"); n != live.District.Gaps["no_liaison"] {
			t.Errorf("liaison=none lists %d, coverage counts %d", n, live.District.Gaps["no_liaison"])
		}
		for gap, want := range live.District.Gaps {
			n, cursor := 0, ""
			for {
				r := e.do(http.MethodGet, "/api/v1/enterprises?limit=200&gap="+gap+cursor, "auditor", nil, nil)
				var page struct {
					Items      []struct{ ID int64 } `json:"items"`
					NextCursor *string              `json:"next_cursor"`
				}
				json.Unmarshal(r.Body.Bytes(), &page)
				n += len(page.Items)
				if page.NextCursor == nil {
					break
				}
				cursor = "&cursor=" + *page.NextCursor
			}
			if n != want {
				t.Errorf("gap=%s lists %d ledgers, coverage counts %d", gap, n, want)
			}
		}
		if r := e.do(http.MethodGet, "/api/v1/enterprises?gap=everything", "auditor", nil, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown gap: %d", r.Code)
		}
		snap := e.coverage("auditor", fmt.Sprintf("?round=%d", round.ID))
		if snap.District.OrganizationCovered != 0 || snap.District.Enterprises != base || snap.District.Gaps["ungrouped_joint"] != 2 {
			t.Fatalf("snapshot changed: %+v", snap.District)
		}
		// The trend has the closed round.
		var trend struct {
			Items []struct {
				RoundID  int64        `json:"round_id"`
				District *coverageRow `json:"district"`
			} `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/coverage/trend", "auditor", nil, nil).Body.Bytes(), &trend)
		if len(trend.Items) != 1 || trend.Items[0].RoundID != round.ID || trend.Items[0].District == nil ||
			trend.Items[0].District.Enterprises != base || trend.Items[0].District.OrganizationCovered != 0 {
			t.Fatalf("trend: %+v", trend)
		}
		// The snapshot is immutable in the database too.
		if err := e.db.InTx(t.Context(), func(tx *store.Tx) error {
			return tx.Exec("UPDATE survey_round_enterprises SET plan_status = 'formed'")
		}); err == nil {
			t.Fatal("a round's snapshot was rewritten")
		}
	})
}

// TestOverlappingRoundsAtOnce: two overlapping rounds sent at the same
// moment (two instances, two admins) never both stand.
func TestOverlappingRoundsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		for i := range 6 {
			year := 2027 + i
			bodies := []map[string]any{
				{"name": fmt.Sprintf("%d年上半年", year), "starts_on": fmt.Sprintf("%d-01-01", year), "ends_on": fmt.Sprintf("%d-06-30", year)},
				{"name": fmt.Sprintf("%d年春季", year), "starts_on": fmt.Sprintf("%d-03-01", year), "ends_on": fmt.Sprintf("%d-09-30", year)},
			}
			codes := make([]int, 2)
			var wg sync.WaitGroup
			for j := range bodies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					codes[j] = e.do(http.MethodPost, "/api/v1/survey-rounds", "district", bodies[j], nil).Code
				}()
			}
			wg.Wait()
			created := 0
			for _, c := range codes {
				if c == http.StatusCreated {
					created++
				} else if c != http.StatusConflict {
					t.Errorf("year %d: %d", year, c)
				}
			}
			if created != 1 {
				t.Errorf("year %d: %d overlapping rounds created (%v)", year, created, codes)
			}
		}
	})
}

// TestRoundNotStartedIsDeleted: a round created with wrong dates cannot be
// closed before it starts, but is deleted and made again; one that has
// started is not deleted.
func TestRoundNotStartedIsDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		create := func(starts, ends string) (int, int64) {
			r := e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "轮次" + starts, "starts_on": starts, "ends_on": ends}, nil)
			var round struct{ ID int64 }
			json.Unmarshal(r.Body.Bytes(), &round)
			return r.Code, round.ID
		}
		_, wrong := create("2026-12-01", "2026-12-31")
		if c, _ := create("2026-11-01", "2026-12-15"); c != http.StatusConflict {
			t.Fatalf("overlapping: %d", c)
		}
		path := fmt.Sprintf("/api/v1/survey-rounds/%d", wrong)
		if r := e.do(http.MethodDelete, path, "township", nil, nil); r.Code != http.StatusForbidden {
			t.Errorf("a township admin deletes a round: %d", r.Code)
		}
		if r := e.do(http.MethodDelete, path, "district", nil, nil); r.Code != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodGet, path, "district", nil, nil); r.Code != http.StatusNotFound {
			t.Errorf("a deleted round: %d", r.Code)
		}
		if c, _ := create("2026-11-01", "2026-12-15"); c != http.StatusCreated {
			t.Errorf("the intended round after the delete: %d", c)
		}
		_, started := create("2026-05-01", "2026-06-30") // the tests' today is 2026-06-01
		r := e.do(http.MethodDelete, fmt.Sprintf("/api/v1/survey-rounds/%d", started), "district", nil, nil)
		if r.Code != http.StatusConflict || decodeError(t, r).Error.Code != "round_started" {
			t.Errorf("delete a started round: %d %s", r.Code, r.Body)
		}
		if n := e.auditCount("survey_round.delete", strconv.FormatInt(wrong, 10)); n != 1 {
			t.Errorf("%d deletions audited", n)
		}
	})
}
