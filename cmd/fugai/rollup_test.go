package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store/pgtest"
)

// writeDistrictExport writes n registration rows of district code with
// addresses in its townships (every fifth with no township named), credit
// codes numbered from from.
func writeDistrictExport(t *testing.T, code string, from, n int) string {
	t.Helper()
	g, err := division.Load()
	if err != nil {
		t.Fatal(err)
	}
	o, err := g.Outline(code)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "reg-"+code+".csv")
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	fmt.Fprintln(w, "统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）")
	for i := from; i < from+n; i++ {
		first := fmt.Sprintf("91%sM%08d", code, i)
		where := o.Townships[i%len(o.Townships)].Name
		if i%5 == 0 {
			where = "某某路" // no township named: unassigned
		}
		fmt.Fprintf(w, "%s%c,永州市%s第%d有限公司,有限责任公司（自然人投资或控股）,存续,湖南省永州市%s%s%d号\n",
			first, enterprise.CheckDigit(first), o.Name, i, o.Name, where, i)
	}
	w.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitImport waits for an import job to succeed.
func (c client) waitImport(id int64) {
	c.t.Helper()
	for i := 0; ; i++ {
		_, b := c.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", id), nil, nil)
		if strings.Contains(string(b), `"succeeded"`) {
			return
		}
		if i > 1200 || strings.Contains(string(b), `"failed"`) {
			c.t.Fatalf("import %d: %s", id, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getJSON reads path into v and returns the status.
func (c client) getJSON(path string, v any) int {
	c.t.Helper()
	resp, b := c.do(http.MethodGet, path, nil, nil)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s: %v: %s", path, err, b)
		}
	} else if v, ok := v.(*map[string]any); ok {
		json.Unmarshal(b, v)
	}
	return resp.StatusCode
}

// TestDistrictsShareOnePostgres: two districts on one PostgreSQL database,
// each in a schema of its own (FUGAI_DB_SCHEMA), with an instance each, and
// a city instance (FUGAI_DISTRICT=431100, a schema of its own for its
// users) that rolls their coverage up (FUGAI_ROLLUP). Each district sees
// its own ledgers, users and coverage only; the roll-up shows each
// district's /coverage as the district's own instance answers it, and
// their sum, and follows an edit; it is refused to a role it is not for,
// names a district it cannot read, and the city instance keeps no ledgers.
func TestDistrictsShareOnePostgres(t *testing.T) {
	url := pgtest.URL(t)
	base := map[string]string{"FUGAI_DATABASE_URL": url, "FUGAI_ADDR": "127.0.0.1:0", "FUGAI_LOG_LEVEL": "warn"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	lengshuitan, _ := serveInProcess(t, with(map[string]string{"FUGAI_DISTRICT": "431103", "FUGAI_DB_SCHEMA": "d431103",
		"FUGAI_ADMIN_PASSWORD": "Lengshuitan-2026"}))
	lingling, _ := serveInProcess(t, with(map[string]string{"FUGAI_DISTRICT": "431102", "FUGAI_DB_SCHEMA": "d431102",
		"FUGAI_ADMIN_PASSWORD": "Lingling-Pass-2026"}))
	a := signInAs(t, lengshuitan, "admin", "Lengshuitan-2026")
	b := signInAs(t, lingling, "admin", "Lingling-Pass-2026")

	// Users are per district: one district's password does not open the other.
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": "Lingling-Pass-2026"})
	resp, err := http.Post(lengshuitan+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("冷水滩区 took 零陵区's password: %d", resp.StatusCode)
	}

	a.waitImport(upload(t, lengshuitan, a.token, writeDistrictExport(t, "431103", 0, 300)))
	b.waitImport(upload(t, lingling, b.token, writeDistrictExport(t, "431102", 0, 200)))
	ledgersA, _ := a.everything()
	ledgersB, _ := b.everything()
	if len(ledgersA) != 300 || len(ledgersB) != 200 {
		t.Fatalf("ledgers: 冷水滩区 %d (want 300), 零陵区 %d (want 200)", len(ledgersA), len(ledgersB))
	}
	for _, l := range ledgersA {
		if strings.Contains(string(l), "零陵区") {
			t.Fatalf("冷水滩区 lists a 零陵区 ledger: %s", l)
		}
	}
	// The tables are in the schemas, none in public.
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var inA, inB, inPublic int
	conn.QueryRow(context.Background(), "SELECT count(*) FROM d431103.enterprises").Scan(&inA)
	conn.QueryRow(context.Background(), "SELECT count(*) FROM d431102.enterprises").Scan(&inB)
	conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&inPublic)
	if inA != 300 || inB != 200 || inPublic != 0 {
		t.Fatalf("rows: d431103 %d, d431102 %d; tables in public: %d", inA, inB, inPublic)
	}

	// The city instance rolls both up, connected as a role that may only
	// read the districts' schemas (docs/operations.md has the grants).
	for _, q := range []string{"CREATE ROLE city_reader LOGIN", "CREATE SCHEMA city4311 AUTHORIZATION city_reader",
		"GRANT USAGE ON SCHEMA d431103, d431102 TO city_reader",
		"GRANT SELECT ON ALL TABLES IN SCHEMA d431103, d431102 TO city_reader"} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	readerURL, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	readerURL.User = neturl.User("city_reader")
	base["FUGAI_DATABASE_URL"] = readerURL.String()
	city, _ := serveInProcess(t, with(map[string]string{"FUGAI_DISTRICT": "431100", "FUGAI_DB_SCHEMA": "city4311",
		"FUGAI_ADMIN_PASSWORD": "Yongzhou-City-2026", "FUGAI_ROLLUP": "431103=d431103,431102=d431102"}))
	c := signInAs(t, city, "admin", "Yongzhou-City-2026")
	check := func(when string) rollupBody {
		t.Helper()
		var r rollupBody
		if st := c.getJSON("/api/v1/rollup/coverage", &r); st != http.StatusOK {
			t.Fatalf("%s: rollup %d", when, st)
		}
		if r.Code != "431100" || r.Name != "永州市" || len(r.Districts) != 2 || r.AsOf == "" {
			t.Fatalf("%s: rollup %+v", when, r)
		}
		sum := map[string]float64{}
		for i, own := range []client{a, b} {
			var cov map[string]any
			own.getJSON("/api/v1/coverage", &cov)
			delete(cov, "taken_at")
			delete(cov, "as_of")
			want, _ := json.Marshal(cov)
			got, _ := json.Marshal(r.Districts[i])
			if !bytes.Equal(want, got) {
				t.Fatalf("%s: district %d in the roll-up\n%s\nits own /coverage\n%s", when, i, got, want)
			}
			for k, v := range r.Districts[i]["district"].(map[string]any) {
				if n, ok := v.(float64); ok && !strings.HasSuffix(k, "_rate") {
					sum[k] += n
				}
			}
		}
		total := r.Total
		for k, v := range sum {
			if total[k] != v {
				t.Errorf("%s: total %s = %v, the districts sum to %v", when, k, total[k], v)
			}
		}
		if total["enterprises"] != float64(500) || total["code"] != "431100" {
			t.Errorf("%s: total %v", when, total)
		}
		if rate, ok := total["organization_coverage_rate"].(float64); ok && total["enterprises"].(float64) > 0 {
			if want := total["organization_covered"].(float64) / total["enterprises"].(float64); rate < want-0.001 || rate > want+0.001 {
				t.Errorf("%s: total organization_rate %v, want %v (recomputed, not averaged)", when, rate, want)
			}
		}
		return r
	}
	before := check("after the imports")

	// An edit in one district moves the roll-up.
	var first struct{ ID int64 }
	json.Unmarshal(ledgersA[0], &first)
	r, _ := a.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", first.ID), nil, nil)
	r2, out := a.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", first.ID), map[string]any{"full_members": 5},
		map[string]string{"If-Match": r.Header.Get("ETag")})
	if r2.StatusCode != http.StatusOK {
		t.Fatalf("patch: %d %s", r2.StatusCode, out)
	}
	after := check("after an edit")
	if gap := func(r rollupBody) float64 {
		return r.Total["gaps"].(map[string]any)["should_form"].(float64)
	}; gap(after) != gap(before)+1 {
		t.Errorf("should_form in the roll-up: %v before, %v after an edit giving a ledger 5 full members", gap(before), gap(after))
	}

	// Only the city's district admin and auditor read it.
	c.do(http.MethodPost, "/api/v1/users", map[string]string{"username": "yz-auditor", "password": "Auditor-Pass-2026", "role": "auditor", "name": "审计"}, nil)
	var x rollupBody
	if st := signInAs(t, city, "yz-auditor", "Auditor-Pass-2026").getJSON("/api/v1/rollup/coverage", &x); st != http.StatusOK {
		t.Errorf("auditor: %d", st)
	}
	var e map[string]any
	if st := a.getJSON("/api/v1/rollup/coverage", &e); st != http.StatusNotFound || errCode(e) != "rollup_not_configured" {
		t.Errorf("a district's instance: %d %v", st, e)
	}
	// The city keeps no ledgers.
	resp2, out2 := c.do(http.MethodPost, "/api/v1/enterprises", map[string]any{"name": "某公司"}, nil)
	if resp2.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(out2), "region_instance") {
		t.Errorf("a ledger entered on the city instance: %d %s", resp2.StatusCode, out2)
	}
	var cityCov map[string]any
	if st := c.getJSON("/api/v1/coverage", &cityCov); st != http.StatusOK {
		t.Errorf("the city's own /coverage: %d", st)
	}

	// A district it cannot read is named, not left out of the total: one
	// whose tables it may not read, one whose schema does not exist.
	if _, err := conn.Exec(context.Background(), "REVOKE SELECT ON d431102.coverage_days FROM city_reader"); err != nil {
		t.Fatal(err)
	}
	e = nil
	if st := c.getJSON("/api/v1/rollup/coverage", &e); st != http.StatusServiceUnavailable ||
		errCode(e) != "rollup_district_unavailable" || !strings.Contains(fmt.Sprint(e), "零陵区") || !strings.Contains(fmt.Sprint(e), "权限") {
		t.Errorf("a district's tables it may not read: %d %v", st, e)
	}
	broken, _ := serveInProcess(t, with(map[string]string{"FUGAI_DISTRICT": "431100", "FUGAI_DB_SCHEMA": "city4311",
		"FUGAI_ROLLUP": "431103=d431103,431122=d431122"}))
	e = nil
	if st := signInAs(t, broken, "admin", "Yongzhou-City-2026").getJSON("/api/v1/rollup/coverage", &e); st != http.StatusServiceUnavailable ||
		errCode(e) != "rollup_district_unavailable" || !strings.Contains(fmt.Sprint(e), "东安县") {
		t.Errorf("a missing district's schema: %d %v", st, e)
	}
}

