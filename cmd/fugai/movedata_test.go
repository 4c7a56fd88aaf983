package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// importSample uploads a file of internal/importer/testdata and waits for it.
func (c client) importSample(name, kind string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "importer", "testdata", name))
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	var job struct{ ID int64 }
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	for i := 0; ; i++ {
		_, b := c.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", job.ID), nil, nil)
		if strings.Contains(string(b), `"succeeded"`) {
			return
		}
		if i > 600 || strings.Contains(string(b), `"failed"`) {
			c.t.Fatalf("import %s: %s", name, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// state is what a district is, read through the API: every ledger,
// /coverage, the users, rounds, a ledger's visits, plan and history, and
// the audit trail's length.
func (c client) state(ledger int64) map[string]string {
	c.t.Helper()
	ledgers, cov := c.everything()
	all, _ := json.Marshal(ledgers)
	out := map[string]string{"ledgers": string(all), "coverage": cov}
	for name, path := range map[string]string{
		"users": "/api/v1/users", "rounds": "/api/v1/survey-rounds",
		"visits":  fmt.Sprintf("/api/v1/enterprises/%d/visits", ledger),
		"plan":    fmt.Sprintf("/api/v1/enterprises/%d/plan", ledger),
		"history": fmt.Sprintf("/api/v1/enterprises/%d/history", ledger),
		"liaison": fmt.Sprintf("/api/v1/enterprises/%d/liaison", ledger),
		"imports": "/api/v1/imports",
	} {
		r, b := c.do(http.MethodGet, path, nil, nil)
		if r.StatusCode != http.StatusOK {
			c.t.Fatalf("GET %s: %d %s", path, r.StatusCode, b)
		}
		out[name] = string(b)
	}
	return out
}

// fugai migrate-data moves a district from SQLite to PostgreSQL with
// everything: ledgers with their history, users (who sign in with the same
// passwords), plans, liaisons, visits, rounds, imports and the audit trail;
// through the API the district reads the same before and after, and new
// records continue after the moved ids.
func TestMoveDataToPostgres(t *testing.T) {
	path := filepath.Join(t.TempDir(), "district.db")
	vars := map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": path, "FUGAI_ADMIN_PASSWORD": "Admin-Pass-2026"}
	base, _, stop := serveStoppable(t, vars)
	c := signIn(t, base)
	c.importSample("registration.xlsx", "registration")
	c.importSample("survey.xlsx", "survey")
	const ledger = 5
	_, lb := c.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", ledger), nil, nil)
	var l struct {
		TownshipCode string `json:"township_code"`
	}
	json.Unmarshal(lb, &l)
	r, b := c.do(http.MethodPost, "/api/v1/users", map[string]any{"username": "move01", "name": "莫联络", "password": "Move-Pass-2026x",
		"role": "liaison", "township_code": l.TownshipCode}, nil)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("user: %d %s", r.StatusCode, b)
	}
	var u struct{ ID int64 }
	json.Unmarshal(b, &u)
	if r, b := c.do(http.MethodPost, "/api/v1/users", map[string]any{"username": "audit01", "name": "审计员", "password": "Audit-Pass-2026x",
		"role": "auditor"}, nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("auditor: %d %s", r.StatusCode, b)
	}
	steps := []struct {
		method, path string
		body         any
		header       map[string]string
	}{
		{http.MethodPost, "/api/v1/survey-rounds", map[string]any{"name": "2026年下半年", "starts_on": "2026-07-01", "ends_on": "2026-12-31"}, nil},
		{http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/liaison", ledger), map[string]any{"liaison_id": u.ID}, nil},
		{http.MethodPost, fmt.Sprintf("/api/v1/enterprises/%d/visits", ledger), map[string]any{"visited_on": "2026-11-30", "services": []string{"policy"}, "notes": "迁移前的走访"}, nil},
	}
	for _, s := range steps {
		if r, b := c.do(s.method, s.path, s.body, s.header); r.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", s.method, s.path, r.StatusCode, b)
		}
	}
	resp, _ := c.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", ledger), nil, nil)
	if r, b := c.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", ledger), map[string]any{"full_members": 4, "employees": 60},
		map[string]string{"If-Match": resp.Header.Get("ETag")}); r.StatusCode != http.StatusOK {
		t.Fatalf("edit: %d %s", r.StatusCode, b)
	}
	before := c.state(ledger)
	audit := func(base string) string {
		_, b := signInAs(t, base, "audit01", "Audit-Pass-2026x").do(http.MethodGet, "/api/v1/audit-events?limit=200", nil, nil)
		return string(b)
	}
	auditBefore := audit(base)
	stop()

	pg := storetest.URL(t, store.Postgres)
	var stdout, stderr syncBuffer
	if err := run(t.Context(), []string{"migrate-data", "-from", "sqlite:" + path, "-to", pg}, getenvFrom(map[string]string{}), nil, &stdout, &stderr); err != nil {
		t.Fatalf("migrate-data: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "enterprises") || !strings.Contains(stdout.String(), "coverage counts rebuilt") {
		t.Fatalf("migrate-data printed:\n%s", stdout.String())
	}
	// A second run into the same database is refused and changes nothing.
	if err := run(t.Context(), []string{"migrate-data", "-from", "sqlite:" + path, "-to", pg}, getenvFrom(map[string]string{}), nil, &stdout, &stderr); err == nil ||
		!strings.Contains(err.Error(), "already holds") {
		t.Fatalf("a second move: %v", err)
	}

	base, _ = serveInProcess(t, map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": pg})
	c = signIn(t, base)
	after := c.state(ledger)
	// PostgreSQL keeps times to the microsecond, SQLite to the nanosecond.
	frac := regexp.MustCompile(`\.(\d+)Z"`)
	micro := func(s string) string {
		return frac.ReplaceAllStringFunc(s, func(m string) string {
			d := m[1 : len(m)-2]
			if len(d) > 6 {
				d = d[:6]
			}
			if d = strings.TrimRight(d, "0"); d == "" {
				return `Z"`
			}
			return "." + d + `Z"`
		})
	}
	// The audit trail moved whole: after the move it holds every entry of
	// before (and the sign-ins made since).
	entries := func(body string, upTo float64) string {
		var page struct{ Items []map[string]any }
		json.Unmarshal([]byte(body), &page)
		var kept []map[string]any
		for _, e := range page.Items {
			if id, _ := e["id"].(float64); upTo == 0 || id <= upTo {
				kept = append(kept, e)
			}
		}
		out, _ := json.Marshal(kept)
		return micro(string(out))
	}
	var first struct{ Items []struct{ ID float64 } }
	json.Unmarshal([]byte(auditBefore), &first)
	if len(first.Items) < 5 {
		t.Fatalf("too short an audit trail to compare: %s", auditBefore)
	}
	if got, want := entries(audit(base), first.Items[0].ID), entries(auditBefore, 0); got != want {
		t.Errorf("the audit trail was not moved whole:\nbefore %.600s\nafter  %.600s", want, got)
	}
	for k, v := range before {
		if v = micro(v); micro(after[k]) != v {
			t.Errorf("%s differs after the move:\nbefore %.600s\nafter  %.600s", k, v, after[k])
		}
	}
	// The liaison signs in with the same password; new records follow the moved ids.
	lr, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"move01","password":"Move-Pass-2026x"}`))
	if err != nil || lr.StatusCode != http.StatusOK {
		t.Fatalf("the liaison's login after the move: %v %v", lr.StatusCode, err)
	}
	r, b = c.do(http.MethodPost, "/api/v1/enterprises", map[string]any{"credit_code": "91431103MA4L8801XC", "name": "永州市迁移后新增有限公司",
		"registered_address": "湖南省永州市冷水滩区梅湾街道凤凰路30号"}, nil)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("a ledger after the move: %d %s", r.StatusCode, b)
	}
	if r, b := c.do(http.MethodPost, "/api/v1/users", map[string]any{"username": "move02", "name": "新用户", "password": "Move-Pass-2026y",
		"role": "auditor"}, nil); r.StatusCode != http.StatusCreated {
		t.Fatalf("a user after the move: %d %s", r.StatusCode, b)
	}
}
