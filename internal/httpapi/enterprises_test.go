package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/httpapi"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

func ledgerOf(t testing.TB, r *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &m); err != nil {
		t.Fatalf("decode ledger: %v %s", err, r.Body)
	}
	return m
}

func TestConcurrentPatchesWithOneETag(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道")
		path := fmt.Sprintf("/api/v1/enterprises/%d", id)
		etag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
		const n = 20
		codes := make([]int, n)
		identity := func(i int) string {
			ids := enterprise.OwnerIdentities.Codes()
			return ids[i%len(ids)]
		}
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := e.do(http.MethodPatch, path, "district", map[string]any{"employees": 100 + i, "owner_identity": identity(i)},
					map[string]string{"If-Match": etag})
				codes[i] = r.Code
			}(i)
		}
		wg.Wait()
		winner := -1
		for i, c := range codes {
			switch c {
			case http.StatusOK:
				if winner >= 0 {
					t.Fatalf("two PATCHes succeeded: %d and %d", winner, i)
				}
				winner = i
			case http.StatusPreconditionFailed:
			default:
				t.Fatalf("PATCH %d: status %d", i, c)
			}
		}
		if winner < 0 {
			t.Fatal("no PATCH succeeded")
		}
		got := ledgerOf(t, e.do(http.MethodGet, path, "district", nil, nil))
		if got["employees"] != float64(100+winner) || got["owner_identity"] != identity(winner) || got["version"] != float64(2) {
			t.Fatalf("final state %v/%v/%v is not the winner's (%d)", got["employees"], got["owner_identity"], got["version"], winner)
		}
	})
}

func TestPatchPreconditionsAndValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道")
		e.assignLiaison(id)
		path := fmt.Sprintf("/api/v1/enterprises/%d", id)

		r := e.do(http.MethodPatch, path, "district", map[string]any{"employees": 3}, nil)
		if r.Code != http.StatusPreconditionRequired || decodeError(t, r).Error.Code != "if_match_required" {
			t.Fatalf("without If-Match: %d %s", r.Code, r.Body)
		}
		r = e.do(http.MethodPatch, path, "district", map[string]any{"employees": 3}, map[string]string{"If-Match": `"1"`})
		if r.Code != http.StatusOK || r.Header().Get("ETag") != `"2"` {
			t.Fatalf("first patch: %d %s", r.Code, r.Body)
		}
		r = e.do(http.MethodPatch, path, "district", map[string]any{"employees": 4}, map[string]string{"If-Match": `"1"`})
		if r.Code != http.StatusPreconditionFailed {
			t.Fatalf("stale If-Match: %d", r.Code)
		}
		if b := decodeError(t, r); b.Error.CurrentVersion == nil || *b.Error.CurrentVersion != 2 {
			t.Fatalf("412 body lacks the current version: %s", r.Body)
		}
		if r := e.do(http.MethodPatch, path, "district", map[string]any{"employees": 4}, map[string]string{"If-Match": "abc"}); r.Code != http.StatusBadRequest {
			t.Fatalf("malformed If-Match: %d", r.Code)
		}

		// Derived, system and unknown fields are refused by name, for every role.
		for _, c := range []struct {
			user, field string
			value       any
		}{
			{"district", "version", 9}, {"district", "in_scope", false}, {"district", "id", 5},
			{"district", "nature", "public_sector"}, {"district", "suggested_method", "standalone"},
			{"district", "credit_code", creditCode(2)}, {"district", "no_such_field", 1},
			{"liaison", "township_code", "431103002"}, {"liaison", "name", "改名"},
			{"township", "township_code", "431103002"}, {"district", "employees", -1},
			{"district", "employees", 1.5}, {"district", "founded_on", "2015/03/12"},
			{"district", "needs", []string{"money"}}, {"district", "township_code", "431103999"},
			{"district", "name", ""},
		} {
			r := e.do(http.MethodPatch, path, c.user, map[string]any{c.field: c.value}, map[string]string{"If-Match": `"2"`})
			if r.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s sets %s=%v: %d, want 422", c.user, c.field, c.value, r.Code)
				continue
			}
			if b := decodeError(t, r); b.Error.Fields[c.field] == "" {
				t.Errorf("%s sets %s: error does not name the field: %s", c.user, c.field, r.Body)
			}
		}
		// A refused PATCH changes nothing, even for its valid fields.
		r = e.do(http.MethodPatch, path, "district", map[string]any{"employees": 50, "version": 9}, map[string]string{"If-Match": `"2"`})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("mixed patch: %d", r.Code)
		}
		if got := ledgerOf(t, e.do(http.MethodGet, path, "district", nil, nil)); got["employees"] != float64(3) || got["version"] != float64(2) {
			t.Fatalf("a refused patch was half-applied: %v", got)
		}
		if r := e.do(http.MethodPatch, path, "district", `{"employees":`, map[string]string{"If-Match": `"2"`}); r.Code != http.StatusBadRequest {
			t.Fatalf("broken JSON: %d", r.Code)
		}
	})
}

