package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

func TestLockoutAfterFiveFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		try := func(pw string) int {
			return e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "liaison", "password": pw}, nil).Code
		}
		for i := 1; i <= 4; i++ {
			if c := try("wrong-password"); c != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i, c)
			}
		}
		if c := try("wrong-password"); c != http.StatusLocked {
			t.Fatalf("fifth failure: %d, want 423", c)
		}
		if c := try(password); c != http.StatusLocked {
			t.Fatalf("right password while locked: %d, want 423", c)
		}
		e.clock.Advance(auth.LockDuration - time.Second)
		if c := try(password); c != http.StatusLocked {
			t.Fatalf("just before the lock ends: %d, want 423", c)
		}
		e.clock.Advance(2 * time.Second)
		if c := try(password); c != http.StatusOK {
			t.Fatalf("after the lock: %d, want 200", c)
		}
		// A success resets the count: four more failures do not lock.
		for i := 0; i < 4; i++ {
			try("wrong-password")
		}
		if c := try(password); c != http.StatusOK {
			t.Fatalf("count was not reset by the success: %d", c)
		}
		r := e.do(http.MethodGet, "/api/v1/audit-events?action=auth.locked", "auditor", nil, nil)
		var page struct {
			Items []struct{ Action, Actor string }
		}
		json.Unmarshal(r.Body.Bytes(), &page)
		if len(page.Items) != 1 || page.Items[0].Actor != "liaison" {
			t.Fatalf("lock not in the audit log: %s", r.Body)
		}
		if c := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "ghost", "password": "x"}, nil).Code; c != http.StatusUnauthorized {
			t.Fatalf("unknown user: %d", c)
		}
	})
}

// TestParallelGuessesCannotOutrunTheLockout sends 20 wrong passwords at
// once: at most five are checked, the account ends up locked, and the right
// password is refused afterwards.
func TestParallelGuessesCannotOutrunTheLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		const n = 20
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				codes[i] = e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "auditor", "password": fmt.Sprint("guess-", i)}, nil).Code
			}(i)
		}
		wg.Wait()
		checked := 0
		for _, c := range codes {
			switch c {
			case http.StatusUnauthorized:
				checked++
			case http.StatusLocked, http.StatusTooManyRequests:
			default:
				t.Fatalf("status %d among %v", c, codes)
			}
		}
		if checked > auth.MaxFailures-1 {
			t.Fatalf("%d guesses answered 401: the lockout was outrun (%v)", checked, codes)
		}
		if c := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "auditor", "password": password}, nil).Code; c != http.StatusLocked {
			t.Fatalf("right password after the burst: %d, want 423", c)
		}
	})
}

