package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/store/storetest"
)

// openExport opens an export's body as a workbook.
func openExport(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("open export: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// readSheet reads a sheet's cells as stored: numbers (dates, rates,
// counts) unformatted.
func readSheet(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", sheet, err)
	}
	return rows
}

// at is a row's cell i, "" past the last filled one.
func at(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func atInt(t *testing.T, row []string, i int) int {
	t.Helper()
	n, err := strconv.Atoi(at(row, i))
	if err != nil {
		t.Fatalf("cell %d of %q is not a count: %v", i, row, err)
	}
	return n
}

// Columns of the plan export.
const (
	colSeq = iota
	colTownship
	colName
	colCreditCode
	colAddress
	colEmployees
	colFullMembers
	colMethod
	colStart
	colDetails
	colCompletion
	colOrg
	colOrgFounded
	colContact
	colPhone
	colLiaison
	colStatus
	colUnion
	colYouthLeague
	colWomensFederation
	colReason
	colGap
)

var planHeader = []string{"序号", "街道/乡镇", "企业名称", "统一社会信用代码", "注册地址", "职工人数", "正式党员", "对策方式", "组建时间", "组建方式",
	"完成时间", "党组织名称", "成立日期", "联系人", "联系电话", "联络员", "状态", "工会", "共青团", "妇联", "未划分原因"}

// planGroup is one township's rows of a plan export and its 小计 row.
type planGroup struct {
	township string
	rows     [][]string
	subtotal []string
}

// parsePlan splits a plan export's rows into township groups and the 合计
// row, checking that 序号 runs 1, 2, … over the enterprise rows and that a
// group's rows all belong to its township.
func parsePlan(t *testing.T, rows [][]string) ([]planGroup, []string) {
	t.Helper()
	var groups []planGroup
	var cur planGroup
	seq := 0
	for i, row := range rows[2:] {
		switch at(row, colSeq) {
		case "小计":
			cur.subtotal = row
			if cur.township != at(row, colTownship) || len(cur.rows) == 0 {
				t.Fatalf("小计 of %q after %d rows of %q", at(row, colTownship), len(cur.rows), cur.township)
			}
			groups = append(groups, cur)
			cur = planGroup{}
		case "合计":
			if i != len(rows)-3 || len(cur.rows) > 0 {
				t.Fatalf("合计 is not the last row, or follows rows without a 小计: %q", row)
			}
			return groups, row
		default:
			seq++
			if n := atInt(t, row, colSeq); n != seq {
				t.Fatalf("序号 %d, want %d: %q", n, seq, row)
			}
			if cur.township == "" {
				cur.township = at(row, colTownship)
			} else if cur.township != at(row, colTownship) {
				t.Fatalf("%q among the rows of %q without a 小计", row, cur.township)
			}
			cur.rows = append(cur.rows, row)
		}
	}
	t.Fatal("no 合计 row")
	return nil, nil
}

// namedRow is a /coverage row with its name and every rate.
type namedRow struct {
	coverageRow
	Name             string  `json:"name"`
	WorkCoverageRate float64 `json:"work_coverage_rate"`
}

type namedTable struct {
	District   *namedRow  `json:"district"`
	Townships  []namedRow `json:"townships"`
	Unassigned *namedRow  `json:"unassigned"`
}

func (e *env) namedCoverage(user string) namedTable {
	e.t.Helper()
	r := e.do(http.MethodGet, "/api/v1/coverage", user, nil, nil)
	var t namedTable
	if err := json.Unmarshal(r.Body.Bytes(), &t); r.Code != http.StatusOK || err != nil {
		e.t.Fatalf("coverage: %d %v", r.Code, err)
	}
	return t
}

// export fetches an export as user and opens it.
func (e *env) export(path, user string) *excelize.File {
	e.t.Helper()
	r := e.do(http.MethodGet, path, user, nil, nil)
	if r.Code != http.StatusOK {
		e.t.Fatalf("%s: %d %s", path, r.Code, r.Body)
	}
	return openExport(e.t.(*testing.T), r.Body.Bytes())
}

// checkSheetLayout asserts the header filter, the print titles, the frozen
// header and the page set-up of an export sheet.
func checkSheetLayout(t *testing.T, f *excelize.File, sheet string, rows int) {
	t.Helper()
	names := map[string]string{}
	for _, d := range f.GetDefinedName() {
		if d.Scope == sheet {
			names[d.Name] = d.RefersTo
		}
	}
	if got, want := names["_xlnm.Print_Titles"], fmt.Sprintf("'%s'!$1:$2", sheet); got != want {
		t.Errorf("%s: print titles %q, want %q", sheet, got, want)
	}
	if got := names["_xlnm._FilterDatabase"]; !strings.HasPrefix(got, fmt.Sprintf("'%s'!$A$2:$", sheet)) || !strings.HasSuffix(got, "$"+strconv.Itoa(rows)) {
		t.Errorf("%s: filter %q over %d rows", sheet, got, rows)
	}
	if p, err := f.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 2 {
		t.Errorf("%s: panes %+v %v", sheet, p, err)
	}
	if l, err := f.GetPageLayout(sheet); err != nil || l.Orientation == nil || *l.Orientation != "landscape" || l.FitToWidth == nil || *l.FitToWidth != 1 {
		t.Errorf("%s: page layout %+v %v", sheet, l, err)
	}
}

// numeric reports whether a cell type is a number's (no type or n).
func numeric(typ excelize.CellType) bool {
	return typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
}

// cellFormat is the number format of a cell: its custom format, or the
// built-in one's number.
func cellFormat(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return strconv.Itoa(st.NumFmt)
}

// The plan export: townships in code order, the unassigned last, each
// with a 小计 equal to /coverage's row, a 合计 equal to the district;
// dates as Excel dates, contact and phone apart, the organisation's name
// and founding date, 是/否 columns; formula-like text neutralised.
func TestExportPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()
		e.createLedger(77, "冷水滩区梅湾街道1号")
		r := e.do(http.MethodPost, "/api/v1/enterprises", "district", map[string]any{"credit_code": creditCode(78),
			"name": `=HYPERLINK("x")`, "registered_address": "冷水滩区梅湾街道2号"}, nil)
		if r.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Code, r.Body)
		}
		// A standalone enterprise with a plan and a registered 党支部.
		var standalone struct {
			Items []struct {
				ID         int64  `json:"id"`
				CreditCode string `json:"credit_code"`
			} `json:"items"`
		}
		json.Unmarshal(e.do(http.MethodGet, "/api/v1/enterprises?method=standalone&limit=1", "district", nil, nil).Body.Bytes(), &standalone)
		org := standalone.Items[0]
		planPath := fmt.Sprintf("/api/v1/enterprises/%d/plan", org.ID)
		etag := e.do(http.MethodGet, planPath, "district", nil, nil).Header().Get("ETag")
		if r := e.do(http.MethodPut, planPath, "district", map[string]any{"planned_start_on": "2026-03-01", "planned_completion_on": "2026-06-30",
			"contact_name": "张三", "contact_phone": "+86 13800000000", "status": "in_progress"}, map[string]string{"If-Match": etag}); r.Code != http.StatusOK {
			t.Fatalf("plan: %d %s", r.Code, r.Body)
		}
		if r := e.do(http.MethodPost, "/api/v1/party-orgs", "district", map[string]any{"name": "某某公司党支部", "kind": "branch",
			"formation_type": "standalone", "founded_on": "2026-05-20", "member_count": 3, "enterprise_ids": []int64{org.ID}}, nil); r.Code != http.StatusCreated {
			t.Fatalf("party org: %d %s", r.Code, r.Body)
		}
		c := e.namedCoverage("district")

		f := e.export("/api/v1/exports/coverage-plan.xlsx", "district")
		const sheet = "全覆盖计划表"
		if got := f.GetSheetList(); !slices.Equal(got, []string{sheet}) {
			t.Fatalf("sheets %q", got)
		}
		rows := readSheet(t, f, sheet)
		if !strings.HasPrefix(rows[0][0], "永州市冷水滩区非公企业党组织全覆盖计划表（") || !slices.Equal(rows[1], planHeader) {
			t.Fatalf("title %q, header %q", rows[0], rows[1])
		}
		checkSheetLayout(t, f, sheet, len(rows))
		groups, total := parsePlan(t, rows)

		// Townships with enterprises, in code order, then the unassigned.
		var want []namedRow
		for _, tw := range c.Townships {
			if tw.Enterprises > 0 {
				want = append(want, tw)
			}
		}
		if c.Unassigned.Enterprises == 0 {
			t.Fatal("the samples have unassigned enterprises")
		}
		want = append(want, *c.Unassigned)
		if len(groups) != len(want) {
			t.Fatalf("%d township groups, want %d", len(groups), len(want))
		}
		for i, g := range groups {
			w := want[i]
			if g.township != w.Name || i > 0 && i < len(want)-1 && want[i-1].Code >= w.Code {
				t.Fatalf("group %d is %q, want %q in code order", i, g.township, w.Name)
			}
			sub := []int{atInt(t, g.subtotal, colName), atInt(t, g.subtotal, colUnion), atInt(t, g.subtotal, colYouthLeague), atInt(t, g.subtotal, colWomensFederation)}
			if !slices.Equal(sub, []int{w.Enterprises, w.Union, w.YouthLeague, w.WomensFederation}) || len(g.rows) != w.Enterprises {
				t.Errorf("小计 of %s: %v over %d rows, /coverage %d %d %d %d", w.Name, sub, len(g.rows), w.Enterprises, w.Union, w.YouthLeague, w.WomensFederation)
			}
			employees := 0
			for _, row := range g.rows {
				if n := at(row, colEmployees); n != "" {
					employees += atInt(t, row, colEmployees)
				}
			}
			if atInt(t, g.subtotal, colEmployees) != employees {
				t.Errorf("小计 of %s: %s employees, rows sum to %d", w.Name, at(g.subtotal, colEmployees), employees)
			}
		}
		dist := c.District
		if got := []int{atInt(t, total, colName), atInt(t, total, colUnion), atInt(t, total, colYouthLeague), atInt(t, total, colWomensFederation)}; !slices.Equal(got,
			[]int{dist.Enterprises, dist.Union, dist.YouthLeague, dist.WomensFederation}) {
			t.Errorf("合计 %v, district %+v", got, dist)
		}
		if got := cellFormat(t, f, sheet, "C"+strconv.Itoa(len(rows))); got != `0"户"` {
			t.Errorf("合计 enterprises format %q", got)
		}

		// The unassigned carry their address and reason.
		for _, row := range groups[len(groups)-1].rows {
			if at(row, colAddress) == "" || !slices.Contains([]string{division.ReasonAmbiguous.Label(), division.ReasonNoMatch.Label()}, at(row, colReason)) {
				t.Errorf("unassigned row without address or reason: %q", row)
			}
		}
		found := map[string]bool{}
		for line, row := range rows {
			cell := func(col int) string { name, _ := excelize.CoordinatesToCellName(col+1, line+1); return name }
			switch at(row, colCreditCode) {
			case creditCode(78):
				found["formula"] = at(row, colName) == `'=HYPERLINK("x")` && at(row, colMethod) == "纳入" && at(row, colStatus) == "未启动"
			case org.CreditCode:
				found["org"] = at(row, colOrg) == "某某公司党支部" && at(row, colContact) == "张三" && at(row, colPhone) == "'+86****0000" && // masked by default (TestPhonesMaskedAndReadsAudited)
					at(row, colStatus) == "已组建" && at(row, colReason) == ""
				for col, serial := range map[int]string{colStart: "46082", colCompletion: "46203", colOrgFounded: "46162"} {
					typ, _ := f.GetCellType(sheet, cell(col))
					if at(row, col) != serial || cellFormat(t, f, sheet, cell(col)) != "yyyy-mm-dd" || !numeric(typ) {
						t.Errorf("date column %d: %q (%v, %s), want the date %s", col, at(row, col), typ, cellFormat(t, f, sheet, cell(col)), serial)
					}
				}
			}
			if line > 1 && at(row, colSeq) != "小计" && at(row, colSeq) != "合计" {
				for _, col := range []int{colUnion, colYouthLeague, colWomensFederation} {
					if v := at(row, col); v != "" && v != "是" && v != "否" {
						t.Fatalf("column %d holds %q", col, v)
					}
				}
			}
		}
		if !found["formula"] || !found["org"] {
			t.Fatalf("rows checked: %v", found)
		}
	})
}

