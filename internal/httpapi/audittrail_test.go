package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// auditEvents lists the audit events of an action, newest first.
func (e *env) auditEvents(action string) []map[string]any {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/audit-events?limit=200&action="+action, "auditor", nil, nil)
	var page struct{ Items []map[string]any }
	if err := json.Unmarshal(r.Body.Bytes(), &page); err != nil || r.Code != http.StatusOK {
		e.t.Fatalf("audit events: %d %s", r.Code, r.Body)
	}
	return page.Items
}

var minutes = regexp.MustCompile(`\d+分钟`)

// TestLoginsTellNothingAndAreAudited (GB/T 22239-2019 8.1.4.3): a login
// under a name no account has answers as a wrong password does — 401, then
// 423 after five failures, with the same code and message — and both are
// audited, the unknown name included; an attempt on a locked account is
// audited as refused. A refused (403) request is audited with its route.
// The client's X-Request-ID never becomes the server's request id; both
// are kept on the audit event.
func TestLoginsTellNothingAndAreAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		login := func(name string, header map[string]string) (int, errorBody, http.Header) {
			r := e.do(http.MethodPost, "/api/v1/auth/login", "", map[string]any{"username": name, "password": "Wrong-Pass-2026"}, header)
			var b errorBody
			json.Unmarshal(r.Body.Bytes(), &b)
			return r.Code, b, r.Header()
		}
		for i := 1; i <= 6; i++ {
			ka, kb, _ := login("township2", nil)
			ua, ub, _ := login("nobody-here", nil)
			kb.Error.Message, ub.Error.Message = minutes.ReplaceAllString(kb.Error.Message, "N分钟"), minutes.ReplaceAllString(ub.Error.Message, "N分钟")
			if ka != ua || kb.Error.Code != ub.Error.Code || kb.Error.Message != ub.Error.Message {
				t.Fatalf("attempt %d: an account answers %d %+v, an unknown name %d %+v", i, ka, kb.Error, ua, ub.Error)
			}
			want := http.StatusUnauthorized
			if i >= 5 {
				want = http.StatusLocked // the fifth failure locks, and says so
			}
			if ka != want {
				t.Fatalf("attempt %d: %d %+v, want %d", i, ka, kb.Error, want)
			}
		}
		failed := e.auditEvents("auth.login_failed")
		byName := map[string]int{}
		for _, ev := range failed {
			byName[fmt.Sprint(ev["entity_type"])+":"+fmt.Sprint(ev["entity_id"])]++
		}
		if byName["username:nobody-here"] != 5 || byName["user:"+fmt.Sprint(e.userID("township2"))] != 5 {
			t.Errorf("failed logins audited: %v", byName)
		}
		refused := e.auditEvents("auth.login_refused")
		var lockedRefusals int
		for _, ev := range refused {
			if strings.Contains(fmt.Sprint(ev["detail"]), "locked") {
				lockedRefusals++
			}
		}
		if lockedRefusals != 2 {
			t.Errorf("attempts on locked accounts and names audited: %d, want 2 (%v)", lockedRefusals, refused)
		}
		if n := len(e.auditEvents("auth.locked")); n != 2 {
			t.Errorf("locks audited: %d, want 2", n)
		}

		// A password typed as the name is not kept: only its length and
		// a fingerprint.
		login("Secret#Pass-2026", nil)
		ev0 := e.auditEvents("auth.login_failed")[0]
		if flat := fmt.Sprint(ev0); strings.Contains(flat, "Secret#Pass") || !strings.Contains(fmt.Sprint(ev0["entity_id"]), "指纹") {
			t.Errorf("a password-like name audited as %v", ev0)
		}

		// X-Request-ID: the client's is kept apart.
		_, _, h := login("liaison", map[string]string{"X-Request-ID": "client-chosen-id"})
		if got := h.Get("X-Request-ID"); got == "" || got == "client-chosen-id" {
			t.Errorf("the server's request id: %q", got)
		}
		ev := e.auditEvents("auth.login_failed")[0]
		if ev["request_id"] != h.Get("X-Request-ID") || ev["client_request_id"] != "client-chosen-id" {
			t.Errorf("audit event ids: request_id %v client_request_id %v (server sent %s)", ev["request_id"], ev["client_request_id"], h.Get("X-Request-ID"))
		}

		// A refused request is audited.
		r := e.do(http.MethodPost, "/api/v1/users", "liaison", map[string]any{"username": "x1", "password": password, "role": "auditor", "name": "x"}, nil)
		if r.Code != http.StatusForbidden {
			t.Fatalf("a liaison creating a user: %d", r.Code)
		}
		forbidden := e.auditEvents("auth.forbidden")
		if len(forbidden) != 1 || forbidden[0]["entity_id"] != "POST /api/v1/users" || forbidden[0]["actor"] != "liaison" ||
			!strings.Contains(fmt.Sprint(forbidden[0]["detail"]), "liaison") {
			t.Errorf("403 audited: %v", forbidden)
		}
	})
}