func TestStaleCredentialsDoNotBlockPublicRoutes(t *testing.T) {
	e := newEnv(t, store.SQLite)
	for _, p := range []string{"/healthz", "/readyz", "/api/openapi.json"} {
		if r := e.do(http.MethodGet, p, "", nil, map[string]string{"Authorization": "Bearer stale"}); r.Code != http.StatusOK {
			t.Errorf("%s with a stale token: %d", p, r.Code)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"username":"district","password":"`+password+`"}`))
	req.AddCookie(&http.Cookie{Name: "fugai_session", Value: "expired-token"})
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("login with a stale cookie: %d %s", rec.Code, rec.Body)
	}
}

func TestSessionIdleExpiryAndLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		me := func(user string) int { return e.do(http.MethodGet, "/api/v1/me", user, nil, nil).Code }
		if c := me("district"); c != http.StatusOK {
			t.Fatalf("fresh session: %d", c)
		}
		e.clock.Advance(auth.IdleTimeout - time.Minute)
		if c := me("district"); c != http.StatusOK {
			t.Fatalf("before idle timeout: %d", c)
		}
		e.clock.Advance(auth.IdleTimeout - time.Minute) // active a minute ago: still fine
		if c := me("district"); c != http.StatusOK {
			t.Fatalf("activity did not extend the session: %d", c)
		}
		e.clock.Advance(auth.IdleTimeout)
		if c := me("district"); c != http.StatusUnauthorized {
			t.Fatalf("idle session: %d, want 401", c)
		}
		e.tokens["district"] = e.login("district", password)
		if c := e.do(http.MethodPost, "/api/v1/auth/logout", "district", nil, nil).Code; c != http.StatusNoContent {
			t.Fatalf("logout: %d", c)
		}
		if c := me("district"); c != http.StatusUnauthorized {
			t.Fatalf("after logout: %d, want 401", c)
		}
		if c := e.do(http.MethodGet, "/api/v1/me", "", nil, map[string]string{"Authorization": "Basic abc"}).Code; c != http.StatusUnauthorized {
			t.Fatalf("non-bearer authorization: %d", c)
		}
		// Absolute timeout: a session used every 20 minutes still ends at 12 hours.
		e.tokens["liaison"] = e.login("liaison", password)
		for elapsed := 20 * time.Minute; elapsed < auth.AbsoluteTimeout; elapsed += 20 * time.Minute {
			e.clock.Advance(20 * time.Minute)
			if c := me("liaison"); c != http.StatusOK {
				t.Fatalf("active session refused after %v: %d", elapsed, c)
			}
		}
		e.clock.Advance(20 * time.Minute)
		if c := me("liaison"); c != http.StatusUnauthorized {
			t.Fatalf("session past the absolute timeout: %d, want 401", c)
		}
	})
}

func TestCookieSessionNeedsCSRFHeader(t *testing.T) {
	e := newEnv(t, store.SQLite)
	r := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "district", "password": password}, nil)
	cookie := r.Result().Cookies()[0]
	if cookie.Name != "fugai_session" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookie: %+v", cookie)
	}
	send := func(method, path, body string, csrf bool) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.AddCookie(cookie)
		if csrf {
			req.Header.Set("X-Requested-With", "fugai")
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec.Code
	}
	if c := send(http.MethodGet, "/api/v1/me", "", false); c != http.StatusOK {
		t.Fatalf("cookie GET: %d", c)
	}
	ledger := `{"credit_code":"` + creditCode(1) + `","name":"cookie"}`
	if c := send(http.MethodPost, "/api/v1/enterprises", ledger, false); c != http.StatusForbidden {
		t.Fatalf("cookie POST without the header: %d, want 403", c)
	}
	if c := send(http.MethodPost, "/api/v1/enterprises", ledger, true); c != http.StatusCreated {
		t.Fatalf("cookie POST with the header: %d", c)
	}
}

func TestCreateUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		post := func(as string, body map[string]any) (int, errorBody) {
			r := e.do(http.MethodPost, "/api/v1/users", as, body, nil)
			var b errorBody
			json.Unmarshal(r.Body.Bytes(), &b)
			return r.Code, b
		}
		u := func(name, role, township, pw string) map[string]any {
			return map[string]any{"username": name, "password": pw, "role": role, "township_code": township, "name": "某某"}
		}
		if c, b := post("township", u("l_own", "liaison", "431103001", password)); c != http.StatusCreated {
			t.Fatalf("township admin creates own liaison: %d %+v", c, b)
		}
		for _, body := range []map[string]any{
			u("l_other", "liaison", "431103002", password),
			u("ta", "township_admin", "431103001", password),
			u("da", "district_admin", "", password),
		} {
			if c, _ := post("township", body); c != http.StatusForbidden {
				t.Errorf("township admin creates %v: %d, want 403", body["role"], c)
			}
		}
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{u("weak1", "auditor", "", "short1A"), "password"},
			{u("weak2", "auditor", "", "alllowercaseletters"), "password"},
			{u("weak3", "auditor", "", "lowercase123456"), "password"}, // two classes only
			{u("nobind", "liaison", "", password), "township_code"},
			{u("badtown", "liaison", "431103999", password), "township_code"},
			{u("bound", "auditor", "431103001", password), "township_code"},
			{u("x", "auditor", "", password), "username"},
			{u("badrole", "mayor", "", password), "role"},
		} {
			code, b := post("district", c.body)
			if code != http.StatusUnprocessableEntity || b.Error.Fields[c.field] == "" {
				t.Errorf("%v: %d %+v, want 422 naming %s", c.body["username"], code, b, c.field)
			}
		}
		if c, _ := post("district", u("strong", "auditor", "", "lowercase-12345")); c != http.StatusCreated {
			t.Fatalf("three classes: %d", c)
		}
		if c, _ := post("district", u("strong", "auditor", "", password)); c != http.StatusConflict {
			t.Fatalf("duplicate username: %d", c)
		}
		for _, alike := range []string{"Strong", "STRONG"} {
			if c, b := post("district", u(alike, "auditor", "", password)); c != http.StatusConflict || b.Error.Fields["username"] == "" {
				t.Errorf("%s beside strong: %d %+v", alike, c, b)
			}
		}
		tok := e.login("l_own", password)
		e.tokens["l_own"] = tok
		r := e.do(http.MethodGet, "/api/v1/me", "l_own", nil, nil)
		var me struct {
			Role, Username string
			TownshipCode   string `json:"township_code"`
			TownshipName   string `json:"township_name"`
		}
		json.Unmarshal(r.Body.Bytes(), &me)
		if me.Role != "liaison" || me.TownshipCode != "431103001" || me.TownshipName != "梅湾街道" {
			t.Fatalf("me: %s", r.Body)
		}
		if strings.Contains(r.Body.String(), "argon2") {
			t.Fatal("password hash leaked")
		}
		list := func(as, q string) []string {
			r := e.do(http.MethodGet, "/api/v1/users"+q, as, nil, nil)
			var l struct{ Items []struct{ Username string } }
			json.Unmarshal(r.Body.Bytes(), &l)
			var names []string
			for _, it := range l.Items {
				names = append(names, it.Username)
			}
			if strings.Contains(r.Body.String(), "argon2") {
				t.Fatal("password hash leaked in the list")
			}
			return names
		}
		if got := strings.Join(list("township", ""), ","); got != "township,liaison,l_own" {
			t.Fatalf("township admin sees users %s", got)
		}
		if got := list("district", "?role=auditor"); len(got) != 2 {
			t.Fatalf("auditors: %v", got)
		}
		if r := e.do(http.MethodGet, "/api/v1/users?role=mayor", "district", nil, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("bad role filter: %d", r.Code)
		}
	})
}

func TestErrorsAndProbes(t *testing.T) {
	e := newEnv(t, store.SQLite)
	r := e.do(http.MethodGet, "/api/v1/nothing", "district", nil, nil)
	if r.Code != http.StatusNotFound || decodeError(t, r).Error.Code != "not_found" || !strings.Contains(r.Body.String(), `"fields":{}`) {
		t.Fatalf("unknown route: %d %s", r.Code, r.Body)
	}
	r = e.do(http.MethodPost, "/api/v1/enterprises", "district", `credit_code=x`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r.Code != http.StatusUnsupportedMediaType || decodeError(t, r).Error.Code != "unsupported_media_type" {
		t.Fatalf("form body: %d %s", r.Code, r.Body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(http.MethodGet, p, "", nil, nil); r.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Code)
		}
	}
	r = e.do(http.MethodGet, "/api/v1/divisions", "liaison", nil, nil)
	var div struct {
		Code      string
		Townships []struct {
			Code, Name string
			Places     []struct{ Code, Name string }
		}
	}
	json.Unmarshal(r.Body.Bytes(), &div)
	if div.Code != "431103" || len(div.Townships) != 18 || div.Townships[0].Name != "梅湾街道" || len(div.Townships[0].Places) == 0 {
		t.Fatalf("divisions: %d townships", len(div.Townships))
	}
	// The client's X-Request-ID is its own; the server answers with its.
	if r := e.do(http.MethodGet, "/api/v1/me", "", nil, map[string]string{"X-Request-ID": "abc-123"}); r.Header().Get("X-Request-ID") == "abc-123" ||
		len(r.Header().Get("X-Request-ID")) != 16 {
		t.Fatalf("request id %q", r.Header().Get("X-Request-ID"))
	}
	if r := e.do(http.MethodGet, "/api/v1/audit-events?from=yesterday", "auditor", nil, nil); r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad time filter: %d", r.Code)
	}
}
