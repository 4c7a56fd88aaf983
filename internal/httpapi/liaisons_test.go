package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// A liaison sees and edits only its own enterprises: others of its
// township are 404; plans and assignments are not theirs to change (403).
func TestLiaisonScoping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		mine := e.createLedger(1, "冷水滩区梅湾街道1号")
		notMine := e.createLedger(2, "冷水滩区梅湾街道2号") // same township, no liaison
		e.assignLiaison(mine)
		visit := map[string]any{"visited_on": "2026-05-30", "services": []string{"policy", "party_building"}, "notes": "了解用工情况"}
		for _, id := range []int64{notMine, 999999} {
			base := fmt.Sprintf("/api/v1/enterprises/%d", id)
			for _, r := range []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, base, nil}, {http.MethodGet, base + "/history", nil}, {http.MethodGet, base + "/plan", nil},
				{http.MethodGet, base + "/liaison", nil}, {http.MethodGet, base + "/visits", nil},
				{http.MethodPatch, base, map[string]any{"employees": 3}}, {http.MethodPost, base + "/visits", visit},
			} {
				h := map[string]string{"If-Match": `"1"`}
				if got := e.do(r.method, r.path, "liaison", r.body, h); got.Code != http.StatusNotFound {
					t.Errorf("liaison %s %s: %d, want 404", r.method, r.path, got.Code)
				}
			}
		}
		var page struct{ Items []struct{ ID int64 } }
		for _, path := range []string{"/api/v1/me/enterprises", "/api/v1/enterprises"} {
			json.Unmarshal(e.do(http.MethodGet, path, "liaison", nil, nil).Body.Bytes(), &page)
			if len(page.Items) != 1 || page.Items[0].ID != mine {
				t.Fatalf("%s for the liaison: %+v", path, page.Items)
			}
		}
		// Its own: read, edit survey fields, log visits; not plans or assignments.
		base := fmt.Sprintf("/api/v1/enterprises/%d", mine)
		if r := e.do(http.MethodPatch, base, "liaison", map[string]any{"employees": 12}, map[string]string{"If-Match": `"1"`}); r.Code != http.StatusOK {
			t.Fatalf("liaison edits its enterprise: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodPut, base+"/plan", "liaison", map[string]any{"status": "in_progress"}, map[string]string{"If-Match": `"1"`}); r.Code != http.StatusForbidden {
			t.Fatalf("liaison changes a plan: %d", r.Code)
		}
		if r := e.do(http.MethodPut, base+"/liaison", "liaison", map[string]any{"liaison_id": e.userID("liaison")}, nil); r.Code != http.StatusForbidden {
			t.Fatalf("liaison changes an assignment: %d", r.Code)
		}
		r := e.do(http.MethodPost, base+"/visits", "liaison", visit, nil)
		if r.Code != http.StatusCreated || !strings.Contains(r.Body.String(), "party_building") {
			t.Fatalf("visit: %d %s", r.Code, r.Body)
		}
		// The survey edit verified the ledger today; the earlier visit
		// does not move that back. On a ledger not verified since, a
		// visit marks it verified as of the visit.
		l := ledgerOf(t, e.do(http.MethodGet, base, "district", nil, nil))
		if v, _ := l["verified_at"].(string); !strings.HasPrefix(v, "2026-06-01") {
			t.Fatalf("verified_at after the edit and the visit: %v", l["verified_at"])
		}
		other := e.createLedger(3, "冷水滩区梅湾街道3号")
		e.assignLiaison(other)
		if r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/enterprises/%d/visits", other), "liaison", visit, nil); r.Code != http.StatusCreated {
			t.Fatalf("visit: %d", r.Code)
		}
		l = ledgerOf(t, e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", other), "district", nil, nil))
		if v, _ := l["verified_at"].(string); !strings.HasPrefix(v, "2026-05-30") {
			t.Fatalf("verified_at after the visit: %v", l["verified_at"])
		}
		// Both visits count in the liaison's workload for this round.
		var work struct {
			Items []struct {
				Username        string `json:"username"`
				Enterprises     int    `json:"enterprises"`
				VisitsThisRound int    `json:"visits_this_round"`
			} `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/liaisons", "township", nil, nil).Body.Bytes(), &work)
		found := false
		for _, w := range work.Items {
			if w.Username == "liaison" {
				found = w.VisitsThisRound == 2 && w.Enterprises == 2
			}
		}
		if !found {
			t.Fatalf("workload: %+v", work.Items)
		}
		var visits struct{ Items []map[string]any }
		json.Unmarshal(e.do(http.MethodGet, base+"/visits", "township", nil, nil).Body.Bytes(), &visits)
		if len(visits.Items) != 1 || visits.Items[0]["author"] != "liaison" {
			t.Fatalf("visits: %+v", visits)
		}
		// Bad visits name the field.
		for field, body := range map[string]map[string]any{
			"visited_on": {"visited_on": "2099-01-01"},
			"services":   {"visited_on": "2026-05-01", "services": []string{"money"}},
		} {
			r := e.do(http.MethodPost, base+"/visits", "liaison", body, nil)
			if r.Code != http.StatusUnprocessableEntity || !hasChinese(errorFields(t, r.Body.Bytes())[field]) {
				t.Errorf("bad visit (%s): %d %s", field, r.Code, r.Body)
			}
		}
	})
}

// Exactly one standing liaison, from the enterprise's township; a
// reassignment ends the old one and keeps it in the history; workloads
// count what each carries.
func TestLiaisonAssignment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道1号")
		path := fmt.Sprintf("/api/v1/enterprises/%d/liaison", id)
		var got struct {
			Liaison *struct {
				ID       int64  `json:"id"`
				Username string `json:"username"`
			} `json:"liaison"`
			History []struct {
				Username string  `json:"username"`
				EndedAt  *string `json:"ended_at"`
			} `json:"history"`
		}
		json.Unmarshal(e.do(http.MethodGet, path, "district", nil, nil).Body.Bytes(), &got)
		if got.Liaison != nil || len(got.History) != 0 {
			t.Fatalf("before any assignment: %+v", got)
		}
		// Another township's liaison, a non-liaison user, nobody: 422.
		for who, wantField := range map[string]string{"liaison2": "liaison_id", "township": "liaison_id"} {
			r := e.do(http.MethodPut, path, "district", map[string]any{"liaison_id": e.userID(who)}, nil)
			if r.Code != http.StatusUnprocessableEntity || !hasChinese(errorFields(t, r.Body.Bytes())[wantField]) {
				t.Errorf("assign %s: %d %s", who, r.Code, r.Body)
			}
		}
		e.assignLiaison(id)
		// A second liaison of the township takes over.
		r := e.do(http.MethodPost, "/api/v1/users", "township", map[string]any{"username": "liaison3", "password": password,
			"role": "liaison", "township_code": "431103001", "name": "赵联络", "unit": "梅湾街道 社区工作者"}, nil)
		if r.Code != http.StatusCreated {
			t.Fatalf("create liaison: %d %s", r.Code, r.Body)
		}
		var u struct {
			ID   int64  `json:"id"`
			Unit string `json:"unit"`
		}
		json.Unmarshal(r.Body.Bytes(), &u)
		if u.Unit != "梅湾街道 社区工作者" {
			t.Fatalf("unit: %s", r.Body)
		}
		r = e.do(http.MethodPut, path, "township", map[string]any{"liaison_id": u.ID}, nil)
		json.Unmarshal(r.Body.Bytes(), &got)
		if r.Code != http.StatusOK || got.Liaison == nil || got.Liaison.ID != u.ID || len(got.History) != 2 ||
			got.History[0].Username != "liaison" || got.History[0].EndedAt == nil || got.History[1].EndedAt != nil {
			t.Fatalf("reassign: %d %s", r.Code, r.Body)
		}
		// The former liaison no longer reaches it.
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), "liaison", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("former liaison: %d", r.Code)
		}
		var list struct {
			Items []struct {
				Username    string `json:"username"`
				Enterprises int    `json:"enterprises"`
				Overdue     int    `json:"overdue"`
			} `json:"items"`
			RoundFrom string `json:"round_from"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/liaisons?township=431103001", "township", nil, nil).Body.Bytes(), &list)
		counts := map[string][2]int{}
		for _, it := range list.Items {
			counts[it.Username] = [2]int{it.Enterprises, it.Overdue}
		}
		if len(list.Items) != 2 || counts["liaison3"] != [2]int{1, 1} || counts["liaison"] != [2]int{0, 0} || list.RoundFrom == "" {
			t.Fatalf("workload: %+v", list)
		}
		if r := e.do(http.MethodGet, "/api/v1/liaisons", "township2", nil, nil); strings.Contains(r.Body.String(), "liaison3") {
			t.Fatalf("another township's liaisons: %s", r.Body)
		}
	})
}

