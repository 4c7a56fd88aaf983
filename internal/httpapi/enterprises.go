package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/store"
	"github.com/fugai/fugai/internal/strategy"
)

// EnterpriseResponse is a ledger as clients see it.
type EnterpriseResponse struct {
	ID                    int64          `json:"id"`
	CreditCode            string         `json:"credit_code" example:"91431103MA4L1234X5"`
	Name                  string         `json:"name"`
	EntityType            string         `json:"entity_type"`
	Nature                string         `json:"nature" enums:"non_public,public_sector"`
	LegalRepresentative   string         `json:"legal_representative"`
	RegisteredCapital     *float64       `json:"registered_capital" extensions:"x-nullable"`
	FoundedOn             *string        `json:"founded_on" example:"2015-03-12" extensions:"x-nullable" format:"date"`
	RegistrationStatus    string         `json:"registration_status"`
	RegisteredAddress     string         `json:"registered_address"`
	OperatingAddress      string         `json:"operating_address"`
	RegistrationAuthority string         `json:"registration_authority"`
	Industry              string         `json:"industry"`
	BusinessScope         string         `json:"business_scope"`
	TownshipCode          *string        `json:"township_code" example:"431103001" extensions:"x-nullable"`
	TownshipName          *string        `json:"township_name" example:"梅湾街道" extensions:"x-nullable"`
	Assignment            string         `json:"assignment" enums:"address_township,address_place,manual,none"`
	AssignmentReason      *string        `json:"assignment_reason" enums:"ambiguous,no_match,outside_district" extensions:"x-nullable"`
	InScope               bool           `json:"in_scope"`
	OutOfScopeReason      *string        `json:"out_of_scope_reason" enums:"public_sector,not_operating,outside_district,suspended" extensions:"x-nullable"`
	CheckDigitWarning     bool           `json:"check_digit_warning"`
	Employees             *int           `json:"employees" extensions:"x-nullable"`
	YoungEmployees        *int           `json:"young_employees" extensions:"x-nullable"`
	FullMembers           *int           `json:"full_members" extensions:"x-nullable"`
	ProbationaryMembers   *int           `json:"probationary_members" extensions:"x-nullable"`
	MemberSources         map[string]int `json:"member_sources"`
	OwnerIdentity         *string        `json:"owner_identity" enums:"masses,party_member,npc_deputy,cppcc_member,democratic_party,other" extensions:"x-nullable"`
	OperatingStatus       *string        `json:"operating_status" enums:"normal,difficult,production_halted,business_suspended,dormant,deregistered,revoked,other" extensions:"x-nullable"`
	AboveScale            *bool          `json:"above_scale" extensions:"x-nullable"`
	Priority              bool           `json:"priority"`
	AnnualRevenue         *float64       `json:"annual_revenue" extensions:"x-nullable"`
	Needs                 []string       `json:"needs" enums:"talent,policy,financing,market,training,other"`
	Union                 *bool          `json:"union" extensions:"x-nullable"`
	YouthLeague           *bool          `json:"youth_league" extensions:"x-nullable"`
	WomensFederation      *bool          `json:"womens_federation" extensions:"x-nullable"`
	SuggestedMethod       *string        `json:"suggested_method" enums:"standalone,joint,affiliated,included" extensions:"x-nullable"`
	// Suggestion explains suggested_method (null when out of scope).
	Suggestion *SuggestionResponse `json:"suggestion" extensions:"x-nullable"`
	// VerifiedAt is when a visit or a survey update last confirmed the
	// ledger (null: never); it is stale from the 183rd district day after.
	VerifiedAt *time.Time `json:"verified_at" extensions:"x-nullable" format:"date-time"`
	// Plan is the enterprise's plan (null when out of scope), as GET
	// /enterprises/{id}/plan gives it.
	Plan *PlanResponse `json:"plan" extensions:"x-nullable"`
	// Liaison is the standing liaison (null when none).
	Liaison   *LiaisonSummary `json:"liaison" extensions:"x-nullable"`
	Version   int64           `json:"version"`
	CreatedAt time.Time       `json:"created_at" format:"date-time"`
	UpdatedAt time.Time       `json:"updated_at" format:"date-time"`
}

