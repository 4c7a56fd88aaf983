package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
	"github.com/fugai/fugai/internal/strategy"
)

// The maintained coverage counts equal a from-scratch recount after every
// step of a randomised sequence of imports (registration, survey,
// liaisons) and edits (ledgers, plans, liaisons, visits, joint groups,
// party organisations), on several dates (the dated gaps).
func TestCoverageCountsFollowImportsAndEdits(t *testing.T) {
	dist := district(t)
	addresses := []string{"冷水滩区梅湾街道建设路1号", "冷水滩区凤凰街道零陵路2号", "冷水滩区菱角山街道湘永路3号", "某某路4号",
		"冷水滩区岚角山街道5号", "冷水滩区梅湾街道凤凰街道6号"}
	townships := []string{"431103001", "431103006", "431103002"}
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		// Imports of 25 or more rows recount everything; smaller writes
		// recompute the ledgers they changed.
		db := storetest.OpenWith(t, d, store.Options{CoverageBulk: 25})
		ctx := context.Background()
		all := auth.Scope{All: true}
		actor := audit.Actor{Name: "t"}
		rng := rand.New(rand.NewPCG(5, uint64(len(d))))
		liaisons := map[string][]auth.User{}
		for i, tw := range townships {
			for j := range 2 {
				u, err := db.CreateUser(ctx, auth.User{Username: fmt.Sprintf("l%d%d", i, j), Name: fmt.Sprintf("联络员%d%d", i, j),
					Role: auth.Liaison, TownshipCode: tw, PasswordHash: "x"}, audit.System)
				if err != nil {
					t.Fatal(err)
				}
				liaisons[tw] = append(liaisons[tw], u)
			}
		}
		dir := t.TempDir()
		const codes = 70
		csvFile := func(name, header string, rows []string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(header+"\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		runImport := func(kind importer.Kind, name, header string, rows []string) {
			t.Helper()
			if job := importFile(t, db, kind, csvFile(name, header, rows), false); job.Status != importer.Succeeded {
				t.Fatalf("%s import: %+v", kind, job)
			}
		}
		ledgers := func() []enterprise.Ledger {
			ls, _, err := db.Enterprises(ctx, all, store.EnterpriseFilter{Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			return ls
		}
		// pick is a random ledger, in scope (and with the method) when
		// there is one.
		pick := func(method strategy.Method) enterprise.Ledger {
			ls := ledgers()
			var fit []enterprise.Ledger
			for _, l := range ls {
				if l.InScope && (method == "" || l.SuggestedMethod == string(method)) {
					fit = append(fit, l)
				}
			}
			if len(fit) > 0 {
				return fit[rng.IntN(len(fit))]
			}
			return ls[rng.IntN(len(ls))]
		}
		// A domain refusal (a group that does not qualify, a plan the
		// rules reject) is part of a random walk; anything else is not.
		applied := map[string]int{}
		allow := func(step string, err error) {
			t.Helper()
			if err == nil {
				applied[step]++
			} else if os.Getenv("WALK_DEBUG") != "" {
				t.Logf("%s refused: %v", step, err)
			}
			var ae *apperr.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%s: %v", step, err)
			}
			if ae != nil && ae.Kind == apperr.Internal {
				t.Fatalf("%s: %v", step, err)
			}
		}
		dates := []time.Time{time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
		check := func(step string) {
			t.Helper()
			for _, today := range dates {
				got, want := countsNow(t, db, today)
				sameCounts(t, fmt.Sprintf("%s (today %s)", step, today.Format(time.DateOnly)), got, want)
				tw, err := db.Coverage(ctx, auth.Scope{Township: townships[0]}, today)
				if err != nil {
					t.Fatal(err)
				}
				if len(tw) > 1 || (len(tw) == 1 && !sameRow(tw[townships[0]], want[townships[0]])) {
					t.Errorf("%s: township-bound counts %+v, recount %+v", step, tw, want[townships[0]])
				}
			}
			// The joint pools read from the counts are the ledgers'.
			want := map[string]strategy.Pool{}
			for _, l := range ledgers() {
				if l.InScope && l.TownshipCode != "" && l.FullMembers != nil && *l.FullMembers >= 1 && *l.FullMembers < strategy.StandaloneMin {
					p := want[l.TownshipCode]
					p.Enterprises++
					p.FullMembers += *l.FullMembers
					want[l.TownshipCode] = p
				}
			}
			pools, err := db.Pools(ctx, townships)
			if err != nil {
				t.Fatal(err)
			}
			for _, tw := range townships {
				if pools[tw] != want[tw] {
					t.Errorf("%s: pool of %s %+v, ledgers say %+v", step, tw, pools[tw], want[tw])
				}
			}
			// A page's joined plans and liaisons are Attach's.
			page, joined, _, err := db.EnterprisePage(ctx, all, store.EnterpriseFilter{Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			orgCoverage(t, step, db, page, joined.Plans, dates)
			attached, err := db.Attach(ctx, page)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(joined.Plans, attached.Plans) || !reflect.DeepEqual(joined.Liaisons, attached.Liaisons) {
				t.Errorf("%s: a page's plans and liaisons differ from Attach's:\n%+v\n%+v", step, joined, attached)
			}
			var pageTownships []string
			for _, l := range page {
				if l.TownshipCode != "" && !slices.Contains(pageTownships, l.TownshipCode) {
					pageTownships = append(pageTownships, l.TownshipCode)
				}
			}
			if want, err := db.Pools(ctx, pageTownships); err != nil || !reflect.DeepEqual(joined.Pools, want) {
				t.Errorf("%s: a page's joint pools %v, Pools %v (%v)", step, joined.Pools, want, err)
			}
			if t.Failed() {
				t.FailNow()
			}
		}
		// confirmGroups confirms, per township, a group of its ledgers
		// suggested joint.
		confirmGroups := func() {
			byTownship := map[string][]int64{}
			for _, l := range ledgers() {
				if l.InScope && l.SuggestedMethod == string(strategy.Joint) && l.TownshipCode != "" {
					byTownship[l.TownshipCode] = append(byTownship[l.TownshipCode], l.ID)
				}
			}
			for tw, ids := range byTownship {
				_, err := db.CreateJointGroup(ctx, all, tw, ids, actor)
				allow("group", err)
			}
		}
		steps := 0
		for step := 0; step < 120; step++ {
			kind := rng.IntN(16)
			if kind >= 14 { // organisations weigh more: they need groups and members first
				kind = 9 + kind%2
			}
			if step == 0 {
				kind = 0
			}
			var what string
			switch kind {
			case 0: // registration import
				var rows []string
				for range 10 + rng.IntN(30) {
					n := 1 + rng.IntN(codes)
					status := []string{"存续", "存续", "存续", "注销"}[rng.IntN(4)]
					typ := []string{"有限责任公司（自然人投资或控股）", "个人独资企业", "全民所有制"}[rng.IntN(3)]
					rows = append(rows, fmt.Sprintf("%s,企业%d,%s,%s,%s", code(n), n, typ, status, addresses[rng.IntN(len(addresses))]))
				}
				runImport(importer.Registration, fmt.Sprintf("r%d.csv", step), "统一社会信用代码,企业名称,市场主体类型,登记状态,住所", rows)
				what = "registration import"
			case 1: // survey import
				var rows []string
				for _, l := range ledgers() {
					if rng.IntN(2) == 0 {
						continue
					}
					rows = append(rows, fmt.Sprintf("%s,%d,%s,%s,%s,%s", l.CreditCode, rng.IntN(5), []string{"是", "否"}[rng.IntN(2)],
						[]string{"是", "否"}[rng.IntN(2)], []string{"是", "否"}[rng.IntN(2)], []string{"正常", "正常", "停产"}[rng.IntN(3)]))
				}
				if len(rows) == 0 {
					continue
				}
				runImport(importer.Survey, fmt.Sprintf("s%d.csv", step), "统一社会信用代码,正式党员人数,是否建立工会,是否建立共青团,是否建立妇联,经营状况", rows)
				what = "survey import"
			case 2: // liaison import
				var rows []string
				for _, l := range ledgers() {
					if us := liaisons[l.TownshipCode]; len(us) > 0 && rng.IntN(3) == 0 {
						rows = append(rows, l.CreditCode+","+us[rng.IntN(len(us))].Username)
					}
				}
				if len(rows) == 0 {
					continue
				}
				runImport(importer.Liaisons, fmt.Sprintf("l%d.csv", step), "统一社会信用代码,联络员账号", rows)
				what = "liaison import"
			case 3: // ledger edit
				ls := ledgers()
				l := ls[rng.IntN(len(ls))]
				fields := map[string]any{"full_members": rng.IntN(5), "union": rng.IntN(2) == 0, "youth_league": rng.IntN(3) == 0,
					"womens_federation": rng.IntN(3) == 0}
				if rng.IntN(4) == 0 {
					fields["township_code"] = townships[rng.IntN(len(townships))]
				}
				_, err := db.UpdateEnterprise(ctx, all, l.ID, l.Version, actor, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
					return x.Apply(body(t, fields), auth.DistrictAdmin, dist)
				})
				allow("edit", err)
				what = "ledger edit"
			case 4: // plan
				l := pick("")
				status := []string{"not_started", "in_progress", "not_applicable", "formed", "completed"}[rng.IntN(5)]
				end := []string{"2026-03-01", "2026-12-31", "2028-06-30"}[rng.IntN(3)]
				in := strategy.PlanInput{Status: &status, PlannedStartOn: ptr("2026-01-01"), PlannedCompletionOn: &end}
				if rng.IntN(3) == 0 {
					m := string(strategy.Methods()[rng.IntN(4)])
					in.Method, in.OverrideReason = &m, "县里统一安排"
				}
				cur, err := db.Plan(ctx, all, l.ID)
				if err != nil {
					allow("plan", err)
					continue
				}
				_, err = db.UpdatePlan(ctx, all, l.ID, cur.Version, actor, func(cur strategy.Plan, refs strategy.PlanRefs) (strategy.Plan, error) {
					return cur.Apply(in, "t", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), refs)
				})
				allow("plan", err)
				what = "plan"
			case 5: // liaison assignment
				var ls []enterprise.Ledger
				for _, x := range ledgers() {
					if len(liaisons[x.TownshipCode]) > 0 {
						ls = append(ls, x)
					}
				}
				if len(ls) == 0 {
					continue
				}
				l := ls[rng.IntN(len(ls))]
				if us := liaisons[l.TownshipCode]; len(us) > 0 {
					_, err := db.AssignLiaison(ctx, all, l.ID, us[rng.IntN(len(us))].ID, actor)
					allow("assign", err)
				}
				what = "liaison"
			case 6: // visit
				l := pick("")
				day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(700)).Format(time.DateOnly)
				v, err := liaison.NewVisit(liaison.VisitInput{VisitedOn: day, Services: []string{"policy"}}, "2027-12-31")
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = db.AddVisit(ctx, all, l.ID, v, "", actor)
				allow("visit", err)
				what = "visit"
			case 7: // joint group
				confirmGroups()
				what = "joint groups"
			case 8: // dissolve a group
				groups, err := db.JointGroups(ctx, all, "", false)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range groups {
					if rng.IntN(2) == 0 {
						allow("dissolve", db.DissolveJointGroup(ctx, all, g.ID, actor))
					}
				}
				what = "dissolve"
			case 9: // party organisation, for a ledger given the members a branch needs
				var assigned []enterprise.Ledger
				for _, x := range ledgers() {
					if x.InScope && x.TownshipCode != "" {
						assigned = append(assigned, x)
					}
				}
				if len(assigned) == 0 {
					continue
				}
				l := assigned[rng.IntN(len(assigned))]
				if l.FullMembers == nil || *l.FullMembers < strategy.StandaloneMin {
					_, err := db.UpdateEnterprise(ctx, all, l.ID, l.Version, actor, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
						return x.Apply(body(t, map[string]any{"full_members": 3 + rng.IntN(3)}), auth.DistrictAdmin, dist)
					})
					allow("edit", err)
				}
				o, err := strategy.CheckOrg(strategy.OrgInput{Name: fmt.Sprintf("党支部%d", step), Kind: "branch", FormationType: "standalone",
					FoundedOn: "2026-05-01", Secretary: "张三", MemberCount: new(3)}, "2027-12-31")
				if err != nil {
					t.Fatal(err)
				}
				_, err = db.CreatePartyOrg(ctx, all, o, []int64{l.ID}, actor)
				allow("party org", err)
				what = "party org"
			case 10: // joint groups confirmed, and a joint branch for each
				confirmGroups()
				groups, err := db.JointGroups(ctx, all, "", false)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range groups {
					o, err := strategy.CheckOrg(strategy.OrgInput{Name: fmt.Sprintf("联合党支部%d", g.ID), Kind: "joint_branch",
						FormationType: "joint", FoundedOn: "2026-04-01", MemberCount: new(3)}, "2027-12-31")
					if err != nil {
						t.Fatal(err)
					}
					_, err = db.CreatePartyOrg(ctx, all, o, g.Enterprises, actor)
					allow("joint party org", err)
				}
				what = "joint party org"
			case 11, 12, 13: // dissolve, merge, or change a joint branch's enterprises
				orgs, err := db.PartyOrgs(ctx, all, "")
				if err != nil {
					t.Fatal(err)
				}
				var active []strategy.PartyOrg
				for _, o := range orgs {
					if o.Active() {
						active = append(active, o)
					}
				}
				if len(active) == 0 {
					continue
				}
				o := active[rng.IntN(len(active))]
				var paired, joint []strategy.PartyOrg // paired: with another of its township
				for _, x := range active {
					if slices.ContainsFunc(active, func(y strategy.PartyOrg) bool { return y.ID != x.ID && y.Township == x.Township }) {
						paired = append(paired, x)
					}
					if x.FormationType == strategy.Joint {
						joint = append(joint, x)
					}
				}
				switch {
				case kind == 12 && len(paired) == 0, kind == 13 && len(joint) == 0:
					continue
				case kind == 12:
					o = paired[rng.IntN(len(paired))]
				case kind == 13:
					o = joint[rng.IntN(len(joint))]
				}
				var others []strategy.PartyOrg
				for _, x := range active {
					if x.ID != o.ID && x.Township == o.Township {
						others = append(others, x)
					}
				}
				switch kind {
				case 11:
					_, err = db.EndPartyOrg(ctx, all, o.ID, o.Version, func(cur strategy.PartyOrg) (strategy.End, error) {
						return strategy.CheckEnd(cur, "2026-09-01", "企业注销", nil, "2027-12-31")
					}, actor)
					allow("dissolve org", err)
					what = "dissolve org"
				case 12:
					into := others[rng.IntN(len(others))].ID
					_, err = db.EndPartyOrg(ctx, all, o.ID, o.Version, func(cur strategy.PartyOrg) (strategy.End, error) {
						return strategy.CheckEnd(cur, "2026-09-01", "合并", &into, "2027-12-31")
					}, actor)
					allow("merge org", err)
					what = "merge org"
				case 13:
					ids := slices.Clone(o.Enterprises)
					if len(ids) > 2 && rng.IntN(2) == 0 {
						ids = ids[1:]
					} else {
						for _, x := range ledgers() {
							if x.InScope && x.TownshipCode == o.Township && x.SuggestedMethod == string(strategy.Joint) && !slices.Contains(ids, x.ID) {
								ids = append(ids, x.ID)
								break
							}
						}
					}
					_, err = db.UpdatePartyOrg(ctx, all, o.ID, o.Version, func(cur strategy.PartyOrg) (strategy.PartyOrg, error) {
						return cur, nil
					}, ids, actor)
					allow("regroup org", err)
					what = "regroup org"
				}
			}
			steps++
			check(fmt.Sprintf("step %d (%s)", step, what))
		}
		if err := db.RebuildCoverage(ctx); err != nil {
			t.Fatal(err)
		}
		check("after a rebuild")
		kept, counted, err := db.CheckCoverage(ctx, dates[1])
		if err != nil {
			t.Fatal(err)
		}
		sameCounts(t, "check in one snapshot", kept, counted)
		got, err := db.Coverage(ctx, all, dates[2])
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, c := range got {
			total += c.Enterprises + c.OrganizationCovered + c.Gaps["overdue_plan"]
		}
		if steps < 30 || total == 0 {
			t.Fatalf("the walk exercised too little: %d steps, %+v", steps, got)
		}
		t.Logf("applied in the walk: %v", applied)
		for _, k := range []string{"edit", "plan", "assign", "visit", "group", "party org", "joint party org", "dissolve org", "merge org"} {
			if applied[k] == 0 {
				t.Errorf("no %s was applied in the walk: %v", k, applied)
			}
		}
	})
}

