package export

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{"": "", "企业": "企业", "=1+1": "'=1+1", "+86": "'+86", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "\nx": "'\nx", "a=b": "a=b", "＝1+1": "'＝1+1", "＋86": "'＋86", "－5": "'－5", "＠A": "'＠A"} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}

var testColumns = []Column{Col("序号", 6), Col("名称", 20), DateCol("日期", 12), PercentCol("比率", 10), Col("户数", 8)}

// write writes n numbered rows, each with a date, a rate and a count, and
// opens the workbook.
func write(t *testing.T, n, perSheet int) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	tbl := Table{Name: "全覆盖计划表", Title: "测试表", Columns: testColumns, RowsPerSheet: perSheet}
	err := tbl.Write(&buf, func(emit func(Row) error) error {
		for i := 1; i <= n; i++ {
			on := time.Date(2026, 1, i, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
			if err := emit(Row{Cells: []any{i, "=企业" + strconv.Itoa(i), &on, 0.5, Count{N: i, Unit: "户"}}, Total: i%4 == 0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write: %v", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Rows beyond a sheet's limit continue on further sheets, each laid out
// like the first; nothing is lost or written twice.
func TestWriteSplitsSheets(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rows, sheets int
	}{
		{"empty", 0, 1},
		{"one sheet", 4, 1},
		{"exactly full", 10, 2},
		{"one more", 11, 3},
		{"three sheets", 13, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := write(t, tc.rows, 5)
			want := []string{"全覆盖计划表"}
			for i := 2; i <= tc.sheets; i++ {
				want = append(want, fmt.Sprintf("全覆盖计划表(%d)", i))
			}
			if got := f.GetSheetList(); !slices.Equal(got, want) {
				t.Fatalf("sheets %q, want %q", got, want)
			}
			var seen []string
			for i, sheet := range want {
				rows, err := f.GetRows(sheet)
				if err != nil {
					t.Fatal(err)
				}
				title := "测试表"
				if i > 0 {
					title += "（续表）"
				}
				if rows[0][0] != title || !slices.Equal(rows[1], []string{"序号", "名称", "日期", "比率", "户数"}) {
					t.Fatalf("%s: title %q header %q", sheet, rows[0], rows[1])
				}
				if len(rows)-2 > 5 || (i < len(want)-1 && len(rows)-2 != 5) {
					t.Fatalf("%s holds %d rows", sheet, len(rows)-2)
				}
				for _, r := range rows[2:] {
					seen = append(seen, r[0])
				}
				checkLayout(t, f, sheet, len(rows))
			}
			var wantSeen []string
			for i := 1; i <= tc.rows; i++ {
				wantSeen = append(wantSeen, strconv.Itoa(i))
			}
			if !slices.Equal(seen, wantSeen) {
				t.Fatalf("rows read back %q, want %q", seen, wantSeen)
			}
		})
	}
}

// checkLayout asserts a sheet's frozen header, filter, print titles and
// page set-up.
func checkLayout(t *testing.T, f *excelize.File, sheet string, lines int) {
	t.Helper()
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("%s: panes %+v %v", sheet, panes, err)
	}
	names := map[string]string{}
	for _, d := range f.GetDefinedName() {
		if d.Scope == sheet {
			names[d.Name] = d.RefersTo
		}
	}
	if got, want := names["_xlnm.Print_Titles"], fmt.Sprintf("'%s'!$1:$2", sheet); got != want {
		t.Errorf("%s: print titles %q, want %q", sheet, got, want)
	}
	if got, want := names["_xlnm._FilterDatabase"], fmt.Sprintf("'%s'!$A$2:$E$%d", sheet, lines); got != want {
		t.Errorf("%s: filter %q, want %q", sheet, got, want)
	}
	layout, err := f.GetPageLayout(sheet)
	if err != nil || layout.Orientation == nil || *layout.Orientation != "landscape" || layout.FitToWidth == nil || *layout.FitToWidth != 1 ||
		layout.FitToHeight == nil || *layout.FitToHeight != 0 {
		t.Errorf("%s: page layout %+v %v", sheet, layout, err)
	}
	props, err := f.GetSheetProps(sheet)
	if err != nil || props.FitToPage == nil || !*props.FitToPage {
		t.Errorf("%s: sheet props %+v %v", sheet, props, err)
	}
}

// Dates are Excel dates, rates percentages, counts numbers with their unit,
// text neutralised, totals bold.
func TestWriteCells(t *testing.T) {
	f := write(t, 4, 0)
	const sheet = "全覆盖计划表"
	for _, tc := range []struct {
		name, cell, raw, format string
		bold                    bool
	}{
		{"number", "A3", "1", "", false},
		{"neutralised text", "B3", "'=企业1", "", false},
		{"date in its own zone", "C3", "46023", "yyyy-mm-dd", false},
		{"rate", "D3", "0.5", "0.00%", false},
		{"count", "E4", "2", `0"户"`, false},
		{"total", "A6", "4", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := f.GetCellValue(sheet, tc.cell, excelize.Options{RawCellValue: true})
			if err != nil || raw != tc.raw {
				t.Fatalf("%s = %q (%v), want %q", tc.cell, raw, err, tc.raw)
			}
			typ, _ := f.GetCellType(sheet, tc.cell)
			if isNumber := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber; isNumber == (tc.cell == "B3") {
				t.Fatalf("%s has type %v", tc.cell, typ)
			}
			id, _ := f.GetCellStyle(sheet, tc.cell)
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			format := ""
			if st.CustomNumFmt != nil {
				format = *st.CustomNumFmt
			} else if st.NumFmt == 10 {
				format = "0.00%"
			}
			if format != tc.format || st.Font == nil || st.Font.Bold != tc.bold {
				t.Fatalf("%s: format %q bold %v, want %q %v", tc.cell, format, st.Font != nil && st.Font.Bold, tc.format, tc.bold)
			}
		})
	}
	if shown, _ := f.GetCellValue(sheet, "C3"); shown != "2026-01-01" {
		t.Fatalf("date shown as %q", shown)
	}
}

// BenchmarkWrite writes plan-like rows of 22 cells: text, counts and dates.
func BenchmarkWrite(b *testing.B) {
	cols := make([]Column, 22)
	for i := range cols {
		cols[i] = Col("列"+strconv.Itoa(i), 10)
	}
	cols[8], cols[10] = DateCol("日期", 11), DateCol("日期", 11)
	on := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		err := Table{Name: "表", Title: "标题", Columns: cols}.Write(io.Discard, func(emit func(Row) error) error {
			for i := range 100_000 {
				if err := emit(Row{Cells: []any{i, "梅湾街道", "某某有限公司", "91431103MA4000001X", "冷水滩区梅湾街道1号", 12, 3, "单独组建",
					&on, "单独组建党支部", &on, "某某公司党支部", &on, "张三", "13800000000", "李四", "推进中", "是", "否", nil, "", "应建未建"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
