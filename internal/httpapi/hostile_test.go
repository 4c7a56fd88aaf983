package httpapi_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/importer/importertest"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// fingerprint is what a refused request must leave as it was: the rows of
// every table a request can write (not the audit trail, which records
// refusals), and the ledgers' versions.
func (e *env) fingerprint() string {
	e.t.Helper()
	var parts []string
	for _, q := range []string{"SELECT count(*) FROM enterprises", "SELECT COALESCE(SUM(version), 0) FROM enterprises",
		"SELECT count(*) FROM enterprise_history", "SELECT count(*) FROM users", "SELECT count(*) FROM sessions",
		"SELECT count(*) FROM plans", "SELECT COALESCE(SUM(version), 0) FROM plans", "SELECT count(*) FROM visits",
		"SELECT count(*) FROM import_jobs", "SELECT count(*) FROM import_files", "SELECT count(*) FROM party_orgs",
		"SELECT count(*) FROM joint_groups", "SELECT count(*) FROM survey_rounds", "SELECT count(*) FROM liaison_assignments",
		"SELECT COUNT(DISTINCT password_hash) FROM users"} {
		var v any
		if err := e.db.SQL().QueryRow(q).Scan(&v); err != nil {
			e.t.Fatalf("%s: %v", q, err)
		}
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, " ")
}

var han = regexp.MustCompile(`\p{Han}`)

// hostile is one request a careless or hostile client could send.
type hostile struct {
	name    string
	method  string
	path    string
	user    string            // "" for anonymous
	body    string            // raw body (JSON unless upload is set)
	header  map[string]string // extra headers
	upload  *hostileUpload
	code    string // the error code expected ("" : any 4xx with a Chinese message)
	message string // the message expected, when it matters
	field   string // a field the error must name in its fields
}

type hostileUpload struct {
	filename string // with "UTF-8''" in front: sent as filename*= (RFC 2231)
	content  []byte
	fields   map[string]string
}

