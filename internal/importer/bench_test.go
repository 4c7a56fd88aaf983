package importer

import (
	"context"
	"os"
	"testing"

	"github.com/fugai/fugai/internal/enterprise"
)

// BenchmarkRunCSV measures the importer's own work per row (reading,
// parsing, resolving, merging, diffing) on a generated export, with
// storage in memory. FUGAI_BENCH_CSV names the file (make bench-import
// generates one); without it the sample export is used.
func BenchmarkRunCSV(b *testing.B) {
	path := os.Getenv("FUGAI_BENCH_CSV")
	if path == "" {
		path = "testdata/registration-gbk.csv"
	}
	d := testDistrict(b)
	for b.Loop() {
		m := &memLedgers{byCode: map[string]enterprise.Ledger{}}
		r := &Runner{Kind: Registration, District: d, Store: m, Open: func() (Sheet, error) { s, _, err := Open(path); return s, err }}
		res, err := r.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Counts.Rows), "rows/op")
	}
}