// TestLiaisonAuditAndTownshipSecrecy: liaisons assigned by an import are
// audited as assignments through the API are, naming the import; a
// township admin naming another township's liaison — by id, as handover
// target, or by account in an import — gets the answer of a liaison that
// does not exist.
func TestLiaisonAuditAndTownshipSecrecy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		a := e.createLedger(1, "冷水滩区梅湾街道1号")
		b := e.createLedger(2, "冷水滩区梅湾街道2号")
		e.createLedger(3, "冷水滩区梅湾街道3号")
		sheet := "统一社会信用代码,企业名称,联络员账号\n" + creditCode(1) + ",测试企业1,liaison\n" + creditCode(2) + ",测试企业2,liaison2\n" +
			creditCode(3) + ",测试企业3,nobody\n"
		job := e.importAndRun("township", "联络员.csv", []byte(sheet), map[string]string{"kind": "liaisons"})
		if job.Status != "succeeded" || job.Counts.Created != 1 || job.Counts.Rejected != 2 {
			t.Fatalf("import: %+v", job)
		}
		assigned := e.auditEvents("liaison.assign")
		if len(assigned) != 1 || assigned[0]["entity_id"] != fmt.Sprint(a) || assigned[0]["actor"] != "township" ||
			!strings.Contains(fmt.Sprint(assigned[0]["detail"]), fmt.Sprint(job.ID)) {
			t.Errorf("the import's assignment audited: %v", assigned)
		}
		// Another township's liaison answers as no liaison at all.
		other, none := e.userID("liaison2"), int64(999999)
		answer := func(method, path string, body map[string]any) string {
			r := e.do(method, path, "township", body, nil)
			var eb errorBody
			json.Unmarshal(r.Body.Bytes(), &eb)
			return fmt.Sprint(r.Code, " ", eb.Error.Code, " ", eb.Error.Message)
		}
		for _, c := range []struct {
			name, method, path, field string
		}{
			{"assign", http.MethodPut, fmt.Sprintf("/api/v1/enterprises/%d/liaison", b), "liaison_id"},
			{"handover target", http.MethodPost, fmt.Sprintf("/api/v1/liaisons/%d/handover", e.userID("liaison")), "to"},
		} {
			x, y := answer(c.method, c.path, map[string]any{c.field: other}), answer(c.method, c.path, map[string]any{c.field: none})
			if x != y || !strings.HasPrefix(x, "4") {
				t.Errorf("%s: another township's liaison %q, no liaison %q", c.name, x, y)
			}
		}
		f, err := excelize.OpenReader(bytes.NewReader(e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", job.ID), "township", nil, nil).Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("问题清单")
		var said []string
		for _, row := range rows[1:] {
			if len(row) > 3 && (row[2] == "liaison2" || row[2] == "nobody") {
				said = append(said, row[3])
			}
		}
		if len(said) != 2 || said[0] != said[1] {
			t.Errorf("the import's report on another township's account and on none: %q", said)
		}
	})
}
