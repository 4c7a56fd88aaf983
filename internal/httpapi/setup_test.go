package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/config"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/division/divisiontest"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/httpapi"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/pgtest"
	"github.com/fugai/fugai/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const password = "Test-Password-2026"

var (
	hashOnce sync.Once
	hashed   string
)

// passwordHash hashes the shared test password once: argon2id is slow on
// purpose.
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		h, err := auth.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		hashed = h
	})
	return hashed
}

func district(t testing.TB) *division.District { return divisiontest.Lengshuitan(t) }

// env is one API under test with a user of every role.
type env struct {
	t       testing.TB
	db      *store.DB
	srv     *httpapi.Server
	h       http.Handler
	clock   *storetest.Clock
	tokens  map[string]string // username → bearer token
	workers *importer.Workers
}

// users created in every env: username → role, township.
var users = []struct {
	name     string
	role     auth.Role
	township string
}{
	{"district", auth.DistrictAdmin, ""},
	{"township", auth.TownshipAdmin, "431103001"},
	{"liaison", auth.Liaison, "431103001"},
	{"auditor", auth.Auditor, ""},
	{"township2", auth.TownshipAdmin, "431103002"},
	{"liaison2", auth.Liaison, "431103002"},
}

func newEnv(t testing.TB, d store.Dialect) *env {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	db := storetest.Open(t, d, clock.Now)
	workers := importer.NewWorkers(db, district(t), slog.New(slog.DiscardHandler), 1, clock.Now)
	srv, err := httpapi.New(httpapi.Deps{DB: db, District: district(t), Log: slog.New(slog.DiscardHandler),
		Config: config.Config{Swagger: true, MaxUploadMB: 12}, OpenAPI: []byte(`{"swagger":"2.0"}`), Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, srv: srv, h: srv.Handler(), clock: clock, tokens: map[string]string{}, workers: workers}
	for _, u := range users {
		if _, err := db.CreateUser(context.Background(), auth.User{Username: u.name, Role: u.role,
			TownshipCode: u.township, PasswordHash: passwordHash(t)}, audit.System); err != nil {
			t.Fatal(err)
		}
		e.tokens[u.name] = e.login(u.name, password)
	}
	return e
}

func (e *env) login(username, pw string) string {
	e.t.Helper()
	r := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": username, "password": pw}, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", username, r.Code, r.Body)
	}
	var out struct{ Token string }
	json.Unmarshal(r.Body.Bytes(), &out)
	return out.Token
}

// do sends a request as user ("" for anonymous) with an optional JSON body.
func (e *env) do(method, path, user string, body any, header map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		if s, ok := body.(string); ok {
			rd = bytes.NewBufferString(s)
		} else {
			b, err := json.Marshal(body)
			if err != nil {
				e.t.Fatal(err)
			}
			rd = bytes.NewReader(b)
		}
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		tok, ok := e.tokens[user]
		if !ok {
			e.t.Fatalf("no token for %q", user)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// creditCode returns a valid credit code ending in n.
func creditCode(n int) string {
	first := fmt.Sprintf("91431103MA4%06d", n)
	return first + string(enterprise.CheckDigit(first))
}

// patchLedger edits ledger id as the district admin, with its current ETag.
func (e *env) patchLedger(id int64, body map[string]any) *httptest.ResponseRecorder {
	e.t.Helper()
	path := fmt.Sprintf("/api/v1/enterprises/%d", id)
	tag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
	return e.do(http.MethodPatch, path, "district", body, map[string]string{"If-Match": tag})
}

// mustPatchLedger is patchLedger that fails the test unless it is a 200.
func (e *env) mustPatchLedger(id int64, body map[string]any) {
	e.t.Helper()
	if r := e.patchLedger(id, body); r.Code != http.StatusOK {
		e.t.Fatalf("patch %d: %d %s", id, r.Code, r.Body)
	}
}

// createLedger creates a ledger as the district admin and returns its id.
func (e *env) createLedger(n int, address string) int64 {
	e.t.Helper()
	r := e.do(http.MethodPost, "/api/v1/enterprises", "district",
		map[string]any{"credit_code": creditCode(n), "name": fmt.Sprintf("测试企业%d", n), "registered_address": address}, nil)
	if r.Code != http.StatusCreated {
		e.t.Fatalf("create ledger: %d %s", r.Code, r.Body)
	}
	var l struct{ ID int64 }
	json.Unmarshal(r.Body.Bytes(), &l)
	return l.ID
}

type errorBody struct {
	Error struct {
		Code           string
		Message        string
		Fields         map[string]string
		CurrentVersion *int64 `json:"current_version"`
	}
}

func decodeError(t testing.TB, r *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(r.Body.Bytes(), &b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not an error body (%v): %s", err, r.Body)
	}
	return b
}

// userID returns the id of a test user.
func (e *env) userID(user string) int64 {
	e.t.Helper()
	var me struct {
		ID int64 `json:"id"`
	}
	r := e.do(http.MethodGet, "/api/v1/me", user, nil, nil)
	if err := json.Unmarshal(r.Body.Bytes(), &me); err != nil || me.ID == 0 {
		var wrapped struct {
			User struct {
				ID int64 `json:"id"`
			} `json:"user"`
		}
		json.Unmarshal(r.Body.Bytes(), &wrapped)
		me.ID = wrapped.User.ID
	}
	if me.ID == 0 {
		e.t.Fatalf("user %s: %s", user, r.Body)
	}
	return me.ID
}

// assignLiaison makes the test liaison ledger id's liaison.
func (e *env) assignLiaison(id int64) {
	e.t.Helper()
	r := e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/liaison", id), "district", map[string]any{"liaison_id": e.userID("liaison")}, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("assign liaison: %d %s", r.Code, r.Body)
	}
}

// importSamples imports the shared registration export and survey sheet as
// the district administrator.
func (e *env) importSamples() {
	e.t.Helper()
	e.importAndRun("district", "登记.xlsx", sample(e.t, "registration.xlsx"), map[string]string{"kind": "registration"})
	e.importAndRun("district", "调查.xlsx", sample(e.t, "survey.xlsx"), map[string]string{"kind": "survey"})
}
