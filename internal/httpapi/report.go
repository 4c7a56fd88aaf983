package httpapi

import (
	"archive/zip"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/importer"
)

// importReport godoc
//
//	@Summary		The report of an import: every rejected or warned row
//	@Description	An xlsx with a sheet 问题清单 (行号, 列, 原始值, 说明, 结果: 拒绝 or 警告) and a sheet 任务信息 (counts, the header row found, columns not recognised, the error of a failed job).
//	@Tags			imports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Param			id	path		int	true	"job id"
//	@Success		200	{file}		file
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"the job has not finished"
//	@Router			/api/v1/imports/{id}/report [get]
func (s *Server) importReport(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, apperr.New(apperr.NotFound, "import_not_found", "导入任务不存在"))
		return
	}
	ctx := c.Request.Context()
	j, err := s.db.Import(ctx, me(c).Scope(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if j.Status == importer.Queued || j.Status == importer.Running {
		s.fail(c, apperr.New(apperr.Conflict, "import_not_finished", "导入任务尚未完成，完成后才能下载报告"))
		return
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-report.xlsx"; filename*=UTF-8''%%E5%%AF%%BC%%E5%%85%%A5%%E6%%8A%%A5%%E5%%91%%8A-%d.xlsx`, id, id))
	c.Status(http.StatusOK)
	if err := writeReport(c.Writer, j, func(fn func([]importer.Issue) error) error {
		return s.db.ImportIssues(ctx, id, fn)
	}); err != nil {
		// The header is gone; all that is left is to log and cut the body.
		s.log.ErrorContext(ctx, "write import report", "request_id", requestID(c), "import", id, "error", err)
		panic(http.ErrAbortHandler)
	}
}

// writeReport streams the report workbook to w: excelize's stream writer
// keeps rows on disk and the zip goes straight to w.
func writeReport(w io.Writer, j importer.Job, issues func(func([]importer.Issue) error) error) (err error) {
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
	for i, width := range []float64{8, 22, 40, 70, 8} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetRow("A1", []any{"行号", "列", "原始值", "说明", "结果"}); err != nil {
		return err
	}
	line := 1
	err = issues(func(batch []importer.Issue) error {
		for _, is := range batch {
			line++
			result := "警告"
			if is.Severity == importer.Rejected {
				result = "拒绝"
			}
			var row any = is.Row
			if is.Row == 0 {
				row = ""
			}
			if err := sw.SetRow("A"+strconv.Itoa(line), []any{row, is.Column, is.Value, is.Message, result}); err != nil {
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
	status := map[importer.Status]string{importer.Queued: "排队中", importer.Running: "进行中", importer.Succeeded: "成功", importer.Failed: "失败"}[j.Status]
	info := [][]any{
		{"任务编号", j.ID}, {"文件", j.Filename}, {"类型", j.Kind.Label()}, {"状态", status},
		{"仅检查（dry run）", map[bool]string{true: "是，台账未修改", false: "否"}[j.DryRun]},
		{"工作表", j.Sheet}, {"表头所在行", j.HeaderRow},
		{"数据行", j.Counts.Rows}, {"新建", j.Counts.Created}, {"更新", j.Counts.Updated}, {"未变化", j.Counts.Unchanged},
		{"拒绝", j.Counts.Rejected}, {"有警告的行", j.Counts.Warnings}, {"重复行", j.Counts.Duplicates},
		{"未划分街道/乡镇", j.Counts.Unassigned}, {"不纳入统计", j.Counts.OutOfScope},
	}
	for _, u := range j.UnknownColumns {
		info = append(info, []any{"未识别的列（已忽略）", u})
	}
	if j.Status == importer.Failed {
		info = append(info, []any{"失败原因", j.ErrorMessage})
	}
	for i, r := range info {
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
