package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/division/divisiontest"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/pgtest"
	"github.com/fugai/fugai/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var admin = auth.Principal{UserID: 0, Username: "tester", Role: auth.DistrictAdmin}

func district(t testing.TB) *division.District { return divisiontest.Lengshuitan(t) }

// code returns a valid credit code whose 17 leading characters end in n.
func code(n int) string {
	first := fmt.Sprintf("91431103MA4%06d", n)
	return first + string(enterprise.CheckDigit(first))
}

func body(t testing.TB, v map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, x := range v {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

func create(t testing.TB, db *store.DB, d *division.District, n int, address string) enterprise.Ledger {
	t.Helper()
	l, changes, err := enterprise.New(body(t, map[string]any{"credit_code": code(n), "name": fmt.Sprintf("企业%d", n),
		"registered_address": address}), admin, d)
	if err != nil {
		t.Fatal(err)
	}
	l, err = db.CreateEnterprise(context.Background(), l, changes, audit.Actor{Name: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestMigrateIsIdempotentAndReady(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		applied, err := db.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second migrate: applied %v, err %v", applied, err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("ready: %v", err)
		}
		st, err := db.MigrationStatus(ctx)
		if err != nil || len(st) == 0 || !st[0].Applied {
			t.Fatalf("status: %+v %v", st, err)
		}
		if db.Dialect() != d {
			t.Fatalf("dialect %s, want %s", db.Dialect(), d)
		}
	})
}

func TestReadyReportsPendingMigrations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db, err := store.Open(context.Background(), storetest.URL(t, d), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Ready(context.Background()); err == nil {
			t.Fatal("an unmigrated database reported ready")
		}
	})
}

func TestEnterpriseRoundTripKeepsEveryField(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		l, changes, err := enterprise.New(body(t, map[string]any{
			"credit_code": code(1), "name": "永州市测试有限公司", "entity_type": "有限责任公司（自然人投资或控股）",
			"legal_representative": "张三", "registered_capital": 500.5, "founded_on": "2015-03-12",
			"registration_status": "存续", "registered_address": "湖南省永州市冷水滩区梅湾街道某路1号",
			"operating_address": "某路2号", "registration_authority": "永州市冷水滩区市场监督管理局",
			"industry": "制造业", "business_scope": "生产", "employees": 0, "young_employees": 0,
			"full_members": 3, "probationary_members": 1, "member_sources": map[string]int{"流动党员": 3, "口袋党员": 1},
			"owner_identity": "中共党员", "operating_status": "正常经营", "above_scale": false, "annual_revenue": 0,
			"needs": []string{"training", "talent"}, "union": false, "youth_league": true, "womens_federation": false,
		}), admin, dist)
		if err != nil {
			t.Fatal(err)
		}
		created, err := db.CreateEnterprise(ctx, l, changes, audit.Actor{Name: "tester"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Enterprise(ctx, auth.Scope{All: true}, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := l
		want.ID, want.Version, want.CreatedAt, want.UpdatedAt = got.ID, 1, got.CreatedAt, got.UpdatedAt
		want.SuggestedMethod = "standalone" // the store suggests: 3 full members
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(wj) != string(gj) {
			t.Fatalf("round trip differs:\nwant %s\ngot  %s", wj, gj)
		}
		if got.TownshipCode != "431103001" || got.Assignment != division.AssignedByTownship || !got.InScope {
			t.Fatalf("assignment: %+v", got)
		}
		if *got.Employees != 0 || *got.AboveScale || *got.Union {
			t.Fatal("zero values were not kept")
		}
	})
}

func TestDuplicateCreditCodeConflicts(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		create(t, db, dist, 1, "")
		l, changes, err := enterprise.New(body(t, map[string]any{"credit_code": code(1), "name": "又一家"}), admin, dist)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.CreateEnterprise(context.Background(), l, changes, audit.Actor{Name: "tester"})
		if apperr.KindOf(err) != apperr.Conflict || !apperr.Is(err, "duplicate_credit_code") {
			t.Fatalf("got %v, want a duplicate_credit_code conflict", err)
		}
	})
}

