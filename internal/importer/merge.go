package importer

import (
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/enterprise"
	"github.com/fugai/fugai/internal/strategy"
)

// copyField copies one field's value from src to dst.
func copyField(dst, src *enterprise.Ledger, f Field) {
	switch f {
	case FieldName:
		dst.Name = src.Name
	case FieldEntityType:
		dst.EntityType = src.EntityType
	case FieldLegalRep:
		dst.LegalRepresentative = src.LegalRepresentative
	case FieldCapital:
		dst.RegisteredCapital = src.RegisteredCapital
	case FieldFoundedOn:
		dst.FoundedOn = src.FoundedOn
	case FieldRegStatus:
		dst.RegistrationStatus = src.RegistrationStatus
	case FieldAddress:
		dst.RegisteredAddress = src.RegisteredAddress
	case FieldAuthority:
		dst.RegistrationAuthority = src.RegistrationAuthority
	case FieldIndustry:
		dst.Industry = src.Industry
	case FieldBusinessScope:
		dst.BusinessScope = src.BusinessScope
	case FieldEmployees:
		dst.Employees = src.Employees
	case FieldYoungEmployees:
		dst.YoungEmployees = src.YoungEmployees
	case FieldFullMembers:
		dst.FullMembers = src.FullMembers
	case FieldProbationary:
		dst.ProbationaryMembers = src.ProbationaryMembers
	case FieldAboveScale:
		dst.AboveScale = src.AboveScale
	case FieldOwnerIdentity:
		dst.OwnerIdentity = src.OwnerIdentity
	case FieldOperatingStatus:
		dst.OperatingStatus = src.OperatingStatus
	case FieldUnion:
		dst.Union = src.Union
	case FieldYouthLeague:
		dst.YouthLeague = src.YouthLeague
	case FieldWomensFederation:
		dst.WomensFederation = src.WomensFederation
	case FieldRevenue:
		dst.AnnualRevenue = src.AnnualRevenue
	case FieldOperatingAddress:
		dst.OperatingAddress = src.OperatingAddress
	case FieldNeeds:
		dst.Needs = src.Needs
	}
}

// MergeRegistration applies a registration row to the ledger of its credit
// code (nil when there is none yet) and returns the result and what
// changed (nil for a new ledger: all of it, which history records with
// enterprise.EncodeCreated). Only registration fields are written: survey fields are never
// touched. The township follows the registered address unless it was
// assigned by hand.
func MergeRegistration(existing *enterprise.Ledger, r *Record, d *division.District, pools Pools) (enterprise.Ledger, []enterprise.Change) {
	var before enterprise.Ledger
	l := enterprise.Ledger{}
	if existing != nil {
		before, l = *existing, *existing
	} else {
		l.Init()
		l.CreditCode = r.Code
	}
	l.CheckDigitWarning = !r.CheckDigitOK
	for _, f := range r.Set {
		copyField(&l, &r.Values, f)
	}
	if existing == nil || r.has(FieldAddress) {
		l.Assign(d.Resolve(l.RegisteredAddress))
	}
	l.Derive()
	pools.suggest(existing, &l)
	if existing == nil {
		return l, nil
	}
	return l, enterprise.Diff(&before, &l)
}

// MergeSurvey applies a survey row to an existing ledger and returns the
// result and what changed. Only survey fields are written. A row naming
// one 党员来源 puts all the enterprise's members (full and probationary)
// under that source; "无" clears the sources.
func MergeSurvey(existing enterprise.Ledger, r *Record, pools Pools) (enterprise.Ledger, []enterprise.Change) {
	l := existing
	for _, f := range r.Set {
		copyField(&l, &r.Values, f)
	}
	if r.has(FieldMemberSource) {
		total := 0
		for _, p := range []*int{l.FullMembers, l.ProbationaryMembers} {
			if p != nil {
				total += *p
			}
		}
		l.MemberSources = nil
		if r.MemberSource != "" && total > 0 {
			l.MemberSources = map[string]int{r.MemberSource: total}
		}
	}
	l.Derive()
	pools.suggest(&existing, &l)
	return l, enterprise.Diff(&existing, &l)
}

// Pools are the joint candidates of each township (strategy.Pool) as they
// were when the job started.
type Pools map[string]strategy.Pool

// suggest sets l's suggested method against its township's candidates as
// they were before the job, adjusted for this ledger's own change. Other
// rows of the job may change the candidates too: when the job ends, the
// store brings every suggestion up to date in the same transaction, which
// this first guess spares from rewriting nearly every ledger.
func (p Pools) suggest(before, l *enterprise.Ledger) {
	in := suggestionInput(l)
	pool := p[in.Township]
	if before != nil {
		if b := suggestionInput(before); strategy.InPool(b) && b.Township == in.Township {
			pool.Enterprises--
			pool.FullMembers -= b.FullMembers
		}
	}
	if strategy.InPool(in) {
		pool.Enterprises++
		pool.FullMembers += in.FullMembers
	}
	l.SuggestedMethod = string(strategy.Suggest(in, pool).Method)
}

func suggestionInput(l *enterprise.Ledger) strategy.Input {
	in := strategy.Input{InScope: l.InScope, Township: l.TownshipCode}
	if l.FullMembers != nil {
		in.FullMembers = *l.FullMembers
	}
	return in
}
