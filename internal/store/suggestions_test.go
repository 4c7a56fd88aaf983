package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
	"github.com/fugai/fugai/internal/strategy"
)

// expectSuggestions computes, with strategy's rules alone, what every
// ledger's suggested method must be.
func expectSuggestions(ls []enterprise.Ledger) map[int64]string {
	input := func(l enterprise.Ledger) strategy.Input {
		in := strategy.Input{InScope: l.InScope, Township: l.TownshipCode}
		if l.FullMembers != nil {
			in.FullMembers = *l.FullMembers
		}
		return in
	}
	pools := map[string]strategy.Pool{}
	for _, l := range ls {
		if in := input(l); strategy.InPool(in) {
			p := pools[in.Township]
			p.Enterprises++
			p.FullMembers += in.FullMembers
			pools[in.Township] = p
		}
	}
	out := map[int64]string{}
	for _, l := range ls {
		in := input(l)
		out[l.ID] = string(strategy.Suggest(in, pools[in.Township]).Method)
	}
	return out
}

func allLedgers(t *testing.T, db *store.DB) []enterprise.Ledger {
	t.Helper()
	ls, _, err := db.Enterprises(context.Background(), auth.Scope{All: true}, store.EnterpriseFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func checkSuggestions(t *testing.T, db *store.DB, when string) []enterprise.Ledger {
	t.Helper()
	ls := allLedgers(t, db)
	want := expectSuggestions(ls)
	for _, l := range ls {
		if l.SuggestedMethod != want[l.ID] {
			t.Fatalf("%s: ledger %d (township %q, in scope %v, full members %v) is suggested %q, want %q",
				when, l.ID, l.TownshipCode, l.InScope, *l.FullMembers, l.SuggestedMethod, want[l.ID])
		}
	}
	return ls
}

// Whatever is edited, every stored suggestion equals what strategy's rules
// give over the whole ledger: the SQL that refreshes a township and the Go
// that suggests for one ledger agree, and neighbours follow an edit.
func TestSuggestionsFollowEveryEdit(t *testing.T) {
	dist := district(t)
	addresses := []string{"冷水滩区梅湾街道", "冷水滩区凤凰街道", "冷水滩区菱角山街道", "某省某市某路1号"}
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(7, uint64(len(d))))
		for i := 1; i <= 24; i++ {
			create(t, db, dist, i, addresses[i%len(addresses)])
		}
		ls := checkSuggestions(t, db, "after creation")
		fields := []func() map[string]any{
			func() map[string]any { return map[string]any{"full_members": rng.IntN(5)} },
			func() map[string]any { return map[string]any{"full_members": rng.IntN(3)} },
			func() map[string]any {
				return map[string]any{"operating_status": []string{"正常经营", "停产"}[rng.IntN(2)]}
			},
			func() map[string]any {
				return map[string]any{"registered_address": addresses[rng.IntN(len(addresses))]}
			},
			func() map[string]any {
				return map[string]any{"township_code": []string{"431103001", "431103005"}[rng.IntN(2)]}
			},
		}
		for step := 0; step < 60; step++ {
			l := ls[rng.IntN(len(ls))]
			patch := fields[rng.IntN(len(fields))]()
			_, err := db.UpdateEnterprise(ctx, auth.Scope{All: true}, l.ID, l.Version, audit.Actor{Name: "tester"},
				func(x *enterprise.Ledger) ([]enterprise.Change, error) {
					return x.Apply(body(t, patch), auth.DistrictAdmin, dist)
				})
			if err != nil {
				t.Fatalf("step %d: %v", step, err)
			}
			ls = checkSuggestions(t, db, fmt.Sprintf("step %d (%v on ledger %d)", step, patch, l.ID))
		}
	})
}

// An edit decides its own ledger's suggestion from a few of the
// township's other candidates, not a count of all: growing a township to
// eight candidates and shrinking it back, one member at a time, every
// ledger's suggestion equals the rules' over the whole ledger — past the
// few looked at, too.
func TestSuggestionWithManyPartners(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		var ids []int64
		for i := 1; i <= 8; i++ {
			ids = append(ids, create(t, db, dist, i, "冷水滩区凤凰街道").ID)
		}
		set := func(id int64, n int) enterprise.Ledger {
			t.Helper()
			cur, err := db.Enterprise(ctx, auth.Scope{All: true}, id)
			if err != nil {
				t.Fatal(err)
			}
			out, err := db.UpdateEnterprise(ctx, auth.Scope{All: true}, id, cur.Version, audit.Actor{Name: "tester"},
				func(x *enterprise.Ledger) ([]enterprise.Change, error) {
					return x.Apply(body(t, map[string]any{"full_members": n}), auth.DistrictAdmin, dist)
				})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		joint := 0
		for i, id := range ids {
			if l := set(id, 1); l.SuggestedMethod == string(strategy.Joint) {
				joint++
			}
			checkSuggestions(t, db, fmt.Sprintf("%d candidates", i+1))
		}
		if joint != 6 {
			t.Fatalf("%d edits were suggested joint, want 6 (from the third candidate on)", joint)
		}
		for i := len(ids) - 1; i >= 0; i-- {
			set(ids[i], 0)
			checkSuggestions(t, db, fmt.Sprintf("%d candidates left", i))
		}
	})
}

