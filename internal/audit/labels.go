package audit

// Actions lists the recorded actions in display order. A new action
// belongs here and in ActionLabel, so the data dictionary lists it.
func Actions() []string {
	return []string{LoginSucceeded, LoginFailed, LoginRefused, AccountLocked, Logout, UserCreated, PasswordSet, PasswordChanged,
		PasswordWrong, UserDisabled, UserEnabled, EnterpriseCreate, EnterpriseUpdate, PlanUpdate, JointGroupCreate,
		JointGroupDelete, PartyOrgCreate, PartyOrgUpdate, PartyOrgDissolve, PartyOrgMerge, LiaisonAssign, LiaisonUnassign,
		LiaisonHandover, VisitAdd, RoundCreate, RoundClose, RoundDelete, ImportCreated, Forbidden, PersonalRead, PersonalExport}
}

// ActionLabel is the Chinese name of an action.
func ActionLabel(a string) string {
	switch a {
	case LoginSucceeded:
		return "登录"
	case LoginFailed:
		return "登录失败"
	case LoginRefused:
		return "拒绝登录（账号停用或锁定）"
	case PasswordChanged:
		return "修改本人密码"
	case PasswordWrong:
		return "修改密码时原密码错误"
	case UserDisabled:
		return "停用账号"
	case UserEnabled:
		return "启用账号"
	case PartyOrgDissolve:
		return "撤销党组织"
	case PartyOrgMerge:
		return "合并党组织"
	case LiaisonUnassign:
		return "解除联络员"
	case LiaisonHandover:
		return "联络员交接"
	case AccountLocked:
		return "账号锁定"
	case Logout:
		return "退出登录"
	case Forbidden:
		return "越权请求被拒绝"
	case PersonalRead:
		return "查看完整个人信息"
	case PersonalExport:
		return "导出完整个人信息"
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
	case RoundDelete:
		return "删除未开始的摸排轮次"
	case ImportCreated:
		return "提交导入"
	}
	return a
}