// TestHostileInputs sends requests a careless or hostile client could send
// — NUL bytes, control and bidirectional characters in every kind of text
// field, query parameter and file name, invalid UTF-8, malformed JSON,
// numbers out of range, oversize bodies, bad ids, headers and files — and
// holds each to a 4xx with a stable code and a Chinese message, with
// nothing written, on both databases. docs/security.md lists them.
func TestHostileInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		id := e.createLedger(1, "冷水滩区梅湾街道")
		e.assignLiaison(id)
		r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/enterprises/%d", id), "district", nil, nil)
		etag := r.Header().Get("ETag")
		led := fmt.Sprintf("/api/v1/enterprises/%d", id)
		ifMatch := map[string]string{"If-Match": etag}
		// A round that has not started yet.
		r = e.do(http.MethodPost, "/api/v1/survey-rounds", "district", map[string]any{"name": "2027年上半年", "starts_on": "2027-01-01", "ends_on": "2027-06-30"}, nil)
		var round struct{ ID int64 }
		if json.Unmarshal(r.Body.Bytes(), &round); r.Code != http.StatusCreated {
			t.Fatalf("round: %d %s", r.Code, r.Body)
		}
		closeRound := fmt.Sprintf("/api/v1/survey-rounds/%d/close", round.ID)
		planMatch := map[string]string{"If-Match": e.do(http.MethodGet, led+"/plan", "district", nil, nil).Header().Get("ETag")}
		csv := func(name, address string) []byte {
			return []byte("统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）\n" +
				creditCode(7) + "," + name + ",有限责任公司,存续," + address + "\n")
		}
		cases := []hostile{
			// Sign-in.
			{name: "login: NUL in the username", method: "POST", path: "/api/v1/auth/login", body: `{"username":"adm\u0000in","password":"Secret-Pass-2026"}`, code: "invalid_text"},
			{name: "login: NUL in the password", method: "POST", path: "/api/v1/auth/login", body: `{"username":"district","password":"x\u0000"}`, code: "invalid_text"},
			{name: "login: right-to-left override", method: "POST", path: "/api/v1/auth/login", body: `{"username":"dis\u202etrict","password":"Secret-Pass-2026"}`, code: "invalid_text"},
			{name: "login: bell character", method: "POST", path: "/api/v1/auth/login", body: `{"username":"district\u0007","password":"Secret-Pass-2026"}`, code: "invalid_text"},
			{name: "login: invalid UTF-8", method: "POST", path: "/api/v1/auth/login", body: "{\"username\":\"\xff\xfe\",\"password\":\"x\"}", code: "invalid_text"},
			{name: "login: override after a huge number", method: "POST", path: "/api/v1/auth/login", body: `{"n":1e400,"username":"dis\u202etrict","password":"x"}`, code: "invalid_text"},
			{name: "login: NUL in a key", method: "POST", path: "/api/v1/auth/login", body: `{"user\u0000name":"district","password":"x"}`, code: "invalid_text"},
			{name: "login: not JSON", method: "POST", path: "/api/v1/auth/login", body: `username=district`, code: "invalid_json"},
			{name: "login: an array", method: "POST", path: "/api/v1/auth/login", body: `[]`},
			{name: "login: two objects", method: "POST", path: "/api/v1/auth/login", body: `{}{}`, code: "invalid_json"},
			{name: "login: 10,000 nested arrays", method: "POST", path: "/api/v1/auth/login", body: strings.Repeat("[", 10001) + strings.Repeat("]", 10001)},
			{name: "login: 2 MB body", method: "POST", path: "/api/v1/auth/login", body: `{"username":"` + strings.Repeat("a", 2<<20) + `"}`, code: "body_too_large"},
			{name: "login: form content type", method: "POST", path: "/api/v1/auth/login", body: `{}`, header: map[string]string{"Content-Type": "text/plain"}, code: "unsupported_media_type"},
			// A ledger entered by hand.
			{name: "ledger: NUL in the name", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某\u0000公司","registered_address":"冷水滩区梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: name reversed by U+202E", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某公司\u202exe.","registered_address":"冷水滩区梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: a line break in the name", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某\n公司","registered_address":"冷水滩区梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: escape sequence in the address", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某公司","registered_address":"冷水滩区\u001b[31m梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: NUL in the credit code", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"91431103\u0000","name":"某公司","registered_address":"冷水滩区梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: C1 control in the legal representative", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某公司","legal_representative":"张\u0085三","registered_address":"冷水滩区梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: noncharacter in the name", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某公司\uffff","registered_address":"冷水滩区梅湾街道"}`, code: "invalid_text"},
			{name: "ledger: unknown field", method: "POST", path: "/api/v1/enterprises", user: "district", body: `{"credit_code":"` + creditCode(2) + `","name":"某公司","registered_address":"冷水滩区梅湾街道","admin":true}`},
			{name: "ledger: no body", method: "POST", path: "/api/v1/enterprises", user: "district", body: ``},
			{name: "edit: NUL in needs", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"needs":["x\u0000"]}`, code: "invalid_text"},
			{name: "edit: NUL in the business scope", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"business_scope":"销售\u0000"}`, code: "invalid_text"},
			{name: "edit: vertical tab in the business scope", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"business_scope":"销售\u000b"}`, code: "invalid_text"},
			{name: "edit: isolate in the legal representative", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"legal_representative":"\u2067张三\u2069"}`, code: "invalid_text"},
			{name: "edit: NUL in member sources", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"member_sources":["\u0000"]}`, code: "invalid_text"},
			{name: "edit: members 1e309", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"full_members":1e309}`},
			{name: "edit: members -1", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"full_members":-1}`},
			{name: "edit: members 1.5", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"full_members":1.5}`},
			{name: "edit: members beyond int64", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"full_members":99999999999999999999}`},
			{name: "edit: members as text", method: "PATCH", path: led, user: "district", header: ifMatch, body: `{"full_members":"3"}`},
			{name: "edit: If-Match not a version", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `"abc"`}, body: `{"employees":3}`},
			{name: "edit: If-Match beyond int64", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `"99999999999999999999"`}, body: `{"employees":3}`},
			{name: "edit: If-Match without its closing quote", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `"1`}, body: `{"employees":3}`, code: "invalid_if_match"},
			{name: "edit: If-Match without its opening quote", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `1"`}, body: `{"employees":3}`, code: "invalid_if_match"},
			{name: "edit: If-Match signed", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `"+1"`}, body: `{"employees":3}`, code: "invalid_if_match"},
			{name: "edit: If-Match with a leading zero", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `"01"`}, body: `{"employees":3}`, code: "invalid_if_match"},
			{name: "edit: If-Match unquoted", method: "PATCH", path: led, user: "district", header: map[string]string{"If-Match": `1`}, body: `{"employees":3}`, code: "invalid_if_match"},
			{name: "edit: no If-Match", method: "PATCH", path: led, user: "district", body: `{"employees":3}`},
			// Visits, plans, organisations, rounds, users, passwords.
			{name: "visit: NUL in the notes", method: "POST", path: led + "/visits", user: "liaison", body: `{"visited_on":"2026-05-20","services":["policy"],"notes":"走访\u0000"}`, code: "invalid_text"},
			{name: "visit: override in next steps", method: "POST", path: led + "/visits", user: "liaison", body: `{"visited_on":"2026-05-20","services":["policy"],"next_steps":"\u202e下一步"}`, code: "invalid_text"},
			{name: "visit: NUL in the date", method: "POST", path: led + "/visits", user: "liaison", body: `{"visited_on":"2026-05-20\u0000","services":["policy"]}`, code: "invalid_text"},
			{name: "visit: NUL in a service", method: "POST", path: led + "/visits", user: "liaison", body: `{"visited_on":"2026-05-20","services":["policy\u0000"]}`, code: "invalid_text"},
			{name: "visit: date not a date", method: "POST", path: led + "/visits", user: "liaison", body: `{"visited_on":"yesterday","services":["policy"]}`},
			{name: "visit: Idempotency-Key not ASCII", method: "POST", path: led + "/visits", user: "liaison", header: map[string]string{"Idempotency-Key": "键"}, body: `{"visited_on":"2026-05-20","services":["policy"]}`},
			{name: "visit: Idempotency-Key 300 characters", method: "POST", path: led + "/visits", user: "liaison", header: map[string]string{"Idempotency-Key": strings.Repeat("k", 300)}, body: `{"visited_on":"2026-05-20","services":["policy"]}`},
			{name: "plan: bidi in the override reason", method: "PUT", path: led + "/plan", user: "district", header: planMatch, body: `{"method":"included","override_reason":"\u202e原因"}`, code: "invalid_text"},
			{name: "plan: NUL in the contact", method: "PUT", path: led + "/plan", user: "district", header: planMatch, body: `{"contact_name":"张\u0000"}`, code: "invalid_text"},
			{name: "plan: line break in the contact phone", method: "PUT", path: led + "/plan", user: "district", header: planMatch, body: `{"contact_phone":"138\n0000"}`, code: "invalid_text"},
			{name: "organisation: NUL in the name", method: "POST", path: "/api/v1/party-orgs", user: "district", body: fmt.Sprintf(`{"name":"党支部\u0000","kind":"branch","formation_type":"standalone","founded_on":"2026-05-20","member_count":3,"enterprise_ids":[%d]}`, id), code: "invalid_text"},
			{name: "organisation: escape in the secretary", method: "POST", path: "/api/v1/party-orgs", user: "district", body: fmt.Sprintf(`{"name":"党支部","kind":"branch","formation_type":"standalone","founded_on":"2026-05-20","secretary":"\u001b]0;x\u0007","member_count":3,"enterprise_ids":[%d]}`, id), code: "invalid_text"},
			{name: "round: closed before it starts", method: "POST", path: closeRound, user: "district", code: "round_not_started"},
			{name: "round: closed with an end date", method: "POST", path: closeRound, user: "district", body: `{"ended_on":"2027-01-20"}`, code: "invalid_json", field: "ended_on"},
			{name: "joint group: an unknown field", method: "POST", path: "/api/v1/joint-groups", user: "district", body: `{"bogus":1}`, code: "invalid_json", field: "bogus"},
			{name: "handover: the liaison as text", method: "POST", path: "/api/v1/liaisons/1/handover", user: "district", body: `{"to":"7"}`, code: "invalid_json", field: "to"},
			{name: "organisation: members as text", method: "POST", path: "/api/v1/party-orgs", user: "district", body: `{"name":"党支部","kind":"branch","formation_type":"standalone","founded_on":"2026-05-20","member_count":"3"}`, code: "invalid_json", field: "member_count"},
			{name: "round: NUL in the name", method: "POST", path: "/api/v1/survey-rounds", user: "district", body: `{"name":"2026\u0000","starts_on":"2026-03-01","ends_on":"2026-06-30"}`, code: "invalid_text"},
			{name: "user: NUL in the username", method: "POST", path: "/api/v1/users", user: "district", body: `{"username":"li\u0000","password":"Liaison-Pass-01","role":"auditor","name":"审计"}`, code: "invalid_text"},
			{name: "user: override in the name", method: "POST", path: "/api/v1/users", user: "district", body: `{"username":"aud9","password":"Liaison-Pass-01","role":"auditor","name":"\u202e审计"}`, code: "invalid_text"},
			{name: "user: control in the phone", method: "POST", path: "/api/v1/users", user: "district", body: `{"username":"aud9","password":"Liaison-Pass-01","role":"auditor","name":"审计","phone":"138\u0008"}`, code: "invalid_text"},
			{name: "password: NUL in the new password", method: "PUT", path: "/api/v1/me/password", user: "auditor", body: `{"old_password":"Secret-Pass-2026","new_password":"New-Pass-2026\u0000"}`, code: "invalid_text"},
			{name: "liaison: id as text", method: "PUT", path: led + "/liaison", user: "district", body: `{"liaison_id":"1"}`},
			{name: "liaison: id beyond int64", method: "PUT", path: led + "/liaison", user: "district", body: `{"liaison_id":99999999999999999999}`},
			// Query parameters.
			{name: "search: NUL", method: "GET", path: "/api/v1/enterprises?q=%00", user: "district", code: "invalid_query"},
			{name: "search: right-to-left override", method: "GET", path: "/api/v1/enterprises?q=%E2%80%AE", user: "district", code: "invalid_query"},
			{name: "search: invalid UTF-8", method: "GET", path: "/api/v1/enterprises?q=%FF", user: "district", code: "invalid_query"},
			{name: "search: broken percent-encoding", method: "GET", path: "/api/v1/enterprises?q=%E6%A2", user: "district", code: "invalid_query"},
			{name: "filter: NUL township", method: "GET", path: "/api/v1/enterprises?township=%00", user: "district", code: "invalid_query"},
			{name: "filter: NUL industry", method: "GET", path: "/api/v1/enterprises?industry=%00", user: "district", code: "invalid_query"},
			{name: "filter: unknown gap", method: "GET", path: "/api/v1/enterprises?gap=%27%20OR%201%3D1", user: "district"},
			{name: "filter: unknown parameter", method: "GET", path: "/api/v1/enterprises?drop=table", user: "district", code: "unknown_parameter"},
			{name: "filter: repeated parameter", method: "GET", path: "/api/v1/enterprises?q=a&q=b", user: "district", code: "repeated_parameter"},
			{name: "page: cursor not a cursor", method: "GET", path: "/api/v1/enterprises?cursor=abc", user: "district"},
			{name: "page: cursor 10,000 characters", method: "GET", path: "/api/v1/enterprises?sort=name&cursor=" + strings.Repeat("A", 10000), user: "district"},
			{name: "page: limit -1", method: "GET", path: "/api/v1/enterprises?limit=-1", user: "district"},
			{name: "page: limit 100000", method: "GET", path: "/api/v1/enterprises?limit=100000", user: "district"},
			{name: "sort: unknown", method: "GET", path: "/api/v1/enterprises?sort=name;drop", user: "district"},
			{name: "updated_since: not a time", method: "GET", path: "/api/v1/enterprises?updated_since=%00", user: "district", code: "invalid_query"},
			{name: "audit: NUL actor", method: "GET", path: "/api/v1/audit-events?actor=%00", user: "auditor", code: "invalid_query"},
			{name: "coverage: round not a number", method: "GET", path: "/api/v1/coverage?round=1%27", user: "district"},
			// Ids in the path.
			{name: "id: not a number", method: "GET", path: "/api/v1/enterprises/abc", user: "district"},
			{name: "id: beyond int64", method: "GET", path: "/api/v1/enterprises/99999999999999999999", user: "district"},
			{name: "id: negative", method: "GET", path: "/api/v1/enterprises/-1", user: "district"},
			{name: "id: NUL", method: "GET", path: "/api/v1/enterprises/%00", user: "district"},
			{name: "id: another's job report", method: "GET", path: "/api/v1/imports/999999/report", user: "district"},
			// A path id that is no id answers as the thing the route names.
			{name: "id: organisation not a number", method: "GET", path: "/api/v1/party-orgs/abc", user: "district", code: "party_org_not_found"},
			{name: "id: organisation 0, dissolved", method: "POST", path: "/api/v1/party-orgs/0/dissolve", user: "district", header: map[string]string{"If-Match": `"1"`}, body: `{}`, code: "party_org_not_found"},
			{name: "id: joint group 0", method: "GET", path: "/api/v1/joint-groups/0", user: "district", code: "joint_group_not_found"},
			{name: "id: round not a number", method: "GET", path: "/api/v1/survey-rounds/abc", user: "district", code: "round_not_found"},
			{name: "id: user not a number", method: "GET", path: "/api/v1/users/abc", user: "district", code: "user_not_found"},
			{name: "id: liaison not a number", method: "POST", path: "/api/v1/liaisons/abc/handover", user: "district", body: `{"to":1}`, code: "liaison_not_found"},
			{name: "id: job not a number", method: "GET", path: "/api/v1/imports/abc", user: "district", code: "import_not_found"},
			{name: "id: ledger's liaison, not a number", method: "GET", path: "/api/v1/enterprises/abc/liaison", user: "district", code: "enterprise_not_found"},
			{name: "body: an array", method: "POST", path: "/api/v1/enterprises", user: "district", body: `[1]`, code: "invalid_json", message: "请求体须为合法的 JSON 对象：顶层不是对象"},
			// Uploads.
			{name: "upload: NUL in the file name", method: "POST", user: "district", upload: &hostileUpload{filename: "登记\x00.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration"}}, code: "invalid_multipart"},
			{name: "upload: bell in an RFC 2231 file name", method: "POST", user: "district", upload: &hostileUpload{filename: "UTF-8''%E7%99%BB%07.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration"}}, code: "invalid_text"},
			{name: "upload: file name reversed by U+202E", method: "POST", user: "district", upload: &hostileUpload{filename: "登记\u202evsc.exe", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration"}}, code: "invalid_text"},
			{name: "upload: file name 300 characters", method: "POST", user: "district", upload: &hostileUpload{filename: strings.Repeat("名", 300) + ".csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration"}}},
			{name: "upload: dry_run twice", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration", "dry_run": "true", "dry_run#2": "false"}}, code: "repeated_parameter", field: "dry_run"},
			{name: "upload: kind twice", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration", "kind#2": "survey"}}, code: "repeated_parameter", field: "kind"},
			{name: "upload: an unknown field", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration", "township": "431103001"}}, code: "unknown_parameter", field: "township"},
			{name: "upload: empty file", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: nil, fields: map[string]string{"kind": "registration"}}},
			{name: "upload: random bytes as xlsx", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.xlsx", content: bytes.Repeat([]byte{0x8f, 0x00, 0x13}, 500), fields: map[string]string{"kind": "registration"}}},
			{name: "upload: a zip that is no workbook", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.xlsx", content: []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), fields: map[string]string{"kind": "registration"}}},
			{name: "upload: an executable", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 200)...), fields: map[string]string{"kind": "registration"}}},
			{name: "upload: 3,000,000 shared strings in under a megabyte", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.xlsx", content: stringsBomb(t), fields: map[string]string{"kind": "registration"}}, code: "xlsx_too_many_strings"},
			{name: "upload: unknown kind", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration'--"}}},
			{name: "upload: dry_run not a boolean", method: "POST", user: "district", upload: &hostileUpload{filename: "登记.csv", content: csv("某公司", "冷水滩区梅湾街道"), fields: map[string]string{"kind": "registration", "dry_run": "maybe"}}},
			{name: "upload: not multipart", method: "POST", path: "/api/v1/imports", user: "district", body: `{"kind":"registration"}`, code: "unsupported_media_type"},
		}
		if len(cases) < 60 {
			t.Fatalf("only %d hostile requests", len(cases))
		}
		before := e.fingerprint()
		for _, c := range cases {
			var rec *httptest.ResponseRecorder
			if c.upload != nil && strings.HasPrefix(c.upload.filename, "UTF-8''") {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				for k, v := range c.upload.fields {
					mw.WriteField(k, v)
				}
				h := textproto.MIMEHeader{}
				h.Set("Content-Disposition", `form-data; name="file"; filename*=`+c.upload.filename)
				pw, _ := mw.CreatePart(h)
				pw.Write(c.upload.content)
				mw.Close()
				req := httptest.NewRequest(http.MethodPost, "/api/v1/imports", &buf)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				req.Header.Set("Authorization", "Bearer "+e.tokens[c.user])
				rec = httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
			} else if c.upload != nil {
				rec = e.upload(c.user, c.upload.filename, c.upload.content, c.upload.fields, c.header)
			} else {
				req := httptest.NewRequest(c.method, "/", strings.NewReader(c.body))
				req.URL.RawQuery = ""
				if p, q, ok := strings.Cut(c.path, "?"); ok {
					req.URL.Path, req.URL.RawQuery = p, q
				} else {
					req.URL.Path = c.path
				}
				req.RequestURI = c.path
				if c.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				if c.user != "" {
					req.Header.Set("Authorization", "Bearer "+e.tokens[c.user])
				}
				for k, v := range c.header {
					req.Header.Set(k, v)
				}
				rec = httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
			}
			var body struct {
				Error struct {
					Code, Message string
					Fields        map[string]string
				}
			}
			json.Unmarshal(rec.Body.Bytes(), &body)
			switch {
			case rec.Code < 400 || rec.Code >= 500:
				t.Errorf("%s: %d %.300s", c.name, rec.Code, rec.Body)
			case body.Error.Code == "" || !han.MatchString(body.Error.Message):
				t.Errorf("%s: %d without a code and a Chinese message: %.300s", c.name, rec.Code, rec.Body)
			case c.code != "" && body.Error.Code != c.code:
				t.Errorf("%s: code %s (%s), want %s", c.name, body.Error.Code, body.Error.Message, c.code)
			case c.message != "" && body.Error.Message != c.message:
				t.Errorf("%s: message %q, want %q", c.name, body.Error.Message, c.message)
			case c.field != "" && !han.MatchString(body.Error.Fields[c.field]):
				t.Errorf("%s: field %s not named: %.300s", c.name, c.field, rec.Body)
			}
			if after := e.fingerprint(); after != before {
				t.Errorf("%s: something was written (%s → %s)", c.name, before, after)
				before = after
			}
		}
	})
}

