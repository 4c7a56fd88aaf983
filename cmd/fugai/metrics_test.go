package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

var metricsAt = regexp.MustCompile(`Metrics: +(http://\S+/metrics)`)

// serveInProcess runs fugai serve in this process and returns its base URL
// and what it printed; it stops with the test.
func serveInProcess(t *testing.T, vars map[string]string) (base string, stdout *syncBuffer) {
	base, stdout, _ = serveStoppable(t, vars)
	return base, stdout
}

// serveStoppable is serveInProcess with a function that stops the server
// (and waits for it) before the test ends.
func serveStoppable(t *testing.T, vars map[string]string) (base string, stdout *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	var stderr syncBuffer
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() { done <- run(ctx, []string{"serve"}, getenvFrom(vars), nil, stdout, &stderr); close(stopped) }()
	stop = func() { cancel(); <-stopped }
	t.Cleanup(stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stop
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
	}
}

func scrape(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// metric finds a sample's value ("" when absent).
func metric(text, series string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// /metrics is off unless FUGAI_METRICS_ADDR is set; on its own address it
// counts requests by route and status, import rows and jobs, the time
// coverage maintenance takes, the database pool and the build.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		_, out := serveInProcess(t, map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": storetest.URL(t, d),
			"FUGAI_ADMIN_PASSWORD": "Admin-Pass-2026"})
		if strings.Contains(out.String(), "Metrics:") {
			t.Fatalf("metrics served without FUGAI_METRICS_ADDR:\n%s", out)
		}
		base, out := serveInProcess(t, map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": storetest.URL(t, d),
			"FUGAI_METRICS_ADDR": "127.0.0.1:0", "FUGAI_ADMIN_PASSWORD": "Admin-Pass-2026"})
		m := metricsAt.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no metrics address printed:\n%s", out)
		}
		c := signIn(t, base)
		if r, _ := c.do(http.MethodGet, "/api/v1/enterprises", nil, nil); r.StatusCode != http.StatusOK {
			t.Fatal(r.StatusCode)
		}
		if r, _ := c.do(http.MethodGet, "/api/v1/enterprises/999999", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Fatal(r.StatusCode)
		}
		job := upload(t, base, c.token, writeExportFrom(t, 0, 120))
		for i := 0; ; i++ {
			_, b := c.do(http.MethodGet, "/api/v1/imports/"+itoa(job), nil, nil)
			if strings.Contains(string(b), `"succeeded"`) {
				break
			}
			if i > 300 {
				t.Fatalf("import: %s", b)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// A ledger edit maintains the coverage counts in its transaction.
		resp, _ := c.do(http.MethodGet, "/api/v1/enterprises/1", nil, nil)
		if r, b := c.do(http.MethodPatch, "/api/v1/enterprises/1", map[string]any{"full_members": 3}, map[string]string{"If-Match": resp.Header.Get("ETag")}); r.StatusCode != http.StatusOK {
			t.Fatalf("edit: %d %s", r.StatusCode, b)
		}
		text := scrape(t, m[1])
		for series, want := range map[string]string{
			`fugai_http_requests_total{method="GET",route="/api/v1/enterprises",status="200"}`:     "1",
			`fugai_http_requests_total{method="GET",route="/api/v1/enterprises/:id",status="404"}`: "1",
			`fugai_import_rows_total{kind="registration"}`:                                         "120",
			`fugai_import_jobs{status="succeeded"}`:                                                "1",
			`fugai_import_jobs{status="failed"}`:                                                   "0",
			`fugai_import_job_duration_seconds_count{kind="registration",outcome="succeeded"}`:     "1",
		} {
			if got := metric(text, series); got != want {
				t.Errorf("%s = %q, want %s", series, got, want)
			}
		}
		for _, series := range []string{`fugai_coverage_maintenance_seconds_count`, `go_sql_max_open_connections{db_name="fugai"}`} {
			if v := metric(text, series); v == "" || v == "0" {
				t.Errorf("%s = %q, want a positive count", series, v)
			}
		}
		if !strings.Contains(text, "go_build_info{") || !strings.Contains(text, `fugai_http_request_duration_seconds_bucket{method="GET",route="/api/v1/enterprises",le="0.5"}`) {
			t.Errorf("build info or latency histogram missing:\n%.2000s", text)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// relay is a TCP door in front of an address that the test can shut: the
// database cut off from the server, then back.
type relay struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	open    bool
	sockets map[net.Conn]bool
}

func newRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target, open: true, sockets: map[net.Conn]bool{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r.mu.Lock()
			if !r.open {
				r.mu.Unlock()
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				r.mu.Unlock()
				c.Close()
				continue
			}
			r.sockets[c], r.sockets[up] = true, true
			r.mu.Unlock()
			go func() { io.Copy(up, c); up.Close(); c.Close() }()
			go func() { io.Copy(c, up); up.Close(); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); r.set(false) })
	return r
}

