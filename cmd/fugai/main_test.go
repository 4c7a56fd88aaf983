package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/pgtest"
	"github.com/fugai/fugai/internal/store/storetest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childArgs) != "" {
		os.Exit(runChild())
	}
	pgtest.Main(m)
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listening = regexp.MustCompile(`on (http://127\.0\.0\.1:\d+)\n`)

func getenvFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestServeEndToEnd starts the whole program through run on a random port
// and drives it over HTTP like a client.
func TestServeEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		vars := map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": storetest.URL(t, d)}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve"}, getenvFrom(vars), nil, &stdout, &stderr) }()
		// run prints the address it listens on; read it like an operator would.
		var base string
		deadline := time.Now().Add(60 * time.Second)
		for base == "" {
			if m := listening.FindStringSubmatch(stdout.String()); m != nil {
				base = m[1]
				break
			}
			select {
			case err := <-done:
				t.Fatalf("run ended before listening: %v\n%s", err, stderr.String())
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				t.Fatal("server did not start")
			}
		}
		out := stdout.String()
		i := strings.Index(out, "password: ")
		if i < 0 {
			t.Fatalf("no admin password printed:\n%s", out)
		}
		pw := strings.Fields(out[i+len("password: "):])[0]
		if !strings.Contains(out, "/swagger/index.html") || !strings.Contains(out, "/api/v1") {
			t.Fatalf("URLs not printed:\n%s", out)
		}

		call := func(method, path, token string, body any, header map[string]string) (*http.Response, []byte) {
			t.Helper()
			var rd io.Reader
			if body != nil {
				b, _ := json.Marshal(body)
				rd = bytes.NewReader(b)
			}
			req, _ := http.NewRequest(method, base+path, rd)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}
		for _, p := range []string{"/healthz", "/readyz", "/swagger/index.html"} {
			if r, b := call(http.MethodGet, p, "", nil, nil); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", p, r.StatusCode, b)
			}
		}
		// The web client answers outside the API, unknown API paths stay JSON.
		if r, b := call(http.MethodGet, "/enterprises/1", "", nil, nil); r.StatusCode != http.StatusOK ||
			!bytes.Contains(b, []byte(`<div id="app">`)) || r.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("web client: %d %s", r.StatusCode, b)
		}
		if r, b := call(http.MethodGet, "/api/v1/nowhere", "", nil, nil); r.StatusCode != http.StatusNotFound || !bytes.Contains(b, []byte(`"error"`)) {
			t.Fatalf("unknown API path: %d %s", r.StatusCode, b)
		}
		r, spec := call(http.MethodGet, "/api/openapi.json", "", nil, nil)
		if r.StatusCode != http.StatusOK || !bytes.Contains(spec, []byte(`"/api/v1/enterprises/{id}"`)) {
			t.Fatalf("openapi: %d", r.StatusCode)
		}
		r, b := call(http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "admin", "password": pw}, nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("login: %d %s", r.StatusCode, b)
		}
		var login struct{ Token string }
		json.Unmarshal(b, &login)
		first := "91431103MA4L12345"
		code := first + string(enterprise.CheckDigit(first))
		r, b = call(http.MethodPost, "/api/v1/enterprises", login.Token, map[string]any{"credit_code": code, "name": "端到端公司",
			"registered_address": "湖南省永州市冷水滩区　珊瑚街道古塘社区"}, nil)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, b)
		}
		var l struct {
			ID           int64
			TownshipCode string `json:"township_code"`
		}
		json.Unmarshal(b, &l)
		if l.TownshipCode != "431103007" {
			t.Fatalf("township %q, want 431103007", l.TownshipCode)
		}
		path := fmt.Sprintf("/api/v1/enterprises/%d", l.ID)
		r, _ = call(http.MethodGet, path, login.Token, nil, nil)
		etag := r.Header.Get("ETag")
		if r, b := call(http.MethodPatch, path, login.Token, map[string]any{"full_members": 0}, nil); r.StatusCode != http.StatusPreconditionRequired {
			t.Fatalf("patch without If-Match: %d %s", r.StatusCode, b)
		}
		r, b = call(http.MethodPatch, path, login.Token, map[string]any{"full_members": 2}, map[string]string{"If-Match": etag})
		if r.StatusCode != http.StatusOK || r.Header.Get("ETag") == etag || !bytes.Contains(b, []byte(`"full_members":2`)) {
			t.Fatalf("patch: %d %s", r.StatusCode, b)
		}
		if r, b := call(http.MethodGet, path+"/history", login.Token, nil, nil); r.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"full_members"`)) {
			t.Fatalf("history: %d %s", r.StatusCode, b)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("server did not shut down")
		}
		logs := stderr.String()
		if !strings.Contains(logs, `"route":"/api/v1/enterprises/:id"`) || !strings.Contains(logs, `"user":"admin"`) || !strings.Contains(logs, `"request_id"`) {
			t.Fatalf("access log lacks route, user or request id:\n%s", logs)
		}
	})
}

func TestStartupFailsOnUnknownDistrict(t *testing.T) {
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"FUGAI_DISTRICT": "999999", "FUGAI_DATABASE_URL": t.TempDir() + "/f.db", "FUGAI_ADDR": "127.0.0.1:0"}
	err := run(context.Background(), []string{"serve"}, getenvFrom(vars), nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "999999") || !strings.Contains(err.Error(), "FUGAI_DISTRICT") {
		t.Fatalf("got %v, want an error naming FUGAI_DISTRICT 999999", err)
	}
	vars["FUGAI_DISTRICT"] = "4311"
	if err := run(context.Background(), []string{"serve"}, getenvFrom(vars), nil, &stdout, &stderr); err == nil {
		t.Fatal("a 4-digit district was accepted")
	}
}

func TestMigrateAndUserCreate(t *testing.T) {
	dbURL := t.TempDir() + "/f.db"
	vars := map[string]string{"FUGAI_DATABASE_URL": dbURL}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "status"}, getenvFrom(vars), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "pending") {
		t.Fatalf("status before migrating:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate"}, getenvFrom(vars), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "applied 1") {
		t.Fatalf("migrate up: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "up"}, getenvFrom(vars), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "no pending") {
		t.Fatalf("second migrate: %v\n%s", err, out.String())
	}
	out.Reset()
	args := []string{"user", "create", "-username", "lian01", "-role", "liaison", "-township", "431103005", "-name", "李四"}
	if err := run(context.Background(), args, getenvFrom(vars), strings.NewReader("Liaison-Pass-01\n"), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "created user lian01") {
		t.Fatalf("user create output: %s", out.String())
	}
	err := run(context.Background(), []string{"user", "create", "-username", "weak", "-role", "auditor"}, getenvFrom(vars), strings.NewReader("short\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("weak password: %v", err)
	}
	out.Reset()
	vars["FUGAI_USER_PASSWORD"] = "Another-Pass-02"
	if err := run(context.Background(), []string{"user", "password", "-username", "lian01"}, getenvFrom(vars), nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "password set for lian01") {
		t.Fatalf("user password: %v %s", err, out.String())
	}
	if err := run(context.Background(), []string{"user", "password", "-username", "nobody"}, getenvFrom(vars), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("password set for a missing user")
	}
	vars["FUGAI_USER_PASSWORD"] = "weak"
	if err := run(context.Background(), []string{"user", "password", "-username", "lian01"}, getenvFrom(vars), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("a weak password was set")
	}
	if err := run(context.Background(), []string{"frobnicate"}, getenvFrom(vars), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

// fugai coverage checks the maintained counts against a recount, reports a
// difference with exit status 1, and rebuilds them.
func TestCoverageCheckAndRebuild(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"FUGAI_DATABASE_URL": dir + "/f.db"}
	ctx := context.Background()
	if err := run(ctx, []string{"coverage"}, getenvFrom(vars), nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("check before migrating: %v", err)
	}
	if err := run(ctx, []string{"migrate"}, getenvFrom(vars), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	csv := dir + "/reg.csv"
	rows := "统一社会信用代码,企业名称,住所\n91431100MA4L1AAA1X,甲公司,永州市冷水滩区梅湾街道1号\n91431100MA4L1AAB9X,乙公司,永州市冷水滩区凤凰街道2号\n"
	if err := os.WriteFile(csv, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"import", "-kind", "registration", csv}, getenvFrom(vars), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"coverage", "check"}, getenvFrom(vars), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "agree") {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	// Counts changed behind the program's back.
	db, err := store.Open(ctx, vars["FUGAI_DATABASE_URL"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.Exec("UPDATE coverage_cells SET n = n + 2") })
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"coverage"}, getenvFrom(vars), nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "differ") || !strings.Contains(out.String(), "431103001") {
		t.Fatalf("check after tampering: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"coverage", "rebuild"}, getenvFrom(vars), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "rebuilt") {
		t.Fatalf("rebuild: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"coverage", "check"}, getenvFrom(vars), nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "agree") {
		t.Fatalf("check after rebuild: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"coverage", "frob"}, getenvFrom(vars), nil, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
}

// A second server on the same SQLite file is refused with a message that
// names the file and the process holding it; so is an import from the
// command line while the server runs. Once the first is gone (even
// killed), the file is free again.
func TestSQLiteServesOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fugai.db")
	first := startInstance(t, path)
	var stdout, stderr syncBuffer
	vars := map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": path}
	err := run(context.Background(), []string{"serve"}, getenvFrom(vars), nil, &stdout, &stderr)
	want := fmt.Sprintf("in use by process %d", first.cmd.Process.Pid)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
		t.Fatalf("second serve: %v, want an error naming %s and %q", err, path, want)
	}
	err = run(context.Background(), []string{"import", "-kind", "registration", writeExport(t, 3)}, getenvFrom(vars), nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("import beside the server: %v", err)
	}
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.cmd.Wait()
	if err := run(context.Background(), []string{"import", "-kind", "registration", writeExport(t, 3)}, getenvFrom(vars), nil, &stdout, &stderr); err != nil {
		t.Fatalf("import after the server was killed: %v\n%s", err, stderr.String())
	}
}

// TestDatabaseKeepsItsDistrict: the first instance to import into (or
// serve) a database binds it to its FUGAI_DISTRICT; one configured for
// another district refuses, naming both, and writes nothing.
func TestDatabaseKeepsItsDistrict(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/登记.csv"
	if err := os.WriteFile(file, []byte("统一社会信用代码,企业名称,住所\n91431103MA4L00001A,某某有限公司,冷水滩区梅湾街道1号\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"FUGAI_DATABASE_URL": dir + "/f.db", "FUGAI_DISTRICT": "431103"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "-kind", "registration", file}, getenvFrom(vars), nil, &out, io.Discard); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	vars["FUGAI_DISTRICT"] = "431102"
	err := run(context.Background(), []string{"import", "-kind", "registration", file}, getenvFrom(vars), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "431102") || !strings.Contains(err.Error(), "431103") {
		t.Fatalf("another district's import: %v", err)
	}
	vars["FUGAI_ADDR"] = "127.0.0.1:0"
	err = run(context.Background(), []string{"serve"}, getenvFrom(vars), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "431103") {
		t.Fatalf("another district's server: %v", err)
	}
}