func ptr(s string) *string { return &s }

// orgCoverage holds the counts and the plans to the organisations: an
// in-scope enterprise is organisation covered exactly when an active
// registered organisation covers it (standalone formed when that one is
// standalone), its plan is formed exactly then, pointing to it, with its
// formation type as the method.
func orgCoverage(t *testing.T, step string, db *store.DB, ls []enterprise.Ledger, plans map[int64]strategy.Plan, dates []time.Time) {
	t.Helper()
	ctx := context.Background()
	all := auth.Scope{All: true}
	orgs, err := db.PartyOrgs(ctx, all, "")
	if err != nil {
		t.Fatal(err)
	}
	by := map[int64]strategy.PartyOrg{}
	for _, o := range orgs {
		if !o.Active() {
			continue
		}
		for _, e := range o.Enterprises {
			if other, dup := by[e]; dup {
				t.Errorf("%s: enterprise %d covered by organisations %d and %d", step, e, other.ID, o.ID)
			}
			by[e] = o
		}
	}
	type tally struct{ org, standalone int }
	want := map[string]tally{}
	for _, l := range ls {
		if !l.InScope {
			continue
		}
		p := plans[l.ID]
		o, covered := by[l.ID]
		formed := p.Status == strategy.Formed
		if formed != covered || (covered && (p.PartyOrgID == nil || *p.PartyOrgID != o.ID || p.Method() != o.FormationType)) {
			t.Errorf("%s: ledger %d plan %s/%s org %v, covered by %+v (%v)", step, l.ID, p.Status, p.Method(), p.PartyOrgID, o.ID, covered)
		}
		if covered {
			c := want[l.TownshipCode]
			c.org++
			if o.FormationType == strategy.Standalone {
				c.standalone++
			}
			want[l.TownshipCode] = c
		}
	}
	for _, today := range dates[:1] {
		got, err := db.Coverage(ctx, all, today)
		if err != nil {
			t.Fatal(err)
		}
		for tw, c := range got {
			if w := want[tw]; c.OrganizationCovered != w.org || c.StandaloneFormed != w.standalone {
				t.Errorf("%s: township %q counts %d organisation covered (%d standalone), the organisations cover %d (%d)",
					step, tw, c.OrganizationCovered, c.StandaloneFormed, w.org, w.standalone)
			}
		}
		for tw, w := range want {
			if _, ok := got[tw]; !ok && w.org > 0 {
				t.Errorf("%s: township %q missing from the counts, organisations cover %d", step, tw, w.org)
			}
		}
	}
}

