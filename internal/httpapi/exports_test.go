package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

func readSheet(t *testing.T, body []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open export: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("%s: %v", sheet, err)
	}
	return rows
}

// Exports read back as the API's rows; a ledger named like a formula comes
// out neutralised; township users get their township only.
func TestExports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration"})
		e.importAndRun("district", "调查.xlsx", sample(t, "survey.xlsx"), map[string]string{"kind": "survey"})
		r := e.do(http.MethodPost, "/api/v1/enterprises", "district", map[string]any{"credit_code": creditCode(77),
			"name": `=HYPERLINK("x")`, "registered_address": "冷水滩区梅湾街道1号"}, nil)
		if r.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Code, r.Body)
		}
		c := e.coverage("district", "")

		r = e.do(http.MethodGet, "/api/v1/exports/coverage-plan.xlsx", "district", nil, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("plan export: %d %s", r.Code, r.Body)
		}
		rows := readSheet(t, r.Body.Bytes(), "全覆盖计划表")
		if len(rows) != 2+c.District.Enterprises || rows[1][0] != "企业名称" || rows[1][11] != "状态" {
			t.Fatalf("plan export: %d rows (want %d), header %q", len(rows), 2+c.District.Enterprises, rows[1])
		}
		found := false
		for _, row := range rows[2:] {
			if row[1] == creditCode(77) {
				found = row[0] == `'=HYPERLINK("x")` && row[5] == "纳入" && row[11] == "未启动"
			}
		}
		if !found {
			t.Fatal("the formula-like name is not neutralised in the plan export")
		}

		r = e.do(http.MethodGet, "/api/v1/exports/coverage.xlsx", "auditor", nil, nil)
		rows = readSheet(t, r.Body.Bytes(), "覆盖情况")
		if len(rows) != 2+len(c.Townships)+2 {
			t.Fatalf("coverage export: %d rows", len(rows))
		}
		for i, tw := range c.Townships {
			if n, _ := strconv.Atoi(rows[2+i][1]); n != tw.Enterprises {
				t.Errorf("coverage export row %d: %q, want %d enterprises", i, rows[2+i], tw.Enterprises)
			}
		}
		if last := rows[len(rows)-1]; last[0] != "合计" || last[1] != strconv.Itoa(c.District.Enterprises) {
			t.Fatalf("total row: %q", last)
		}

		for gap, want := range c.District.Gaps {
			r = e.do(http.MethodGet, "/api/v1/exports/gaps.xlsx?gap="+gap, "district", nil, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("gap export %s: %d", gap, r.Code)
			}
			if rows := readSheet(t, r.Body.Bytes(), "缺口清单"); len(rows)-2 != want {
				t.Errorf("gap export %s: %d rows, coverage counts %d", gap, len(rows)-2, want)
			}
		}
		if r := e.do(http.MethodGet, "/api/v1/exports/gaps.xlsx?gap=all", "district", nil, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown gap: %d", r.Code)
		}
		// A township admin's plan export holds its own township only.
		r = e.do(http.MethodGet, "/api/v1/exports/coverage-plan.xlsx", "township", nil, nil)
		rows = readSheet(t, r.Body.Bytes(), "全覆盖计划表")
		for _, row := range rows[2:] {
			if row[2] != "梅湾街道" {
				t.Fatalf("township export has %q", row)
			}
		}
		if len(rows) < 3 {
			t.Fatal(fmt.Sprintf("township export empty: %d", len(rows)))
		}
	})
}