func TestScopeFiltersEveryRead(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		mine := create(t, db, dist, 1, "冷水滩区梅湾街道一号")
		other := create(t, db, dist, 2, "冷水滩区菱角山街道二号")
		none := create(t, db, dist, 3, "不知道在哪里")
		scope := auth.Scope{Township: "431103001"}
		for _, id := range []int64{other.ID, none.ID} {
			if _, err := db.Enterprise(ctx, scope, id); apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("enterprise %d visible outside its township: %v", id, err)
			}
			if _, err := db.History(ctx, scope, id); apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("history of %d visible outside its township: %v", id, err)
			}
			_, err := db.UpdateEnterprise(ctx, scope, id, 1, audit.Actor{Name: "x"}, func(*enterprise.Ledger) ([]enterprise.Change, error) {
				t.Fatal("mutate called for an invisible ledger")
				return nil, nil
			})
			if apperr.KindOf(err) != apperr.NotFound {
				t.Fatalf("update of %d outside its township: %v", id, err)
			}
		}
		items, _, err := db.Enterprises(ctx, scope, store.EnterpriseFilter{Limit: 50})
		if err != nil || len(items) != 1 || items[0].ID != mine.ID {
			t.Fatalf("scoped list: %v %v", items, err)
		}
		// Asking for another township through the filter still sees nothing.
		items, _, _ = db.Enterprises(ctx, scope, store.EnterpriseFilter{Township: "431103002", Limit: 50})
		if len(items) != 0 {
			t.Fatalf("filter escaped the scope: %v", items)
		}
		if items, _, _ := db.Enterprises(ctx, auth.Scope{}, store.EnterpriseFilter{Limit: 50}); len(items) != 0 {
			t.Fatal("the zero scope saw ledgers")
		}
		all, _, _ := db.Enterprises(ctx, auth.Scope{All: true}, store.EnterpriseFilter{Township: "none", Limit: 50})
		if len(all) != 1 || all[0].ID != none.ID {
			t.Fatalf("unassigned filter: %v", all)
		}
	})
}

func TestListFiltersAndKeysetPagination(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		for i := 1; i <= 7; i++ {
			create(t, db, dist, i, "冷水滩区梅湾街道")
		}
		all := auth.Scope{All: true}
		var seen []int64
		cursor := int64(0)
		for pages := 0; ; pages++ {
			items, next, err := db.Enterprises(ctx, all, store.EnterpriseFilter{Limit: 3, AfterID: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range items {
				seen = append(seen, l.ID)
			}
			if next == "" {
				break
			}
			fmt.Sscan(next, &cursor)
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
		}
		if len(seen) != 7 {
			t.Fatalf("pages held %d ledgers, want 7: %v", len(seen), seen)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] <= seen[i-1] {
				t.Fatalf("not in id order: %v", seen)
			}
		}
		items, _, _ := db.Enterprises(ctx, all, store.EnterpriseFilter{CreditCode: code(4), Limit: 50})
		if len(items) != 1 || items[0].CreditCode != code(4) {
			t.Fatalf("credit_code filter: %v", items)
		}
		items, _, _ = db.Enterprises(ctx, all, store.EnterpriseFilter{Query: "企业5", Limit: 50})
		if len(items) != 1 || items[0].Name != "企业5" {
			t.Fatalf("q over name: %v", items)
		}
		items, _, _ = db.Enterprises(ctx, all, store.EnterpriseFilter{Query: "ma4000006", Limit: 50})
		if len(items) != 1 || items[0].CreditCode != code(6) {
			t.Fatalf("q over credit code: %v", items)
		}
		l, changes, _ := enterprise.New(body(t, map[string]any{"credit_code": code(99), "name": "Hunan Tech 湖南科技"}), admin, dist)
		db.CreateEnterprise(ctx, l, changes, audit.Actor{Name: "tester"})
		items, _, _ = db.Enterprises(ctx, all, store.EnterpriseFilter{Query: "hunan tech", Limit: 50})
		if len(items) != 1 {
			t.Fatalf("q is case-sensitive: %v", items)
		}
		items, _, _ = db.Enterprises(ctx, all, store.EnterpriseFilter{Query: "%", Limit: 50})
		if len(items) != 0 {
			t.Fatalf("%% is not escaped: %d items", len(items))
		}
		f := false
		items, _, _ = db.Enterprises(ctx, all, store.EnterpriseFilter{InScope: &f, Limit: 50})
		if len(items) != 0 {
			t.Fatalf("in_scope=false: %v", items)
		}
	})
}

func TestConcurrentUpdatesWithTheSameVersion(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		ctx := context.Background()
		l := create(t, db, dist, 1, "冷水滩区梅湾街道")
		const n = 20
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, errs[i] = db.UpdateEnterprise(ctx, auth.Scope{All: true}, l.ID, 1, audit.Actor{Name: "w"},
					func(x *enterprise.Ledger) ([]enterprise.Change, error) {
						return x.Apply(body(t, map[string]any{"employees": i + 1}), auth.DistrictAdmin, dist)
					})
			}(i)
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("two writers won: %d and %d", winner, i)
				}
				winner = i
			case apperr.KindOf(err) != apperr.PreconditionFailed:
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		if winner < 0 {
			t.Fatal("no writer won")
		}
		got, _ := db.Enterprise(ctx, auth.Scope{All: true}, l.ID)
		if got.Version != 2 || *got.Employees != winner+1 {
			t.Fatalf("final state version %d employees %d, want 2 and %d", got.Version, *got.Employees, winner+1)
		}
		h, _ := db.History(ctx, auth.Scope{All: true}, l.ID)
		if len(h) != 2 {
			t.Fatalf("history has %d entries, want 2", len(h))
		}
	})
}