// Concurrent writers touching the same ledgers (and so the same count
// rows) leave counts equal to a recount: the coverage lock makes the
// recomputations take turns, each seeing what the ones before committed.
func TestCoverageCountsUnderConcurrentWrites(t *testing.T) {
	dist := district(t)
	townships := []string{"431103001", "431103006"}
	addresses := []string{"冷水滩区梅湾街道建设路1号", "冷水滩区凤凰街道零陵路2号"}
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		all := auth.Scope{All: true}
		actor := audit.Actor{Name: "t"}
		liaisons := map[string][]int64{}
		for i, tw := range townships {
			for j := range 2 {
				u, err := db.CreateUser(ctx, auth.User{Username: fmt.Sprintf("c%d%d", i, j), Role: auth.Liaison, TownshipCode: tw, PasswordHash: "x"}, audit.System)
				if err != nil {
					t.Fatal(err)
				}
				liaisons[tw] = append(liaisons[tw], u.ID)
			}
		}
		var ids []int64
		for i := 1; i <= 24; i++ {
			ids = append(ids, create(t, db, dist, i, addresses[i%2]).ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 1000)
		var applied atomic.Int64
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 3))
				for range 25 {
					id := ids[rng.IntN(len(ids))]
					l, err := db.Enterprise(ctx, all, id)
					if err != nil {
						errs <- err
						return
					}
					switch rng.IntN(4) {
					case 0:
						_, err = db.UpdateEnterprise(ctx, all, id, l.Version, actor, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
							return x.Apply(body(t, map[string]any{"full_members": rng.IntN(5), "union": rng.IntN(2) == 0}), auth.DistrictAdmin, dist)
						})
					case 1:
						us := liaisons[l.TownshipCode]
						_, err = db.AssignLiaison(ctx, all, id, us[rng.IntN(len(us))], actor)
					case 2:
						var cur strategy.Plan
						if cur, err = db.Plan(ctx, all, id); err == nil {
							status := []string{"not_started", "in_progress", "not_applicable"}[rng.IntN(3)]
							_, err = db.UpdatePlan(ctx, all, id, cur.Version, actor, func(cur strategy.Plan, refs strategy.PlanRefs) (strategy.Plan, error) {
								return cur.Apply(strategy.PlanInput{Status: &status, PlannedStartOn: ptr("2026-01-01"), PlannedCompletionOn: ptr("2026-03-01")},
									"t", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), refs)
							})
						}
					case 3:
						var v liaison.Visit
						if v, err = liaison.NewVisit(liaison.VisitInput{VisitedOn: "2026-05-01", Services: []string{"talent"}}, "2026-06-01"); err == nil {
							_, _, err = db.AddVisit(ctx, all, id, v, "", actor)
						}
					}
					var ae *apperr.Error
					switch {
					case err == nil:
						applied.Add(1)
					case errors.As(err, &ae) && ae.Kind != apperr.Internal:
						// a lost race (412), a plan the rules refuse, a busy SQLite
					default:
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent write: %v", err)
		}
		if applied.Load() < 50 {
			t.Fatalf("only %d of 200 writes applied", applied.Load())
		}
		today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		got, want := countsNow(t, db, today)
		sameCounts(t, "after concurrent writes", got, want)
	})
}

