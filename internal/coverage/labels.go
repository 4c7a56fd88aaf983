package coverage

// GapLabel is the Chinese name of a gap.
func GapLabel(g string) string {
	switch g {
	case GapShouldForm:
		return "应建未建"
	case GapUngroupedJoint:
		return "联合组建未编组"
	case GapNoLiaison:
		return "无联络员"
	case GapOverduePlan:
		return "计划逾期"
	case GapStaleLedger:
		return "台账过期"
	case GapUnassigned:
		return "未划分街道/乡镇"
	case GapCheckDigit:
		return "信用代码校验位待核实"
	}
	return g
}
