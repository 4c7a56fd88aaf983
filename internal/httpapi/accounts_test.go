package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// countsMatchRecount fails the test when the maintained coverage counts
// differ from a recount from the ledgers.
func (e *env) countsMatchRecount() {
	e.t.Helper()
	kept, counted, err := e.db.CheckCoverage(context.Background(), liaison.Today(e.clock.Now()))
	if err != nil {
		e.t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, counted) {
		e.t.Fatalf("maintained coverage counts differ from a recount:\n%+v\n%+v", kept, counted)
	}
}

// auditCount counts the audit events of an action (and entity id, when
// given).
func (e *env) auditCount(action, entityID string) int {
	e.t.Helper()
	q := "/api/v1/audit-events?limit=200&action=" + action
	if entityID != "" {
		q += "&entity_id=" + entityID
	}
	r := e.do(http.MethodGet, q, "auditor", nil, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("audit events: %d %s", r.Code, r.Body)
	}
	var page struct{ Items []json.RawMessage }
	json.Unmarshal(r.Body.Bytes(), &page)
	return len(page.Items)
}

// newUser creates a user as creator and returns its id.
func (e *env) newUser(creator, username string, role auth.Role, township string) int64 {
	e.t.Helper()
	body := map[string]any{"username": username, "password": password, "role": role, "name": username}
	if township != "" {
		body["township_code"] = township
	}
	r := e.do(http.MethodPost, "/api/v1/users", creator, body, nil)
	if r.Code != http.StatusCreated {
		e.t.Fatalf("create %s: %d %s", username, r.Code, r.Body)
	}
	var u struct{ ID int64 }
	json.Unmarshal(r.Body.Bytes(), &u)
	return u.ID
}

// standingLiaison returns the username of ledger id's liaison ("" for none)
// and the number of assignments in its history.
func (e *env) standingLiaison(id int64) (string, int) {
	e.t.Helper()
	var out struct {
		Liaison *struct {
			Username string `json:"username"`
		} `json:"liaison"`
		History []struct {
			EndedAt *string `json:"ended_at"`
		} `json:"history"`
	}
	r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/liaison", id), "district", nil, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("liaison of %d: %d %s", id, r.Code, r.Body)
	}
	json.Unmarshal(r.Body.Bytes(), &out)
	if out.Liaison == nil {
		return "", len(out.History)
	}
	return out.Liaison.Username, len(out.History)
}

// Changing one's password: the old one is checked and counted like a
// login, the new one follows the rules, other sessions end and this one
// stays.
func TestChangePassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		const path = "/api/v1/me/password"
		const next = "Next-Password-2027"
		other := e.login("liaison", password) // a second session (another device)
		for _, tc := range []struct {
			name, old, new, field, code string
		}{
			{"old missing", "", next, "old_password", "validation_failed"},
			{"new too weak", password, "short", "new_password", "validation_failed"},
			{"new too few classes", password, "alllowercaseletters", "new_password", "validation_failed"},
			{"new same as old", password, password, "new_password", "validation_failed"},
			{"old wrong", "Wrong-Password-1", next, "old_password", "wrong_password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(http.MethodPut, path, "liaison", map[string]any{"old_password": tc.old, "new_password": tc.new}, nil)
				b := decodeError(t, r)
				if r.Code != http.StatusUnprocessableEntity || b.Error.Code != tc.code || !hasChinese(b.Error.Fields[tc.field]) {
					t.Fatalf("%d %s", r.Code, r.Body)
				}
			})
		}
		if r := e.do(http.MethodPut, path, "liaison", map[string]any{"old_password": password, "new_password": next, "extra": 1}, nil); r.Code != http.StatusBadRequest {
			t.Fatalf("unknown field: %d", r.Code)
		}
		r := e.do(http.MethodPut, path, "liaison", map[string]any{"old_password": password, "new_password": next}, nil)
		var out struct {
			EndedSessions int `json:"ended_sessions"`
		}
		json.Unmarshal(r.Body.Bytes(), &out)
		if r.Code != http.StatusOK || out.EndedSessions != 1 {
			t.Fatalf("change: %d %s", r.Code, r.Body)
		}
		if c := e.do(http.MethodGet, "/api/v1/me", "liaison", nil, nil).Code; c != http.StatusOK {
			t.Fatalf("the session that changed it: %d, want 200", c)
		}
		e.tokens["liaison-other"] = other
		if c := e.do(http.MethodGet, "/api/v1/me", "liaison-other", nil, nil).Code; c != http.StatusUnauthorized {
			t.Fatalf("the other session: %d, want 401", c)
		}
		login := func(pw string) int {
			return e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "liaison", "password": pw}, nil).Code
		}
		if c := login(password); c != http.StatusUnauthorized {
			t.Fatalf("old password: %d", c)
		}
		if c := login(next); c != http.StatusOK {
			t.Fatalf("new password: %d", c)
		}
		if n := e.auditCount(audit.PasswordChanged, fmt.Sprint(e.userID("liaison"))); n != 1 {
			t.Fatalf("%d password change events", n)
		}
		if n := e.auditCount(audit.PasswordWrong, ""); n != 1 {
			t.Fatalf("%d wrong password events", n)
		}
		// Wrong current passwords count toward the lockout as failed
		// logins do: the fifth locks the account.
		for i := 1; i <= auth.MaxFailures; i++ {
			r := e.do(http.MethodPut, path, "township2", map[string]any{"old_password": fmt.Sprint("Guess-Number-", i), "new_password": next}, nil)
			want := http.StatusUnprocessableEntity
			if i == auth.MaxFailures {
				want = http.StatusLocked
			}
			if r.Code != want {
				t.Fatalf("wrong password %d: %d %s, want %d", i, r.Code, r.Body, want)
			}
		}
		if r := e.do(http.MethodPut, path, "township2", map[string]any{"old_password": password, "new_password": next}, nil); r.Code != http.StatusLocked {
			t.Fatalf("right password while locked: %d", r.Code)
		}
		if c := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "township2", "password": password}, nil).Code; c != http.StatusLocked {
			t.Fatalf("login while locked: %d", c)
		}
	})
}