func TestZeroValuesPersist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道")
		path := fmt.Sprintf("/api/v1/enterprises/%d", id)
		set := map[string]any{"employees": 7, "full_members": 2, "above_scale": true, "union": true,
			"owner_identity": "中共党员", "annual_revenue": 12.5, "operating_address": "某路1号"}
		r := e.do(http.MethodPatch, path, "district", set, map[string]string{"If-Match": `"1"`})
		if r.Code != http.StatusOK {
			t.Fatalf("set: %d %s", r.Code, r.Body)
		}
		e.assignLiaison(id)
		zero := map[string]any{"employees": 0, "full_members": 0, "above_scale": false, "union": false,
			"owner_identity": nil, "annual_revenue": 0, "operating_address": ""}
		r = e.do(http.MethodPatch, path, "liaison", zero, map[string]string{"If-Match": `"2"`})
		if r.Code != http.StatusOK {
			t.Fatalf("zero: %d %s", r.Code, r.Body)
		}
		got := ledgerOf(t, e.do(http.MethodGet, path, "district", nil, nil))
		for k, v := range zero {
			want := v
			if n, ok := v.(int); ok {
				want = float64(n)
			}
			if got[k] != want {
				t.Errorf("%s = %v (%T), want %v", k, got[k], got[k], want)
			}
		}
		// null clears a nullable field.
		r = e.do(http.MethodPatch, path, "liaison", map[string]any{"employees": nil}, map[string]string{"If-Match": `"3"`})
		if r.Code != http.StatusOK || ledgerOf(t, r)["employees"] != nil {
			t.Fatalf("null: %d %s", r.Code, r.Body)
		}
		h := e.do(http.MethodGet, path+"/history", "liaison", nil, nil)
		var hist struct {
			Items []struct {
				Actor   string
				Changes []struct {
					Field    string
					Old, New any
				}
			}
		}
		json.Unmarshal(h.Body.Bytes(), &hist)
		if len(hist.Items) != 4 {
			t.Fatalf("history has %d entries, want 4: %s", len(hist.Items), h.Body)
		}
		third := hist.Items[2]
		if third.Actor != "liaison" {
			t.Fatalf("history actor %q", third.Actor)
		}
		found := false
		for _, c := range third.Changes {
			if c.Field == "employees" && c.Old == float64(7) && c.New == float64(0) {
				found = true
			}
		}
		if !found {
			t.Fatalf("history lacks employees 7 → 0: %+v", third)
		}
	})
}

func TestCreateEnterpriseRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		post := func(user string, body map[string]any) *httptest.ResponseRecorder {
			return e.do(http.MethodPost, "/api/v1/enterprises", user, body, nil)
		}
		r := post("district", map[string]any{"credit_code": "91431103MA4", "name": "短码"})
		if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Fields["credit_code"] == "" {
			t.Fatalf("malformed code: %d %s", r.Code, r.Body)
		}
		wrong := creditCode(1)[:17] + "0"
		if wrong == creditCode(1) {
			wrong = creditCode(1)[:17] + "1"
		}
		r = post("district", map[string]any{"credit_code": " " + wrong + "\u3000", "name": "校验位错", "registered_address": "零陵区某路"})
		if r.Code != http.StatusCreated {
			t.Fatalf("wrong check digit: %d %s", r.Code, r.Body)
		}
		l := ledgerOf(t, r)
		if l["check_digit_warning"] != true || l["credit_code"] != wrong || l["in_scope"] != false ||
			l["out_of_scope_reason"] != "outside_district" || l["township_code"] != nil || l["assignment"] != "none" {
			t.Fatalf("wrong-check-digit ledger: %v", l)
		}
		if r := post("district", map[string]any{"credit_code": wrong, "name": "重复"}); r.Code != http.StatusConflict {
			t.Fatalf("duplicate: %d", r.Code)
		}
		// District admin sets the township by hand.
		r = post("district", map[string]any{"credit_code": creditCode(2), "name": "手工", "township_code": "431103005",
			"entity_type": "全民所有制"})
		if l := ledgerOf(t, r); r.Code != http.StatusCreated || l["assignment"] != "manual" || l["township_name"] != "梧桐街道" ||
			l["nature"] != "public_sector" || l["out_of_scope_reason"] != "public_sector" {
			t.Fatalf("manual township: %d %v", r.Code, l)
		}
		// Township admin: an address elsewhere is refused; none found → own township, by hand.
		if r := post("township", map[string]any{"credit_code": creditCode(3), "name": "别处", "registered_address": "冷水滩区菱角山街道"}); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("township admin, other township: %d", r.Code)
		}
		r = post("township", map[string]any{"credit_code": creditCode(4), "name": "无门牌"})
		if l := ledgerOf(t, r); r.Code != http.StatusCreated || l["township_code"] != "431103001" || l["assignment"] != "manual" {
			t.Fatalf("township admin, no address: %d %v", r.Code, l)
		}
		if r := post("township", map[string]any{"credit_code": creditCode(5), "name": "越权", "township_code": "431103002"}); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("township admin sets township: %d", r.Code)
		}
		r = post("township", map[string]any{"credit_code": creditCode(6), "name": "本镇", "township_code": "431103001", "registered_address": "梅湾街道"})
		if l := ledgerOf(t, r); r.Code != http.StatusCreated || l["township_code"] != "431103001" || l["assignment"] != "address_township" {
			t.Fatalf("township admin names its own township: %d %v", r.Code, l)
		}
		if r := post("district", map[string]any{"name": "无代码"}); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("missing credit code: %d", r.Code)
		}
	})
}

