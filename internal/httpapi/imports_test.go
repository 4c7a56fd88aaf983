package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

const samples = "../importer/testdata/"

type importJob struct {
	ID       int64
	Kind     string
	Status   string
	DryRun   bool `json:"dry_run"`
	Format   string
	Progress struct{ Processed, Total int }
	Counts   struct {
		Rows, Created, Updated, Unchanged, Rejected, Warnings, Duplicates, Unassigned int
		OutOfScope                                                                    int `json:"out_of_scope"`
		KeptNewer                                                                     int `json:"kept_newer"`
		OverwrittenNewer                                                              int `json:"overwritten_newer"`
	}
	OverwriteNewer bool     `json:"overwrite_newer"`
	HeaderRow      int      `json:"header_row"`
	UnknownColumns []string `json:"unknown_columns"`
	Error          *struct{ Code, Message string }
}

// upload posts a file as user; fields may set kind and dry_run (a key
// "name#2" sends the field name a second time).
func (e *env) upload(user, name string, content []byte, fields map[string]string, header map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		k, _, _ = strings.Cut(k, "#")
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(samples + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// importAndRun uploads and runs the job to the end, as the background
// workers would, then returns the job as the API shows it.
func (e *env) importAndRun(user, name string, content []byte, fields map[string]string) importJob {
	e.t.Helper()
	r := e.upload(user, name, content, fields, nil)
	if r.Code != http.StatusAccepted {
		e.t.Fatalf("upload %s: %d %s", name, r.Code, r.Body)
	}
	var j importJob
	json.Unmarshal(r.Body.Bytes(), &j)
	if j.Status != "queued" {
		e.t.Fatalf("new job status %q", j.Status)
	}
	if ok, err := e.workers.RunNext(context.Background(), j.ID); err != nil || !ok {
		e.t.Fatalf("run job %d: %v %v", j.ID, ok, err)
	}
	return e.job(user, j.ID)
}

func (e *env) job(user string, id int64) importJob {
	e.t.Helper()
	r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", id), user, nil, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("get job %d: %d %s", id, r.Code, r.Body)
	}
	var j importJob
	json.Unmarshal(r.Body.Bytes(), &j)
	return j
}

func (e *env) ledgerCount() int {
	e.t.Helper()
	var page struct{ Items []json.RawMessage }
	json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?limit=200", "district", nil, nil).Body.Bytes(), &page)
	return len(page.Items)
}

func TestImportThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		// A dry run counts everything and changes nothing.
		dry := e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration", "dry_run": "true"})
		if dry.Status != "succeeded" || !dry.DryRun || dry.Counts.Created != 340 || e.ledgerCount() != 0 {
			t.Fatalf("dry run: %+v, %d ledgers", dry, e.ledgerCount())
		}
		reg := e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration"})
		if reg.Format != "xlsx" || reg.Status != "succeeded" || reg.Counts.Rows != 344 || reg.Counts.Created != 340 || reg.Counts.Rejected != 1 ||
			reg.Counts.Duplicates != 3 || reg.Progress.Processed != 344 || reg.Progress.Total != 344 || reg.HeaderRow != 2 {
			t.Fatalf("registration: %+v", reg)
		}
		// The report lists the rejected row and the warned ones.
		r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", reg.ID), "auditor", nil, nil)
		if r.Code != http.StatusOK || !strings.Contains(r.Header().Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("report: %d %s", r.Code, r.Header())
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("问题清单")
		if len(rows) != 5 || strings.Join(rows[0], ",") != "行号,列,原始值,说明,结果,代码,台账现值,台账修改时间,修改人" {
			t.Fatalf("report rows: %q", rows)
		}
		found := false
		for _, row := range rows[1:] {
			if row[0] == "268" && row[2] == "91431103MA4" && row[4] == "拒绝" && strings.Contains(row[3], "格式不正确") {
				found = true
			}
		}
		if !found {
			t.Fatalf("the malformed code is not in the report: %q", rows)
		}
		// Survey by a township admin: only its own township's rows apply.
		sur := e.importAndRun("township", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"})
		if sur.Status != "succeeded" || sur.Counts.Updated == 0 || sur.Counts.Rejected == 0 ||
			sur.Counts.Updated+sur.Counts.Rejected+sur.Counts.Unchanged != sur.Counts.Rows {
			t.Fatalf("township survey: %+v", sur)
		}
		var page struct {
			Items []struct {
				TownshipCode *string `json:"township_code"`
				Employees    int
			}
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?limit=200&township=431103002", "district", nil, nil).Body.Bytes(), &page)
		for _, it := range page.Items {
			if it.Employees != 0 {
				t.Fatalf("a township admin's survey changed another township's ledger")
			}
		}
		if r := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d", reg.ID), "township", nil, nil); r.Code != http.StatusNotFound {
			t.Fatalf("township admin sees a district job: %d", r.Code)
		}
		var list struct{ Items []importJob }
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/imports", "district", nil, nil).Body.Bytes(), &list)
		if len(list.Items) != 3 || list.Items[0].ID != sur.ID {
			t.Fatalf("list, newest first: %+v", list.Items)
		}
		// The same rows in GB18030 CSV change nothing.
		again := e.importAndRun("district", "登记.csv", sample(t, "registration-gbk.csv"), map[string]string{"kind": "registration"})
		if again.Counts.Created != 0 || again.Counts.Updated != 0 || again.Counts.Unchanged != 340 {
			t.Fatalf("GB18030 re-import: %+v", again.Counts)
		}
	})
}

