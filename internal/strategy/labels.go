package strategy

// Statuses lists the plan statuses in display order.
func Statuses() []Status { return []Status{NotStarted, InProgress, Formed, Completed, NotApplicable} }

// Label is the plan status's Chinese name.
func (s Status) Label() string {
	switch s {
	case NotStarted:
		return "未启动"
	case InProgress:
		return "推进中"
	case Formed:
		return "已组建"
	case Completed:
		return "已落实"
	case NotApplicable:
		return "不适用"
	}
	return string(s)
}

// OrgKinds lists the kinds of party organisation in display order.
func OrgKinds() []OrgKind { return []OrgKind{Committee, GeneralBranch, Branch, JointBranch} }

// SuggestionReasons lists the reason codes of a suggestion in display
// order.
func SuggestionReasons() []string {
	return []string{ReasonEnoughMembers, ReasonJointPool, ReasonNoPartner, ReasonUnassigned, ReasonNoMembers}
}

// SuggestionReasonLabel is the Chinese name of a suggestion's reason code.
func SuggestionReasonLabel(r string) string {
	switch r {
	case ReasonEnoughMembers:
		return "正式党员3名以上"
	case ReasonJointPool:
		return "可与本街道/乡镇企业联合组建"
	case ReasonNoPartner:
		return "本街道/乡镇无联合组建对象"
	case ReasonUnassigned:
		return "未划分街道/乡镇"
	case ReasonNoMembers:
		return "没有正式党员"
	}
	return r
}

// Where a plan's method comes from.
const (
	FromSuggestion = "suggestion" // the suggested method
	FromOverride   = "override"   // staff's override
)

// MethodSources lists where a plan's method may come from.
func MethodSources() []string { return []string{FromSuggestion, FromOverride} }

// MethodSourceLabel is the Chinese name of where a plan's method comes
// from.
func MethodSourceLabel(s string) string {
	switch s {
	case FromSuggestion:
		return "系统建议"
	case FromOverride:
		return "人工调整"
	}
	return s
}
