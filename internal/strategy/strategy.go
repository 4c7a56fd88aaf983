// Package strategy holds the rules of 一企一对策: which way each in-scope
// enterprise's party organisation should be formed (the suggested method),
// why, and which enterprises are priorities. Every threshold of those rules
// lives here. It imports neither gin nor gorm.
package strategy

import "fmt"

// Method is how an enterprise's party organisation is to be formed.
type Method string

// Methods, in display order.
const (
	Standalone Method = "standalone" // 单独组建
	Joint      Method = "joint"      // 联合组建
	Affiliated Method = "affiliated" // 挂靠
	Included   Method = "included"   // 纳入（党的工作覆盖）
)

// Methods lists every method in display order.
func Methods() []Method { return []Method{Standalone, Joint, Affiliated, Included} }

// Valid reports whether m is a method.
func (m Method) Valid() bool {
	switch m {
	case Standalone, Joint, Affiliated, Included:
		return true
	}
	return false
}

// Label is the method's Chinese name.
func (m Method) Label() string {
	switch m {
	case Standalone:
		return "单独组建"
	case Joint:
		return "联合组建"
	case Affiliated:
		return "挂靠"
	case Included:
		return "纳入"
	}
	return string(m)
}

// Thresholds fixed by the party's rules rather than by a district.
const (
	// StandaloneMin full (正式) members may form their own branch.
	StandaloneMin = 3
	// JointMinTotal full members together may form a joint branch.
	JointMinTotal = 3
	// JointMinEnterprises is how many enterprises a joint branch needs.
	JointMinEnterprises = 2
)

// DefaultJointMax is how many enterprises a suggested joint group holds at
// most, unless FUGAI_JOINT_MAX says otherwise.
const DefaultJointMax = 8

// Input is what the suggestion for one enterprise depends on.
type Input struct {
	InScope     bool
	Township    string // "" when unassigned
	FullMembers int
}

// Pool is what a township's joint candidates hold together: its in-scope
// enterprises with 1 to StandaloneMin-1 full members.
type Pool struct {
	Enterprises int
	FullMembers int
}

// InPool reports whether an enterprise is a joint candidate of its
// township: in scope, assigned, with 1 to StandaloneMin-1 full members.
func InPool(in Input) bool {
	return in.InScope && in.Township != "" && in.FullMembers >= 1 && in.FullMembers < StandaloneMin
}

// JointPossible reports whether a township's candidates can form a joint
// branch: at least two of them, with at least JointMinTotal full members
// together.
func JointPossible(p Pool) bool {
	return p.Enterprises >= JointMinEnterprises && p.FullMembers >= JointMinTotal
}

// Reason codes of a suggestion.
const (
	ReasonEnoughMembers = "enough_members"  // ≥3 full members
	ReasonJointPool     = "joint_pool"      // 1–2, with partners in the township
	ReasonNoPartner     = "no_partner"      // 1–2, no partners enough in the township
	ReasonUnassigned    = "unassigned"      // 1–2, no township to group in
	ReasonNoMembers     = "no_full_members" // 0 full members
)

// Suggestion is the suggested method of one enterprise, with a reason code
// and a Chinese explanation.
type Suggestion struct {
	Method      Method
	Reason      string
	Explanation string
}

// Suggest gives the suggested method of an in-scope enterprise, given its
// township's pool of joint candidates (the enterprise included when it is
// one). Out-of-scope enterprises get no suggestion: the zero Suggestion.
func Suggest(in Input, pool Pool) Suggestion {
	if !in.InScope {
		return Suggestion{}
	}
	full := in.FullMembers
	switch {
	case full >= StandaloneMin:
		return Suggestion{Standalone, ReasonEnoughMembers,
			fmt.Sprintf("正式党员%d名，达到%d名以上，符合单独组建条件", full, StandaloneMin)}
	case full >= 1 && in.Township == "":
		return Suggestion{Affiliated, ReasonUnassigned,
			fmt.Sprintf("正式党员%d名，未确定所属街道/乡镇，无法联合组建，党员挂靠街道/乡镇或社区党组织", full)}
	case full >= 1 && JointPossible(pool):
		return Suggestion{Joint, ReasonJointPool,
			fmt.Sprintf("正式党员%d名，不足%d名；本街道/乡镇有%d家党员1至%d名的企业，共有正式党员%d名，可联合组建",
				full, StandaloneMin, pool.Enterprises, StandaloneMin-1, pool.FullMembers)}
	case full >= 1:
		return Suggestion{Affiliated, ReasonNoPartner,
			fmt.Sprintf("正式党员%d名，不足%d名，本街道/乡镇没有足以联合组建的企业，党员挂靠街道/乡镇或社区党组织", full, StandaloneMin)}
	}
	return Suggestion{Included, ReasonNoMembers, "没有正式党员，通过选派联络员、建立工会或共青团组织纳入党的工作覆盖"}
}

// Priority reports whether an enterprise is a priority (重点培育): above
// scale (规模以上) with fewer than StandaloneMin full members.
func Priority(aboveScale bool, fullMembers int) bool {
	return aboveScale && fullMembers < StandaloneMin
}