// set opens or shuts the door; shutting drops every connection.
func (r *relay) set(open bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.open = open
	if !open {
		for c := range r.sockets {
			c.Close()
		}
		r.sockets = map[net.Conn]bool{}
	}
}

// During a database outage the API answers 503 with a Chinese message and
// a Retry-After, never 500; /readyz says not ready; once the database is
// back the same requests succeed.
func TestDatabaseOutageIs503(t *testing.T) {
	pg, err := url.Parse(storetest.URL(t, store.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	door := newRelay(t, pg.Host)
	pg.Host = door.ln.Addr().String()
	base, _ := serveInProcess(t, map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": pg.String(),
		"FUGAI_ADMIN_PASSWORD": "Admin-Pass-2026"})
	c := signIn(t, base)
	if r, _ := c.do(http.MethodGet, "/api/v1/enterprises", nil, nil); r.StatusCode != http.StatusOK {
		t.Fatal(r.StatusCode)
	}
	door.set(false)
	for _, path := range []string{"/api/v1/enterprises", "/api/v1/coverage", "/api/v1/me"} {
		r, b := c.do(http.MethodGet, path, nil, nil)
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "database_unavailable") ||
			!strings.Contains(string(b), "数据库暂时无法连接") || r.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s during the outage: %d %s", path, r.StatusCode, b)
		}
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %v %v", resp, err)
	}
	door.set(true)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, b := c.do(http.MethodGet, "/api/v1/enterprises", nil, nil)
		if r.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the outage: %d %s", r.StatusCode, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A shutdown that overruns FUGAI_SHUTDOWN_TIMEOUT (here a client trickling
// an upload) closes the connections still open and exits cleanly: the
// client sees a cut connection, never a 200.
func TestShutdownOverrun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	vars := map[string]string{"FUGAI_ADDR": "127.0.0.1:0", "FUGAI_DATABASE_URL": storetest.URL(t, store.SQLite),
		"FUGAI_ADMIN_PASSWORD": "Admin-Pass-2026", "FUGAI_SHUTDOWN_TIMEOUT": "1s"}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenvFrom(vars), nil, &stdout, &stderr) }()
	var base string
	for i := 0; base == ""; i++ {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if i > 3000 {
			t.Fatal("server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := signIn(t, base)
	// An upload whose body trickles in, a byte every 100 ms.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("--b\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nregistration\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\r\n"))
		for i := 0; i < 600; i++ {
			if _, err := pw.Write([]byte("x")); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	req.Header.Set("Authorization", "Bearer "+c.token)
	answered := make(chan *http.Response, 1)
	failed := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			failed <- err
			return
		}
		answered <- resp
	}()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after an overrun; want a clean exit\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not exit after its shutdown timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with a 1 s timeout", d)
	}
	select {
	case resp := <-answered:
		t.Fatalf("the cut upload was answered %d", resp.StatusCode)
	case <-failed:
	case <-time.After(10 * time.Second):
		t.Fatal("the client was left hanging")
	}
	pw.Close()
	if !strings.Contains(stderr.String(), "shutdown timeout passed") {
		t.Errorf("no warning logged:\n%s", stderr.String())
	}
}
