package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/fugai/fugai/internal/store/storetest"
)

// BenchmarkAPI measures the ledger routes in-process on each dialect, with
// GET /healthz (no database) as the baseline of the same run. Run it with
// `make bench-api`.
func BenchmarkAPI(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			e := newEnv(b, d)
			for i := 1; i <= 500; i++ {
				e.createLedger(i, "冷水滩区梅湾街道")
			}
			b.Run("healthz-baseline", func(b *testing.B) {
				for b.Loop() {
					if r := e.do(http.MethodGet, "/healthz", "", nil, nil); r.Code != http.StatusOK {
						b.Fatal(r.Code)
					}
				}
			})
			b.Run("get", func(b *testing.B) {
				for b.Loop() {
					if r := e.do(http.MethodGet, "/api/v1/enterprises/250", "township", nil, nil); r.Code != http.StatusOK {
						b.Fatal(r.Code)
					}
				}
			})
			b.Run("list-50", func(b *testing.B) {
				for b.Loop() {
					if r := e.do(http.MethodGet, "/api/v1/enterprises?limit=50&cursor=100", "township", nil, nil); r.Code != http.StatusOK {
						b.Fatal(r.Code)
					}
				}
			})
			// A field coverage does not count, then one it does (the
			// ledger's coverage facts and the township's counts follow in
			// the same transaction).
			b.Run("patch", func(b *testing.B) {
				version := 1
				for b.Loop() {
					r := e.do(http.MethodPatch, "/api/v1/enterprises/300", "township", map[string]any{"employees": version},
						map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)})
					if r.Code != http.StatusOK {
						b.Fatal(r.Code, r.Body)
					}
					version++
				}
			})
			b.Run("patch-coverage", func(b *testing.B) {
				version := 1
				for b.Loop() {
					r := e.do(http.MethodPatch, "/api/v1/enterprises/301", "township", map[string]any{"union": version%2 == 1},
						map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)})
					if r.Code != http.StatusOK {
						b.Fatal(r.Code, r.Body)
					}
					version++
				}
			})
		})
	}
}