// errCode is the code of an error body.
func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// rollupBody is GET /rollup/coverage as a client reads it.
type rollupBody struct {
	Code      string           `json:"code"`
	Name      string           `json:"name"`
	AsOf      string           `json:"as_of"`
	Total     map[string]any   `json:"total"`
	Districts []map[string]any `json:"districts"`
}

// TestRollupConfiguration: a roll-up needs a city or province instance and
// districts inside it; a city needs its roll-up.
func TestRollupConfiguration(t *testing.T) {
	url := pgtest.URL(t)
	for name, c := range map[string]struct {
		vars map[string]string
		want string
	}{
		"a city without a roll-up":      {map[string]string{"FUGAI_DISTRICT": "431100"}, "FUGAI_ROLLUP"},
		"a district with a roll-up":     {map[string]string{"FUGAI_DISTRICT": "431103", "FUGAI_ROLLUP": "431102=d431102"}, "431103"},
		"a district outside the city":   {map[string]string{"FUGAI_DISTRICT": "431100", "FUGAI_ROLLUP": "430102=d430102"}, "430102"},
		"its own schema in the roll-up": {map[string]string{"FUGAI_DISTRICT": "431100", "FUGAI_DB_SCHEMA": "d431102", "FUGAI_ROLLUP": "431102=d431102"}, "d431102"},
		"an unknown district in a city": {map[string]string{"FUGAI_DISTRICT": "431100", "FUGAI_ROLLUP": "431199=d431199"}, "431199"},
	} {
		vars := map[string]string{"FUGAI_DATABASE_URL": url, "FUGAI_ADDR": "127.0.0.1:0"}
		for k, v := range c.vars {
			vars[k] = v
		}
		err := run(context.Background(), []string{"serve"}, getenvFrom(vars), nil, &syncBuffer{}, &syncBuffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (want an error naming %s)", name, err, c.want)
		}
	}
}