// TestHostileCells: a registration export whose cells hold NUL, control
// or direction-turning characters imports its good rows and rejects each
// bad one with its row number and what is wrong, on both databases (NUL
// failed the whole job on PostgreSQL); a line break inside a cell, as
// Excel's Alt+Enter makes, is not refused.
func TestHostileCells(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		rows := []string{
			creditCode(11) + ",永州市正常有限公司,有限责任公司,存续,冷水滩区梅湾街道",
			creditCode(12) + ",永州市\x1b[0m转义有限公司,有限责任公司,存续,冷水滩区梅湾街道",
			creditCode(13) + ",永州市反向\u202e有限公司,有限责任公司,存续,冷水滩区梅湾街道",
			creditCode(14) + ",永州市响铃有限公司,有限责任公司,存续,冷水滩区\x07梅湾街道",
			creditCode(15) + ",永州市隔离\u2066有限公司,有限责任公司,存续,冷水滩区梅湾街道",
			creditCode(16) + ",\"永州市换行\n有限公司\",有限责任公司,存续,冷水滩区梅湾街道",
		}
		body := "统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）\n" + strings.Join(rows, "\n") + "\n"
		j := e.importAndRun("district", "登记.csv", []byte(body), map[string]string{"kind": "registration"})
		if j.Status != "succeeded" || j.Counts.Created != 2 || j.Counts.Rejected != 4 {
			t.Fatalf("job: %+v", j)
		}
		r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", j.ID), "district", nil, nil)
		f, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		report, _ := f.GetRows("问题清单")
		want := map[string]string{"3": "控制字符", "4": "改变文字方向", "5": "控制字符", "6": "改变文字方向"}
		for _, row := range report[1:] {
			if w, ok := want[row[0]]; ok && row[4] == "拒绝" && strings.Contains(row[3], w) {
				delete(want, row[0])
			}
		}
		if len(want) != 0 {
			t.Errorf("rows not reported as rejected for their characters: %v\n%q", want, report)
		}
		// In a workbook a cell can hold a control character (written _x0007_).
		x := excelize.NewFile()
		x.SetSheetRow("Sheet1", "A1", &[]any{"统一社会信用代码", "企业名称", "市场主体类型", "登记状态", "住所（经营场所）"})
		x.SetSheetRow("Sheet1", "A2", &[]any{creditCode(21), "永州市好有限公司", "有限责任公司", "存续", "冷水滩区梅湾街道"})
		x.SetSheetRow("Sheet1", "A3", &[]any{creditCode(22), "永州市响BELL铃有限公司", "有限责任公司", "存续", "冷水滩区梅湾街道"})
		x.SetSheetRow("Sheet1", "A4", &[]any{creditCode(23), "永州市空NULCHAR字符有限公司", "有限责任公司", "存续", "冷水滩区梅湾街道"})
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		// excelize will not write a control character: put the escapes in by hand.
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			w, _ := zw.Create(zf.Name)
			data = bytes.ReplaceAll(data, []byte("BELL"), []byte("_x0007_"))
			w.Write(bytes.ReplaceAll(data, []byte("NULCHAR"), []byte("_x0000_")))
		}
		zw.Close()
		j = e.importAndRun("district", "登记.xlsx", out.Bytes(), map[string]string{"kind": "registration"})
		if j.Status != "succeeded" || j.Counts.Created != 1 || j.Counts.Rejected != 2 {
			t.Fatalf("workbook with a bell and a NUL: %+v", j)
		}
		var name string
		if err := e.db.SQL().QueryRow("SELECT name FROM enterprises WHERE credit_code = '" + creditCode(16) + "'").Scan(&name); err != nil || name != "永州市换行 有限公司" {
			t.Errorf("the cell with a line break: %q %v", name, err)
		}
	})
}

// stringsBomb is a workbook under a megabyte whose shared strings hold
// three million entries.
func stringsBomb(t *testing.T) []byte {
	t.Helper()
	b, err := importertest.StringsBomb(3000)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(b))
	}
	return b
}
