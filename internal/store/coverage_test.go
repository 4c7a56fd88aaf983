package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
	"github.com/fugai/fugai/internal/strategy"
)

// On a randomised ledger (members, plans, liaisons, visits), every
// township's coverage counts equal what the list filters return.
func TestCoverageMatchesListsOnARandomLedger(t *testing.T) {
	dist := district(t)
	addresses := []string{"冷水滩区梅湾街道", "冷水滩区凤凰街道", "冷水滩区菱角山街道", "某某路", "冷水滩区岚角山街道"}
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		for _, sparse := range []int{0, 1} {
			t.Run(fmt.Sprintf("sparse gaps %d", sparse), func(t *testing.T) { coverageMatchesLists(t, d, dist, addresses, sparse) })
		}
	})
}

// coverageMatchesLists: sparse is store.Options.SparseGap (0 for the
// default, under which every dated gap of this small ledger is gathered by
// its day; 1 pages through them in id order).
func coverageMatchesLists(t *testing.T, d store.Dialect, dist *division.District, addresses []string, sparse int) {
	{
		db := storetest.OpenWith(t, d, store.Options{SparseGap: sparse})
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(11, uint64(len(d))))
		liaisons := map[string]int64{}
		for _, tw := range []string{"431103001", "431103006", "431103002"} {
			u, err := db.CreateUser(ctx, auth.User{Username: "l" + tw, Role: auth.Liaison, TownshipCode: tw, PasswordHash: "x"}, audit.System)
			if err != nil {
				t.Fatal(err)
			}
			liaisons[tw] = u.ID
		}
		all := auth.Scope{All: true}
		for i := 1; i <= 60; i++ {
			l := create(t, db, dist, i, addresses[rng.IntN(len(addresses))])
			l, err := db.UpdateEnterprise(ctx, all, l.ID, l.Version, audit.Actor{Name: "t"}, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
				return x.Apply(body(t, map[string]any{"full_members": rng.IntN(5), "union": rng.IntN(3) == 0}), auth.DistrictAdmin, dist)
			})
			if err != nil {
				t.Fatal(err)
			}
			if id, ok := liaisons[l.TownshipCode]; ok && rng.IntN(2) == 0 {
				if _, err := db.AssignLiaison(ctx, all, l.ID, id, audit.Actor{Name: "t"}); err != nil {
					t.Fatal(err)
				}
			}
			if l.InScope && rng.IntN(2) == 0 {
				status := []string{"not_started", "in_progress", "not_applicable"}[rng.IntN(3)]
				if l.SuggestedMethod == "joint" && status == "in_progress" {
					status = "not_started"
				}
				_, err := db.UpdatePlan(ctx, all, l.ID, 1, audit.Actor{Name: "t"}, func(cur strategy.Plan, refs strategy.PlanRefs) (strategy.Plan, error) {
					start, end := "2026-01-01", []string{"2026-03-01", "2027-12-31"}[rng.IntN(2)]
					return cur.Apply(strategy.PlanInput{Status: &status, PlannedStartOn: &start, PlannedCompletionOn: &end}, "t",
						time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), refs)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		counts, err := db.Coverage(ctx, all, today)
		if err != nil {
			t.Fatal(err)
		}
		recount, err := db.CoverageRecount(ctx, all, today)
		if err != nil {
			t.Fatal(err)
		}
		sameCounts(t, "after the edits", counts, recount)
		count := func(f store.EnterpriseFilter) int {
			f.Limit, f.Today = 10000, today
			ls, _, err := db.Enterprises(ctx, all, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(ls)
		}
		// ids reads a filter's ledgers whole, then in pages of two by the
		// cursor, and fails unless both give the same ledgers in id order.
		ids := func(f store.EnterpriseFilter) []int64 {
			f.Today = today
			f.Limit = 10000
			whole, _, err := db.Enterprises(ctx, all, f)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []int64
			for _, l := range whole {
				want = append(want, l.ID)
			}
			f.Limit = 2
			for pages := 0; ; pages++ {
				page, next, err := db.Enterprises(ctx, all, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, l := range page {
					got = append(got, l.ID)
				}
				if next == "" || pages > 100 {
					break
				}
				if f.AfterKey, f.AfterID, err = store.ParseEnterpriseCursor("", next); err != nil {
					t.Fatal(err)
				}
			}
			if !slices.Equal(got, want) || !slices.IsSorted(want) {
				t.Errorf("%+v: pages of two give %v, one page %v", f, got, want)
			}
			return want
		}
		yes := true
		checked := 0
		for code, c := range counts {
			tw := code
			if tw == "" {
				tw = "none"
			}
			if n := count(store.EnterpriseFilter{Township: tw, InScope: &yes}); n != c.Enterprises {
				t.Errorf("%s: base %d, list %d", tw, c.Enterprises, n)
			}
			for _, g := range []string{coverage.GapShouldForm, coverage.GapUngroupedJoint, coverage.GapNoLiaison,
				coverage.GapOverduePlan, coverage.GapStaleLedger, coverage.GapCheckDigit} {
				if n := count(store.EnterpriseFilter{Township: tw, Gap: g}); n != c.Gaps[g] {
					t.Errorf("%s gap %s: coverage %d, list %d", tw, g, c.Gaps[g], n)
				}
				// Paged, alone (the facts paged by themselves) and with
				// another filter (the ledgers filtered, then paged).
				if n := len(ids(store.EnterpriseFilter{Township: tw, Gap: g, InScope: &yes})); n != c.Gaps[g] {
					t.Errorf("%s gap %s paged: coverage %d, list %d", tw, g, c.Gaps[g], n)
				}
				bySize := 0
				for _, size := range []string{store.SizeAboveScale, store.SizeBelowScale, store.SizeUnknown} {
					bySize += len(ids(store.EnterpriseFilter{Township: tw, Gap: g, Size: size}))
				}
				if bySize != c.Gaps[g] {
					t.Errorf("%s gap %s: coverage %d, by size %d", tw, g, c.Gaps[g], bySize)
				}
				checked += c.Gaps[g]
			}
			for _, m := range strategy.Methods() {
				if n := count(store.EnterpriseFilter{Township: tw, Method: string(m)}); n != c.ByMethod[m] {
					t.Errorf("%s method %s: coverage %d, list %d", tw, m, c.ByMethod[m], n)
				}
			}
			for _, s := range []strategy.Status{strategy.NotStarted, strategy.InProgress} {
				if n := count(store.EnterpriseFilter{Township: tw, PlanStatus: string(s)}); n != c.Plans[s] {
					t.Errorf("%s plan %s: coverage %d, list %d", tw, s, c.Plans[s], n)
				}
			}
		}
		if checked == 0 || len(counts) < 3 {
			t.Fatalf("the random ledger exercised nothing: %d gaps over %d townships", checked, len(counts))
		}
	}
}

// sameCounts fails when the maintained counts differ from a recount.
func sameCounts(t *testing.T, when string, got, want map[string]coverage.Counts) {
	t.Helper()
	for code := range want {
		if _, ok := got[code]; !ok {
			t.Errorf("%s: township %q missing from the maintained counts", when, code)
		}
	}
	for code, g := range got {
		w, ok := want[code]
		if !ok {
			t.Errorf("%s: township %q counted but not in the recount: %+v", when, code, g)
			continue
		}
		if !sameRow(g, w) {
			t.Errorf("%s: township %q\nmaintained %+v\nrecount    %+v", when, code, g, w)
		}
	}
}

func sameRow(a, b coverage.Counts) bool { return reflect.DeepEqual(a, b) }
