package httpapi

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/store"
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
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"the job has not finished"
//	@Router			/api/v1/imports/{id}/report [get]
func (s *Server) importReport(c *gin.Context) error {
	id, err := pathID(c, store.ErrImportNotFound)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	j, err := s.db.Import(ctx, me(c).Scope(), id)
	if err != nil {
		return err
	}
	if j.Status == importer.Queued || j.Status == importer.Running {
		return apperr.New(apperr.Conflict, "import_not_finished", "导入任务尚未完成，完成后才能下载报告")
	}
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="import-%d-report.xlsx"; filename*=UTF-8''%%E5%%AF%%BC%%E5%%85%%A5%%E6%%8A%%A5%%E5%%91%%8A-%d.xlsx`, id, id))
	c.Status(http.StatusOK)
	if err := importer.WriteReport(c.Writer, j, func(fn func([]importer.Issue) error) error {
		return s.db.ImportIssues(ctx, id, fn)
	}); err != nil {
		// The header is gone; all that is left is to log and cut the body.
		s.log.ErrorContext(ctx, "write import report", "request_id", requestID(c), "import", id, "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
