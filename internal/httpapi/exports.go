package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/export"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

var statusLabels = map[string]string{"not_started": "未启动", "in_progress": "推进中", "formed": "已组建", "not_applicable": "不适用"}

var gapLabels = map[string]string{
	coverage.GapShouldForm: "应建未建", coverage.GapUngroupedJoint: "联合组建未编组", coverage.GapNoLiaison: "无联络员",
	coverage.GapOverduePlan: "计划逾期", coverage.GapStaleLedger: "台账过期", coverage.GapUnassigned: "未划分街道/乡镇",
	coverage.GapCheckDigit: "信用代码校验位待核实",
}

// xlsxResponse starts an xlsx download named file (ASCII fallback, then
// the Chinese name).
func xlsxResponse(c *gin.Context, ascii, chinese string) {
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(chinese)))
	c.Status(http.StatusOK)
}

// abortExport ends a download whose headers are sent: log and cut the body.
func (s *Server) abortExport(c *gin.Context, what string, err error) {
	s.log.ErrorContext(c.Request.Context(), "write export", "request_id", requestID(c), "export", what, "error", err)
	panic(http.ErrAbortHandler)
}

func (s *Server) townshipName(code string) string {
	if t, ok := s.district.Township(code); ok {
		return t.Name
	}
	return "未划分"
}

func dateCell(t *time.Time) any {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func intCell(p *int) any {
	if p == nil {
		return ""
	}
	return *p
}

// planExport streams plan lines as a sheet; gap, when set, adds its column.
func (s *Server) planExport(c *gin.Context, township, gap, sheet, title string) {
	ctx := c.Request.Context()
	today := liaison.Today(s.db.Now())
	cols := []export.Column{export.Col("企业名称", 36), export.Col("统一社会信用代码", 22), export.Col("街道/乡镇", 14), export.Col("职工人数", 10), export.Col("正式党员", 10),
		export.Col("对策方式", 12), export.Col("组建时间", 12), export.Col("组建方式", 30), export.Col("完成时间", 12), export.Col("联系人", 22), export.Col("联络员", 12), export.Col("状态", 10)}
	if gap != "" {
		cols = append(cols, export.Column{Header: "缺口", Width: 18})
	}
	lines := make(chan []store.PlanLine)
	errc := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(lines)
		errc <- s.db.PlanLines(ctx, me(c).Scope(), township, gap, today, func(page []store.PlanLine) error {
			select {
			case lines <- page:
				return nil
			case <-stop:
				return fmt.Errorf("export stopped")
			}
		})
	}()
	var page []store.PlanLine
	xlsxResponse(c, "export.xlsx", sheet+".xlsx")
	err := export.Sheet(c.Writer, sheet, title, cols, func() ([]any, bool, error) {
		if len(page) == 0 {
			next, ok := <-lines
			if !ok {
				return nil, false, <-errc
			}
			page = next
		}
		l := page[0]
		page = page[1:]
		contact := strings.TrimSpace(l.ContactName + " " + l.ContactPhone)
		row := []any{l.Name, l.CreditCode, s.townshipName(l.Township), intCell(l.Employees), intCell(l.FullMembers),
			strategy.Method(l.Method).Label(), dateCell(l.PlannedStartOn), l.FormationDetails, dateCell(l.PlannedCompletionOn),
			contact, l.Liaison, statusLabels[l.Status]}
		if gap != "" {
			row = append(row, gapLabels[gap])
		}
		return row, true, nil
	})
	if err != nil {
		s.abortExport(c, sheet, err)
	}
}

func (s *Server) exportTitle(what string) string {
	return fmt.Sprintf("%s%s%s（%s）", s.district.CityName, s.district.Name, what, s.db.Now().In(liaison.Zone()).Format("2006年1月2日"))
}

