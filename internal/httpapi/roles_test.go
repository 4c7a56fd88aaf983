package httpapi_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// expectedRules is the role rule of every route, written out so that a route
// added to routes.go without a rule here fails the test. "public" needs no
// session; otherwise the roles admitted.
var expectedRules = map[string]string{
	"GET /healthz":                           "public",
	"GET /readyz":                            "public",
	"GET /api/openapi.json":                  "public",
	"GET /swagger/*any":                      "public",
	"POST /api/v1/auth/login":                "public",
	"POST /api/v1/auth/logout":               "district_admin township_admin liaison auditor",
	"GET /api/v1/me":                         "district_admin township_admin liaison auditor",
	"GET /api/v1/users":                      "district_admin township_admin auditor",
	"POST /api/v1/users":                     "district_admin township_admin",
	"PUT /api/v1/me/password":                "district_admin township_admin liaison auditor",
	"GET /api/v1/users/:id":                  "district_admin township_admin auditor",
	"POST /api/v1/users/:id/disable":         "district_admin township_admin",
	"POST /api/v1/users/:id/enable":          "district_admin township_admin",
	"DELETE /api/v1/enterprises/:id/liaison": "district_admin township_admin",
	"POST /api/v1/liaisons/:id/handover":     "district_admin township_admin",
	"GET /api/v1/divisions":                  "district_admin township_admin liaison auditor",
	"GET /api/v1/dictionaries":               "district_admin township_admin liaison auditor",
	"GET /api/v1/enterprises":                "district_admin township_admin liaison auditor",
	"POST /api/v1/enterprises":               "district_admin township_admin",
	"GET /api/v1/enterprises/:id":            "district_admin township_admin liaison auditor",
	"PATCH /api/v1/enterprises/:id":          "district_admin township_admin liaison",
	"GET /api/v1/enterprises/:id/history":    "district_admin township_admin liaison auditor",
	"GET /api/v1/enterprises/:id/plan":       "district_admin township_admin liaison auditor",
	"PUT /api/v1/enterprises/:id/plan":       "district_admin township_admin",
	"GET /api/v1/audit-events":               "auditor",
	"GET /api/v1/joint-groups/suggestions":   "district_admin township_admin auditor",
	"GET /api/v1/joint-groups":               "district_admin township_admin auditor",
	"POST /api/v1/joint-groups":              "district_admin township_admin",
	"GET /api/v1/joint-groups/:id":           "district_admin township_admin auditor",
	"DELETE /api/v1/joint-groups/:id":        "district_admin township_admin",
	"GET /api/v1/party-orgs":                 "district_admin township_admin auditor",
	"GET /api/v1/coverage":                   "district_admin township_admin liaison auditor",
	"GET /api/v1/coverage/trend":             "district_admin township_admin liaison auditor",
	"GET /api/v1/rollup/coverage":            "district_admin auditor",
	"GET /api/v1/exports/coverage-plan.xlsx": "district_admin township_admin auditor",
	"GET /api/v1/exports/coverage.xlsx":      "district_admin township_admin auditor",
	"GET /api/v1/exports/gaps.xlsx":          "district_admin township_admin auditor",
	"GET /api/v1/survey-rounds":              "district_admin township_admin liaison auditor",
	"POST /api/v1/survey-rounds":             "district_admin",
	"GET /api/v1/survey-rounds/:id":          "district_admin township_admin liaison auditor",
	"POST /api/v1/survey-rounds/:id/close":   "district_admin",
	"DELETE /api/v1/survey-rounds/:id":       "district_admin",
	"GET /api/v1/enterprises/:id/liaison":    "district_admin township_admin liaison auditor",
	"PUT /api/v1/enterprises/:id/liaison":    "district_admin township_admin",
	"GET /api/v1/enterprises/:id/visits":     "district_admin township_admin liaison auditor",
	"POST /api/v1/enterprises/:id/visits":    "district_admin township_admin liaison",
	"GET /api/v1/liaisons":                   "district_admin township_admin auditor",
	"GET /api/v1/me/enterprises":             "liaison",
	"POST /api/v1/party-orgs":                "district_admin township_admin",
	"GET /api/v1/party-orgs/:id":             "district_admin township_admin auditor",
	"PATCH /api/v1/party-orgs/:id":           "district_admin township_admin",
	"POST /api/v1/party-orgs/:id/dissolve":   "district_admin township_admin",
	"POST /api/v1/party-orgs/:id/merge":      "district_admin township_admin",
	"POST /api/v1/imports":                   "district_admin township_admin",
	"GET /api/v1/imports":                    "district_admin township_admin auditor",
	"GET /api/v1/imports/:id":                "district_admin township_admin auditor",
	"GET /api/v1/imports/:id/report":         "district_admin township_admin auditor",
}