// A ledger shows its plan and its standing liaison.
func TestLedgerShowsPlanAndLiaison(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道1号")
		e.assignLiaison(id)
		var l struct {
			Plan *struct {
				Status string `json:"status"`
				Method string `json:"method"`
			} `json:"plan"`
			Liaison *struct {
				ID int64 `json:"id"`
			} `json:"liaison"`
		}
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), "district", nil, nil).Body.Bytes(), &l)
		if l.Plan == nil || l.Plan.Status != "not_started" || l.Plan.Method != "included" || l.Liaison == nil || l.Liaison.ID != e.userID("liaison") {
			t.Fatalf("ledger: %+v %+v", l.Plan, l.Liaison)
		}
		out := e.createLedger(2, "湖南省永州市零陵区南津路1号")
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", out), "district", nil, nil).Body.Bytes(), &l)
		if l.Plan != nil || l.Liaison != nil {
			t.Fatalf("out-of-scope ledger: %+v %+v", l.Plan, l.Liaison)
		}
	})
}

// A liaison assignment sheet (GB18030 CSV) through the import jobs: by
// username, by name and mobile, unknown and malformed codes, another
// township's liaison, a repeated code; a dry run changes nothing.
func TestLiaisonImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		a := e.createLedger(1, "冷水滩区梅湾街道1号")
		b := e.createLedger(2, "冷水滩区梅湾街道2号")
		c := e.createLedger(3, "冷水滩区梅湾街道3号")
		if r := e.do(http.MethodPost, "/api/v1/users", "district", map[string]any{"username": "liaison9", "password": password,
			"role": "liaison", "township_code": "431103001", "name": "钱九", "phone": "13900000009"}, nil); r.Code != http.StatusCreated {
			t.Fatalf("user: %d %s", r.Code, r.Body)
		}
		sheet := "联络员分配表\n统一社会信用代码,企业名称,联络员账号,联络员姓名,联络员手机号\n" +
			creditCode(1) + ",测试企业1,liaison,,\n" + // 3: superseded by row 9
			creditCode(2) + ",测试企业2,,钱九,13900000009\n" + // 4: by name and mobile
			creditCode(9) + ",无此企业,liaison,,\n" + // 5: no such ledger
			"91431103ABC,格式错误,liaison,,\n" + // 6: malformed code
			creditCode(3) + ",测试企业3,liaison2,,\n" + // 7: another township's liaison
			creditCode(3) + ",测试企业3,,,\n" + // 8: no liaison named
			creditCode(1) + ",测试企业1,liaison9,,\n" // 9: the last row of its code counts
		gbk := toGB18030(t, sheet)
		dry := e.importAndRun("district", "联络员.csv", gbk, map[string]string{"kind": "liaisons", "dry_run": "true"})
		if dry.Status != "succeeded" || dry.Counts.Rows != 7 || dry.Counts.Rejected != 4 {
			t.Fatalf("dry run: %+v", dry)
		}
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/liaison", a), "district", nil, nil); strings.Contains(r.Body.String(), `"username"`) {
			t.Fatalf("a dry run assigned: %s", r.Body)
		}
		job := e.importAndRun("township", "联络员.csv", gbk, map[string]string{"kind": "liaisons"})
		c2 := job.Counts
		if job.Status != "succeeded" || c2.Rows != 7 || c2.Created != 2 || c2.Updated != 0 || c2.Duplicates != 1 || c2.Rejected != 4 || c2.Warnings != 1 {
			t.Fatalf("liaison import: %+v", job)
		}
		who := func(id int64) string {
			var out struct {
				Liaison *struct {
					Username string `json:"username"`
				} `json:"liaison"`
			}
			json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/liaison", id), "district", nil, nil).Body.Bytes(), &out)
			if out.Liaison == nil {
				return ""
			}
			return out.Liaison.Username
		}
		if who(a) != "liaison9" || who(b) != "liaison9" || who(c) != "" {
			t.Fatalf("assignments: %q %q %q", who(a), who(b), who(c))
		}
		r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", job.ID), "district", nil, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("report: %d", r.Code)
		}
		// The same sheet again: nothing changes.
		again := e.importAndRun("district", "联络员.csv", gbk, map[string]string{"kind": "liaisons"})
		if again.Counts.Created != 0 || again.Counts.Unchanged != 2 || again.Counts.Updated != 0 || again.Counts.Duplicates != 1 {
			t.Fatalf("again: %+v", again.Counts)
		}
		// A sheet without any liaison column fails with the columns named.
		bad := e.importAndRun("district", "x.csv", []byte("统一社会信用代码,企业名称\n"+creditCode(1)+",测试企业1\n"), map[string]string{"kind": "liaisons"})
		if bad.Status != "failed" || bad.Error == nil || bad.Error.Code != "missing_columns" || !strings.Contains(bad.Error.Message, "联络员账号") {
			t.Fatalf("missing columns: %+v", bad)
		}
	})
}

