package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/export"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

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

// unassignedName names the enterprises no township holds, as /coverage does.
const unassignedName = "未划分街道/乡镇"

func (s *Server) townshipName(code string) string {
	if t, ok := s.district.Township(code); ok {
		return t.Name
	}
	return unassignedName
}

// intCell is a count that may be unknown (an empty cell).
func intCell(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// yesNo is 是 or 否, or an empty cell when unknown.
func yesNo(p *bool) any {
	switch {
	case p == nil:
		return nil
	case *p:
		return "是"
	}
	return "否"
}

// exportTownship reads an export's township= parameter. A township-bound
// user's export is of its own township; asking for another township is
// answered as if it did not exist (404).
func (s *Server) exportTownship(c *gin.Context) (string, error) {
	township, err := s.townshipQuery(c)
	if err != nil {
		return "", err
	}
	scope := me(c).Scope()
	if township != "" && !scope.Allows(township) {
		return "", apperr.New(apperr.NotFound, "township_not_found", "该街道/乡镇不存在或不在您的管理范围内")
	}
	if township == "" && !scope.All {
		township = scope.Township
	}
	return township, nil
}

// exportTownships are the townships an export runs through, in official
// code order, the unassigned ("none") last when the whole district is
// exported.
func (s *Server) exportTownships(township string) []string {
	if township != "" {
		return []string{township}
	}
	codes := make([]string, 0, len(s.district.Townships)+1)
	for _, t := range s.district.Townships {
		codes = append(codes, t.Code)
	}
	slices.Sort(codes)
	return append(codes, "none")
}

// Positions of the plan columns that the 小计 and 合计 rows fill.
const (
	planSeq         = 0
	planTownship    = 1
	planName        = 2
	planEmployees   = 5
	planFullMembers = 6
	planUnion       = 17
	planColumnCount = 21 // without the gap
)

// planColumns are the columns of the 全覆盖计划表 and the gap lists; a gap
// list adds its gap.
func planColumns(gap string) []export.Column {
	cols := []export.Column{export.Col("序号", 6), export.Col("街道/乡镇", 14), export.Col("企业名称", 32), export.Col("统一社会信用代码", 21),
		export.Col("注册地址", 32), export.Col("职工人数", 8), export.Col("正式党员", 8), export.Col("对策方式", 10),
		export.DateCol("组建时间", 11), export.Col("组建方式", 24), export.DateCol("完成时间", 11), export.Col("党组织名称", 28),
		export.DateCol("成立日期", 11), export.Col("联系人", 10), export.Col("联系电话", 14), export.Col("联络员", 10),
		export.Col("状态", 8), export.Col("工会", 6), export.Col("共青团", 7), export.Col("妇联", 6), export.Col("未划分原因", 18)}
	if gap != "" {
		cols = append(cols, export.Col("缺口", 16))
	}
	return cols
}

// planTotals adds up plan lines for a subtotal or total row.
type planTotals struct {
	enterprises, employees, fullMembers, union, youthLeague, womensFederation int
}

func (t *planTotals) add(l store.PlanLine) {
	t.enterprises++
	t.employees += deref(l.Employees)
	t.fullMembers += deref(l.FullMembers)
	for _, b := range []struct {
		flag *bool
		n    *int
	}{{l.Union, &t.union}, {l.YouthLeague, &t.youthLeague}, {l.WomensFederation, &t.womensFederation}} {
		if b.flag != nil && *b.flag {
			*b.n++
		}
	}
}

// plus is the sum of t and o.
func (t planTotals) plus(o planTotals) planTotals {
	return planTotals{t.enterprises + o.enterprises, t.employees + o.employees, t.fullMembers + o.fullMembers,
		t.union + o.union, t.youthLeague + o.youthLeague, t.womensFederation + o.womensFederation}
}

// row is the bold line of the totals, in the plan columns: the enterprises
// counted under 企业名称, people summed, organisations counted under theirs.
func (t planTotals) row(label, township string) export.Row {
	households := func(n int) export.Count { return export.Count{N: n, Unit: "户"} }
	cells := make([]any, planColumnCount)
	cells[planSeq], cells[planTownship], cells[planName] = label, township, households(t.enterprises)
	cells[planEmployees], cells[planFullMembers] = t.employees, t.fullMembers
	cells[planUnion], cells[planUnion+1], cells[planUnion+2] = households(t.union), households(t.youthLeague), households(t.womensFederation)
	return export.Row{Total: true, Cells: cells}
}

// exportPhones reads phones= of an export: masked (the default) or full,
// which district and township admins may ask for (403 for others), the
// export audited (pii.export).
func (s *Server) exportPhones(c *gin.Context, sheet, township, gap string) (full bool, err error) {
	switch c.Query("phones") {
	case "", "masked":
		return false, nil
	case "full":
	default:
		return false, apperr.Field("invalid_phones", "phones", "phones 须为 masked（隐藏中间四位，默认）或 full（完整号码）")
	}
	if r := me(c).Role; r != auth.DistrictAdmin && r != auth.TownshipAdmin {
		return false, apperr.New(apperr.Forbidden, "forbidden", "只有区级和街道/乡镇管理员可以导出完整的联系电话")
	}
	if err := s.db.LogEvent(c.Request.Context(), audit.PersonalExport, "export", sheet,
		map[string]any{"field": "contact_phone", "township": township, "gap": gap}, actor(c)); err != nil {
		return false, err
	}
	return true, nil
}

// planRow is one enterprise's line in the plan columns, numbered n.
func (s *Server) planRow(n int, l store.PlanLine, gap string) export.Row {
	reason := ""
	if l.Township == "" {
		if reason = "待划分"; l.AssignmentReason != "" {
			reason = division.Reason(l.AssignmentReason).Label()
		}
	}
	cells := []any{n, s.townshipName(l.Township), l.Name, l.CreditCode, l.RegisteredAddress, intCell(l.Employees), intCell(l.FullMembers),
		strategy.Method(l.Method).Label(), l.PlannedStartOn, l.FormationDetails, l.PlannedCompletionOn, l.PartyOrg, l.PartyOrgFoundedOn,
		l.ContactName, l.ContactPhone, l.Liaison, strategy.Status(l.Status).Label(), yesNo(l.Union), yesNo(l.YouthLeague), yesNo(l.WomensFederation), reason}
	if gap != "" {
		cells = append(cells, coverage.GapLabel(gap))
	}
	return export.Row{Cells: cells}
}

// planExport streams plan lines as a sheet, grouped by township in code
// order with a subtotal after each and the total at the end; gap, when
// set, keeps the enterprises with that gap and adds its column. An error
// before the headers are sent is returned to be answered; after, the
// download is cut (abortExport).
func (s *Server) planExport(c *gin.Context, township, gap, sheet, title string) error {
	full, err := s.exportPhones(c, sheet, township, gap)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	today := liaison.Today(s.db.Now())
	scope := me(c).Scope()
	table := export.Table{Name: sheet, Title: title, Columns: planColumns(gap)}
	xlsxResponse(c, "export.xlsx", sheet+".xlsx")
	err = table.Write(c.Writer, func(emit func(export.Row) error) error {
		var total planTotals
		n := 0
		for _, code := range s.exportTownships(township) {
			var sub planTotals
			err := s.db.PlanLines(ctx, scope, code, gap, today, func(page []store.PlanLine) error {
				for _, l := range page {
					n++
					sub.add(l)
					if !full {
						l.ContactPhone = maskPhone(l.ContactPhone)
					}
					if err := emit(s.planRow(n, l, gap)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if sub.enterprises == 0 {
				continue
			}
			if err := emit(sub.row("小计", s.townshipName(code))); err != nil { // "none" names the unassigned
				return err
			}
			total = total.plus(sub)
		}
		return emit(total.row("合计", ""))
	})
	if err != nil {
		s.abortExport(c, sheet, err)
	}
	return nil
}

// exportTitle is the title row of an export: the district (and township)
// of the table, what it is, and the day it was taken.
func (s *Server) exportTitle(what, township string) string {
	where := s.district.CityName + s.district.Name
	if township != "" {
		where += s.townshipName(township)
	}
	return fmt.Sprintf("%s%s（%s）", where, what, s.db.Now().In(liaison.Zone()).Format("2006年1月2日"))
}

// exportPlan godoc
//
//	@Summary		Export the 全覆盖计划表
//	@Description	xlsx, one row per in-scope enterprise visible to the caller (of one township with township=; a township user's own township), grouped by street/township in code order with the unassigned last, a bold 小计 row after each township and a 合计 row at the end (enterprises counted as N户 under 企业名称, 职工人数 and 正式党员 summed, 工会/共青团/妇联 counted). Columns: 序号, 街道/乡镇, 企业名称, 统一社会信用代码, 注册地址, 职工人数, 正式党员, 对策方式, 组建时间, 组建方式, 完成时间, 党组织名称, 成立日期, 联系人, 联系电话, 联络员, 状态, 工会, 共青团, 妇联 (是/否), 未划分原因. Dates are Excel dates. The title row names the district (and township); the header is frozen, filtered and printed on every page (landscape, fitted to the width). Beyond 1,048,574 rows the table continues on sheets 全覆盖计划表(2) …. Streamed; cells that would start a formula are neutralised.
//	@Tags			exports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Param			township	query		string	false	"9-digit township code"
//	@Param			phones		query		string	false	"masked (default: 138****8000) or full (district and township admins; audited)"	Enums(masked, full)
//	@Success		200			{file}		file
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody	"township_not_found: another township than a township user's own"
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/exports/coverage-plan.xlsx [get]
func (s *Server) exportPlan(c *gin.Context) error {
	if err := params(c, "township", "phones"); err != nil {
		return err
	}
	township, err := s.exportTownship(c)
	if err != nil {
		return err
	}
	return s.planExport(c, township, "", "全覆盖计划表", s.exportTitle("非公企业党组织全覆盖计划表", township))
}

// exportGaps godoc
//
//	@Summary		Export a gap list
//	@Description	xlsx of the in-scope enterprises with the gap (as /coverage counts it), laid out as the 全覆盖计划表 (grouped by township with 小计 and 合计 rows) with a 缺口 column.
//	@Tags			exports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Param			gap			query		string	true	"the gap"	Enums(should_form, ungrouped_joint, no_liaison, overdue_plan, stale_ledger, unassigned, check_digit)
//	@Param			township	query		string	false	"9-digit township code"
//	@Param			phones		query		string	false	"masked (default: 138****8000) or full (district and township admins; audited)"	Enums(masked, full)
//	@Success		200			{file}		file
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody	"township_not_found: another township than a township user's own"
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/exports/gaps.xlsx [get]
func (s *Server) exportGaps(c *gin.Context) error {
	if err := params(c, "gap", "township", "phones"); err != nil {
		return err
	}
	township, err := s.exportTownship(c)
	if err != nil {
		return err
	}
	gap := strings.TrimSpace(c.Query("gap"))
	if !slices.Contains(coverage.Gaps(), gap) {
		return apperr.Field("invalid_gap", "gap", "gap 须为 should_form、ungrouped_joint、no_liaison、overdue_plan、stale_ledger、unassigned 或 check_digit")
	}
	return s.planExport(c, township, gap, "缺口清单", s.exportTitle("党组织覆盖缺口清单："+coverage.GapLabel(gap), township))
}

// exportCoverage godoc
//
//	@Summary		Export the coverage summary
//	@Description	xlsx of /coverage: one numbered row per street/township in code order (of one township with township=; a township user's own township), the unassigned after them for district-wide exports, and a 合计 row whose rates are computed from the summed counts (not averaged). Rates are numbers shown as percentages. Title, frozen and filtered header, print titles as the 全覆盖计划表.
//	@Tags			exports
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Param			township	query		string	false	"9-digit township code"
//	@Success		200			{file}		file
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody	"township_not_found: another township than a township user's own"
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/exports/coverage.xlsx [get]
func (s *Server) exportCoverage(c *gin.Context) error {
	if err := params(c, "township"); err != nil {
		return err
	}
	township, err := s.exportTownship(c)
	if err != nil {
		return err
	}
	scope := me(c).Scope()
	scope.Liaison = 0
	counts, err := s.db.Coverage(c.Request.Context(), scope, liaison.Today(s.db.Now()))
	if err != nil {
		return err
	}
	t := s.coverageTable(counts, township)
	type line struct {
		row              coverage.Row
		code             string // "" for the unassigned
		standaloneFormed int    // the standalone rate's numerator, which the row does not carry
	}
	var lines []line
	for _, r := range t.Townships {
		lines = append(lines, line{r, r.Code, counts[r.Code].StandaloneFormed})
	}
	if t.Unassigned != nil {
		lines = append(lines, line{*t.Unassigned, "", counts[""].StandaloneFormed})
	}
	total := line{row: lines[0].row} // one township: its row is the total
	if t.District != nil {
		total.row = *t.District // the summed counts, rates computed from them
	}
	for _, l := range lines {
		total.standaloneFormed += l.standaloneFormed
	}
	cells := func(n any, l line) []any {
		r := l.row
		return []any{n, l.code, r.Name, r.Enterprises, r.ByMethod["standalone"], r.ByMethod["joint"], r.ByMethod["affiliated"], r.ByMethod["included"],
			r.OrganizationCovered, r.OrganizationCoverageRate, l.standaloneFormed, r.StandaloneRate, r.WorkCovered, r.WorkCoverageRate,
			r.Union, r.YouthLeague, r.WomensFederation, r.Plans[string(strategy.Formed)],
			r.Gaps[coverage.GapShouldForm], r.Gaps[coverage.GapUngroupedJoint], r.Gaps[coverage.GapNoLiaison],
			r.Gaps[coverage.GapOverduePlan], r.Gaps[coverage.GapStaleLedger], r.Gaps[coverage.GapCheckDigit]}
	}
	cols := []export.Column{export.Col("序号", 6), export.Col("街道/乡镇代码", 12), export.Col("街道/乡镇", 16), export.Col("应覆盖企业", 10),
		export.Col("单独组建", 9), export.Col("联合组建", 9), export.Col("挂靠", 7), export.Col("纳入", 7),
		export.Col("组织覆盖", 9), export.PercentCol("组织覆盖率", 10), export.Col("单独组建已建", 11), export.PercentCol("单独组建率", 10),
		export.Col("工作覆盖", 9), export.PercentCol("工作覆盖率", 10), export.Col("工会", 7), export.Col("共青团", 7), export.Col("妇联", 7),
		export.Col("计划已组建", 10), export.Col("应建未建", 9), export.Col("联合组建未编组", 12), export.Col("无联络员", 9),
		export.Col("计划逾期", 9), export.Col("台账过期", 9), export.Col("校验位待核实", 11)}
	table := export.Table{Name: "覆盖情况", Title: s.exportTitle("非公企业党组织覆盖情况", township), Columns: cols}
	xlsxResponse(c, "coverage.xlsx", "覆盖情况.xlsx")
	err = table.Write(c.Writer, func(emit func(export.Row) error) error {
		for i, l := range lines {
			if err := emit(export.Row{Cells: cells(i+1, l)}); err != nil {
				return err
			}
		}
		return emit(export.Row{Total: true, Cells: cells("合计", total)})
	})
	if err != nil {
		s.abortExport(c, "coverage", err)
	}
	return nil
}