func TestImportIdempotencyKey(t *testing.T) {
	e := newEnv(t, store.SQLite)
	key := map[string]string{"Idempotency-Key": "reg-2026-11"}
	fields := map[string]string{"kind": "registration"}
	first := e.upload("district", "a.xlsx", sample(t, "registration.xlsx"), fields, key)
	if first.Code != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	var j importJob
	json.Unmarshal(first.Body.Bytes(), &j)
	// Still queued: the same request again is a conflict.
	if r := e.upload("district", "a.xlsx", sample(t, "registration.xlsx"), fields, key); r.Code != http.StatusConflict {
		t.Fatalf("while queued: %d %s", r.Code, r.Body)
	}
	if r := e.upload("district", "b.csv", sample(t, "registration-gbk.csv"), fields, key); r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other file: %d %s", r.Code, r.Body)
	}
	e.workers.RunNext(context.Background(), j.ID)
	r := e.upload("district", "a.xlsx", sample(t, "registration.xlsx"), fields, key)
	var again importJob
	json.Unmarshal(r.Body.Bytes(), &again)
	if r.Code != http.StatusOK || again.ID != j.ID || again.Status != "succeeded" {
		t.Fatalf("after the job: %d %s", r.Code, r.Body)
	}
	var list struct{ Items []importJob }
	json.Unmarshal(e.do(http.MethodGet, "/api/v1/imports", "district", nil, nil).Body.Bytes(), &list)
	if len(list.Items) != 1 {
		t.Fatalf("%d jobs, want 1", len(list.Items))
	}
	// Another user's key is another key.
	if r := e.upload("township", "s.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"}, key); r.Code != http.StatusAccepted {
		t.Fatalf("other user, same key: %d", r.Code)
	}
}

// zipBomb is a workbook whose zip directory declares 2 GB unpacked.
func zipBomb(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store,
		CompressedSize64: 4, UncompressedSize64: 2 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<x/>"))
	zw.Close()
	return buf.Bytes()
}