func TestHistoryIsAppendOnly(t *testing.T) {
	dist := district(t)
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		db := storetest.Open(t, d, nil)
		l := create(t, db, dist, 1, "")
		err := db.InTx(context.Background(), func(tx *store.Tx) error { return tx.Exec("UPDATE enterprise_history SET actor_name = 'x'") })
		if err == nil {
			t.Fatal("history row was updated")
		}
		err = db.InTx(context.Background(), func(tx *store.Tx) error { return tx.Exec("DELETE FROM audit_events") })
		if err == nil {
			t.Fatal("audit events were deleted")
		}
		// History points at ledgers, which are never deleted.
		err = db.InTx(context.Background(), func(tx *store.Tx) error { return tx.Exec("DELETE FROM enterprises") })
		if err == nil {
			t.Fatal("a ledger with history was deleted")
		}
		h, _ := db.History(context.Background(), auth.Scope{All: true}, l.ID)
		if len(h) != 1 || h[0].Actor != "tester" {
			t.Fatalf("history: %+v", h)
		}
	})
}

func TestSessionsAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		clock := storetest.NewClock(time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC))
		db := storetest.Open(t, d, clock.Now)
		ctx := context.Background()
		u, err := db.CreateUser(ctx, auth.User{Username: "u1", Role: auth.Liaison, TownshipCode: "431103001", PasswordHash: "x"}, audit.System)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, auth.User{Username: "u1", Role: auth.Auditor, PasswordHash: "x"}, audit.System); !apperr.Is(err, "username_taken") {
			t.Fatalf("duplicate username: %v", err)
		}
		// Attempts are counted when they start: a sixth cannot start while
		// five are unresolved.
		for i := 1; i <= auth.MaxFailures; i++ {
			if err := db.ReserveLoginAttempt(ctx, u.ID); err != nil {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		if err := db.ReserveLoginAttempt(ctx, u.ID); apperr.KindOf(err) != apperr.TooMany {
			t.Fatalf("sixth concurrent attempt: %v, want 429", err)
		}
		for i := 1; i <= auth.MaxFailures; i++ {
			locked, err := db.LoginFailed(ctx, u.ID, audit.Actor{Name: "u1"})
			if locked != (i == 1) || apperr.KindOf(err) != apperr.Locked {
				t.Fatalf("failure %d: lockedNow %v err %v", i, locked, err)
			}
		}
		if err := db.ReserveLoginAttempt(ctx, u.ID); apperr.KindOf(err) != apperr.Locked {
			t.Fatalf("attempt while locked: %v, want 423", err)
		}
		if _, err := db.StartSession(ctx, u.ID, "h", audit.Actor{Name: "u1"}); apperr.KindOf(err) != apperr.Locked {
			t.Fatalf("a session started on a locked account: %v", err)
		}
		got, _ := db.User(ctx, u.ID)
		if !got.Locked(clock.Now()) || got.Locked(clock.Now().Add(auth.LockDuration)) {
			t.Fatalf("lock window wrong: %+v", got.LockedUntil)
		}
		ev, _ := db.AuditEvents(ctx, audit.Filter{Action: audit.AccountLocked, Limit: 10})
		if len(ev) != 1 || ev[0].EntityID != fmt.Sprint(u.ID) {
			t.Fatalf("lock not audited: %+v", ev)
		}
		clock.Advance(auth.LockDuration)

		token, hash, _ := auth.NewToken()
		s, err := db.StartSession(ctx, u.ID, hash, audit.Actor{Name: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Authenticate(ctx, auth.HashToken(token)); err != nil {
			t.Fatalf("fresh session: %v", err)
		}
		clock.Advance(29 * time.Minute)
		if _, _, err := db.Authenticate(ctx, hash); err != nil {
			t.Fatalf("session at 29 idle minutes: %v", err)
		}
		clock.Advance(31 * time.Minute)
		if _, _, err := db.Authenticate(ctx, hash); apperr.KindOf(err) != apperr.Unauthenticated {
			t.Fatalf("idle session accepted: %v", err)
		}
		_, hash2, _ := auth.NewToken()
		s2, _ := db.StartSession(ctx, u.ID, hash2, audit.Actor{Name: "u1"})
		if err := db.RevokeSession(ctx, s2.ID, audit.Actor{UserID: u.ID, Name: "u1"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Authenticate(ctx, hash2); apperr.KindOf(err) != apperr.Unauthenticated {
			t.Fatalf("revoked session accepted: %v", err)
		}
		_ = s
		// Absolute timeout: active every 20 minutes, still ends at 12 hours.
		_, hash3, _ := auth.NewToken()
		db.StartSession(ctx, u.ID, hash3, audit.Actor{Name: "u1"})
		for elapsed := time.Duration(0); elapsed < auth.AbsoluteTimeout-20*time.Minute; elapsed += 20 * time.Minute {
			clock.Advance(20 * time.Minute)
			if _, _, err := db.Authenticate(ctx, hash3); err != nil {
				t.Fatalf("active session refused after %v: %v", elapsed, err)
			}
		}
		clock.Advance(21 * time.Minute)
		if _, _, err := db.Authenticate(ctx, hash3); err == nil {
			t.Fatal("session outlived the absolute timeout")
		}
		_, live, _ := auth.NewToken()
		db.StartSession(ctx, u.ID, live, audit.Actor{Name: "u1"})
		n, err := db.PurgeSessions(ctx)
		if err != nil || n != 3 {
			t.Fatalf("purged %d sessions (%v), want the 3 dead ones", n, err)
		}
		if _, _, err := db.Authenticate(ctx, live); err != nil {
			t.Fatalf("purge removed a live session: %v", err)
		}
		if err := db.SetPassword(ctx, "u1", "new-hash", audit.System); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Authenticate(ctx, live); err == nil {
			t.Fatal("a password change left a session alive")
		}
		if got, _ := db.User(ctx, u.ID); got.PasswordHash != "new-hash" || got.Locked(clock.Now()) {
			t.Fatalf("after SetPassword: %+v", got)
		}
	})
}

func TestAuditFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		clock := storetest.NewClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		db := storetest.Open(t, d, clock.Now)
		ctx := context.Background()
		for i := 0; i < 4; i++ {
			who := audit.Actor{Name: fmt.Sprintf("user%d", i%2)}
			if err := db.LogEvent(ctx, "test.event", "enterprise", fmt.Sprint(i), map[string]int{"i": i}, who); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
		}
		ev, _ := db.AuditEvents(ctx, audit.Filter{Actor: "user1", Limit: 10})
		if len(ev) != 2 || ev[0].EntityID != "3" || ev[1].EntityID != "1" {
			t.Fatalf("actor filter: %+v", ev)
		}
		ev, _ = db.AuditEvents(ctx, audit.Filter{From: time.Date(2026, 3, 1, 1, 0, 0, 0, time.UTC),
			To: time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC), Limit: 10})
		if len(ev) != 2 || ev[0].EntityID != "2" || ev[1].EntityID != "1" {
			t.Fatalf("time filter: %+v", ev)
		}
		ev, _ = db.AuditEvents(ctx, audit.Filter{EntityType: "enterprise", EntityID: "0", Limit: 10})
		if len(ev) != 1 || string(ev[0].Detail) != `{"i":0}` && string(ev[0].Detail) != `{"i": 0}` {
			t.Fatalf("entity filter: %+v", ev)
		}
	})
}

