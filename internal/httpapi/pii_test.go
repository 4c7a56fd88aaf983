package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// TestPhonesMaskedAndReadsAudited (PIPL): phone numbers are masked in
// lists and exports (138****8000); a detail view gives the full number to
// the roles that call people (district and township admins, liaisons),
// each such read audited, and a masked one to auditors; a full export is
// for admins, audited. API answers carry a Content-Security-Policy, and
// HSTS over HTTPS.
func TestPhonesMaskedAndReadsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		lid := e.newUser("district", "phone_liaison", auth.Liaison, "431103001")
		// newUser sets no phone: give one.
		if _, err := e.db.SQL().Exec("UPDATE users SET phone = '13800008000' WHERE id = " + fmt.Sprint(lid)); err != nil {
			t.Fatal(err)
		}
		id := e.createLedger(1, "冷水滩区梅湾街道")
		if r := e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/liaison", id), "district", map[string]any{"liaison_id": lid}, nil); r.Code != http.StatusOK {
			t.Fatalf("assign: %d %s", r.Code, r.Body)
		}
		etag := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", map[string]any{"contact_name": "王书记", "contact_phone": "13900001234"},
			map[string]string{"If-Match": etag}); r.Code != http.StatusOK {
			t.Fatalf("plan: %d %s", r.Code, r.Body)
		}
		reads := func() int { return len(e.auditEvents("pii.read")) }
		get := func(path, user string) string {
			r := e.do(http.MethodGet, path, user, nil, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("%s as %s: %d %s", path, user, r.Code, r.Body)
			}
			return r.Body.String()
		}
		// Lists: masked, nothing audited.
		before := reads()
		for _, c := range []struct{ path, user string }{
			{"/api/v1/users", "district"}, {"/api/v1/liaisons", "district"}, {"/api/v1/enterprises", "district"}, {"/api/v1/enterprises", "township"},
		} {
			body := get(c.path, c.user)
			if strings.Contains(body, "13800008000") || strings.Contains(body, "13900001234") {
				t.Errorf("%s as %s shows a full phone", c.path, c.user)
			}
			if !strings.Contains(body, "138****8000") {
				t.Errorf("%s as %s: no masked phone in %.300s", c.path, c.user, body)
			}
		}
		if reads() != before {
			t.Errorf("lists were audited as full reads")
		}
		// Detail views: full for admins and liaisons, each read audited.
		for _, c := range []struct{ path, user, phone string }{
			{fmt.Sprintf("/api/v1/users/%d", lid), "district", "13800008000"},
			{fmt.Sprintf("/api/v1/enterprises/%d", id), "township", "13800008000"},
			{fmt.Sprintf("/api/v1/enterprises/%d", id), "district", "13900001234"},
			{fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", "13900001234"},
			{fmt.Sprintf("/api/v1/enterprises/%d/liaison", id), "township", "13800008000"},
		} {
			n := reads()
			if body := get(c.path, c.user); !strings.Contains(body, c.phone) {
				t.Errorf("%s as %s: no full phone %s", c.path, c.user, c.phone)
			}
			if reads() <= n {
				t.Errorf("%s as %s: the full read was not audited", c.path, c.user)
			}
		}
		ev := e.auditEvents("pii.read")[0]
		if ev["actor"] != "township" || ev["entity_type"] != "user" || ev["entity_id"] != fmt.Sprint(lid) {
			t.Errorf("the audited read: %v", ev)
		}
		// Auditors read masked numbers, unaudited; one's own phone is one's own.
		n := reads()
		for _, path := range []string{fmt.Sprintf("/api/v1/users/%d", lid), fmt.Sprintf("/api/v1/enterprises/%d", id), fmt.Sprintf("/api/v1/enterprises/%d/plan", id)} {
			if body := get(path, "auditor"); strings.Contains(body, "13800008000") || strings.Contains(body, "13900001234") {
				t.Errorf("%s as auditor shows a full phone", path)
			}
		}
		if reads() != n {
			t.Errorf("masked reads were audited")
		}
		// A write that answers with someone's full phone is audited as a
		// read of it: the plan, a user created, disabled or enabled.
		etag = e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", nil, nil).Header().Get("ETag")
		n = reads()
		if r := e.do(http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/plan", id), "district", map[string]any{"contact_name": "李书记", "contact_phone": "13900001234"},
			map[string]string{"If-Match": etag}); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "13900001234") || reads() != n+1 {
			t.Errorf("plan written: %d, %d reads audited (want 1): %s", r.Code, reads()-n, r.Body)
		}
		r := e.do(http.MethodPost, "/api/v1/users", "district", map[string]any{"username": "phone_user2", "name": "联络员乙", "phone": "13700007000",
			"role": "liaison", "township_code": "431103001", "password": "Liaison-Pass-02"}, nil)
		var created struct{ ID int64 }
		json.Unmarshal(r.Body.Bytes(), &created)
		if r.Code != http.StatusCreated || !strings.Contains(r.Body.String(), "13700007000") || reads() != n+2 {
			t.Errorf("user created: %d, %d reads audited (want 2): %s", r.Code, reads()-n, r.Body)
		}
		for i, action := range []string{"disable", "enable"} {
			r := e.do(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/%s", created.ID, action), "district", map[string]any{}, nil)
			if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "13700007000") || reads() != n+3+i {
				t.Errorf("user %sd: %d, %d reads audited (want %d): %s", action, r.Code, reads()-n, 3+i, r.Body)
			}
		}
		// Exports: masked; full for admins, audited; not for auditors.
		f := e.export("/api/v1/exports/coverage-plan.xlsx", "district")
		rows, _ := f.GetRows("全覆盖计划表")
		flat, _ := json.Marshal(rows)
		if strings.Contains(string(flat), "13900001234") || !strings.Contains(string(flat), "139****1234") {
			t.Errorf("the default export's phones: %s", flat)
		}
		f = e.export("/api/v1/exports/coverage-plan.xlsx?phones=full", "district")
		rows, _ = f.GetRows("全覆盖计划表")
		flat, _ = json.Marshal(rows)
		if !strings.Contains(string(flat), "13900001234") || len(e.auditEvents("pii.export")) != 1 {
			t.Errorf("a full export: %s, %d audited", flat, len(e.auditEvents("pii.export")))
		}
		if r := e.do(http.MethodGet, "/api/v1/exports/coverage-plan.xlsx?phones=full", "auditor", nil, nil); r.Code != http.StatusForbidden {
			t.Errorf("an auditor's full export: %d", r.Code)
		}
		if r := e.do(http.MethodGet, "/api/v1/exports/gaps.xlsx?gap=no_liaison&phones=all", "district", nil, nil); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("phones=all: %d", r.Code)
		}
		// Headers.
		r = e.do(http.MethodGet, "/api/v1/me", "district", nil, map[string]string{"X-Forwarded-Proto": "https"})
		if !strings.Contains(r.Header().Get("Content-Security-Policy"), "default-src 'none'") || !strings.Contains(r.Header().Get("Strict-Transport-Security"), "max-age=") {
			t.Errorf("headers: %v", r.Header())
		}
		if r := e.do(http.MethodGet, "/api/v1/me", "district", nil, nil); r.Header().Get("Strict-Transport-Security") != "" {
			t.Errorf("HSTS over plain HTTP")
		}
	})
}
