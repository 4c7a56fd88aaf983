package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/store"
)

// BenchmarkCoverageLoad loads FUGAI_BENCH_ENTERPRISES (default 1,000,000)
// synthetic enterprises over the district's townships into PostgreSQL —
// with plans, liaisons and formed organisations — then drives GET
// /healthz (the baseline), GET /api/v1/coverage and gap-list pages at
// every depth with 16 concurrent clients for FUGAI_BENCH_SECONDS (default
// 30) each, and prints p50/p95/p99 and requests per second; then the
// district's plan export (skipped with FUGAI_BENCH_EXPORT=0). Run it with
// `make bench-coverage`; it is a measurement, not a test.
func BenchmarkCoverageLoad(b *testing.B) {
	n := envInt("FUGAI_BENCH_ENTERPRISES", 1_000_000)
	secs := envInt("FUGAI_BENCH_SECONDS", 30)
	e := newEnv(b, store.Postgres)
	ctx := context.Background()
	start := time.Now()
	loadSynthetic(b, e, n)
	fmt.Printf("loaded %d enterprises in %s (their coverage counts brought up to date in the same transaction)\n", n, time.Since(start).Round(time.Second))
	if err := e.db.InTx(ctx, func(tx *store.Tx) error { return tx.Exec("ANALYZE") }); err != nil {
		b.Fatal(err)
	}
	today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	t0 := time.Now()
	recount, err := e.db.CoverageRecount(ctx, auth.Scope{All: true}, today)
	if err != nil {
		b.Fatal(err)
	}
	recountTook := time.Since(t0)
	t0 = time.Now()
	counts, err := e.db.Coverage(ctx, auth.Scope{All: true}, today)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Printf("maintained counts read in %s; a recount from the ledgers takes %s; equal: %v\n",
		time.Since(t0).Round(10*time.Microsecond), recountTook.Round(time.Millisecond), reflect.DeepEqual(counts, recount))
	if !reflect.DeepEqual(counts, recount) {
		b.Fatalf("maintained counts differ from the recount:\n%+v\n%+v", counts, recount)
	}
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()
	token := e.tokens["district"]
	b.ResetTimer()
	run := func(name string, path func(rng *rand.Rand) string) {
		runs := drive(b, srv.URL, token, 16, secs, 1, path)
		lat := latencies(runs)
		r := 10 * time.Microsecond
		fmt.Printf("%-28s %8d req  %8.1f req/s  p50 %8s  p95 %8s  p99 %8s\n", name, len(lat), float64(len(lat))/float64(secs),
			percentile(lat, 0.50, r), percentile(lat, 0.95, r), percentile(lat, 0.99, r))
		byGap := map[string][]timed{} // gap pages: latencies per gap
		for _, t := range runs {
			if u, err := url.Parse(t.path); err == nil && u.Query().Get("gap") != "" {
				byGap[u.Query().Get("gap")] = append(byGap[u.Query().Get("gap")], t)
			}
		}
		for _, g := range slices.Sorted(maps.Keys(byGap)) {
			l := latencies(byGap[g])
			fmt.Printf("    gap=%-20s %8d req  p50 %8s  p95 %8s\n", g, len(l), percentile(l, 0.50, r), percentile(l, 0.95, r))
		}
	}
	run("GET /healthz (baseline)", func(*rand.Rand) string { return "/healthz" })
	run("GET /api/v1/coverage", func(*rand.Rand) string { return "/api/v1/coverage" })
	gaps := []string{"should_form", "ungrouped_joint", "no_liaison", "overdue_plan", "stale_ledger", "check_digit", "unassigned"}
	run("GET gap page, any depth", func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/enterprises?limit=50&gap=%s&cursor=%d", gaps[rng.IntN(len(gaps))], 1+rng.IntN(n))
	})
	token = e.tokens["township2"] // 431103002: most gaps present there
	run("GET gap page, township", func(rng *rand.Rand) string {
		return fmt.Sprintf("/api/v1/enterprises?limit=50&gap=%s&cursor=%d", gaps[rng.IntN(len(gaps)-1)], 1+rng.IntN(n))
	})

	if os.Getenv("FUGAI_BENCH_EXPORT") == "0" {
		return // the pages alone (comparing two builds)
	}
	// The 全覆盖计划表 of the whole district, streamed: time and the
	// process's peak resident memory while it is written (the peak is
	// reset first; the server runs in this process).
	token = e.tokens["district"]
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak RSS: %v", err)
	}
	base := peakRSS()
	t0 = time.Now()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/exports/coverage-plan.xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(b.TempDir() + "/plan.xlsx")
	if err != nil {
		b.Fatal(err)
	}
	size, err := io.Copy(out, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("export: %d %v", resp.StatusCode, err)
	}
	fmt.Printf("GET /api/v1/exports/coverage-plan.xlsx: %d in-scope rows, %.1f MB in %s; peak RSS %.0f MB (before %.0f MB)\n",
		sumBase(counts), float64(size)/1e6, time.Since(t0).Round(100*time.Millisecond),
		float64(peakRSS())/1e6, float64(base)/1e6)
	out.Close()
	sheets, rows := countPlanRows(b, out.Name())
	fmt.Printf("read back: %d sheets %q, %d enterprise rows\n", len(sheets), sheets, rows)
	if rows != sumBase(counts) {
		b.Fatalf("the export holds %d enterprise rows, the counts %d", rows, sumBase(counts))
	}
}

// countPlanRows reads a plan export back a row at a time: its sheets and
// the enterprise rows on them (not the title, header, 小计 or 合计 rows).
func countPlanRows(b *testing.B, path string) ([]string, int) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.Rows(sheet)
		if err != nil {
			b.Fatal(err)
		}
		for line := 1; rows.Next(); line++ {
			cols, err := rows.Columns()
			if err != nil {
				b.Fatal(err)
			}
			if line > 2 && len(cols) > 0 && cols[0] != "小计" && cols[0] != "合计" {
				n++
			}
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return f.GetSheetList(), n
}

func sumBase(counts map[string]coverage.Counts) int {
	n := 0
	for _, c := range counts {
		n += c.Enterprises
	}
	return n
}

// peakRSS is the process's peak resident set (VmHWM) in bytes.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
