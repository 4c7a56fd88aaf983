package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// client calls an instance's API with a bearer token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any, header map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func signIn(t *testing.T, base string) client {
	t.Helper()
	return signInAs(t, base, "admin", "Admin-Pass-2026")
}

func signInAs(t *testing.T, base, user, password string) client {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var login struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&login)
	if login.Token == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	return client{t: t, base: base, token: login.Token}
}

// everything reads every ledger through the API (all pages) and /coverage.
func (c client) everything() (ledgers []json.RawMessage, coverage string) {
	c.t.Helper()
	cursor := ""
	for {
		_, b := c.do(http.MethodGet, "/api/v1/enterprises?sort=id&limit=200"+cursor, nil, nil)
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			c.t.Fatalf("list: %s", b)
		}
		ledgers = append(ledgers, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + page.NextCursor
	}
	_, b := c.do(http.MethodGet, "/api/v1/coverage", nil, nil)
	var cov map[string]any
	json.Unmarshal(b, &cov)
	delete(cov, "taken_at") // when it was read
	out, _ := json.Marshal(cov)
	return ledgers, string(out)
}

// The restore drill of docs/operations.md: a SQLite database is backed up
// while a client keeps editing ledgers (the copy passes its integrity check
// and its coverage counts equal a recount), then — writes stopped — backed
// up again, the server stopped, the database destroyed and the copy put in
// its place: the restarted server has every ledger and /coverage equal.
func TestBackupRestoreDrill(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fugai.db")
	srv := startInstance(t, path)
	c := signIn(t, srv.base)
	job := upload(t, srv.base, c.token, writeExportFrom(t, 0, 2000))
	for i := 0; ; i++ {
		_, b := c.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", job), nil, nil)
		if strings.Contains(string(b), `"succeeded"`) {
			break
		}
		if i > 600 {
			t.Fatalf("import did not finish: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// A client edits ledgers without pause.
	var edits atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			id := 1 + rand.IntN(2000)
			resp, _ := c.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), nil, nil)
			r, _ := c.do(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", id), map[string]any{"employees": rand.IntN(500)},
				map[string]string{"If-Match": resp.Header.Get("ETag")})
			if r.StatusCode == http.StatusOK {
				edits.Add(1)
			}
		}
	}()
	vars := map[string]string{"FUGAI_DATABASE_URL": path}
	var stdout, stderr syncBuffer
	for edits.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
	}
	before := edits.Load()
	underWrites := filepath.Join(dir, "under-writes.db")
	if err := run(context.Background(), []string{"backup", underWrites}, getenvFrom(vars), nil, &stdout, &stderr); err != nil {
		t.Fatalf("backup under writes: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if edits.Load() == before {
		t.Fatal("no edit went through while the backup ran")
	}
	if err := run(context.Background(), []string{"coverage", "check"}, getenvFrom(map[string]string{"FUGAI_DATABASE_URL": underWrites}), nil, &stdout, &stderr); err != nil {
		t.Fatalf("the copy taken under writes: %v\n%s", err, stdout.String())
	}
	if err := run(context.Background(), []string{"backup", underWrites}, getenvFrom(vars), nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a backup over an existing file: %v", err)
	}

	// The drill: back up, stop, destroy, restore, start.
	ledgers, cov := c.everything()
	if len(ledgers) != 2000 {
		t.Fatalf("%d ledgers before", len(ledgers))
	}
	backup := filepath.Join(dir, "fugai-backup.db")
	if err := run(context.Background(), []string{"backup", backup}, getenvFrom(vars), nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Process.Signal(syscall.SIGTERM)
	srv.cmd.Wait()
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(f)
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := startInstance(t, path)
	after, covAfter := signIn(t, restored.base).everything()
	if len(after) != len(ledgers) {
		t.Fatalf("%d ledgers after the restore, want %d", len(after), len(ledgers))
	}
	for i := range ledgers {
		if !bytes.Equal(ledgers[i], after[i]) {
			t.Fatalf("ledger %d differs after the restore:\n%s\n%s", i, ledgers[i], after[i])
		}
	}
	if cov != covAfter {
		t.Fatalf("/coverage differs after the restore:\n%s\n%s", cov, covAfter)
	}
}