// A change made with SQL behind the program's back is applied by nobody:
// the counts lag (fugai coverage check sees it) until the program next
// writes that ledger, which recomputes its facts, or a rebuild.
func TestCoverageNoteLeftOutsideTheProgram(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		url := storetest.URL(t, d)
		db, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		l := create(t, db, dist, 1, "冷水滩区梅湾街道建设路1号")
		other := create(t, db, dist, 2, "冷水滩区梅湾街道建设路2号")
		driver := "sqlite"
		if d == store.Postgres {
			driver = "pgx"
		}
		raw, err := sql.Open(driver, url)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.ExecContext(ctx, "UPDATE enterprises SET full_members = 4 WHERE id = $1", l.ID); err != nil {
			t.Fatal(err)
		}
		today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		all := auth.Scope{All: true}
		if got, want := countsNow(t, db, today); reflect.DeepEqual(got, want) {
			t.Fatalf("the counts followed a write outside the program: %+v", got)
		}
		// The program writes the ledger: its facts are recomputed.
		if _, err := db.UpdateEnterprise(ctx, all, other.ID, other.Version, audit.Actor{Name: "t"}, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
			return x.Apply(body(t, map[string]any{"union": true}), auth.DistrictAdmin, dist)
		}); err != nil {
			t.Fatal(err)
		}
		cur, err := db.Enterprise(ctx, all, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateEnterprise(ctx, all, l.ID, cur.Version, audit.Actor{Name: "t"}, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
			return x.Apply(body(t, map[string]any{"youth_league": true}), auth.DistrictAdmin, dist)
		}); err != nil {
			t.Fatal(err)
		}
		got, want := countsNow(t, db, today)
		sameCounts(t, "after the program wrote the ledger", got, want)
		if got["431103001"].Gaps["should_form"] != 1 {
			t.Fatalf("the outside change is not counted: %+v", got["431103001"])
		}
	})
}

