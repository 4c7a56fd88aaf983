package auth

// Label is the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case DistrictAdmin:
		return "区级管理员"
	case TownshipAdmin:
		return "街道/乡镇管理员"
	case Liaison:
		return "联络员"
	case Auditor:
		return "审计员"
	}
	return string(r)
}
