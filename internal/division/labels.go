package division

// Assignments lists how a township may be decided, in display order.
func Assignments() []Assignment {
	return []Assignment{AssignedByTownship, AssignedByPlace, AssignedManually, Unassigned}
}

// Label is the assignment's Chinese name.
func (a Assignment) Label() string {
	switch a {
	case AssignedByTownship:
		return "按住所中的街道/乡镇划分"
	case AssignedByPlace:
		return "按住所中的村/社区划分"
	case AssignedManually:
		return "人工划分"
	case Unassigned:
		return "未划分"
	}
	return string(a)
}

// Reasons lists why an enterprise may be unassigned, in display order.
func Reasons() []Reason { return []Reason{ReasonAmbiguous, ReasonNoMatch, ReasonOutsideDistrict} }

// Label is the reason's Chinese name.
func (r Reason) Label() string {
	switch r {
	case ReasonAmbiguous:
		return "住所涉及多个街道/乡镇"
	case ReasonNoMatch:
		return "住所未匹配到街道/乡镇"
	case ReasonOutsideDistrict:
		return "住所不在本区"
	}
	return string(r)
}