func toGB18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A visit re-sent with the same Idempotency-Key (the web client's offline
// queue, after an answer lost on a poor network) is logged once; the same
// key with another visit, or on another ledger, is refused and writes nothing.
func TestVisitIdempotencyKey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道1号")
		other := e.createLedger(2, "冷水滩区梅湾街道2号")
		e.assignLiaison(id)
		e.assignLiaison(other)
		path := fmt.Sprintf("/api/v1/enterprises/%d/visits", id)
		visit := map[string]any{"visited_on": "2026-05-30", "services": []string{"policy"}, "notes": "了解用工情况", "next_steps": "下月再访"}
		key := map[string]string{"Idempotency-Key": "visit-4f1c-0001"}
		first := e.do(http.MethodPost, path, "liaison", visit, key)
		if first.Code != http.StatusCreated {
			t.Fatalf("first send: %d %s", first.Code, first.Body)
		}
		again := e.do(http.MethodPost, path, "liaison", visit, key)
		if again.Code != http.StatusOK || visitID(t, again) != visitID(t, first) {
			t.Fatalf("the same visit re-sent: %d %s, want 200 with visit %d", again.Code, again.Body, visitID(t, first))
		}
		changed := map[string]any{"visited_on": "2026-05-30", "services": []string{"policy"}, "notes": "另一次走访"}
		for what, r := range map[string]*httptest.ResponseRecorder{
			"another visit":       e.do(http.MethodPost, path, "liaison", changed, key),
			"another ledger":      e.do(http.MethodPost, fmt.Sprintf("/api/v1/enterprises/%d/visits", other), "liaison", visit, key),
			"a control character": e.do(http.MethodPost, path, "liaison", visit, map[string]string{"Idempotency-Key": "a\tb"}),
			"too long":            e.do(http.MethodPost, path, "liaison", visit, map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}),
		} {
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "Idempotency-Key") {
				t.Errorf("%s under the key: %d %s, want 422 naming Idempotency-Key", what, r.Code, r.Body)
			}
		}
		// Another user may use the same key; without a key every send is a visit.
		if r := e.do(http.MethodPost, path, "district", visit, key); r.Code != http.StatusCreated {
			t.Fatalf("the district admin under the liaison's key: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodPost, path, "liaison", visit, nil); r.Code != http.StatusCreated {
			t.Fatalf("no key: %d", r.Code)
		}
		var list struct{ Items []map[string]any }
		json.Unmarshal(e.do(http.MethodGet, path, "district", nil, nil).Body.Bytes(), &list)
		if len(list.Items) != 3 {
			t.Fatalf("visits logged: %d, want 3 (the key's, the admin's, the keyless one)", len(list.Items))
		}
		json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/visits", other), "district", nil, nil).Body.Bytes(), &list)
		if len(list.Items) != 0 {
			t.Fatalf("the refused visit on the other ledger was written: %v", list.Items)
		}
	})
}

