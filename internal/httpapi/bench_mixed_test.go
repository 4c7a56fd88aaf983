package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
)

// BenchmarkMixedLoad: FUGAI_BENCH_ENTERPRISES (default 100,000) synthetic
// enterprises in PostgreSQL, then FUGAI_BENCH_CLIENTS (default 64)
// clients for FUGAI_BENCH_SECONDS (default 60): 70 % reads (a list page
// or a ledger), 20 % edits (GET, then PATCH employees+1 with If-Match,
// re-read and retried on 412; one edit in ten on twenty shared ledgers),
// 10 % GET /coverage — beside GET /healthz with as many clients (the
// baseline). Prints req/s, p50/p95/p99 per kind, errors, 412s, and the
// lost-update check: every ledger's employees moved by exactly its
// successful edits. Run it with `make bench-load`; a measurement, not a
// test.
func BenchmarkMixedLoad(b *testing.B) {
	n := envInt("FUGAI_BENCH_ENTERPRISES", 100_000)
	secs := envInt("FUGAI_BENCH_SECONDS", 60)
	clients := envInt("FUGAI_BENCH_CLIENTS", 64)
	e := newEnv(b, store.Postgres)
	start := time.Now()
	loadSynthetic(b, e, n)
	if _, err := e.db.SQL().Exec("ANALYZE"); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("loaded %d enterprises in %s; %d clients, %d s per run\n", n, time.Since(start).Round(time.Second), clients, secs)
	initial := map[int64]int{}
	rows, err := e.db.SQL().Query("SELECT id, COALESCE(employees, 0) FROM enterprises")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var v int
		rows.Scan(&id, &v)
		initial[id] = v
	}
	rows.Close()
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()
	token := e.tokens["district"]
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: transport}

	base := latencies(drive(b, srv.URL, token, clients, max(secs/4, 5), 3, func(*rand.Rand) string { return "/healthz" }))
	fmt.Printf("%-22s %8d req %8.1f req/s  p50 %8s  p95 %8s  p99 %8s\n", "GET /healthz (baseline)", len(base),
		float64(len(base))/float64(max(secs/4, 5)), percentile(base, 0.5, 10*time.Microsecond),
		percentile(base, 0.95, 10*time.Microsecond), percentile(base, 0.99, 10*time.Microsecond))

	type sample struct {
		kind string
		took time.Duration
	}
	var (
		mu        sync.Mutex
		samples   []sample
		errs      int
		conflicts int
		edits     = map[int64]int{}
	)
	call := func(method, path string, body []byte, header map[string]string) (*http.Response, []byte, time.Duration, error) {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, 0, err
		}
		out, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, out, time.Since(t0), err
	}
	maxID := int64(n)
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 11))
			var mine []sample
			myErrs, myConflicts := 0, 0
			myEdits := map[int64]int{}
			record := func(kind string, resp *http.Response, took time.Duration, err error, ok ...int) bool {
				if err != nil || resp == nil {
					myErrs++
					return false
				}
				mine = append(mine, sample{kind, took})
				if resp.StatusCode == http.StatusOK || slices.Contains(ok, resp.StatusCode) {
					return true
				}
				myErrs++
				return false
			}
			for time.Now().Before(deadline) {
				switch x := rng.Float64(); {
				case x < 0.35:
					resp, _, took, err := call(http.MethodGet, fmt.Sprintf("/api/v1/enterprises?limit=50&cursor=%d", 1+rng.Int64N(maxID)), nil, nil)
					record("list page", resp, took, err)
				case x < 0.70:
					resp, _, took, err := call(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", 1+rng.Int64N(maxID)), nil, nil)
					record("ledger", resp, took, err)
				case x < 0.90:
					id := 1 + rng.Int64N(maxID)
					if rng.IntN(10) == 0 {
						id = 1 + rng.Int64N(20) // shared ledgers
					}
					for try := 0; try < 20; try++ {
						resp, body, took, err := call(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), nil, nil)
						if !record("edit: read", resp, took, err) {
							break
						}
						var l struct {
							Employees *int `json:"employees"`
						}
						json.Unmarshal(body, &l)
						v := 0
						if l.Employees != nil {
							v = *l.Employees
						}
						patch, _ := json.Marshal(map[string]any{"employees": v + 1})
						resp, _, took, err = call(http.MethodPatch, fmt.Sprintf("/api/v1/enterprises/%d", id), patch,
							map[string]string{"If-Match": resp.Header.Get("ETag")})
						if !record("edit: PATCH", resp, took, err, http.StatusPreconditionFailed) {
							break
						}
						if resp.StatusCode == http.StatusPreconditionFailed {
							myConflicts++
							continue
						}
						myEdits[id]++
						break
					}
				default:
					resp, _, took, err := call(http.MethodGet, "/api/v1/coverage", nil, nil)
					record("coverage", resp, took, err)
				}
			}
			mu.Lock()
			samples = append(samples, mine...)
			errs += myErrs
			conflicts += myConflicts
			for id, k := range myEdits {
				edits[id] += k
			}
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	byKind := map[string][]time.Duration{}
	var all []time.Duration
	for _, s := range samples {
		byKind[s.kind] = append(byKind[s.kind], s.took)
		all = append(all, s.took)
	}
	slices.Sort(all)
	r := 100 * time.Microsecond
	fmt.Printf("%-22s %8d req %8.1f req/s  p50 %8s  p95 %8s  p99 %8s\n", "mixed, all", len(all), float64(len(all))/float64(secs),
		percentile(all, 0.5, r), percentile(all, 0.95, r), percentile(all, 0.99, r))
	for _, k := range []string{"list page", "ledger", "edit: read", "edit: PATCH", "coverage"} {
		l := byKind[k]
		slices.Sort(l)
		fmt.Printf("  %-20s %8d req %8.1f req/s  p50 %8s  p95 %8s  p99 %8s\n", k, len(l), float64(len(l))/float64(secs),
			percentile(l, 0.5, r), percentile(l, 0.95, r), percentile(l, 0.99, r))
	}
	lost := 0
	for id, k := range edits {
		var v int
		if err := e.db.SQL().QueryRowContext(context.Background(), "SELECT COALESCE(employees, 0) FROM enterprises WHERE id = $1", id).Scan(&v); err != nil {
			b.Fatal(err)
		}
		if v-initial[id] != k {
			lost += k - (v - initial[id])
		}
	}
	total := 0
	for _, k := range edits {
		total += k
	}
	fmt.Printf("errors %d; 412 (re-read and retried) %d; edits %d on %d ledgers; lost updates %d\n", errs, conflicts, total, len(edits), lost)
	kept, counted, err := e.db.CheckCoverage(context.Background(), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("coverage counts equal a recount: %v\n", fmt.Sprint(kept) == fmt.Sprint(counted))
	if lost != 0 || errs != 0 {
		b.Errorf("%d lost updates, %d errors", lost, errs)
	}
}