// TestHostileFiles: each bad file is a clear 4xx or a failed job with a
// Chinese message, never a 5xx, and nothing reaches the ledger.
func TestHostileFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		xlsx := sample(t, "registration.xlsx")
		garbage := make([]byte, 4096)
		for i := range garbage {
			garbage[i] = byte(i*7 + 3)
		}
		huge := "统一社会信用代码,企业名称,住所\n91431103MA4L12345X,\"" + strings.Repeat("长", (10<<20)/3) + "\",冷水滩区\n"
		cases := []struct {
			name    string
			file    string
			content []byte
			kind    string
			status  int    // the upload's status
			code    string // the error code of the upload or of the failed job
		}{
			{"truncated xlsx", "t.xlsx", xlsx[:len(xlsx)/2], "registration", 422, "xlsx_unreadable"},
			{"zip bomb", "bomb.xlsx", zipBomb(t), "registration", 422, "xlsx_too_large"},
			{"binary garbage named csv", "g.csv", garbage, "registration", 415, "unsupported_file"},
			{"old xls", "old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, garbage...), "registration", 415, "unsupported_file"},
			{"a zip that is not a workbook", "doc.xlsx", func() []byte {
				var b bytes.Buffer
				zw := zip.NewWriter(&b)
				w, _ := zw.Create("word/document.xml")
				w.Write([]byte("<x/>"))
				zw.Close()
				return b.Bytes()
			}(), "registration", 415, "unsupported_file"},
			{"empty file", "e.csv", nil, "registration", 422, "empty_file"},
			{"headers only", "h.csv", []byte("统一社会信用代码,企业名称,住所\n"), "registration", 202, "no_rows"},
			{"no header at all", "n.csv", []byte("a,b,c\n1,2,3\n"), "registration", 202, "header_not_found"},
			{"wrong kind", "s.xlsx", sample(t, "survey.xlsx"), "registration", 202, "missing_columns"},
			{"a 10 MB cell", "big.csv", []byte(huge), "registration", 202, "line_too_long"},
			{"over the upload limit", "big.csv", bytes.Repeat([]byte("a,b\n"), 7<<19), "registration", 413, "upload_too_large"},
			{"unknown kind", "r.xlsx", xlsx, "people", 422, "validation_failed"},
		}
		for _, c := range cases {
			r := e.upload("district", c.file, c.content, map[string]string{"kind": c.kind}, nil)
			if r.Code != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.Code, c.status, r.Body)
				continue
			}
			if c.status != http.StatusAccepted {
				if b := decodeError(t, r); b.Error.Code != c.code || !hasChinese(b.Error.Message) {
					t.Errorf("%s: error %+v, want code %s with a Chinese message", c.name, b.Error, c.code)
				}
				continue
			}
			var j importJob
			json.Unmarshal(r.Body.Bytes(), &j)
			e.workers.RunNext(context.Background(), j.ID)
			j = e.job("district", j.ID)
			if j.Status != "failed" || j.Error == nil || j.Error.Code != c.code || !hasChinese(j.Error.Message) {
				t.Errorf("%s: job %+v, want failed with %s", c.name, j, c.code)
			}
			if rep := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", j.ID), "district", nil, nil); rep.Code != http.StatusOK {
				t.Errorf("%s: report of a failed job: %d", c.name, rep.Code)
			}
		}
		if n := e.ledgerCount(); n != 0 {
			t.Fatalf("hostile files wrote %d ledgers", n)
		}
		if r := e.upload("township", "r.xlsx", xlsx, map[string]string{"kind": "registration"}, nil); r.Code != http.StatusForbidden {
			t.Fatalf("township admin imports registrations: %d", r.Code)
		}
		if r := e.upload("liaison", "s.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"}, nil); r.Code != http.StatusForbidden {
			t.Fatalf("liaison imports: %d", r.Code)
		}
	})
}

func hasChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestLargeImportAnalyzes: an import transaction that notes thousands of
// ledgers analyzes the tables it filled before the coverage statements
// join them (store.analyzeFrom), so their plans see its rows: after a
// killed import, when a table of dead rows had been analyzed as empty, a
// 30,000-row re-run took 106 s instead of 4 s (docs/performance.md).
func TestLargeImportAnalyzes(t *testing.T) {
	e := newEnv(t, store.Postgres)
	if _, err := e.db.SQL().Exec("ANALYZE enterprises"); err != nil { // empty
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）\n")
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&b, "%s,永州市分析%d有限公司,有限责任公司,存续,冷水滩区梅湾街道%d号\n", creditCode(100000+i), i, i)
	}
	j := e.importAndRun("district", "登记.csv", []byte(b.String()), map[string]string{"kind": "registration"})
	if j.Status != "succeeded" || j.Counts.Created != 2500 {
		t.Fatalf("import: %+v", j)
	}
	var tuples float64
	if err := e.db.SQL().QueryRow("SELECT reltuples FROM pg_class WHERE relname = 'enterprises'").Scan(&tuples); err != nil {
		t.Fatal(err)
	}
	if tuples < 2500 {
		t.Errorf("the planner's count of ledgers after the import: %v, want its 2,500", tuples)
	}

	// While an index is being built (it holds the lock ANALYZE needs and
	// waits for this import), the import goes on without analyzing,
	// rather than wait or deadlock.
	// Statistics that say empty again (as after a killed import).
	if _, err := e.db.SQL().Exec("UPDATE pg_class SET reltuples = 0 WHERE relname = 'enterprises'"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := e.db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "LOCK TABLE enterprises IN SHARE UPDATE EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	done := make(chan struct{})
	go func() { // never hang the test: let go after a while
		select {
		case <-time.After(30 * time.Second):
			conn.ExecContext(ctx, "ROLLBACK")
			close(released)
		case <-done:
		}
	}()
	var more strings.Builder
	more.WriteString("统一社会信用代码,企业名称,市场主体类型,登记状态,住所（经营场所）\n")
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&more, "%s,永州市锁%d有限公司,有限责任公司,存续,冷水滩区梅湾街道%d号\n", creditCode(200000+i), i, i)
	}
	j = e.importAndRun("district", "登记2.csv", []byte(more.String()), map[string]string{"kind": "registration"})
	close(done)
	select {
	case <-released:
		t.Errorf("the import waited for the lock")
	default:
	}
	if j.Status != "succeeded" || j.Counts.Created != 2500 {
		t.Errorf("import under the lock: %+v", j)
	}
	conn.ExecContext(ctx, "ROLLBACK")
}