func TestEveryRouteHasARoleRule(t *testing.T) {
	e := newEnv(t, store.SQLite)
	rules := map[string]string{}
	for _, r := range e.srv.Rules() {
		v := "public"
		if !r.Public {
			var names []string
			for _, role := range r.Roles {
				names = append(names, string(role))
			}
			v = strings.Join(names, " ")
		}
		rules[r.Method+" "+r.Path] = v
	}
	for _, r := range e.h.(*gin.Engine).Routes() {
		key := r.Method + " " + r.Path
		if _, ok := rules[key]; !ok {
			t.Errorf("route %s is registered without a role rule", key)
		}
		if _, ok := expectedRules[key]; !ok {
			t.Errorf("route %s has no entry in expectedRules", key)
		}
	}
	for key, want := range expectedRules {
		if got := rules[key]; got != want {
			t.Errorf("%s admits %q, want %q", key, got, want)
		}
	}
}

// TestRoleRouteMatrix calls every route as every role and as an anonymous
// caller: anonymous callers get 401 on non-public routes, roles outside the
// rule 403, roles inside it neither.
func TestRoleRouteMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道1号") // township 431103001, visible to the township users
		callers := []string{"", "district", "township", "liaison", "auditor"}
		roleOf := map[string]string{"district": "district_admin", "township": "township_admin", "liaison": "liaison", "auditor": "auditor"}
		keys := make([]string, 0, len(expectedRules))
		for k := range expectedRules {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			method, path, _ := strings.Cut(key, " ")
			path = strings.ReplaceAll(path, ":id", fmt.Sprint(id))
			path = strings.ReplaceAll(path, "*any", "index.html")
			for _, who := range callers {
				if key == "POST /api/v1/auth/logout" && who != "" {
					continue // checked below, as it ends the session
				}
				var body any
				header := map[string]string{}
				switch key {
				case "POST /api/v1/auth/login":
					body = map[string]any{"username": "nobody", "password": "x"}
				case "POST /api/v1/users":
					body = map[string]any{"username": "new_" + who, "password": password, "role": "liaison", "township_code": "431103001"}
				case "POST /api/v1/enterprises":
					body = map[string]any{"credit_code": creditCode(100 + len(who)), "name": "矩阵企业", "registered_address": "冷水滩区梅湾街道"}
				case "PATCH /api/v1/enterprises/:id":
					body = map[string]any{"employees": 5}
					header["If-Match"] = `"1"`
				case "PUT /api/v1/enterprises/:id/plan":
					body = map[string]any{"contact_name": "张三"}
					header["If-Match"] = `"1"`
				}
				r := e.do(method, path, who, body, header)
				allowed := expectedRules[key] == "public" || (who != "" && strings.Contains(" "+expectedRules[key]+" ", " "+roleOf[who]+" "))
				switch {
				case expectedRules[key] == "public":
					if r.Code == http.StatusForbidden || (r.Code == http.StatusUnauthorized && key != "POST /api/v1/auth/login") {
						t.Errorf("%s as %q: %d on a public route", key, who, r.Code)
					}
				case who == "":
					if r.Code != http.StatusUnauthorized {
						t.Errorf("%s anonymous: %d, want 401", key, r.Code)
					}
				case allowed:
					if r.Code == http.StatusUnauthorized || r.Code == http.StatusForbidden || r.Code >= 500 {
						t.Errorf("%s as %s: %d %s, want access", key, who, r.Code, r.Body)
					}
				default:
					if r.Code != http.StatusForbidden {
						t.Errorf("%s as %s: %d, want 403", key, who, r.Code)
					}
				}
			}
		}
		for _, who := range []string{"district", "township", "liaison", "auditor"} {
			if r := e.do(http.MethodPost, "/api/v1/auth/logout", who, nil, nil); r.Code != http.StatusNoContent {
				t.Errorf("logout as %s: %d", who, r.Code)
			}
		}
	})
}
