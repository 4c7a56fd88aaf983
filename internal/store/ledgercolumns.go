package store

import (
	"fmt"
	"strings"
	"time"
)

// ledgerColumn is one column of enterprises: its name, where a row keeps
// it, and whether a write may change it after the ledger is created.
type ledgerColumn struct {
	name  string
	field func(*enterpriseRow) any // a pointer to the row's field
	fixed bool                     // set at creation only: id, credit_code, created_at
}

// ledgerColumns is the one list of the ledger's columns: the SELECT list,
// the scan targets, the COPY and INSERT values and the import's UPDATE SET
// all come from it (TestLedgerColumnsCoverTheRow holds it to
// enterpriseRow). A new ledger field is a column here, a field of
// enterpriseRow and its mapping in toEnterpriseRow and toLedger.
var ledgerColumns = []ledgerColumn{
	{name: "id", field: func(r *enterpriseRow) any { return &r.ID }, fixed: true},
	{name: "credit_code", field: func(r *enterpriseRow) any { return &r.CreditCode }, fixed: true},
	{name: "name", field: func(r *enterpriseRow) any { return &r.Name }},
	{name: "entity_type", field: func(r *enterpriseRow) any { return &r.EntityType }},
	{name: "nature", field: func(r *enterpriseRow) any { return &r.Nature }},
	{name: "legal_representative", field: func(r *enterpriseRow) any { return &r.LegalRepresentative }},
	{name: "registered_capital", field: func(r *enterpriseRow) any { return &r.RegisteredCapital }},
	{name: "founded_on", field: func(r *enterpriseRow) any { return &r.FoundedOn }},
	{name: "registration_status", field: func(r *enterpriseRow) any { return &r.RegistrationStatus }},
	{name: "registered_address", field: func(r *enterpriseRow) any { return &r.RegisteredAddress }},
	{name: "operating_address", field: func(r *enterpriseRow) any { return &r.OperatingAddress }},
	{name: "registration_authority", field: func(r *enterpriseRow) any { return &r.RegistrationAuthority }},
	{name: "industry", field: func(r *enterpriseRow) any { return &r.Industry }},
	{name: "business_scope", field: func(r *enterpriseRow) any { return &r.BusinessScope }},
	{name: "township_code", field: func(r *enterpriseRow) any { return &r.TownshipCode }},
	{name: "assignment", field: func(r *enterpriseRow) any { return &r.Assignment }},
	{name: "assignment_reason", field: func(r *enterpriseRow) any { return &r.AssignmentReason }},
	{name: "in_scope", field: func(r *enterpriseRow) any { return &r.InScope }},
	{name: "out_of_scope_reason", field: func(r *enterpriseRow) any { return &r.OutOfScopeReason }},
	{name: "check_digit_warning", field: func(r *enterpriseRow) any { return &r.CheckDigitWarning }},
	{name: "employees", field: func(r *enterpriseRow) any { return &r.Employees }},
	{name: "young_employees", field: func(r *enterpriseRow) any { return &r.YoungEmployees }},
	{name: "full_members", field: func(r *enterpriseRow) any { return &r.FullMembers }},
	{name: "probationary_members", field: func(r *enterpriseRow) any { return &r.ProbationaryMembers }},
	{name: "member_sources", field: func(r *enterpriseRow) any { return &r.MemberSources }},
	{name: "owner_identity", field: func(r *enterpriseRow) any { return &r.OwnerIdentity }},
	{name: "operating_status", field: func(r *enterpriseRow) any { return &r.OperatingStatus }},
	{name: "above_scale", field: func(r *enterpriseRow) any { return &r.AboveScale }},
	{name: "priority", field: func(r *enterpriseRow) any { return &r.Priority }},
	{name: "annual_revenue", field: func(r *enterpriseRow) any { return &r.AnnualRevenue }},
	{name: "needs", field: func(r *enterpriseRow) any { return &r.Needs }},
	{name: "union_org", field: func(r *enterpriseRow) any { return &r.UnionOrg }},
	{name: "youth_league", field: func(r *enterpriseRow) any { return &r.YouthLeague }},
	{name: "womens_federation", field: func(r *enterpriseRow) any { return &r.WomensFederation }},
	{name: "suggested_method", field: func(r *enterpriseRow) any { return &r.SuggestedMethod }},
	{name: "verified_at", field: func(r *enterpriseRow) any { return &r.VerifiedAt }},
	{name: "version", field: func(r *enterpriseRow) any { return &r.Version }},
	{name: "created_at", field: func(r *enterpriseRow) any { return &r.CreatedAt }, fixed: true},
	{name: "updated_at", field: func(r *enterpriseRow) any { return &r.UpdatedAt }},
}

// enterpriseColumns are the names of ledgerColumns, in order.
var enterpriseColumns = func() []string {
	out := make([]string, len(ledgerColumns))
	for i, c := range ledgerColumns {
		out[i] = c.name
	}
	return out
}()

// enterpriseColumnList is enterpriseColumns for a SELECT.
var enterpriseColumnList = strings.Join(enterpriseColumns, ", ")

// enterpriseFields are the scan targets of ledgerColumns in r.
func enterpriseFields(r *enterpriseRow) []any {
	out := make([]any, len(ledgerColumns))
	for i, c := range ledgerColumns {
		out[i] = c.field(r)
	}
	return out
}

// enterpriseValues are r's values of ledgerColumns, for COPY and INSERT.
func enterpriseValues(r *enterpriseRow) []any {
	out := make([]any, len(ledgerColumns))
	for i, c := range ledgerColumns {
		out[i] = derefAny(c.field(r))
	}
	return out
}

// ledgerUpdateSet is the SET list that writes every changeable column
// from the row of alias.
func ledgerUpdateSet(alias string) string {
	var parts []string
	for _, c := range ledgerColumns {
		if !c.fixed {
			parts = append(parts, c.name+" = "+alias+"."+c.name)
		}
	}
	return strings.Join(parts, ", ")
}

func derefAny(p any) any {
	switch v := p.(type) {
	case *int64:
		return *v
	case *string:
		return *v
	case **string:
		return *v
	case **float64:
		return *v
	case **time.Time:
		return *v
	case *bool:
		return *v
	case **bool:
		return *v
	case **int:
		return *v
	case *time.Time:
		return *v
	}
	panic(fmt.Sprintf("enterpriseValues: unhandled %T", p))
}