// The coverage export: townships in code order, then the unassigned, each
// row equal to /coverage; rates are numbers shown as percentages; the 合计
// row's rates come from the summed counts.
func TestExportCoverage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()
		c := e.namedCoverage("auditor")
		f := e.export("/api/v1/exports/coverage.xlsx", "auditor")
		const sheet = "覆盖情况"
		rows := readSheet(t, f, sheet)
		checkSheetLayout(t, f, sheet, len(rows))
		want := append(append([]namedRow{}, c.Townships...), *c.Unassigned, *c.District)
		if len(rows) != 2+len(want) || at(rows[1], 9) != "组织覆盖率" {
			t.Fatalf("%d rows, want %d; header %q", len(rows), 2+len(want), rows[1])
		}
		rate := func(row []string, col int) float64 {
			v, err := strconv.ParseFloat(at(row, col), 64)
			if err != nil {
				t.Fatalf("rate %q: %v", at(row, col), err)
			}
			return v
		}
		standaloneFormed := 0
		for i, w := range want {
			row := rows[2+i]
			seq, code := strconv.Itoa(i+1), w.Code
			switch {
			case i == len(want)-1:
				seq, code = "合计", ""
			case i == len(want)-2:
				code = ""
			}
			if at(row, 0) != seq || at(row, 1) != code || at(row, 2) != w.Name || i < len(c.Townships) && i > 0 && c.Townships[i-1].Code >= w.Code {
				t.Fatalf("row %d: %q, want %s %s %s in code order", i, row[:3], seq, code, w.Name)
			}
			got := []int{atInt(t, row, 3), atInt(t, row, 8), atInt(t, row, 12), atInt(t, row, 14), atInt(t, row, 15), atInt(t, row, 16),
				atInt(t, row, 17), atInt(t, row, 18), atInt(t, row, 20)}
			exp := []int{w.Enterprises, w.OrganizationCovered, w.WorkCovered, w.Union, w.YouthLeague, w.WomensFederation,
				w.Plans["formed"], w.Gaps["should_form"], w.Gaps["no_liaison"]}
			if !slices.Equal(got, exp) {
				t.Errorf("row %s: %v, /coverage %v", w.Name, got, exp)
			}
			if rate(row, 9) != w.OrganizationCoverageRate || rate(row, 11) != w.StandaloneRate || rate(row, 13) != w.WorkCoverageRate {
				t.Errorf("row %s rates %s %s %s, /coverage %v %v %v", w.Name, at(row, 9), at(row, 11), at(row, 13),
					w.OrganizationCoverageRate, w.StandaloneRate, w.WorkCoverageRate)
			}
			for _, col := range []string{"J", "L", "N"} {
				cell := col + strconv.Itoa(3+i)
				typ, _ := f.GetCellType(sheet, cell)
				if got := cellFormat(t, f, sheet, cell); got != "10" || !numeric(typ) {
					t.Errorf("row %s rate %s: format %s, type %v; want a number in format 10 (0.00%%)", w.Name, cell, got, typ)
				}
			}
			if i < len(want)-1 {
				standaloneFormed += atInt(t, row, 10)
			}
		}
		// The total's rates from its counts, not an average of the rates.
		last := rows[len(rows)-1]
		recount := func(n int) float64 { return math.Round(float64(n)/float64(c.District.Enterprises)*10000) / 10000 }
		if atInt(t, last, 10) != standaloneFormed || rate(last, 11) != recount(standaloneFormed) ||
			rate(last, 9) != recount(atInt(t, last, 8)) || rate(last, 13) != recount(atInt(t, last, 12)) {
			t.Fatalf("合计 %q: rates not from the summed counts (standalone formed %d)", last, standaloneFormed)
		}
	})
}