func visitID(t *testing.T, r *httptest.ResponseRecorder) int64 {
	t.Helper()
	var v struct{ ID int64 }
	if err := json.Unmarshal(r.Body.Bytes(), &v); err != nil || v.ID == 0 {
		t.Fatalf("not a visit: %s", r.Body)
	}
	return v.ID
}

// TestLiaisonEndsWhenTownshipChanges: a ledger moved to another township
// (or out of every one) loses its liaison, who is of the township it
// left: the new township sees it without one (no_liaison), not covered by
// another township's liaison. The loss is audited; an edit that keeps the
// township keeps the liaison.
func TestLiaisonEndsWhenTownshipChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		patch := e.mustPatchLedger
		standing := func(id int64) bool {
			var got struct {
				Liaison *struct{ ID int64 } `json:"liaison"`
			}
			json.Unmarshal(e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/liaison", id), "district", nil, nil).Body.Bytes(), &got)
			return got.Liaison != nil
		}
		row := func(code string) coverageRow {
			for _, r := range e.coverage("auditor", "").Townships {
				if r.Code == code {
					return r
				}
			}
			t.Fatalf("no row %s", code)
			return coverageRow{}
		}
		moved := e.createLedger(1, "冷水滩区梅湾街道1号")
		stays := e.createLedger(2, "冷水滩区梅湾街道2号")
		e.assignLiaison(moved)
		e.assignLiaison(stays)
		patch(stays, map[string]any{"employees": 12})
		if !standing(stays) {
			t.Fatal("an edit within the township ended the liaison")
		}
		patch(moved, map[string]any{"township_code": "431103002"})
		if standing(moved) {
			t.Error("the liaison of the township left stays")
		}
		if r := row("431103002"); r.Enterprises != 1 || r.Gaps["no_liaison"] != 1 || r.WorkCovered != 0 {
			t.Errorf("the new township: %+v", r)
		}
		if r := row("431103001"); r.Enterprises != 1 || r.Gaps["no_liaison"] != 0 || r.WorkCovered != 1 {
			t.Errorf("the township left: %+v", r)
		}
		if n := e.auditCount("liaison.unassign", strconv.FormatInt(moved, 10)); n != 1 {
			t.Errorf("%d unassignments audited, want 1", n)
		}
		// Unassigned by an address naming no township: the same.
		e.assignLiaison(stays)
		patch(stays, map[string]any{"registered_address": "湖南省永州市某某大道8号"})
		if standing(stays) {
			t.Error("an unassigned ledger keeps a township's liaison")
		}
		// A registration import moving a ledger by its address: the same,
		// audited against the job; the ledger it leaves alone keeps its own.
		byImport := e.createLedger(3, "冷水滩区梅湾街道3号")
		kept := e.createLedger(4, "冷水滩区梅湾街道4号")
		e.assignLiaison(byImport)
		e.assignLiaison(kept)
		body := "统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）\n" +
			creditCode(3) + ",测试企业3,有限责任公司,存续,冷水滩区珊瑚街道3号\n" +
			creditCode(4) + ",测试企业4,有限责任公司,存续,冷水滩区梅湾街道4号\n"
		j := e.importAndRun("district", "登记.csv", []byte(body), map[string]string{"kind": "registration"})
		if j.Status != "succeeded" || j.Counts.Updated != 2 {
			t.Fatalf("import: %+v", j)
		}
		if standing(byImport) || !standing(kept) {
			t.Errorf("after the import: moved ledger's liaison standing %v, unmoved ledger's %v", standing(byImport), standing(kept))
		}
		if n := e.auditCount("liaison.unassign", strconv.FormatInt(byImport, 10)); n != 1 {
			t.Errorf("%d unassignments audited after the import, want 1", n)
		}
	})
}
