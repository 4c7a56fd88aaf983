package httpapi_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
)

// timed is one request of a load run: its path and how long it took.
type timed struct {
	path string
	took time.Duration
}

// drive sends GET requests to base+path(rng) as token from clients
// concurrent clients (each with its own seeded rng and connection) for
// secs seconds, reading every response whole (as a browser would, which
// lets the connection be reused); any error or status but 200 fails b.
func drive(b *testing.B, base, token string, clients, secs int, seed uint64, path func(*rand.Rand) string) []timed {
	var mu sync.Mutex
	var all []timed
	deadline := time.Now().Add(time.Duration(secs) * time.Second)
	// As many idle connections as clients: the default transport keeps
	// two per host, and the others would be closed and dialled again.
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), seed))
			var mine []timed
			for time.Now().Before(deadline) {
				p := path(rng)
				req, _ := http.NewRequest(http.MethodGet, base+p, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					b.Errorf("GET %s: %d %v", p, resp.StatusCode, err)
					return
				}
				mine = append(mine, timed{p, time.Since(t0)})
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	return all
}

// latencies are the sorted durations of runs.
func latencies(runs []timed) []time.Duration {
	out := make([]time.Duration, len(runs))
	for i, r := range runs {
		out[i] = r.took
	}
	slices.Sort(out)
	return out
}

// percentile is the p-th (0–1) of sorted durations, rounded to round.
func percentile(sorted []time.Duration, p float64, round time.Duration) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))].Round(round)
}

// loadSynthetic loads n synthetic enterprises over the district's
// townships into e's PostgreSQL database in one transaction — with five
// liaisons per township, plans for two thirds of them (a third formed) and
// liaisons for half — and their coverage counts.
func loadSynthetic(b *testing.B, e *env, n int) {
	ctx := context.Background()
	var codes []string
	for _, t := range district(b).Townships {
		codes = append(codes, "'"+t.Code+"'")
	}
	townships := "ARRAY[" + strings.Join(codes, ", ") + "]"
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		stmts := []string{
			`INSERT INTO users (username, name, phone, role, township_code, password_hash, created_at)
			 SELECT 'bench' || t || '_' || k, '联络员' || k, '', 'liaison', (` + townships + `)[t], 'x', now()
			 FROM generate_series(1, array_length(` + townships + `, 1)) t, generate_series(1, 5) k`,
			`INSERT INTO enterprises (credit_code, name, entity_type, nature, township_code, assignment, in_scope, out_of_scope_reason,
			   employees, full_members, probationary_members, above_scale, union_org, youth_league, suggested_method, verified_at,
			   check_digit_warning, registration_status, version, created_at, updated_at)
			 SELECT lpad(i::text, 18, '0'), '企业' || i, '有限责任公司', 'non_public',
			   (` + townships + `)[1 + i % array_length(` + townships + `, 1)], 'address_township', i % 20 <> 0,
			   CASE WHEN i % 20 = 0 THEN 'not_operating' END, i % 50, fm, 0, i % 30 = 0, i % 4 = 0, i % 7 = 0,
			   CASE WHEN i % 20 = 0 THEN NULL WHEN fm >= 3 THEN 'standalone' WHEN fm >= 1 THEN 'joint' ELSE 'included' END,
			   CASE WHEN i % 3 = 0 THEN now() END, i % 500 = 0,
			   CASE WHEN i % 20 = 0 THEN '注销' ELSE '存续（在营、开业、在册）' END, 1, now(), now()
			 FROM (SELECT i, ((i::bigint * 7919) % 6)::int AS fm FROM generate_series(1, ` + strconv.Itoa(n) + `) i) s`,
			`INSERT INTO plans (enterprise_id, status, planned_start_on, planned_completion_on, version, updated_at)
			 SELECT id, CASE WHEN id % 3 = 0 THEN 'formed' ELSE 'in_progress' END, DATE '2026-01-01',
			   CASE WHEN id % 2 = 0 THEN DATE '2026-03-01' ELSE DATE '2027-03-01' END, 2, now()
			 FROM enterprises WHERE in_scope AND id % 3 <> 1`,
			`INSERT INTO liaison_assignments (enterprise_id, liaison_id, assigned_at, assigned_by)
			 SELECT e.id, (SELECT u.id FROM users u WHERE u.township_code = e.township_code AND u.role = 'liaison' ORDER BY u.id
			   OFFSET e.id % 5 LIMIT 1), now(), 'bench'
			 FROM enterprises e WHERE e.id % 2 = 0`,
		}
		for _, q := range stmts {
			if err := tx.Exec(q); err != nil {
				return err
			}
		}
		tx.Recount() // raw statements: counted at the commit
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
