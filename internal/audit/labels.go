package audit

// Actions lists the recorded actions in display order. A new action
// belongs here and in ActionLabel, so the data dictionary lists it.
func Actions() []string {
	return []string{LoginSucceeded, LoginFailed, AccountLocked, Logout, UserCreated, PasswordSet, EnterpriseCreate,
		EnterpriseUpdate, PlanUpdate, JointGroupCreate, JointGroupDelete, PartyOrgCreate, PartyOrgUpdate, LiaisonAssign,
		VisitAdd, RoundCreate, RoundClose, ImportCreated}
}

// ActionLabel is the Chinese name of an action.
func ActionLabel(a string) string {
	switch a {
	case LoginSucceeded:
		return "登录"
	case LoginFailed:
		return "登录失败"
	case AccountLocked:
		return "账号锁定"
	case Logout:
		return "退出登录"
	case UserCreated:
		return "创建用户"
	case PasswordSet:
		return "设置密码"
	case EnterpriseCreate:
		return "新建台账"
	case EnterpriseUpdate:
		return "修改台账"
	case PlanUpdate:
		return "修改组建计划"
	case JointGroupCreate:
		return "确定联合组建"
	case JointGroupDelete:
		return "撤销联合组建"
	case PartyOrgCreate:
		return "登记党组织"
	case PartyOrgUpdate:
		return "修改党组织"
	case LiaisonAssign:
		return "指定联络员"
	case VisitAdd:
		return "记录走访"
	case RoundCreate:
		return "新建摸排轮次"
	case RoundClose:
		return "结束摸排轮次"
	case ImportCreated:
		return "提交导入"
	}
	return a
}