// Lowering one joint enterprise's members to 0 turns its partner
// affiliated, with a history entry on the partner.
func TestJointPartnerFollowsEdit(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		a := create(t, db, dist, 1, "冷水滩区凤凰街道")
		b := create(t, db, dist, 2, "冷水滩区凤凰街道")
		set := func(l enterprise.Ledger, n int) enterprise.Ledger {
			t.Helper()
			cur, _ := db.Enterprise(ctx, auth.Scope{All: true}, l.ID)
			out, err := db.UpdateEnterprise(ctx, auth.Scope{All: true}, l.ID, cur.Version, audit.Actor{Name: "tester"},
				func(x *enterprise.Ledger) ([]enterprise.Change, error) {
					return x.Apply(body(t, map[string]any{"full_members": n}), auth.DistrictAdmin, dist)
				})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		a = set(a, 2)
		if a.SuggestedMethod != "affiliated" {
			t.Fatalf("alone with 2 members: %q", a.SuggestedMethod)
		}
		b = set(b, 1)
		a, _ = db.Enterprise(ctx, auth.Scope{All: true}, a.ID)
		if b.SuggestedMethod != "joint" || a.SuggestedMethod != "joint" {
			t.Fatalf("2 + 1 members: %q and %q, want joint", a.SuggestedMethod, b.SuggestedMethod)
		}
		b = set(b, 0)
		a, _ = db.Enterprise(ctx, auth.Scope{All: true}, a.ID)
		if b.SuggestedMethod != "included" || a.SuggestedMethod != "affiliated" {
			t.Fatalf("partner dropped to 0: %q and %q", a.SuggestedMethod, b.SuggestedMethod)
		}
		h, _ := db.History(ctx, auth.Scope{All: true}, a.ID)
		last := h[len(h)-1]
		if last.Version != a.Version || len(last.Changes) != 1 || last.Changes[0].Field != "suggested_method" || last.Source != "api" {
			t.Fatalf("partner's last history entry: %+v", last)
		}
	})
}

// Two edits of one township at once that each change the other's
// suggestion: each succeeds or is told the ledger changed (412) — on
// PostgreSQL one may first be a deadlock victim, which is run again rather
// than failed — and the suggestions end consistent.
func TestConcurrentEditsOfOneTownship(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		a := create(t, db, dist, 1, "冷水滩区凤凰街道")
		b := create(t, db, dist, 2, "冷水滩区凤凰街道")
		version := func(l enterprise.Ledger) int64 {
			cur, err := db.Enterprise(ctx, auth.Scope{All: true}, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			return cur.Version
		}
		set := func(l enterprise.Ledger, v int64, n int) error {
			_, err := db.UpdateEnterprise(ctx, auth.Scope{All: true}, l.ID, v, audit.Actor{Name: "tester"},
				func(x *enterprise.Ledger) ([]enterprise.Change, error) {
					return x.Apply(body(t, map[string]any{"full_members": n}), auth.DistrictAdmin, dist)
				})
			return err
		}
		for round := 0; round < 5; round++ {
			if err := set(a, version(a), 1); err != nil {
				t.Fatal(err)
			}
			if err := set(b, version(b), 1); err != nil {
				t.Fatal(err)
			}
			va, vb := version(a), version(b)
			errs := make(chan error, 2)
			go func() { errs <- set(a, va, 2) }()
			go func() { errs <- set(b, vb, 2) }()
			for i := 0; i < 2; i++ {
				if err := <-errs; err != nil && apperr.KindOf(err) != apperr.PreconditionFailed {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			// Whoever was told to refresh does so and succeeds.
			for _, l := range []enterprise.Ledger{a, b} {
				cur, _ := db.Enterprise(ctx, auth.Scope{All: true}, l.ID)
				if *cur.FullMembers != 2 {
					if err := set(l, cur.Version, 2); err != nil {
						t.Fatalf("round %d retry: %v", round, err)
					}
				}
			}
			ls := checkSuggestions(t, db, fmt.Sprintf("round %d", round))
			for _, l := range ls {
				if l.SuggestedMethod != "joint" {
					t.Fatalf("round %d: %d is %q", round, l.ID, l.SuggestedMethod)
				}
			}
		}
	})
}