// Gap lists: per township the count /coverage gives, the 合计 the
// district's.
func TestExportGaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importSamples()
		c := e.namedCoverage("district")
		byName := map[string]namedRow{}
		for _, tw := range append(slices.Clone(c.Townships), *c.Unassigned) {
			byName[tw.Name] = tw
		}
		gaps := c.District.Gaps
		gaps["unassigned"] = c.Unassigned.Enterprises
		for gap, want := range gaps {
			f := e.export("/api/v1/exports/gaps.xlsx?gap="+gap, "district")
			rows := readSheet(t, f, "缺口清单")
			if !slices.Equal(rows[1], append(slices.Clone(planHeader), "缺口")) {
				t.Fatalf("gap header %q", rows[1])
			}
			groups, total := parsePlan(t, rows)
			if atInt(t, total, colName) != want {
				t.Errorf("gap %s: 合计 %s, /coverage %d", gap, at(total, colName), want)
			}
			for _, g := range groups {
				n := byName[g.township].Gaps[gap]
				if gap == "unassigned" {
					n = c.Unassigned.Enterprises
				}
				if atInt(t, g.subtotal, colName) != n || len(g.rows) != n || at(g.rows[0], colGap) == "" {
					t.Errorf("gap %s, %s: 小计 %s over %d rows, /coverage %d", gap, g.township, at(g.subtotal, colName), len(g.rows), n)
				}
			}
		}
		if r := e.do(http.MethodGet, "/api/v1/exports/gaps.xlsx?gap=all", "district", nil, nil); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("unknown gap: %d", r.Code)
		}
	})
}