// LiaisonSummary is the standing liaison shown with a ledger.
type LiaisonSummary struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
	Unit  string `json:"unit"`
}

// SuggestionResponse is the suggested method of an in-scope ledger, why,
// and its explanation in Chinese.
type SuggestionResponse struct {
	Method      string `json:"method" enums:"standalone,joint,affiliated,included"`
	MethodLabel string `json:"method_label" example:"单独组建"`
	Reason      string `json:"reason" enums:"enough_members,joint_pool,no_partner,unassigned,no_full_members"`
	Explanation string `json:"explanation" example:"正式党员3名，达到3名以上，符合单独组建条件"`
}

// EnterprisePage is one page of ledgers.
type EnterprisePage struct {
	Items      []EnterpriseResponse `json:"items"`
	NextCursor *string              `json:"next_cursor" extensions:"x-nullable"`
}

// EnterpriseInput documents the writable ledger fields for POST and PATCH.
// Only the fields present are written; null clears a field; unknown,
// derived and forbidden fields are rejected with 422. owner_identity,
// operating_status, needs and the keys of member_sources take the codes of
// GET /dictionaries; their Chinese labels (and a few aliases: 已停产,
// 党员 …) are accepted too and stored as codes; anything else is 422
// naming the field. 停产, 停业 and 歇业 put a ledger out of scope as
// suspended, 注销 and 吊销 as not_operating.
// Counts of member sources naming one code are added up.
type EnterpriseInput struct {
	CreditCode            string         `json:"credit_code,omitempty" example:"91431103MA4L1234X5"`
	Name                  string         `json:"name,omitempty"`
	EntityType            string         `json:"entity_type,omitempty"`
	LegalRepresentative   string         `json:"legal_representative,omitempty"`
	RegisteredCapital     *float64       `json:"registered_capital,omitempty" extensions:"x-nullable"`
	FoundedOn             string         `json:"founded_on,omitempty" example:"2015-03-12" format:"date"`
	RegistrationStatus    string         `json:"registration_status,omitempty"`
	RegisteredAddress     string         `json:"registered_address,omitempty"`
	OperatingAddress      string         `json:"operating_address,omitempty"`
	RegistrationAuthority string         `json:"registration_authority,omitempty"`
	Industry              string         `json:"industry,omitempty"`
	BusinessScope         string         `json:"business_scope,omitempty"`
	TownshipCode          string         `json:"township_code,omitempty" example:"431103001"`
	Employees             *int           `json:"employees,omitempty" extensions:"x-nullable"`
	YoungEmployees        *int           `json:"young_employees,omitempty" extensions:"x-nullable"`
	FullMembers           *int           `json:"full_members,omitempty" extensions:"x-nullable"`
	ProbationaryMembers   *int           `json:"probationary_members,omitempty" extensions:"x-nullable"`
	MemberSources         map[string]int `json:"member_sources,omitempty"`
	OwnerIdentity         *string        `json:"owner_identity,omitempty" enums:"masses,party_member,npc_deputy,cppcc_member,democratic_party,other" extensions:"x-nullable"`
	OperatingStatus       *string        `json:"operating_status,omitempty" enums:"normal,difficult,production_halted,business_suspended,dormant,deregistered,revoked,other" extensions:"x-nullable"`
	AboveScale            *bool          `json:"above_scale,omitempty" extensions:"x-nullable"`
	AnnualRevenue         *float64       `json:"annual_revenue,omitempty" extensions:"x-nullable"`
	Needs                 []string       `json:"needs,omitempty" enums:"talent,policy,financing,market,training,other"`
	Union                 *bool          `json:"union,omitempty" extensions:"x-nullable"`
	YouthLeague           *bool          `json:"youth_league,omitempty" extensions:"x-nullable"`
	WomensFederation      *bool          `json:"womens_federation,omitempty" extensions:"x-nullable"`
}