// exportPlan godoc
//
//	@Summary		Export the 全覆盖计划表
//	@Description	xlsx, one row per in-scope enterprise visible to the caller (of one township with township=): 企业名称, 统一社会信用代码, 街道/乡镇, 职工人数, 正式党员, 对策方式, 组建时间, 组建方式, 完成时间, 联系人, 联络员, 状态. Streamed; cells that would start a formula are neutralised.
//	@Tags			exports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Param			township	query		string	false	"9-digit township code"
//	@Success		200			{file}		file
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/exports/coverage-plan.xlsx [get]
func (s *Server) exportPlan(c *gin.Context) {
	if !s.params(c, "township") {
		return
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.planExport(c, township, "", "全覆盖计划表", s.exportTitle("非公企业党组织全覆盖计划表"))
}

// exportGaps godoc
//
//	@Summary		Export a gap list
//	@Description	xlsx of the in-scope enterprises with the gap (as /coverage counts it), with their plan lines.
//	@Tags			exports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Param			gap			query		string	true	"the gap"	Enums(should_form, ungrouped_joint, no_liaison, overdue_plan, stale_ledger, unassigned, check_digit)
//	@Param			township	query		string	false	"9-digit township code"
//	@Success		200			{file}		file
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/exports/gaps.xlsx [get]
func (s *Server) exportGaps(c *gin.Context) {
	if !s.params(c, "gap", "township") {
		return
	}
	township, err := s.townshipQuery(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	gap := strings.TrimSpace(c.Query("gap"))
	if !slices.Contains(coverage.Gaps(), gap) {
		s.fail(c, apperr.Field("invalid_gap", "gap", "gap 须为 should_form、ungrouped_joint、no_liaison、overdue_plan、stale_ledger、unassigned 或 check_digit"))
		return
	}
	s.planExport(c, township, gap, "缺口清单", s.exportTitle("党组织覆盖缺口清单："+gapLabels[gap]))
}

// exportCoverage godoc
//
//	@Summary		Export the coverage summary
//	@Description	xlsx of /coverage: one row per street/township (and the unassigned and the district total for district-wide callers).
//	@Tags			exports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Success		200	{file}	file
//	@Failure	422	{object}	ErrorBody
//	@Router			/api/v1/exports/coverage.xlsx [get]
func (s *Server) exportCoverage(c *gin.Context) {
	if !s.params(c) {
		return
	}
	t, err := s.liveCoverage(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := append([]coverage.Row{}, t.Townships...)
	if t.Unassigned != nil {
		rows = append(rows, *t.Unassigned)
	}
	if t.District != nil {
		total := *t.District
		total.Name = "合计"
		rows = append(rows, total)
	}
	cols := []export.Column{export.Col("街道/乡镇", 16), export.Col("应覆盖企业", 12), export.Col("单独组建", 10), export.Col("联合组建", 10), export.Col("挂靠", 8), export.Col("纳入", 8),
		export.Col("组织覆盖", 10), export.Col("组织覆盖率", 12), export.Col("单独组建率", 12), export.Col("工作覆盖", 10), export.Col("工作覆盖率", 12),
		export.Col("应建未建", 10), export.Col("联合组建未编组", 14), export.Col("无联络员", 10), export.Col("计划逾期", 10), export.Col("台账过期", 10), export.Col("校验位待核实", 12)}
	xlsxResponse(c, "coverage.xlsx", "覆盖情况.xlsx")
	i := 0
	err = export.Sheet(c.Writer, "覆盖情况", s.exportTitle("非公企业党组织覆盖情况"), cols, func() ([]any, bool, error) {
		if i >= len(rows) {
			return nil, false, nil
		}
		r := rows[i]
		i++
		return []any{r.Name, r.Enterprises, r.ByMethod["standalone"], r.ByMethod["joint"], r.ByMethod["affiliated"], r.ByMethod["included"],
			r.OrganizationCovered, r.OrganizationCoverageRate, r.StandaloneRate, r.WorkCovered, r.WorkCoverageRate,
			r.Gaps[coverage.GapShouldForm], r.Gaps[coverage.GapUngroupedJoint], r.Gaps[coverage.GapNoLiaison],
			r.Gaps[coverage.GapOverduePlan], r.Gaps[coverage.GapStaleLedger], r.Gaps[coverage.GapCheckDigit]}, true, nil
	})
	if err != nil {
		s.abortExport(c, "coverage", err)
	}
}
