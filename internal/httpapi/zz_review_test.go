package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fugai/fugai/internal/store"
)

func TestZZMoveOut(t *testing.T) {
	e := newEnv(t, store.SQLite)
	id := e.createLedger(1, "冷水滩区梅湾街道1号")
	path := fmt.Sprintf("/api/v1/enterprises/%d", id)
	r := e.do(http.MethodPatch, path, "township", map[string]any{"registered_address": "冷水滩区菱角山街道2号"}, map[string]string{"If-Match": `"1"`})
	t.Logf("township admin moves: %d %s", r.Code, r.Body)
	r = e.do(http.MethodGet, path, "township2", nil, nil)
	t.Logf("township2 sees: %d", r.Code)
	r = e.do(http.MethodGet, path, "township", nil, nil)
	t.Logf("township sees: %d", r.Code)
	// outside district by township admin create
	r = e.do(http.MethodPost, "/api/v1/enterprises", "township", map[string]any{"credit_code": creditCode(7), "name": "外区", "registered_address": "零陵区某路"}, nil)
	t.Logf("outside create: %d %s", r.Code, r.Body)
}

func TestZZStaleCookieLogin(t *testing.T) {
	e := newEnv(t, store.SQLite)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"username":"district","password":"`+password+`"}`))
	req.AddCookie(&http.Cookie{Name: "fugai_session", Value: "stale"})
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	t.Logf("login with stale cookie: %d %s", rec.Code, rec.Body)
	req = httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	t.Logf("healthz with bad bearer: %d", rec.Code)
}

func TestZZLockoutRace(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite} {
		e := newEnv(t, d)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": "liaison", "password": "wrong-password"}, nil).Code
				mu.Lock()
				codes[c]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		t.Logf("%s: 20 parallel wrong guesses: %v", d, codes)
	}
}
