package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/store"
)

// BenchmarkNameSearch loads FUGAI_BENCH_ENTERPRISES (default 1,300,000)
// enterprises with names made as registration exports write them (place,
// a two-character trade name, a trade, a company form) into PostgreSQL (a
// database with LC_CTYPE C.UTF-8), then searches them through GET
// /api/v1/enterprises?q= with 16 clients for FUGAI_BENCH_SECONDS (default
// 15) per kind of query — first with no index (the baseline: the scan
// search was), then after EnsureNameSearch built the trigram indexes —
// and prints p50/p95/p99 and req/s. Run it with `make bench-search`.
func BenchmarkNameSearch(b *testing.B) {
	n := envInt("FUGAI_BENCH_ENTERPRISES", 1_300_000)
	secs := envInt("FUGAI_BENCH_SECONDS", 15)
	e := newEnv(b, store.Postgres)
	ctx := context.Background()
	trade := []rune("湘潇永零陵冷水滩梅湾凤凰珠山河东河西舜德蘋岛诚信华鑫宏盛隆泰丰源恒达顺通瑞祥福康博远天宇金鼎新兴振兴鸿运佳美嘉和")
	var chars []string
	for _, r := range trade {
		chars = append(chars, "'"+string(r)+"'")
	}
	arr := "ARRAY[" + strings.Join(chars, ",") + "]"
	trades := "ARRAY['商贸','科技','建材','餐饮管理','物流','农业开发','医药','文化传媒','置业','汽车服务','电子商务','劳务','装饰工程','食品','养殖']"
	forms := "ARRAY['有限公司','有限责任公司','实业有限公司','专业合作社','个人独资企业']"
	places := "ARRAY['永州市','永州市冷水滩区','湖南','冷水滩区','']"
	start := time.Now()
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.Exec(`INSERT INTO enterprises (credit_code, name, entity_type, nature, township_code, assignment, in_scope,
			employees, full_members, probationary_members, suggested_method, version, created_at, updated_at)
			SELECT '91431103' || lpad(i::text, 10, '0'),
			  (` + places + `)[1 + i % 5] || (` + arr + `)[1 + (i * 7) % ` + strconv.Itoa(len(trade)) + `] ||
			  (` + arr + `)[1 + (i * 13 / 5) % ` + strconv.Itoa(len(trade)) + `] || (` + trades + `)[1 + (i / 3) % 15] ||
			  CASE WHEN i % 4 = 0 THEN i::text ELSE '' END || (` + forms + `)[1 + (i / 7) % 5],
			  '有限责任公司', 'non_public', '431103001', 'address_township', true, 5, 0, 0, 'included', 1, now(), now()
			FROM generate_series(1, ` + strconv.Itoa(n) + `) i`)
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.db.SQL().Exec("ANALYZE enterprises"); err != nil {
		b.Fatal(err)
	}
	fmt.Printf("loaded %d enterprises in %s\n", n, time.Since(start).Round(time.Second))
	var sample []string
	rows, err := e.db.SQL().Query("SELECT name, credit_code FROM enterprises TABLESAMPLE SYSTEM (1) LIMIT 2000")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var name, code string
		rows.Scan(&name, &code)
		sample = append(sample, name, code)
	}
	rows.Close()
	srv := httptest.NewServer(e.srv.Handler())
	defer srv.Close()
	token := e.tokens["district"]
	// Kinds of query: part of a name a user remembers (the trade name and
	// trade, 4–6 characters), a trade name alone (2 characters: too short
	// for trigrams), a stretch of a credit code, and a name that is not
	// there.
	kinds := []struct {
		name string
		q    func(rng *rand.Rand) string
	}{
		{"trade name + trade (4-6 chars)", func(rng *rand.Rand) string {
			s := sample[2*rng.IntN(len(sample)/2)]
			for _, p := range []string{"永州市冷水滩区", "永州市", "湖南", "冷水滩区"} {
				if strings.HasPrefix(s, p) {
					s = s[len(p):]
					break
				}
			}
			r := []rune(s)
			return string(r[:min(len(r), 4+rng.IntN(3))])
		}},
		{"trade name (2 chars)", func(rng *rand.Rand) string {
			return string(trade[rng.IntN(len(trade))]) + string(trade[rng.IntN(len(trade))])
		}},
		{"credit code stretch (8)", func(rng *rand.Rand) string {
			c := sample[2*rng.IntN(len(sample)/2)+1]
			return c[8:16]
		}},
		{"absent name", func(rng *rand.Rand) string { return "不存在的企业" + strconv.Itoa(rng.IntN(1000)) }},
	}
	run := func(label string) {
		for _, k := range kinds {
			lat := latencies(drive(b, srv.URL, token, 16, secs, 7, func(rng *rand.Rand) string {
				return "/api/v1/enterprises?limit=50&q=" + url.QueryEscape(k.q(rng))
			}))
			r := 100 * time.Microsecond
			fmt.Printf("%-10s %-32s %7d req %8.1f req/s  p50 %9s  p95 %9s  p99 %9s\n", label, k.name, len(lat),
				float64(len(lat))/float64(secs), percentile(lat, 0.5, r), percentile(lat, 0.95, r), percentile(lat, 0.99, r))
		}
	}
	b.ResetTimer()
	run("scan")
	t0 := time.Now()
	ns, err := e.db.EnsureNameSearch(ctx)
	if err != nil || !ns.Indexed {
		b.Fatalf("EnsureNameSearch: %+v %v", ns, err)
	}
	var size string
	e.db.SQL().QueryRow("SELECT pg_size_pretty(pg_relation_size('enterprises_name_trgm') + pg_relation_size('enterprises_credit_code_trgm'))").Scan(&size)
	fmt.Printf("trigram indexes built in %s (%s)\n", time.Since(t0).Round(time.Second), size)
	if _, err := e.db.SQL().Exec("ANALYZE enterprises"); err != nil {
		b.Fatal(err)
	}
	run("pg_trgm")
	if testing.Verbose() {
		for _, k := range kinds {
			q := k.q(rand.New(rand.NewPCG(1, 2)))
			rows, err := e.db.SQL().Query(`EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM enterprises WHERE (lower(name) LIKE lower($1) OR upper(credit_code) LIKE $2) ORDER BY id LIMIT 51`,
				"%"+q+"%", "%"+strings.ToUpper(q)+"%")
			if err != nil {
				b.Fatal(err)
			}
			fmt.Printf("plan of q=%s (%s):\n", q, k.name)
			for rows.Next() {
				var line string
				rows.Scan(&line)
				fmt.Println("   ", line)
			}
			rows.Close()
		}
	}
}