// Imports that recount all coverage (a low bulk threshold) run while other
// ledgers are edited: no write fails and the counts equal a recount.
func TestCoverageRecountBesideConcurrentEdits(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.OpenWith(t, d, store.Options{CoverageBulk: 5})
		ctx := context.Background()
		all := auth.Scope{All: true}
		var ids []int64
		for i := 1; i <= 10; i++ {
			ids = append(ids, create(t, db, dist, i, "冷水滩区梅湾街道建设路1号").ID)
		}
		dir := t.TempDir()
		done := make(chan struct{})
		errs := make(chan error, 100)
		go func() {
			defer close(done)
			for k := range 4 {
				var rows []string
				for i := 100 + k*20; i < 120+k*20; i++ {
					rows = append(rows, fmt.Sprintf("%s,企业%d,冷水滩区凤凰街道零陵路%d号", code(i), i, i))
				}
				p := filepath.Join(dir, fmt.Sprintf("r%d.csv", k))
				if err := os.WriteFile(p, []byte("统一社会信用代码,企业名称,住所\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
					errs <- err
					return
				}
				if job := importFile(t, db, importer.Registration, p, false); job.Status != importer.Succeeded {
					errs <- fmt.Errorf("import %d: %+v", k, job)
					return
				}
			}
		}()
		rng := rand.New(rand.NewPCG(9, 9))
		edits := 0
		for running := true; running; {
			select {
			case <-done:
				running = false
			default:
			}
			id := ids[rng.IntN(len(ids))]
			l, err := db.Enterprise(ctx, all, id)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.UpdateEnterprise(ctx, all, id, l.Version, audit.Actor{Name: "t"}, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
				return x.Apply(body(t, map[string]any{"full_members": rng.IntN(5), "union": rng.IntN(2) == 0}), auth.DistrictAdmin, dist)
			})
			var ae *apperr.Error
			if err != nil && (!errors.As(err, &ae) || ae.Kind == apperr.Internal) {
				t.Fatalf("edit beside an import: %v", err)
			}
			edits++
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		got, want := countsNow(t, db, today)
		sameCounts(t, fmt.Sprintf("after 4 imports beside %d edits", edits), got, want)
		if want["431103006"].Enterprises != 80 || edits < 2 {
			t.Fatalf("imports %+v, %d edits", want["431103006"], edits)
		}
	})
}