// HistoryResponse lists a ledger's recorded changes, oldest first.
type HistoryResponse struct {
	Items []RevisionResponse `json:"items"`
}

// RevisionResponse is one recorded change of a ledger.
type RevisionResponse struct {
	ID      int64               `json:"id"`
	Version int64               `json:"version"`
	ActorID *int64              `json:"actor_id" extensions:"x-nullable"`
	Actor   string              `json:"actor"`
	Source  string              `json:"source" enums:"api,import,system"`
	At      time.Time           `json:"at" format:"date-time"`
	Changes []enterprise.Change `json:"changes"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// render renders ledgers with their plans and liaisons, and the
// explanation of their suggestions from their townships' joint pools, as
// EnterprisePage and EnterpriseDetail read them.
func (s *Server) render(att store.Attachments, ls []enterprise.Ledger) []EnterpriseResponse {
	out := make([]EnterpriseResponse, len(ls))
	for i, l := range ls {
		out[i] = s.toEnterprise(l, att.Pools)
		if p, ok := att.Plans[l.ID]; ok {
			pr := toPlanResponse(p)
			out[i].Plan = &pr
		}
		if u, ok := att.Liaisons[l.ID]; ok {
			out[i].Liaison = &LiaisonSummary{ID: u.ID, Name: u.Name, Phone: u.Phone, Unit: u.Unit}
		}
	}
	return out
}

// respondEnterprise renders one ledger with its ETag, or returns the error
// to answer.
func (s *Server) respondEnterprise(c *gin.Context, status int, l enterprise.Ledger) error {
	// The ledger as written; its plan, liaison and pool as they are now,
	// in one query (the caller has just written it: its scope allowed).
	_, att, err := s.db.EnterpriseDetail(c.Request.Context(), auth.Scope{All: true}, l.ID)
	if err != nil {
		return err
	}
	s.respondEnterpriseWith(c, status, l, att)
	return nil
}

// respondEnterpriseWith is respondEnterprise with the ledger's
// attachments already read.
func (s *Server) respondEnterpriseWith(c *gin.Context, status int, l enterprise.Ledger, att store.Attachments) {
	r := s.render(att, []enterprise.Ledger{l})[0] // a detail view: phones as the role may read them
	if r.Liaison != nil {
		r.Liaison.Phone = s.phoneFor(c, r.Liaison.Phone, "user", strconv.FormatInt(r.Liaison.ID, 10), "phone")
	}
	if r.Plan != nil {
		r.Plan.ContactPhone = s.phoneFor(c, r.Plan.ContactPhone, "enterprise", strconv.FormatInt(l.ID, 10), "plan.contact_phone")
	}
	c.Header("ETag", etag(l.Version))
	c.JSON(status, r)
}

func (s *Server) toEnterprise(l enterprise.Ledger, pools map[string]strategy.Pool) EnterpriseResponse {
	r := EnterpriseResponse{
		ID: l.ID, CreditCode: l.CreditCode, Name: l.Name, EntityType: l.EntityType, Nature: string(l.Nature),
		LegalRepresentative: l.LegalRepresentative, RegisteredCapital: l.RegisteredCapital,
		RegistrationStatus: l.RegistrationStatus, RegisteredAddress: l.RegisteredAddress,
		OperatingAddress: l.OperatingAddress, RegistrationAuthority: l.RegistrationAuthority, Industry: l.Industry,
		BusinessScope: l.BusinessScope, TownshipCode: optional(l.TownshipCode), Assignment: string(l.Assignment),
		AssignmentReason: optional(string(l.AssignmentReason)), InScope: l.InScope,
		OutOfScopeReason: optional(l.OutOfScopeReason), CheckDigitWarning: l.CheckDigitWarning,
		Employees: l.Employees, YoungEmployees: l.YoungEmployees, FullMembers: l.FullMembers,
		ProbationaryMembers: l.ProbationaryMembers, MemberSources: l.MemberSources, OwnerIdentity: l.OwnerIdentity,
		OperatingStatus: l.OperatingStatus, AboveScale: l.AboveScale, Priority: l.Priority,
		AnnualRevenue: l.AnnualRevenue, Needs: l.Needs, Union: l.Union, YouthLeague: l.YouthLeague,
		WomensFederation: l.WomensFederation, SuggestedMethod: optional(l.SuggestedMethod),
		Version: l.Version, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt, VerifiedAt: l.VerifiedAt,
	}
	if l.FoundedOn != nil {
		d := l.FoundedOn.Format(time.DateOnly)
		r.FoundedOn = &d
	}
	if t, ok := s.district.Township(l.TownshipCode); ok {
		r.TownshipName = &t.Name
	}
	if r.MemberSources == nil {
		r.MemberSources = map[string]int{}
	}
	in := strategy.Input{InScope: l.InScope, Township: l.TownshipCode}
	if l.FullMembers != nil {
		in.FullMembers = *l.FullMembers
	}
	if sug := strategy.Suggest(in, pools[l.TownshipCode]); sug.Method != "" {
		r.Suggestion = &SuggestionResponse{Method: string(sug.Method), MethodLabel: sug.Method.Label(), Reason: sug.Reason, Explanation: sug.Explanation}
	}
	if r.Needs == nil {
		r.Needs = []string{}
	}
	return r
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// pathID reads a route's :id; one that is no id answers as notFound, the
// error of the thing the route names.
func pathID(c *gin.Context, notFound error) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound
	}
	return id, nil
}

// readObject reads a JSON object body as raw fields.
func readObject(c *gin.Context) (map[string]json.RawMessage, error) {
	var body map[string]json.RawMessage
	if err := newDecoder(c).Decode(&body); err != nil {
		if apperr.KindOf(err) != apperr.Internal {
			return nil, err
		}
		return nil, jsonError(apperr.BadRequest, "invalid_json", "请求体须为合法的 JSON 对象：", err)
	}
	if body == nil {
		return nil, apperr.New(apperr.BadRequest, "invalid_json", "请求体须为 JSON 对象")
	}
	return body, nil
}

// createEnterprise godoc
//
//	@Summary		Enter a ledger by hand
//	@Description	credit_code and name are required. A malformed credit code is 422; a well-formed code with a wrong check digit is stored with check_digit_warning. The township follows the registered address; a district admin may set township_code (a manual assignment). A township admin may only enter ledgers of its own township.
//	@Tags			enterprises
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		EnterpriseInput	true	"ledger fields"
//	@Success		201		{object}	EnterpriseResponse
//	@Header			201		{string}	ETag	"the ledger's version"
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/enterprises [post]
func (s *Server) createEnterprise(c *gin.Context) error {
	body, err := readObject(c)
	if err != nil {
		return err
	}
	l, changes, err := enterprise.New(body, me(c), s.district)
	if err != nil {
		return err
	}
	l, err = s.db.CreateEnterprise(c.Request.Context(), l, changes, actor(c))
	if err != nil {
		return err
	}
	c.Header("Location", "/api/v1/enterprises/"+strconv.FormatInt(l.ID, 10))
	return s.respondEnterprise(c, http.StatusCreated, l)
}

// enterpriseListParams are the query parameters of GET /enterprises and
// GET /me/enterprises.
var enterpriseListParams = append([]string{"credit_code", "township", "in_scope", "method", "gap", "plan_status", "liaison",
	"q", "industry", "size", "updated_since", "not_verified_since", "sort"}, pageParams...)

// listEnterprises godoc
//
//	@Summary		List ledgers
//	@Description	Township-bound users see their own township only (a liaison its own enterprises). Keyset pagination: pass next_cursor back as cursor with the same sort; a cursor of another sort is 422 (cursor_sort_mismatch). A query parameter not listed here is 422 (unknown_parameter), as is a parameter given twice (repeated_parameter) or a bad value (validation_failed, naming it).
//	@Tags			enterprises
//	@Security		BearerAuth
//	@Produce		json
//	@Param			credit_code		query		string	false	"exact credit code"
//	@Param			township		query		string	false	"9-digit township code, or none (also: unassigned) for unassigned ledgers"
//	@Param			in_scope		query		bool	false	"in the coverage base"
//	@Param			method			query		string	false	"in-scope ledgers by plan method: the override, else the suggestion (as coverage counts by_method)"	Enums(standalone, joint, affiliated, included)
//	@Param			gap				query		string	false	"in-scope ledgers with this coverage gap (as coverage counts it); only with sort=id"	Enums(should_form, ungrouped_joint, no_liaison, overdue_plan, stale_ledger, unassigned, check_digit)
//	@Param			plan_status		query		string	false	"in-scope ledgers whose plan has this status"	Enums(not_started, in_progress, formed, completed, not_applicable)
//	@Param			liaison			query		string	false	"a liaison's user id, or none"
//	@Param			q				query		string	false	"substring of the name or credit code"
//	@Param			industry		query		string	false	"prefix of 所属行业 (industry), e.g. 制造业; case-sensitive, at most 100 characters"
//	@Param			size			query		string	false	"规模 by above_scale: above_scale (规模以上), below_scale (规模以下), unknown (not reported)"	Enums(above_scale, below_scale, unknown)
//	@Param			updated_since	query		string	false	"ledgers with updated_at at or after it: an RFC 3339 date-time, or a date YYYY-MM-DD (its midnight in district time, UTC+8)"
//	@Param			not_verified_since	query	string	false	"ledgers never verified (visit or survey update) or last verified before this date YYYY-MM-DD, counted as a survey round counts its window: give an open round's starts_on for the ledgers not yet visited in it"	format(date)
//	@Param			sort			query		string	false	"order: a key ascending, or with - descending; default id. Text sorts by code point; unknown counts sort as -1 (first ascending, last descending)"	Enums(id, -id, name, -name, credit_code, -credit_code, updated_at, -updated_at, full_members, -full_members, employees, -employees)
//	@Param			limit			query		int		false	"page size, default 50, max 200"
//	@Param			cursor			query		string	false	"next_cursor of the previous page (same sort)"
//	@Success		200				{object}	EnterprisePage
//	@Failure		401				{object}	ErrorBody
//	@Failure		422				{object}	ErrorBody
//	@Router			/api/v1/enterprises [get]
func (s *Server) listEnterprises(c *gin.Context) error {
	if err := params(c, enterpriseListParams...); err != nil {
		return err
	}
	f := store.EnterpriseFilter{}
	p := apperr.Problems{}
	if v := c.Query("credit_code"); v != "" {
		f.CreditCode = enterprise.NormalizeCreditCode(v)
	}
	if v := strings.TrimSpace(c.Query("township")); v != "" {
		if v == "unassigned" {
			v = "none"
		}
		if _, ok := s.district.Township(v); !ok && v != "none" {
			p.Add("township", "township 须为本区的9位街道/乡镇代码，或 none（未划分）")
		}
		f.Township = v
	}
	if v := c.Query("in_scope"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			p.Add("in_scope", "in_scope 须为 true 或 false")
		}
		f.InScope = &b
	}
	f.Query = strings.TrimSpace(enterprise.CleanText(c.Query("q")))
	if len([]rune(f.Query)) > 100 {
		p.Add("q", "搜索词不能超过100个字符")
	}
	f.Industry = strings.TrimSpace(enterprise.CleanText(c.Query("industry")))
	if len([]rune(f.Industry)) > 100 {
		p.Add("industry", "industry 不能超过100个字符")
	}
	if v := strings.TrimSpace(c.Query("size")); v != "" {
		if v != store.SizeAboveScale && v != store.SizeBelowScale && v != store.SizeUnknown {
			p.Add("size", "size 须为 above_scale（规模以上）、below_scale（规模以下）或 unknown（未填报）")
		}
		f.Size = v
	}
	if v := strings.TrimSpace(c.Query("updated_since")); v != "" {
		t, ok := districtInstant(v)
		if !ok {
			p.Add("updated_since", "updated_since 须为 RFC 3339 时间（如 2026-11-27T08:00:00+08:00）或日期（如 2026-11-27，按东八区零时起算）")
		}
		f.UpdatedSince = t
	}
	if v := strings.TrimSpace(c.Query("not_verified_since")); v != "" {
		// A date as dates are stored (midnight UTC), as survey rounds
		// count their window (store.RoundProgress).
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			p.Add("not_verified_since", "not_verified_since 须为日期（如 2026-03-01）")
		}
		f.NotVerifiedSince = d
	}
	if v := strings.TrimSpace(c.Query("sort")); v != "" {
		if !store.ValidEnterpriseSort(v) {
			p.Add("sort", "sort 须为 "+strings.Join(store.EnterpriseSorts(), "、")+" 之一")
		}
		f.Sort = v
	}
	f.Limit = pageLimit(c, p)
	if v := strings.TrimSpace(c.Query("method")); v != "" {
		if !strategy.Method(v).Valid() {
			p.Add("method", "method 须为 standalone（单独组建）、joint（联合组建）、affiliated（挂靠）或 included（纳入）")
		}
		f.Method = v
	}
	if v := strings.TrimSpace(c.Query("plan_status")); v != "" {
		if !strategy.Status(v).Valid() {
			p.Add("plan_status", "plan_status 须为 not_started（未启动）、in_progress（推进中）、formed（已组建）、completed（已落实）或 not_applicable（不适用）")
		}
		f.PlanStatus = v
	}
	if v := strings.TrimSpace(c.Query("liaison")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); v != "none" && (err != nil || n <= 0) {
			p.Add("liaison", "liaison 须为联络员的用户编号，或 none（没有联络员）")
		}
		f.Liaison = v
	}
	if v := strings.TrimSpace(c.Query("gap")); v != "" {
		if !slices.Contains(coverage.Gaps(), v) {
			p.Add("gap", "gap 须为 should_form（应建未建）、ungrouped_joint（联合组建未编组）、no_liaison（无联络员）、overdue_plan（计划逾期）、stale_ledger（台账过期）、unassigned（未划分）或 check_digit（校验位待核实）")
		}
		if f.Sort != "" && f.Sort != store.DefaultEnterpriseSort {
			p.Add("sort", "按缺口（gap）筛选时只能按 id 排序（sort=id）")
		}
		f.Gap, f.Today = v, liaison.Today(s.db.Now())
	}
	if err := p.Err(); err != nil {
		return err
	}
	if v := c.Query("cursor"); v != "" {
		// After the sort is known good: a cursor of another sort has its
		// own code.
		key, id, err := store.ParseEnterpriseCursor(f.Sort, v)
		if err != nil {
			return err
		}
		f.AfterKey, f.AfterID = key, id
	}
	items, att, next, err := s.db.EnterprisePage(c.Request.Context(), me(c).Scope(), f)
	if err != nil {
		return err
	}
	rendered := s.render(att, items)
	for i := range rendered { // a list: phones masked
		if l := rendered[i].Liaison; l != nil {
			l.Phone = maskPhone(l.Phone)
		}
		if p := rendered[i].Plan; p != nil {
			p.ContactPhone = maskPhone(p.ContactPhone)
		}
	}
	c.JSON(http.StatusOK, EnterprisePage{Items: rendered, NextCursor: optional(next)})
	return nil
}

// districtInstant reads an RFC 3339 date-time, or a date YYYY-MM-DD as
// the midnight that starts it in district time.
func districtInstant(v string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, liaison.Zone()); err == nil {
		return d, true
	}
	return time.Time{}, false
}

// getEnterprise godoc
//
//	@Summary	One ledger
//	@Tags		enterprises
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"ledger id"
//	@Success	200	{object}	EnterpriseResponse
//	@Header		200	{string}	ETag	"the ledger's version; send it back as If-Match"
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/api/v1/enterprises/{id} [get]
func (s *Server) getEnterprise(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	l, att, err := s.db.EnterpriseDetail(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	s.respondEnterpriseWith(c, http.StatusOK, l, att)
	return nil
}

// patchEnterprise godoc
//
//	@Summary		Edit a ledger
//	@Description	Requires If-Match with the ETag of the version edited: 428 without it, 412 (with current_version) when stale. Only the fields sent are written; 0, false and "" are stored; null clears. Derived fields and fields the role may not edit are 422. Liaisons edit survey fields only; only district admins change township_code (recorded as a manual assignment).
//	@Tags			enterprises
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id			path		int				true	"ledger id"
//	@Param			If-Match	header		string			true	"ETag from GET"
//	@Param			body		body		EnterpriseInput	true	"fields to change"
//	@Success		200			{object}	EnterpriseResponse
//	@Header			200			{string}	ETag	"the new version"
//	@Failure		400			{object}	ErrorBody
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		428			{object}	ErrorBody
//	@Router			/api/v1/enterprises/{id} [patch]
func (s *Server) patchEnterprise(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	version, err := ifMatch(c.GetHeader("If-Match"))
	if err != nil {
		return err
	}
	body, err := readObject(c)
	if err != nil {
		return err
	}
	p := me(c)
	l, err := s.db.UpdateEnterprise(c.Request.Context(), p.Scope(), id, version, actor(c),
		func(l *enterprise.Ledger) ([]enterprise.Change, error) { return l.Apply(body, p.Role, s.district) })
	if err != nil {
		return err
	}
	return s.respondEnterprise(c, http.StatusOK, l)
}

// ifMatch parses an If-Match header holding one version ETag.
func ifMatch(h string) (int64, error) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, apperr.New(apperr.PreconditionNeeded, "if_match_required", "修改须带 If-Match 请求头（取自读取时的 ETag），以免覆盖他人的修改")
	}
	// The ETag is the version, exactly as sent: a quoted number without
	// sign or leading zero. A weak one is taken as the same version: a
	// proxy that compresses answers may weaken the tag it passes on.
	tag := strings.TrimPrefix(h, "W/")
	bad := apperr.New(apperr.BadRequest, "invalid_if_match", "If-Match 须为读取时返回的 ETag，例如 \"3\"")
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' || tag[1] == '0' {
		return 0, bad
	}
	digits := tag[1 : len(tag)-1]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || v <= 0 {
		return 0, bad
	}
	return v, nil
}

// enterpriseHistory godoc
//
//	@Summary	A ledger's change history
//	@Description	Every change: who, when, which fields, old and new values. Append-only.
//	@Tags		enterprises
//	@Security	BearerAuth
//	@Produce	json
//	@Param		id	path		int	true	"ledger id"
//	@Success	200	{object}	HistoryResponse
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Failure	422	{object}	ErrorBody
//	@Router		/api/v1/enterprises/{id}/history [get]
func (s *Server) enterpriseHistory(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	items, err := s.db.History(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	out := HistoryResponse{Items: make([]RevisionResponse, len(items))}
	for i, r := range items {
		out.Items[i] = RevisionResponse{ID: r.ID, Version: r.Version, ActorID: r.ActorID, Actor: r.Actor,
			Source: r.Source, At: r.At, Changes: r.Changes}
	}
	c.JSON(http.StatusOK, out)
	return nil
}
