package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/pgtest"
	"github.com/fugai/fugai/internal/store/storetest"
)

// searchIDs lists the ids of every ledger q finds, by id.
func searchIDs(t *testing.T, db *store.DB, q string) []int64 {
	t.Helper()
	ls, _, err := db.Enterprises(context.Background(), auth.Scope{All: true}, store.EnterpriseFilter{Query: q, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestNameSearchIndex: on a database whose LC_CTYPE takes Chinese
// characters for letters, EnsureNameSearch builds trigram indexes on name
// and credit code that the search's own conditions can use; search finds
// the same ledgers before and after; running it again changes nothing; an
// index left invalid by an interrupted build is rebuilt. Under LC_CTYPE C
// it builds nothing and says why, and search still finds by a scan.
func TestNameSearchIndex(t *testing.T) {
	d := district(t)
	words := []string{"湘江", "潇水", "零陵", "梅湾", "凤凰", "珠山"}
	fill := func(db *store.DB) {
		for i := range 60 {
			l, changes, err := enterprise.New(body(t, map[string]any{"credit_code": code(i + 1),
				"name": fmt.Sprintf("永州市%s%d商贸有限公司", words[i%len(words)], i), "registered_address": "冷水滩区梅湾街道"}), admin, d)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateEnterprise(context.Background(), l, changes, audit.Actor{Name: "tester"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	queries := []string{"潇水", "潇水商贸", "凤凰1", "永州市", "商贸有限", "湘江0", code(7)[:10], strings.ToLower(code(12)[2:14]), "无此企业"}

	db := storetest.Open(t, store.Postgres, nil)
	fill(db)
	before := map[string][]int64{}
	for _, q := range queries {
		before[q] = searchIDs(t, db, q)
	}
	if len(before["潇水"]) != 10 || len(before["无此企业"]) != 0 || len(before[code(7)[:10]]) == 0 {
		t.Fatalf("search before the index: %v", before)
	}
	ns, err := db.EnsureNameSearch(context.Background())
	if err != nil || !ns.Indexed {
		t.Fatalf("EnsureNameSearch on C.UTF-8: %+v %v", ns, err)
	}
	for _, q := range queries {
		if got := searchIDs(t, db, q); !slices.Equal(got, before[q]) {
			t.Errorf("%q: %v with the index, %v without", q, got, before[q])
		}
	}
	// The planner can answer both halves of the search from the indexes.
	plan := func() string {
		ctx := context.Background()
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(ctx, `EXPLAIN SELECT id FROM enterprises WHERE (lower(name) LIKE lower('%潇水商贸%') OR upper(credit_code) LIKE '%43110%')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var line string
			rows.Scan(&line)
			out = append(out, line)
		}
		return strings.Join(out, "\n")
	}
	if p := plan(); !strings.Contains(p, "enterprises_name_trgm") || !strings.Contains(p, "enterprises_credit_code_trgm") {
		t.Errorf("the search does not use the trigram indexes:\n%s", p)
	}
	// On expressions, never on the bare columns: a trigram index on
	// credit_code would be offered for the importer's credit_code = ANY(…).
	var bare int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relname LIKE '%trgm' AND i.indexprs IS NULL`).Scan(&bare); err != nil || bare != 0 {
		t.Errorf("%d trigram indexes on bare columns (%v)", bare, err)
	}
	// Again: nothing to do. An invalid index (an interrupted build) is rebuilt.
	if ns, err := db.EnsureNameSearch(context.Background()); err != nil || !ns.Indexed {
		t.Fatalf("again: %+v %v", ns, err)
	}
	if _, err := db.SQL().Exec("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'enterprises_name_trgm'::regclass"); err != nil {
		t.Fatal(err)
	}
	if ns, err := db.EnsureNameSearch(context.Background()); err != nil || !ns.Indexed {
		t.Fatalf("after an interrupted build: %+v %v", ns, err)
	}
	var valid bool
	if err := db.SQL().QueryRow("SELECT indisvalid FROM pg_index WHERE indexrelid = 'enterprises_name_trgm'::regclass").Scan(&valid); err != nil || !valid {
		t.Errorf("the invalid index was not rebuilt: %v %v", valid, err)
	}

	// LC_CTYPE C: no trigram in Chinese text, so no index, and the reason.
	cdb, err := store.Open(context.Background(), pgtest.URLCType(t, "C"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	if _, err := cdb.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	fill(cdb)
	ns, err = cdb.EnsureNameSearch(context.Background())
	if err != nil || ns.Indexed || !strings.Contains(ns.Reason, "LC_CTYPE") {
		t.Fatalf("EnsureNameSearch on C: %+v %v", ns, err)
	}
	var n int
	cdb.SQL().QueryRow("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%trgm'").Scan(&n)
	if n != 0 {
		t.Errorf("%d trigram indexes built under LC_CTYPE C", n)
	}
	for _, q := range queries {
		if got := searchIDs(t, cdb, q); len(got) != len(before[q]) {
			t.Errorf("%q under C: %d found, %d under C.UTF-8", q, len(got), len(before[q]))
		}
	}
}

// TestNameSearchOnSQLite: nothing to build, search works.
func TestNameSearchOnSQLite(t *testing.T) {
	db := storetest.Open(t, store.SQLite, nil)
	ns, err := db.EnsureNameSearch(context.Background())
	if err != nil || ns.Indexed || ns.Reason == "" {
		t.Fatalf("%+v %v", ns, err)
	}
}