// A township's exports: its own rows under its name; another township is
// not found for a township user.
func TestExportTownship(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d store.Dialect) {
		e := newEnv(t, d)
		e.importAndRun("district", "登记.xlsx", sample(t, "registration.xlsx"), map[string]string{"kind": "registration"})
		c := e.namedCoverage("district")
		names := map[string]namedRow{}
		for _, tw := range c.Townships {
			names[tw.Code] = tw
		}
		for _, tc := range []struct {
			name, user, query, township string
		}{
			{"township user", "township", "", "431103001"},
			{"township user, own township", "township", "?township=431103001", "431103001"},
			{"district, one township", "district", "?township=431103002", "431103002"},
			{"auditor, one township", "auditor", "?township=431103001", "431103001"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tw := names[tc.township]
				f := e.export("/api/v1/exports/coverage-plan.xlsx"+tc.query, tc.user)
				rows := readSheet(t, f, "全覆盖计划表")
				if !strings.HasPrefix(rows[0][0], "永州市冷水滩区"+tw.Name+"非公企业党组织全覆盖计划表") {
					t.Fatalf("title %q", rows[0][0])
				}
				groups, total := parsePlan(t, rows)
				if len(groups) != 1 || groups[0].township != tw.Name || atInt(t, total, colName) != tw.Enterprises {
					t.Fatalf("%d groups, 合计 %q; want %s with %d", len(groups), total, tw.Name, tw.Enterprises)
				}
				f = e.export("/api/v1/exports/coverage.xlsx"+tc.query, tc.user)
				rows = readSheet(t, f, "覆盖情况")
				if !strings.Contains(rows[0][0], tw.Name) || len(rows) != 4 || at(rows[2], 1) != tc.township || at(rows[3], 0) != "合计" ||
					atInt(t, rows[3], 3) != tw.Enterprises {
					t.Fatalf("coverage export %q", rows)
				}
				f = e.export("/api/v1/exports/gaps.xlsx?gap=no_liaison&"+strings.TrimPrefix(tc.query, "?"), tc.user)
				if rows := readSheet(t, f, "缺口清单"); !strings.Contains(rows[0][0], tw.Name) {
					t.Fatalf("gap export title %q", rows[0][0])
				}
			})
		}
		for _, path := range []string{"/api/v1/exports/coverage-plan.xlsx?township=431103002", "/api/v1/exports/coverage.xlsx?township=431103002",
			"/api/v1/exports/gaps.xlsx?gap=no_liaison&township=431103002"} {
			r := e.do(http.MethodGet, path, "township", nil, nil)
			if r.Code != http.StatusNotFound || decodeError(t, r).Error.Code != "township_not_found" {
				t.Errorf("%s as another township's admin: %d", path, r.Code)
			}
			if r := e.do(http.MethodGet, strings.Replace(path, "431103002", "431103999", 1), "district", nil, nil); r.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s with a township outside the district: %d", path, r.Code)
			}
		}
	})
}
