package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// Through the API: a survey import keeps a field edited since the last
// survey import and lists it in the report with the ledger's value and who
// changed it; overwrite_newer overwrites it and is shown on the job; the
// option is refused where it means nothing.
func TestImportKeepsNewerEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration"})
		e.clock.Advance(10 * time.Minute)
		first := e.importAndRun("district", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"})
		if first.Counts.Updated == 0 || first.Counts.KeptNewer != 0 || first.OverwriteNewer {
			t.Fatalf("first survey: %+v", first)
		}
		e.clock.Advance(10 * time.Minute)
		const code = "91431103721194Q66P" // the survey's first row
		r := e.do(http.MethodGet, "/api/v1/enterprises?credit_code="+code, "district", nil, nil)
		var page struct {
			Items []struct {
				ID        int64
				Employees int
			}
		}
		if err := json.Unmarshal(r.Body.Bytes(), &page); err != nil || len(page.Items) != 1 {
			t.Fatalf("ledger %s: %s", code, r.Body)
		}
		surveyed := page.Items[0].Employees
		path := fmt.Sprintf("/api/v1/enterprises/%d", page.Items[0].ID)
		etag := e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPatch, path, "district", map[string]any{"employees": surveyed + 100}, map[string]string{"If-Match": etag}); r.Code != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		e.clock.Advance(10 * time.Minute)

		again := e.importAndRun("district", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"})
		if again.Counts.KeptNewer != 1 || again.Counts.Updated != 0 || again.OverwriteNewer {
			t.Fatalf("survey after the edit: %+v", again)
		}
		if got := ledgerOf(t, e.do(http.MethodGet, path, "district", nil, nil)); got["employees"] != float64(surveyed+100) {
			t.Fatalf("the edit was overwritten: %v", got["employees"])
		}
		rep := e.do(http.MethodGet, fmt.Sprintf("/api/v1/imports/%d/report", again.ID), "district", nil, nil)
		f, err := excelize.OpenReader(bytes.NewReader(rep.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("问题清单")
		var kept [][]string
		for _, row := range rows[1:] {
			if len(row) > 5 && row[5] == "kept_newer" {
				kept = append(kept, row)
			}
		}
		if len(kept) != 1 || kept[0][0] != "2" || kept[0][1] != "职工人数" || kept[0][2] != fmt.Sprint(surveyed) ||
			kept[0][4] != "警告" || kept[0][6] != fmt.Sprint(surveyed+100) || kept[0][7] != "2026-06-01 17:20" || kept[0][8] != "district" {
			t.Fatalf("report: %q", kept)
		}

		e.clock.Advance(10 * time.Minute)
		etag = e.do(http.MethodGet, path, "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPatch, path, "district", map[string]any{"employees": surveyed + 200}, map[string]string{"If-Match": etag}); r.Code != http.StatusOK {
			t.Fatalf("patch: %d %s", r.Code, r.Body)
		}
		e.clock.Advance(10 * time.Minute)
		over := e.importAndRun("district", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey", "overwrite_newer": "true"})
		if over.Counts.OverwrittenNewer != 1 || over.Counts.KeptNewer != 0 || over.Counts.Updated != 1 || !over.OverwriteNewer {
			t.Fatalf("overwrite_newer: %+v", over)
		}
		if got := ledgerOf(t, e.do(http.MethodGet, path, "district", nil, nil)); got["employees"] != float64(surveyed) {
			t.Fatalf("overwrite_newer left employees %v, want %d", got["employees"], surveyed)
		}

		// An Idempotency-Key names one choice of overwrite_newer.
		csv := []byte("统一社会信用代码,职工人数\n" + code + ",1\n")
		key := map[string]string{"Idempotency-Key": "survey-guard"}
		if r := e.upload("district", "x.csv", csv, map[string]string{"kind": "survey", "dry_run": "true"}, key); r.Code != http.StatusAccepted {
			t.Fatalf("upload with a key: %d %s", r.Code, r.Body)
		}
		r = e.upload("district", "x.csv", csv, map[string]string{"kind": "survey", "dry_run": "true", "overwrite_newer": "true"}, key)
		if b := decodeError(t, r); r.Code != http.StatusUnprocessableEntity || b.Error.Code != "idempotency_key_reused" {
			t.Errorf("the key again with overwrite_newer: %d %s", r.Code, r.Body)
		}
		for name, fields := range map[string]map[string]string{
			"registration": {"kind": "registration", "overwrite_newer": "true"},
			"liaisons":     {"kind": "liaisons", "overwrite_newer": "true"},
			"not a bool":   {"kind": "survey", "overwrite_newer": "maybe"},
		} {
			r := e.upload("district", "x.csv", csv, fields, nil)
			if b := decodeError(t, r); r.Code != http.StatusUnprocessableEntity || b.Error.Fields["overwrite_newer"] == "" ||
				!strings.Contains(b.Error.Message+b.Error.Fields["overwrite_newer"], "overwrite_newer") {
				t.Errorf("%s: %d %s", name, r.Code, r.Body)
			}
		}
	})
}