// Ledgers verified on the last stale day, on the first fresh day and late
// in the evening before it (UTC+8) are counted alike by the maintained
// counts, the recount and the liaison workload.
func TestStaleCutoffDay(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		all := auth.Scope{All: true}
		u, err := db.CreateUser(ctx, auth.User{Username: "lx", Role: auth.Liaison, TownshipCode: "431103001", PasswordHash: "x"}, audit.System)
		if err != nil {
			t.Fatal(err)
		}
		today := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
		cutoff := liaison.StaleBefore(today) // 2026-01-31: earlier days are stale
		for i, day := range []time.Time{cutoff.AddDate(0, 0, -1), cutoff, cutoff.AddDate(0, 0, 1)} {
			l := create(t, db, dist, 10+i, "冷水滩区梅湾街道建设路1号")
			if _, err := db.AssignLiaison(ctx, all, l.ID, u.ID, audit.Actor{Name: "t"}); err != nil {
				t.Fatal(err)
			}
			v, err := liaison.NewVisit(liaison.VisitInput{VisitedOn: day.Format(time.DateOnly), Services: []string{"policy"}}, "2026-08-01")
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.AddVisit(ctx, all, l.ID, v, "", audit.Actor{Name: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		got, want := countsNow(t, db, today)
		sameCounts(t, "around the cutoff", got, want)
		if n := got["431103001"].Gaps["stale_ledger"]; n != 1 {
			t.Fatalf("stale: %d, want 1 (the visit the day before the cutoff)", n)
		}
		ws, err := db.Liaisons(ctx, all, "", today.AddDate(0, -1, 0), today, today)
		if err != nil {
			t.Fatal(err)
		}
		if len(ws) != 1 || ws[0].Overdue != 1 {
			t.Fatalf("liaison workload: %+v", ws)
		}
	})
}

// A start interrupted between a migration and the end of the recount that
// follows it (no counted version recorded) recounts at the next start,
// though no migration is pending.
func TestInterruptedRecountIsRedone(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		create(t, db, dist, 1, "冷水滩区梅湾街道建设路1号")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Exec("DELETE FROM coverage_cells"); err != nil {
				return err
			}
			return tx.Exec("DELETE FROM coverage_state")
		}); err != nil {
			t.Fatal(err)
		}
		today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		if got, _ := db.Coverage(ctx, auth.Scope{All: true}, today); len(got) != 0 {
			t.Fatalf("the counts were not emptied: %+v", got)
		}
		if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
			t.Fatalf("migrate: %v %v", applied, err)
		}
		got, err := db.Coverage(ctx, auth.Scope{All: true}, today)
		if err != nil || got["431103001"].Enterprises != 1 {
			t.Fatalf("not recounted: %+v %v", got, err)
		}
	})
}

