package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/coverage"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/importer"
	"github.com/fugai/fugai/internal/liaison"
	"github.com/fugai/fugai/internal/strategy"
	"github.com/fugai/fugai/internal/survey"
	"github.com/fugai/fugai/internal/vocab"
)

// DictionaryItem is one value of an enum.
type DictionaryItem struct {
	// Code is what the API takes and returns.
	Code string `json:"code" binding:"required" example:"standalone"`
	// Label is the Chinese name to show.
	Label string `json:"label" binding:"required" example:"单独组建"`
	// Order is the display position, from 1.
	Order int `json:"order" binding:"required" example:"1"`
}

// Dictionaries lists every enum the API takes or returns, each in display
// order. The survey vocabularies (needs, member_sources, owner_identities,
// operating_statuses, visit_services) also accept the labels (and some
// Chinese aliases) on input; the API always returns codes.
type Dictionaries struct {
	// Methods are the ways to form a party organisation (组建方式).
	Methods []DictionaryItem `json:"methods" binding:"required"`
	// MethodSources say where a plan's method comes from.
	MethodSources []DictionaryItem `json:"method_sources" binding:"required"`
	// PlanStatuses are how far a plan has come.
	PlanStatuses []DictionaryItem `json:"plan_statuses" binding:"required"`
	// SuggestionReasons explain a suggested method.
	SuggestionReasons []DictionaryItem `json:"suggestion_reasons" binding:"required"`
	// Gaps are the coverage gaps (gap= filter, coverage rows).
	Gaps []DictionaryItem `json:"gaps" binding:"required"`
	// OutOfScopeReasons say why a ledger is outside the coverage base.
	OutOfScopeReasons []DictionaryItem `json:"out_of_scope_reasons" binding:"required"`
	// Natures tell non-public enterprises from public-sector ones.
	Natures []DictionaryItem `json:"natures" binding:"required"`
	// Assignments say how a ledger's township was decided.
	Assignments []DictionaryItem `json:"assignments" binding:"required"`
	// UnassignedReasons say why a ledger has no township.
	UnassignedReasons []DictionaryItem `json:"unassigned_reasons" binding:"required"`
	// Roles are the users' roles.
	Roles []DictionaryItem `json:"roles" binding:"required"`
	// VisitServices are what a visit offers (走访服务内容).
	VisitServices []DictionaryItem `json:"visit_services" binding:"required"`
	// Needs are what an enterprise needs (企业所需).
	Needs []DictionaryItem `json:"needs" binding:"required"`
	// MemberSources are the keys of member_sources (党员来源).
	MemberSources []DictionaryItem `json:"member_sources" binding:"required"`
	// OwnerIdentities are the values of owner_identity (业主身份).
	OwnerIdentities []DictionaryItem `json:"owner_identities" binding:"required"`
	// OperatingStatuses are the values of operating_status (经营状况).
	OperatingStatuses []DictionaryItem `json:"operating_statuses" binding:"required"`
	// PartyOrgKinds are the kinds of party organisation.
	PartyOrgKinds []DictionaryItem `json:"party_org_kinds" binding:"required"`
	// PartyOrgStatuses are a party organisation's statuses (正常, 已撤销,
	// 已合并).
	PartyOrgStatuses []DictionaryItem `json:"party_org_statuses" binding:"required"`

	// RoundStatuses are a survey round's statuses.
	RoundStatuses []DictionaryItem `json:"round_statuses" binding:"required"`
	// ImportKinds are the kinds of import file.
	ImportKinds []DictionaryItem `json:"import_kinds" binding:"required"`
	// ImportStatuses are where an import job stands.
	ImportStatuses []DictionaryItem `json:"import_statuses" binding:"required"`
	// ImportFormats are the file formats an import reads.
	ImportFormats []DictionaryItem `json:"import_formats" binding:"required"`
	// HistorySources say where a recorded ledger change came from.
	HistorySources []DictionaryItem `json:"history_sources" binding:"required"`
	// AuditActions are the actions of the audit log.
	AuditActions []DictionaryItem `json:"audit_actions" binding:"required"`
}

// DictionariesResponse is the data dictionary (数据字典).
type DictionariesResponse struct {
	Dictionaries Dictionaries `json:"dictionaries" binding:"required"`
}

// items lists codes with their labels, in the order given.
func items[T ~string](codes []T, label func(T) string) []DictionaryItem {
	out := make([]DictionaryItem, len(codes))
	for i, c := range codes {
		out[i] = DictionaryItem{Code: string(c), Label: label(c), Order: i + 1}
	}
	return out
}

// vocabularyItems lists a closed vocabulary.
func vocabularyItems(v *vocab.Vocabulary) []DictionaryItem {
	return items(v.Codes(), v.Label)
}

// dictionaries builds the data dictionary from the domain packages' own
// lists and labels.
func dictionaries() Dictionaries {
	return Dictionaries{
		Methods:           items(strategy.Methods(), strategy.Method.Label),
		MethodSources:     items(strategy.MethodSources(), strategy.MethodSourceLabel),
		PlanStatuses:      items(strategy.Statuses(), strategy.Status.Label),
		SuggestionReasons: items(strategy.SuggestionReasons(), strategy.SuggestionReasonLabel),
		Gaps:              items(coverage.Gaps(), coverage.GapLabel),
		OutOfScopeReasons: items(enterprise.Reasons(), enterprise.ReasonLabel),
		Natures:           items(enterprise.Natures(), enterprise.Nature.Label),
		Assignments:       items(division.Assignments(), division.Assignment.Label),
		UnassignedReasons: items(division.Reasons(), division.Reason.Label),
		Roles:             items(auth.AllRoles(), auth.Role.Label),
		VisitServices:     vocabularyItems(liaison.Services),
		Needs:             vocabularyItems(enterprise.Needs),
		MemberSources:     vocabularyItems(enterprise.MemberSources),
		OwnerIdentities:   vocabularyItems(enterprise.OwnerIdentities),
		OperatingStatuses: vocabularyItems(enterprise.OperatingStatuses),
		PartyOrgKinds:     items(strategy.OrgKinds(), strategy.OrgKind.Label),
		PartyOrgStatuses:  items(strategy.OrgStatuses(), strategy.OrgStatus.Label),
		RoundStatuses:     items(survey.Statuses(), survey.StatusLabel),
		ImportKinds:       items(importer.Kinds(), importer.Kind.Label),
		ImportStatuses:    items(importer.Statuses(), importer.Status.Label),
		ImportFormats:     items(importer.Formats(), importer.Format.Label),
		HistorySources:    items(enterprise.Sources(), enterprise.SourceLabel),
		AuditActions:      items(audit.Actions(), audit.ActionLabel),
	}
}

// getDictionaries godoc
//
//	@Summary		The data dictionary (数据字典)
//	@Description	Every enum the API takes or returns, with its Chinese label and display order, so that no client hard-codes a label. The survey vocabularies (needs, member_sources, owner_identities, operating_statuses, visit_services) are closed: writes take a code or its Chinese label (and a few aliases such as 已停产, 党员) and store the code; anything else is 422.
//	@Tags			dictionaries
//	@Security		BearerAuth
//	@Produce		json
//	@Success		200	{object}	DictionariesResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody	"unknown_parameter: it takes no query parameters"
//	@Router			/api/v1/dictionaries [get]
func (s *Server) getDictionaries(c *gin.Context) error {
	if err := params(c); err != nil {
		return err
	}
	c.JSON(http.StatusOK, DictionariesResponse{Dictionaries: dictionaries()})
	return nil
}