// TestTownshipUsersNeverSeeOtherTownships tries every enterprise route as
// township-bound users against another township's and an unassigned ledger.
func TestTownshipUsersNeverSeeOtherTownships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		own := e.createLedger(1, "冷水滩区梅湾街道")
		e.assignLiaison(own)
		other := e.createLedger(2, "冷水滩区菱角山街道")
		unassigned := e.createLedger(3, "某某路")
		for _, user := range []string{"township", "liaison"} {
			for _, id := range []int64{other, unassigned} {
				path := fmt.Sprintf("/api/v1/enterprises/%d", id)
				for _, r := range []*httptest.ResponseRecorder{
					e.do(http.MethodGet, path, user, nil, nil),
					e.do(http.MethodGet, path+"/history", user, nil, nil),
					e.do(http.MethodPatch, path, user, map[string]any{"employees": 1}, map[string]string{"If-Match": `"1"`}),
				} {
					if r.Code != http.StatusNotFound {
						t.Errorf("%s reached ledger %d: %d", user, id, r.Code)
					}
				}
				// A missing id answers the same as a hidden one.
				_ = id
				if r := e.do(http.MethodGet, "/api/v1/enterprises/999999", user, nil, nil); r.Code != http.StatusNotFound {
					t.Errorf("missing id: %d", r.Code)
				}
			}
			for _, q := range []string{"", "?township=431103002", "?township=none", "?credit_code=" + creditCode(2), "?q=测试企业"} {
				r := e.do(http.MethodGet, "/api/v1/enterprises"+q, user, nil, nil)
				var page struct{ Items []struct{ ID int64 } }
				json.Unmarshal(r.Body.Bytes(), &page)
				for _, it := range page.Items {
					if it.ID != own {
						t.Errorf("%s listed ledger %d with %q", user, it.ID, q)
					}
				}
			}
		}
		// Editing the address cannot move a ledger out of the editor's township.
		for _, user := range []string{"township", "liaison"} {
			path := fmt.Sprintf("/api/v1/enterprises/%d", own)
			etag := e.do(http.MethodGet, path, user, nil, nil).Header().Get("ETag")
			for _, addr := range []string{"冷水滩区菱角山街道2号", "某某路", "零陵区某路"} {
				r := e.do(http.MethodPatch, path, user, map[string]any{"registered_address": addr}, map[string]string{"If-Match": etag})
				if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Fields["registered_address"] == "" {
					t.Errorf("%s moved its ledger with address %s: %d %s", user, addr, r.Code, r.Body)
				}
			}
		}
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", own), "township2", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("the ledger moved: %d", r.Code)
		}
		if r := e.do(http.MethodPost, "/api/v1/enterprises", "township", map[string]any{"credit_code": creditCode(7), "name": "区外",
			"registered_address": "永州市零陵区某路"}, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("township admin entered an outside-district ledger: %d", r.Code)
		}
		var page struct{ Items []struct{ ID int64 } }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises", "auditor", nil, nil).Body.Bytes(), &page)
		if len(page.Items) != 3 {
			t.Fatalf("auditor sees %d ledgers, want all 3", len(page.Items))
		}
	})
}

func TestListValidation(t *testing.T) {
	e := newEnv(t, store.SQLite)
	for i := 1; i <= 3; i++ {
		e.createLedger(i, "冷水滩区梅湾街道")
	}
	for _, q := range []string{"limit=0", "limit=201", "limit=x", "in_scope=maybe", "cursor=-1", "township=123"} {
		if r := e.do(http.MethodGet, "/api/v1/enterprises?"+q, "district", nil, nil); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", q, r.Code)
		}
	}
	e.createLedger(9, "无处")
	for _, q := range []string{"township=none", "township=unassigned"} {
		var p struct{ Items []struct{ Name string } }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?"+q, "district", nil, nil).Body.Bytes(), &p)
		if len(p.Items) != 1 || p.Items[0].Name != "测试企业9" {
			t.Errorf("%s: %+v", q, p.Items)
		}
	}
	r := e.do(http.MethodGet, "/api/v1/enterprises?limit=2", "district", nil, nil)
	var page struct {
		Items      []struct{ ID int64 }
		NextCursor *string `json:"next_cursor"`
	}
	json.Unmarshal(r.Body.Bytes(), &page)
	if len(page.Items) != 2 || page.NextCursor == nil {
		t.Fatalf("first page: %s", r.Body)
	}
	r = e.do(http.MethodGet, "/api/v1/enterprises?limit=2&cursor="+*page.NextCursor, "district", nil, nil)
	page.NextCursor = nil
	json.Unmarshal(r.Body.Bytes(), &page)
	if len(page.Items) != 2 || page.NextCursor != nil {
		t.Fatalf("last page: %s", r.Body)
	}
}

// The API's input type documents exactly the ledger fields a request may
// write (the field table of internal/enterprise decides what is written).
func TestEnterpriseInputMatchesTheFieldTable(t *testing.T) {
	var got []string
	typ := reflect.TypeOf(httpapi.EnterpriseInput{})
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		got = append(got, name)
	}
	slices.Sort(got)
	if want := enterprise.WritableFields(); !slices.Equal(got, want) || len(want) < 20 {
		t.Errorf("EnterpriseInput documents %q,\nthe field table writes %q", got, want)
	}
}
