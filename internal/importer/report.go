package importer

import (
	"archive/zip"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/export"
)

// WriteReport writes a job's report workbook to w: a sheet 问题清单 with
// every rejected or warned row (行号, 列, 原始值, 说明, 结果, 代码, and for a
// survey field kept or overwritten because the ledger changed it later
// 台账现值, 台账修改时间, 修改人) from issues, and
// a sheet 任务信息 with the counts, the header found, the columns not
// recognised and why a failed job failed. excelize's stream writer keeps
// the rows on disk and the zip goes straight to w, so a report of a million
// rows does not sit in memory.
func WriteReport(w io.Writer, j Job, issues func(func([]Issue) error) error) (err error) {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName("Sheet1", "问题清单"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("问题清单")
	if err != nil {
		return err
	}
	for i, width := range []float64{8, 22, 40, 70, 8, 18, 30, 18, 16} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetRow("A1", []any{"行号", "列", "原始值", "说明", "结果", "代码", "台账现值", "台账修改时间", "修改人"}); err != nil {
		return err
	}
	line := 1
	err = issues(func(batch []Issue) error {
		for _, is := range batch {
			line++
			result := is.Severity.Label()
			var row any = is.Row
			if is.Row == 0 {
				row = ""
			}
			// Values come from uploaded files and ledgers: neutralise formulas.
			cells := []any{row, export.Safe(is.Column), export.Safe(is.Value), export.Safe(is.Message), result}
			if is.Code != "" {
				changed := ""
				if is.ChangedAt != nil {
					changed = districtTime(*is.ChangedAt)
				}
				cells = append(cells, is.Code, export.Safe(is.Ledger), changed, export.Safe(is.ChangedBy))
			}
			if err := sw.SetRow("A"+strconv.Itoa(line), cells); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.NewSheet("任务信息"); err != nil {
		return err
	}
	status := j.Status.Label()
	info := [][]any{
		{"任务编号", j.ID}, {"文件", j.Filename}, {"类型", j.Kind.Label()}, {"状态", status},
		{"仅检查（dry run）", map[bool]string{true: "是，台账未修改", false: "否"}[j.DryRun]},
		{"工作表", j.Sheet}, {"表头所在行", j.HeaderRow},
		{"数据行", j.Counts.Rows}, {"新建", j.Counts.Created}, {"更新", j.Counts.Updated}, {"未变化", j.Counts.Unchanged},
		{"拒绝", j.Counts.Rejected}, {"有警告的行", j.Counts.Warnings}, {"重复行", j.Counts.Duplicates},
		{"未划分街道/乡镇", j.Counts.Unassigned}, {"不纳入统计", j.Counts.OutOfScope},
	}
	if j.Kind == Survey {
		info = append(info, []any{"覆盖较新修改（overwrite_newer）", map[bool]string{true: "是", false: "否"}[j.OverwriteNewer]},
			[]any{"因台账修改较新而未更新的项", j.Counts.KeptNewer}, []any{"覆盖了台账较新修改的项", j.Counts.OverwrittenNewer})
	}
	for _, u := range j.UnknownColumns {
		info = append(info, []any{"未识别的列（已忽略）", u})
	}
	if j.Status == Failed {
		info = append(info, []any{"失败原因", j.ErrorMessage})
	}
	for i, r := range info {
		// The file name, the unknown columns and the failure come from
		// the upload: neutralise formulas here too.
		for k, v := range r {
			if s, ok := v.(string); ok {
				r[k] = export.Safe(s)
			}
		}
		if err := f.SetSheetRow("任务信息", "A"+strconv.Itoa(i+1), &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth("任务信息", "A", "A", 22); err != nil {
		return err
	}
	if err := f.SetColWidth("任务信息", "B", "B", 70); err != nil {
		return err
	}
	return f.Write(w)
}
