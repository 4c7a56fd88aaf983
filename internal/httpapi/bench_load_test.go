package httpapi_test

import (
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
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
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), seed))
			client := &http.Client{}
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