// Disabling ends a user's sessions and logins at once; a disabled
// liaison stands for no enterprise and cannot be assigned; enabling lets
// the user in again. Who may do it to whom.
func TestDisableAndEnableUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		lid := e.userID("liaison")
		a := e.createLedger(1, "冷水滩区梅湾街道1号")
		b := e.createLedger(2, "冷水滩区梅湾街道2号")
		e.assignLiaison(a)
		e.assignLiaison(b)
		before := e.coverage("district", "").District
		e.countsMatchRecount()

		// Who may disable whom.
		ids := map[string]int64{"township1b": e.newUser("district", "township1b", auth.TownshipAdmin, "431103001")}
		idOf := func(name string) int64 {
			if id, ok := ids[name]; ok {
				return id
			}
			return e.userID(name)
		}
		for _, tc := range []struct {
			name, caller, target string
			status               int
			code                 string
		}{
			{"oneself", "district", "district", http.StatusConflict, "cannot_disable_self"},
			{"township admin, oneself", "township", "township", http.StatusConflict, "cannot_disable_self"},
			{"township admin, another township's liaison", "township", "liaison2", http.StatusNotFound, "user_not_found"},
			{"township admin, a district user", "township", "auditor", http.StatusNotFound, "user_not_found"},
			{"township admin, an admin of its township", "township", "township1b", http.StatusForbidden, "forbidden"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/disable", idOf(tc.target)), tc.caller, nil, nil)
				if r.Code != tc.status || decodeError(t, r).Error.Code != tc.code {
					t.Fatalf("%d %s", r.Code, r.Body)
				}
			})
		}
		if r := e.do(http.MethodPost, "/api/v1/users/999999/disable", "district", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("no such user: %d", r.Code)
		}

		// The township admin disables its liaison.
		r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/disable", lid), "township", nil, nil)
		var dis struct {
			User struct {
				Disabled   bool    `json:"disabled"`
				DisabledAt *string `json:"disabled_at"`
			} `json:"user"`
			EndedSessions    int     `json:"ended_sessions"`
			EndedAssignments []int64 `json:"ended_assignments"`
		}
		json.Unmarshal(r.Body.Bytes(), &dis)
		if r.Code != http.StatusOK || !dis.User.Disabled || dis.User.DisabledAt == nil || dis.EndedSessions != 1 ||
			!slices.Equal(dis.EndedAssignments, []int64{a, b}) {
			t.Fatalf("disable: %d %s", r.Code, r.Body)
		}
		// Its bearer token stops working at once; its right password is
		// refused with a message saying why, a wrong one as always.
		if r := e.do(http.MethodGet, "/api/v1/me", "liaison", nil, nil); r.Code != http.StatusUnauthorized {
			t.Fatalf("disabled user's token: %d", r.Code)
		}
		r = e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "liaison", "password": password}, nil)
		if be := decodeError(t, r); r.Code != http.StatusUnauthorized || be.Error.Code != "account_disabled" || !hasChinese(be.Error.Message) {
			t.Fatalf("disabled login: %d %s", r.Code, r.Body)
		}
		r = e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "liaison", "password": "Wrong-Password-1"}, nil)
		if decodeError(t, r).Error.Code != "invalid_credentials" {
			t.Fatalf("disabled login, wrong password: %d %s", r.Code, r.Body)
		}
		// Shown disabled in the list and alone.
		var list struct {
			Items []struct {
				Username string `json:"username"`
				Disabled bool   `json:"disabled"`
			} `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/users", "auditor", nil, nil).Body.Bytes(), &list)
		for _, u := range list.Items {
			if u.Disabled != (u.Username == "liaison") {
				t.Fatalf("users list: %+v", list.Items)
			}
		}
		var one struct {
			Disabled   bool    `json:"disabled"`
			DisabledAt *string `json:"disabled_at"`
		}
		r = e.do(http.MethodGet, fmt.Sprintf("/api/v1/users/%d", lid), "township", nil, nil)
		json.Unmarshal(r.Body.Bytes(), &one)
		if r.Code != http.StatusOK || !one.Disabled || one.DisabledAt == nil {
			t.Fatalf("get user: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/users/%d", lid), "township2", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("another township's user: %d", r.Code)
		}
		// Its enterprises have no liaison now: the history keeps it, the
		// coverage counts follow and equal a recount.
		if who, n := e.standingLiaison(a); who != "" || n != 1 {
			t.Fatalf("ledger after disabling its liaison: %q, %d periods", who, n)
		}
		after := e.coverage("district", "").District
		if after.Gaps["no_liaison"] != before.Gaps["no_liaison"]+2 || after.WorkCovered != before.WorkCovered-2 {
			t.Fatalf("coverage: no_liaison %d→%d, work_covered %d→%d", before.Gaps["no_liaison"], after.Gaps["no_liaison"],
				before.WorkCovered, after.WorkCovered)
		}
		e.countsMatchRecount()
		// A disabled liaison cannot be assigned, by hand or by a sheet.
		r = e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/liaison", a), "district", map[string]any{"liaison_id": lid}, nil)
		if r.Code != http.StatusUnprocessableEntity || decodeError(t, r).Error.Code != "liaison_disabled" {
			t.Fatalf("assign a disabled liaison: %d %s", r.Code, r.Body)
		}
		sheet := "统一社会信用代码,企业名称,联络员账号\n" + creditCode(1) + ",测试企业1,liaison\n"
		if job := e.importAndRun("district", "联络员.csv", []byte(sheet), map[string]string{"kind": "liaisons"}); job.Counts.Rejected != 1 {
			t.Fatalf("a sheet naming a disabled liaison: %+v", job)
		}
		// Disabling again changes nothing.
		r = e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/disable", lid), "district", nil, nil)
		json.Unmarshal(r.Body.Bytes(), &dis)
		if r.Code != http.StatusOK || dis.EndedSessions != 0 || len(dis.EndedAssignments) != 0 || e.auditCount(audit.UserDisabled, "") != 1 {
			t.Fatalf("disable again: %d %s", r.Code, r.Body)
		}
		// Enabled again by its township admin: it logs in; its
		// enterprises stay unassigned.
		if r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/enable", e.userID("liaison2")), "township", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("enable another township's liaison: %d", r.Code)
		}
		r = e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/enable", lid), "township", nil, nil)
		json.Unmarshal(r.Body.Bytes(), &one)
		if r.Code != http.StatusOK || one.Disabled || one.DisabledAt != nil {
			t.Fatalf("enable: %d %s", r.Code, r.Body)
		}
		e.tokens["liaison"] = e.login("liaison", password)
		if who, _ := e.standingLiaison(a); who != "" {
			t.Fatalf("enabling restored an assignment: %q", who)
		}
		for action, want := range map[string]int{audit.UserDisabled: 1, audit.UserEnabled: 1, audit.LiaisonUnassign: 2, audit.LoginRefused: 1} {
			if n := e.auditCount(action, ""); n != want {
				t.Errorf("%d %s events, want %d", n, action, want)
			}
		}
	})
}

// The last active district admin cannot be disabled: not by itself, and
// not by two admins disabling each other at once.
func TestLastDistrictAdminStays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		second := e.newUser("district", "district2", auth.DistrictAdmin, "")
		e.tokens["district2"] = e.login("district2", password)
		first := e.userID("district")
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i, call := range []struct {
			caller string
			target int64
		}{{"district", second}, {"district2", first}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/disable", call.target), call.caller, nil, nil).Code
			}()
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case http.StatusOK:
				ok++
			case http.StatusConflict, http.StatusUnauthorized: // refused, or its session ended first
			default:
				t.Fatalf("codes %v", codes)
			}
		}
		users, err := e.db.Users(context.Background(), auth.Scope{All: true}, auth.DistrictAdmin)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, u := range users {
			if !u.Disabled() {
				active++
			}
		}
		if ok != 1 || active != 1 {
			t.Fatalf("codes %v, %d active district admins", codes, active)
		}
		// Whoever asks, the one left stays (a caller disabled since its
		// request was authenticated included).
		var left, gone int64 = first, second
		if users[0].Disabled() {
			left, gone = second, first
		}
		_, err = e.db.DisableUser(context.Background(), auth.Principal{UserID: gone, Role: auth.DistrictAdmin}, left, audit.System)
		if !apperr.Is(err, "last_district_admin") {
			t.Fatalf("disable the last one: %v", err)
		}
	})
}

// Unassigning ends the standing assignment, keeps the history, and the
// coverage counts follow.
func TestUnassignLiaison(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		a := e.createLedger(1, "冷水滩区梅湾街道1号")
		e.assignLiaison(a)
		before := e.coverage("district", "").District
		path := fmt.Sprintf("/api/v1/enterprises/%d/liaison", a)
		for who, want := range map[string]int{"township2": http.StatusNotFound, "liaison": http.StatusForbidden, "auditor": http.StatusForbidden} {
			if r := e.do(http.MethodDelete, path, who, nil, nil); r.Code != want {
				t.Errorf("unassign as %s: %d, want %d", who, r.Code, want)
			}
		}
		if r := e.do(http.MethodDelete, "/api/v1/enterprises/999999/liaison", "district", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("no such ledger: %d", r.Code)
		}
		r := e.do(http.MethodDelete, path, "township", nil, nil)
		var out struct {
			Liaison *json.RawMessage `json:"liaison"`
			History []struct {
				Username string  `json:"username"`
				EndedAt  *string `json:"ended_at"`
				EndedBy  string  `json:"ended_by"`
			} `json:"history"`
		}
		json.Unmarshal(r.Body.Bytes(), &out)
		if r.Code != http.StatusOK || out.Liaison != nil || len(out.History) != 1 || out.History[0].EndedAt == nil || out.History[0].EndedBy != "township" {
			t.Fatalf("unassign: %d %s", r.Code, r.Body)
		}
		after := e.coverage("district", "").District
		if after.Gaps["no_liaison"] != before.Gaps["no_liaison"]+1 || after.WorkCovered != before.WorkCovered-1 {
			t.Fatalf("coverage: no_liaison %d→%d, work_covered %d→%d", before.Gaps["no_liaison"], after.Gaps["no_liaison"],
				before.WorkCovered, after.WorkCovered)
		}
		e.countsMatchRecount()
		if n := e.listCount("district", "gap=no_liaison"); n != after.Gaps["no_liaison"] {
			t.Fatalf("list gap=no_liaison: %d, coverage %d", n, after.Gaps["no_liaison"])
		}
		// The former liaison no longer reaches it; unassigning again
		// changes nothing.
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", a), "liaison", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("former liaison: %d", r.Code)
		}
		if r := e.do(http.MethodDelete, path, "district", nil, nil); r.Code != http.StatusOK {
			t.Fatalf("again: %d", r.Code)
		}
		if n := e.auditCount(audit.LiaisonUnassign, fmt.Sprint(a)); n != 1 {
			t.Fatalf("%d unassign events", n)
		}
	})
}

// A departing liaison's enterprises move to another liaison of the
// township in one call; wrong targets are refused on field "to".
func TestHandover(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		var ids []int64
		for n := 1; n <= 3; n++ {
			id := e.createLedger(n, fmt.Sprintf("冷水滩区梅湾街道%d号", n))
			e.assignLiaison(id)
			ids = append(ids, id)
		}
		kept := e.createLedger(4, "冷水滩区梅湾街道4号") // no liaison: not touched
		lid := e.userID("liaison")
		successor := e.newUser("township", "liaison3", auth.Liaison, "431103001")
		retired := e.newUser("township", "liaison4", auth.Liaison, "431103001")
		if r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/disable", retired), "township", nil, nil); r.Code != http.StatusOK {
			t.Fatalf("disable: %d", r.Code)
		}
		before := e.coverage("district", "").District
		path := fmt.Sprintf("/api/v1/liaisons/%d/handover", lid)
		for _, tc := range []struct {
			name, caller, path string
			body               any
			status             int
			code               string
		}{
			{"to missing", "township", path, map[string]any{}, http.StatusUnprocessableEntity, "liaison_required"},
			{"to oneself", "township", path, map[string]any{"to": lid}, http.StatusUnprocessableEntity, "same_liaison"},
			{"to another township", "district", path, map[string]any{"to": e.userID("liaison2")}, http.StatusUnprocessableEntity, "liaison_other_township"},
			{"to a township admin", "township", path, map[string]any{"to": e.userID("township")}, http.StatusUnprocessableEntity, "liaison_not_found"},
			{"to nobody", "township", path, map[string]any{"to": 999999}, http.StatusUnprocessableEntity, "liaison_not_found"},
			{"to a disabled liaison", "township", path, map[string]any{"to": retired}, http.StatusUnprocessableEntity, "liaison_disabled"},
			{"another township's liaison", "township2", path, map[string]any{"to": successor}, http.StatusNotFound, "liaison_not_found"},
			{"from a non-liaison", "district", fmt.Sprintf("/api/v1/liaisons/%d/handover", e.userID("township")),
				map[string]any{"to": successor}, http.StatusNotFound, "liaison_not_found"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(http.MethodPost, tc.path, tc.caller, tc.body, nil)
				be := decodeError(t, r)
				if r.Code != tc.status || be.Error.Code != tc.code {
					t.Fatalf("%d %s", r.Code, r.Body)
				}
				if tc.status == http.StatusUnprocessableEntity && !hasChinese(be.Error.Fields["to"]) {
					t.Fatalf("no Chinese message on field to: %s", r.Body)
				}
			})
		}
		r := e.do(http.MethodPost, path, "township", map[string]any{"to": successor}, nil)
		var out struct {
			From struct {
				Username string `json:"username"`
			} `json:"from"`
			To struct {
				ID int64 `json:"id"`
			} `json:"to"`
			Moved         int     `json:"moved"`
			EnterpriseIDs []int64 `json:"enterprise_ids"`
		}
		json.Unmarshal(r.Body.Bytes(), &out)
		if r.Code != http.StatusOK || out.Moved != 3 || !slices.Equal(out.EnterpriseIDs, ids) || out.From.Username != "liaison" || out.To.ID != successor {
			t.Fatalf("handover: %d %s", r.Code, r.Body)
		}
		for _, id := range ids {
			if who, n := e.standingLiaison(id); who != "liaison3" || n != 2 {
				t.Fatalf("ledger %d after the handover: %q, %d periods", id, who, n)
			}
		}
		if who, n := e.standingLiaison(kept); who != "" || n != 0 {
			t.Fatalf("ledger without a liaison: %q, %d", who, n)
		}
		// Still covered by a liaison: the counts do not move, and equal a
		// recount.
		after := e.coverage("district", "").District
		if after.Gaps["no_liaison"] != before.Gaps["no_liaison"] || after.WorkCovered != before.WorkCovered {
			t.Fatalf("coverage moved: %+v → %+v", before, after)
		}
		e.countsMatchRecount()
		if n := e.listCount("liaison", ""); n != 0 {
			t.Fatalf("the departing liaison still sees %d ledgers", n)
		}
		// Nothing left: a second handover moves nothing.
		r = e.do(http.MethodPost, path, "district", map[string]any{"to": successor}, nil)
		json.Unmarshal(r.Body.Bytes(), &out)
		if r.Code != http.StatusOK || out.Moved != 0 || len(out.EnterpriseIDs) != 0 {
			t.Fatalf("second handover: %d %s", r.Code, r.Body)
		}
		if n := e.auditCount(audit.LiaisonHandover, fmt.Sprint(lid)); n != 2 {
			t.Fatalf("%d handover events", n)
		}
		if n := e.auditCount(audit.LiaisonAssign, fmt.Sprint(ids[0])); n != 2 {
			t.Fatalf("%d assignment events on ledger %d", n, ids[0])
		}
	})
}