// countsNow reads the maintained coverage counts of the district and
// recounts them from the ledgers.
func countsNow(t *testing.T, db *store.DB, today time.Time) (kept, recounted map[string]coverage.Counts) {
	t.Helper()
	ctx, all := context.Background(), auth.Scope{All: true}
	kept, err := db.Coverage(ctx, all, today)
	if err != nil {
		t.Fatal(err)
	}
	if recounted, err = db.CoverageRecount(ctx, all, today); err != nil {
		t.Fatal(err)
	}
	return kept, recounted
}

// Migration 12 puts plans written before organisations decided them
// right: formed without an organisation goes back to in progress; a
// covered enterprise's plan is formed by its organisation, with its
// formation type as the method.
func TestMigrationFormsPlansByOrganisations(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		all := auth.Scope{All: true}
		a := create(t, db, dist, 1, "冷水滩区梅湾街道建设路1号")
		b := create(t, db, dist, 2, "冷水滩区梅湾街道建设路2号")
		c := create(t, db, dist, 3, "冷水滩区梅湾街道建设路3号") // no members: included
		for _, l := range []enterprise.Ledger{a, b} {
			_, err := db.UpdateEnterprise(ctx, all, l.ID, l.Version, audit.Actor{Name: "t"}, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
				return x.Apply(body(t, map[string]any{"full_members": 4}), auth.DistrictAdmin, dist)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		o, err := strategy.CheckOrg(strategy.OrgInput{Name: "乙党支部", Kind: "branch", FormationType: "standalone", FoundedOn: "2026-01-05",
			MemberCount: new(4)}, "2027-01-01")
		if err != nil {
			t.Fatal(err)
		}
		org, err := db.CreatePartyOrg(ctx, all, o, []int64{b.ID}, audit.Actor{Name: "t"})
		if err != nil {
			t.Fatal(err)
		}
		// What the old rules let through: formed plans with no
		// organisation (standalone, included), and a covered plan
		// reopened, its method following a suggestion.
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, id := range []int64{a.ID, c.ID} {
				if err := tx.Exec(`INSERT INTO plans (enterprise_id, override_reason, formation_details, contact_name, contact_phone, status,
					formed_on, version, updated_at, updated_by) VALUES (?, '', '', '', '', 'formed', ?, 2, ?, 't')`,
					id, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Now()); err != nil {
					return err
				}
			}
			return tx.Exec(`UPDATE plans SET status = 'in_progress', formed_on = NULL, override_method = NULL, override_reason = ''
				WHERE enterprise_id = ?`, b.ID)
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.PlanFixOfMigration12(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.PlanFixOfMigration18(ctx); err != nil {
			t.Fatal(err)
		}
		if pc, err := db.Plan(ctx, all, c.ID); err != nil || pc.Status != strategy.Completed || pc.FormedOn != nil {
			t.Fatalf("an included plan formed without an organisation, after the fix: %+v %v", pc, err)
		}
		pa, err := db.Plan(ctx, all, a.ID)
		if err != nil || pa.Status != strategy.InProgress || pa.FormedOn != nil || pa.PartyOrgID != nil {
			t.Fatalf("formed without an organisation, after the fix: %+v %v", pa, err)
		}
		pb, err := db.Plan(ctx, all, b.ID)
		if err != nil || pb.Status != strategy.Formed || pb.PartyOrgID == nil || *pb.PartyOrgID != org.ID || pb.Method() != strategy.Standalone ||
			pb.FormedOn == nil || pb.FormedOn.Format(time.DateOnly) != "2026-01-05" || pb.Override == nil {
			t.Fatalf("covered plan after the fix: %+v %v", pb, err)
		}
		if err := db.RebuildCoverage(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := db.Coverage(ctx, all, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || got["431103001"].OrganizationCovered != 1 {
			t.Fatalf("coverage after the fix: %+v %v", got, err)
		}
	})
}

// Every writer of what coverage depends on besides the ledger — a plan, a
// liaison assignment, a joint group's members — notes the ledgers it
// touches: right after each single write the counts equal a recount.
// (Each write changes a fact: a gap opens or closes.)
func TestEachWriteKeepsTheCounts(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx, all, actor := context.Background(), auth.Scope{All: true}, audit.Actor{Name: "t"}
		today := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		check := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			got, want := countsNow(t, db, today)
			sameCounts(t, "after "+what, got, want)
			if t.Failed() {
				t.FailNow()
			}
		}
		// Two joint candidates (two full members each) in one township.
		var ids []int64
		for i := 1; i <= 2; i++ {
			l := create(t, db, dist, i, "冷水滩区梅湾街道建设路1号")
			l, err := db.UpdateEnterprise(ctx, all, l.ID, l.Version, actor, func(x *enterprise.Ledger) ([]enterprise.Change, error) {
				return x.Apply(body(t, map[string]any{"full_members": 2}), auth.DistrictAdmin, dist)
			})
			check("a member counted", err)
			ids = append(ids, l.ID)
		}
		var liaisons []int64
		for i := range 2 {
			u, err := db.CreateUser(ctx, auth.User{Username: fmt.Sprintf("lw%d", i), Role: auth.Liaison, TownshipCode: "431103001", PasswordHash: "x"}, audit.System)
			if err != nil {
				t.Fatal(err)
			}
			liaisons = append(liaisons, u.ID)
		}
		_, err := db.AssignLiaison(ctx, all, ids[0], liaisons[0], actor)
		check("a liaison assigned", err)
		_, err = db.HandoverLiaison(ctx, auth.Principal{Role: auth.DistrictAdmin, Username: "admin"}, liaisons[0], liaisons[1], actor)
		check("a handover", err)
		_, err = db.UnassignLiaison(ctx, all, ids[0], actor)
		check("a liaison unassigned", err)
		_, err = db.AssignLiaison(ctx, all, ids[1], liaisons[1], actor)
		check("a liaison assigned again", err)
		_, err = db.DisableUser(ctx, auth.Principal{Role: auth.DistrictAdmin, Username: "admin"}, liaisons[1], actor)
		check("a liaison disabled", err)
		g, err := db.CreateJointGroup(ctx, all, "431103001", ids, actor)
		check("a joint group", err)
		check("a joint group dissolved", db.DissolveJointGroup(ctx, all, g.ID, actor))
		status, start, end := "in_progress", "2026-01-01", "2026-03-01"
		plan, err := db.Plan(ctx, all, ids[1])
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.UpdatePlan(ctx, all, ids[1], plan.Version, actor, func(cur strategy.Plan, refs strategy.PlanRefs) (strategy.Plan, error) {
			method := "included"
			return cur.Apply(strategy.PlanInput{Method: &method, OverrideReason: "t", Status: &status, PlannedStartOn: &start, PlannedCompletionOn: &end}, "t", today, refs)
		})
		check("a plan overdue", err)
	})
}