var _ = errors.New

// TestLoginThrottlePurge: the failed logins of an unknown name are
// forgotten a day after the last, not while its lock runs.
func TestLoginThrottlePurge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		clock := storetest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
		db := storetest.Open(t, d, clock.Now)
		ctx := context.Background()
		if err := db.ReserveNameAttempt(ctx, "nobody"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.NameAttemptFailed(ctx, "nobody", audit.Actor{Name: "anonymous"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(23 * time.Hour)
		if n, err := db.PurgeLoginThrottle(ctx); err != nil || n != 0 {
			t.Fatalf("purged after 23 h: %d %v", n, err)
		}
		clock.Advance(2 * time.Hour)
		if n, err := db.PurgeLoginThrottle(ctx); err != nil || n != 1 {
			t.Fatalf("purged after 25 h: %d %v", n, err)
		}
	})
}

// TestIdleTransactionsEnd: PostgreSQL sessions end a transaction left idle
// for idleInTransactionLimit, so that an instance frozen mid-import cannot
// hold its locks for hours.
func TestIdleTransactionsEnd(t *testing.T) {
	db := storetest.Open(t, store.Postgres, nil)
	var v string
	if err := db.SQL().QueryRow("SHOW idle_in_transaction_session_timeout").Scan(&v); err != nil || v != "5min" {
		t.Fatalf("idle_in_transaction_session_timeout = %q, %v", v, err)
	}
}
