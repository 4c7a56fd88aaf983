// Package enterprise holds the enterprise ledger (一企一台账): its fields,
// the rules that derive nature and coverage scope, unified social credit
// code checks, and which role may edit which field. It imports neither gin
// nor gorm.
package enterprise

import (
	"strings"
	"time"

	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/strategy"
)

// Nature tells public-sector entities from non-public (非公) ones.
type Nature string

// Natures.
const (
	NonPublic    Nature = "non_public"
	PublicSector Nature = "public_sector"
)

// Reasons an enterprise is outside the coverage base, in the order of
// precedence: when several apply, the first is recorded.
const (
	ReasonPublicSector    = "public_sector"
	ReasonNotOperating    = "not_operating"
	ReasonOutsideDistrict = "outside_district"
	ReasonSuspended       = "suspended"
)

// Ledger is one enterprise's ledger (台账).
type Ledger struct {
	ID                    int64
	CreditCode            string
	Name                  string
	EntityType            string
	Nature                Nature
	LegalRepresentative   string
	RegisteredCapital     *float64 // 万元
	FoundedOn             *time.Time
	RegistrationStatus    string
	RegisteredAddress     string
	OperatingAddress      string
	RegistrationAuthority string
	Industry              string
	BusinessScope         string

	TownshipCode      string // "" when unassigned
	Assignment        division.Assignment
	AssignmentReason  division.Reason // why unassigned
	InScope           bool
	OutOfScopeReason  string
	CheckDigitWarning bool

	Employees           *int
	YoungEmployees      *int
	FullMembers         *int
	ProbationaryMembers *int
	MemberSources       map[string]int // by MemberSources code
	OwnerIdentity       *string        // an OwnerIdentities code; nil until surveyed
	OperatingStatus     *string        // an OperatingStatuses code; nil until surveyed
	AboveScale          *bool
	Priority            bool
	AnnualRevenue       *float64 // 万元
	Needs               []string // Needs codes, in display order
	Union               *bool
	YouthLeague         *bool
	WomensFederation    *bool
	SuggestedMethod     string
	// VerifiedAt is when a visit or a survey update last confirmed the
	// ledger (nil: never); the stale clock runs from it.
	VerifiedAt *time.Time

	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NatureOf classifies an entity type (市场主体类型). State-owned (国有),
// collective (集体) and 全民所有制 entities are public-sector; everything else
// (private, sole proprietorships, partnerships, foreign and HK/Macao/Taiwan
// investment) is non-public.
func NatureOf(entityType string) Nature {
	t := division.Normalize(entityType)
	t = strings.ReplaceAll(t, "非国有", "")
	for _, w := range []string{"国有", "全民所有制", "集体所有制", "集体企业", "国营"} {
		if strings.Contains(t, w) {
			return PublicSector
		}
	}
	return NonPublic
}

// Operating reports whether a registration status (登记状态) means the
// entity is operating (存续/在业/开业/在营). Revoked, cancelled, moved-out
// and liquidating entities are not. An empty status (a ledger entered by
// hand before the registration data is known) counts as operating.
func Operating(status string) bool {
	s := division.Normalize(status)
	for _, w := range []string{"吊销", "注销", "撤销", "迁出", "清算", "停业", "歇业"} {
		if strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Derive recomputes every derived field of l from its inputs: nature from
// the entity type; in_scope and out_of_scope_reason from nature,
// registration status, the address resolution and the surveyed operating
// status (OperatingScope: a survey finding the enterprise deregistered or
// revoked puts it out as not operating, one finding it halted, suspended
// or dormant as suspended); priority from above-scale and full members.
// It is the one place these rules live.
func (l *Ledger) Derive() {
	l.Nature = NatureOf(l.EntityType)
	l.OutOfScopeReason = ""
	surveyed := ""
	if l.OperatingStatus != nil {
		surveyed = OperatingScope(*l.OperatingStatus)
	}
	switch {
	case l.Nature == PublicSector:
		l.OutOfScopeReason = ReasonPublicSector
	case !Operating(l.RegistrationStatus) || surveyed == ReasonNotOperating:
		l.OutOfScopeReason = ReasonNotOperating
	case l.AssignmentReason == division.ReasonOutsideDistrict:
		l.OutOfScopeReason = ReasonOutsideDistrict
	case surveyed == ReasonSuspended:
		l.OutOfScopeReason = ReasonSuspended
	}
	l.InScope = l.OutOfScopeReason == ""
	full := 0
	if l.FullMembers != nil {
		full = *l.FullMembers
	}
	l.Priority = strategy.Priority(l.AboveScale != nil && *l.AboveScale, full)
}

// Init prepares a new ledger: unassigned until resolved, and the headcounts
// and above-scale flag start at zero and false, as the district's ledgers
// record them before a survey says otherwise.
func (l *Ledger) Init() {
	l.Assignment = division.Unassigned
	zero := 0
	for _, p := range []**int{&l.Employees, &l.FullMembers, &l.ProbationaryMembers} {
		if *p == nil {
			v := zero
			*p = &v
		}
	}
	if l.AboveScale == nil {
		no := false
		l.AboveScale = &no
	}
}

// Assign sets the township from a resolution of the registered address,
// unless the township was assigned by hand: a manual assignment is never
// overwritten by the address.
func (l *Ledger) Assign(r division.Resolution) {
	if l.Assignment == division.AssignedManually {
		return
	}
	l.TownshipCode = r.TownshipCode
	l.Assignment = r.Assignment
	l.AssignmentReason = r.Reason
}
