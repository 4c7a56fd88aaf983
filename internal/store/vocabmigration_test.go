package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// Migration 14 maps the free text stored before the vocabularies were
// closed: aliases to their codes, unknown values to other (or, for an
// operating status, to the status its text names), blanks to null; each
// changed ledger's history keeps the old text; 注销 and 吊销 leave the
// coverage base.
func TestVocabularyMigrationMapsFreeText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC))
		db, err := store.Open(ctx, storetest.URL(t, d), store.Options{Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.MigrateUpTo(ctx, 13); err != nil {
			t.Fatal(err)
		}
		type stored struct {
			status, identity *string
			sources          string // JSON; "" for null
			inScope          bool
			reason           *string
		}
		s := func(v string) *string { return &v }
		suspended := s(enterprise.ReasonSuspended)
		cases := []struct {
			name     string
			before   stored
			status   *string
			identity *string
			sources  map[string]int
			reason   string // "" when in scope
			mapped   bool   // a history entry is written
		}{
			{"注销 leaves the base", stored{s("注销"), s("政协委员"), `{"流动党员":2,"上级党组织":1,"mobile":1}`, true, nil},
				s(enterprise.OperatingDeregistered), s("cppcc_member"), map[string]int{"mobile": 3, "other": 1}, enterprise.ReasonNotOperating, true},
			{"吊销未注销 is revoked", stored{s("吊销未注销"), nil, "", true, nil}, s(enterprise.OperatingRevoked), nil, nil, enterprise.ReasonNotOperating, true},
			{"text naming 停产 stays suspended", stored{s("部分停产"), s("群众"), "", false, suspended},
				s(enterprise.OperatingHalted), s("masses"), nil, enterprise.ReasonSuspended, true},
			{"停业 is now suspended", stored{s("停业"), nil, "", true, nil}, s(enterprise.OperatingSuspended), nil, nil, enterprise.ReasonSuspended, true},
			{"unknown text becomes other", stored{s("效益一般"), s("个体户"), `{"外出务工":2}`, true, nil},
				s(enterprise.OperatingOther), s("other"), map[string]int{"other": 2}, "", true},
			{"blank becomes null", stored{s(""), s("　"), "", true, nil}, nil, nil, nil, "", true},
			{"codes stay as they are", stored{s("normal"), s("masses"), `{"mobile":1}`, true, nil},
				s(enterprise.OperatingNormal), s("masses"), map[string]int{"mobile": 1}, "", false},
		}
		ids := make([]int64, len(cases))
		for i, c := range cases {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var sources any
				if c.before.sources != "" {
					sources = c.before.sources
				}
				// What the suggestions of the time were: 4 full members.
				var suggested any
				if c.before.inScope {
					suggested = "standalone"
				}
				cast := "?"
				if d == store.Postgres {
					cast = "CAST(? AS JSONB)"
				}
				tx.Recount() // as the program of the time counted what it wrote
				return tx.Exec(`INSERT INTO enterprises (credit_code, name, entity_type, nature, registration_status, township_code,
					assignment, in_scope, out_of_scope_reason, full_members, operating_status, owner_identity, member_sources,
					suggested_method, version, created_at, updated_at) VALUES (?, ?, '有限责任公司', 'non_public', '存续', '431103001',
					'address_township', ?, ?, 4, ?, ?, `+cast+`, ?, 1, ?, ?)`, code(i+1), fmt.Sprint("企业", i), c.before.inScope,
					c.before.reason, c.before.status, c.before.identity, sources, suggested, clock.Now(), clock.Now())
			})
			if err != nil {
				t.Fatal(err)
			}
			all, _, err := db.Enterprises(ctx, auth.Scope{All: true}, store.EnterpriseFilter{CreditCode: code(i + 1), Limit: 1})
			if err != nil || len(all) != 1 {
				t.Fatalf("%s: %v %v", c.name, all, err)
			}
			ids[i] = all[0].ID
		}
		base := func() int {
			t.Helper()
			counts, err := db.Coverage(ctx, auth.Scope{All: true}, liaison.Today(clock.Now()))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range counts {
				n += c.Enterprises
			}
			return n
		}
		if got := base(); got != 6 {
			t.Fatalf("coverage base before the migration: %d, want 6", got)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := base(); got != 3 {
			t.Fatalf("coverage base after the migration: %d, want 3 (注销, 吊销 and 停业 leave it)", got)
		}
		str := func(p *string) string {
			if p == nil {
				return "<nil>"
			}
			return *p
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				l, err := db.Enterprise(ctx, auth.Scope{All: true}, ids[i])
				if err != nil {
					t.Fatal(err)
				}
				if str(l.OperatingStatus) != str(c.status) || str(l.OwnerIdentity) != str(c.identity) || !maps.Equal(l.MemberSources, c.sources) ||
					l.OutOfScopeReason != c.reason || l.InScope != (c.reason == "") {
					t.Fatalf("ledger: status %s identity %s sources %v reason %q in_scope %v", str(l.OperatingStatus), str(l.OwnerIdentity),
						l.MemberSources, l.OutOfScopeReason, l.InScope)
				}
				h, err := db.History(ctx, auth.Scope{All: true}, ids[i])
				if err != nil {
					t.Fatal(err)
				}
				var mapping *enterprise.Revision
				for j := range h {
					if h[j].Source == enterprise.SourceSystem && strings.Contains(h[j].Actor, "数据字典") {
						mapping = &h[j]
					}
				}
				if !c.mapped {
					if mapping != nil || l.Version != 1 {
						t.Fatalf("a ledger already in codes was rewritten: version %d, %+v", l.Version, mapping)
					}
					return
				}
				if mapping == nil || mapping.Version != 2 {
					t.Fatalf("no history entry of the mapping: %+v", h)
				}
				// The old text is kept in the history.
				old := map[string]string{}
				for _, ch := range mapping.Changes {
					b, _ := json.Marshal(ch.Old)
					old[ch.Field] = string(b)
				}
				if c.before.status != nil && *c.before.status != "" && !strings.Contains(old["operating_status"], *c.before.status) {
					t.Fatalf("history lost the old operating status %q: %v", *c.before.status, old)
				}
				if c.before.identity != nil && strings.TrimSpace(*c.before.identity) != "" && !strings.Contains(old["owner_identity"], *c.before.identity) {
					t.Fatalf("history lost the old owner identity %q: %v", *c.before.identity, old)
				}
				if c.before.sources != "" && !strings.Contains(old["member_sources"], "流动党员") && !strings.Contains(old["member_sources"], "外出务工") {
					t.Fatalf("history lost the old member sources %s: %v", c.before.sources, old)
				}
			})
		}
		kept, counted, err := db.CheckCoverage(ctx, liaison.Today(clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		kj, _ := json.Marshal(kept)
		cj, _ := json.Marshal(counted)
		if string(kj) != string(cj) {
			t.Fatalf("coverage counts after the migration differ from a recount:\n%s\n%s", kj, cj)
		}
	})
}
