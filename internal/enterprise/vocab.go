package enterprise

import "github.com/fugai/fugai/internal/vocab"

// Operating statuses (经营状况) a survey reports.
const (
	OperatingNormal       = "normal"             // 正常经营
	OperatingDifficult    = "difficult"          // 经营困难
	OperatingHalted       = "production_halted"  // 停产
	OperatingSuspended    = "business_suspended" // 停业
	OperatingDormant      = "dormant"            // 歇业
	OperatingDeregistered = "deregistered"       // 注销
	OperatingRevoked      = "revoked"            // 吊销
	OperatingOther        = "other"              // 其他
)

// OperatingStatuses is the vocabulary of operating_status (经营状况).
var OperatingStatuses = vocab.New(
	vocab.Term{Code: OperatingNormal, Label: "正常经营", Aliases: []string{"正常", "经营正常", "正常营业", "营业", "在营", "在业", "存续", "开业"}},
	vocab.Term{Code: OperatingDifficult, Label: "经营困难", Aliases: []string{"困难", "生产经营困难", "亏损"}},
	vocab.Term{Code: OperatingHalted, Label: "停产", Aliases: []string{"已停产", "停产中", "停产整顿"}},
	vocab.Term{Code: OperatingSuspended, Label: "停业", Aliases: []string{"已停业", "暂停营业", "暂停经营"}},
	vocab.Term{Code: OperatingDormant, Label: "歇业", Aliases: []string{"已歇业", "歇业备案"}},
	vocab.Term{Code: OperatingDeregistered, Label: "注销", Aliases: []string{"已注销"}},
	vocab.Term{Code: OperatingRevoked, Label: "吊销", Aliases: []string{"已吊销", "吊销营业执照", "吊销未注销"}},
	vocab.Term{Code: OperatingOther, Label: "其他", Aliases: []string{"其它"}},
)

// OperatingScope returns the out-of-scope reason a surveyed operating
// status gives: deregistered (注销) and revoked (吊销) enterprises are not
// operating, as a registration status saying so makes them; production
// halted (停产), business suspended (停业) and dormant (歇业) ones are
// suspended. It returns "" for the others.
func OperatingScope(code string) string {
	switch code {
	case OperatingDeregistered, OperatingRevoked:
		return ReasonNotOperating
	case OperatingHalted, OperatingSuspended, OperatingDormant:
		return ReasonSuspended
	}
	return ""
}

// OwnerIdentities is the vocabulary of owner_identity (业主身份).
var OwnerIdentities = vocab.New(
	vocab.Term{Code: "masses", Label: "群众", Aliases: []string{"普通群众"}},
	vocab.Term{Code: "party_member", Label: "中共党员", Aliases: []string{"党员", "共产党员", "中国共产党党员", "中共预备党员", "预备党员"}},
	vocab.Term{Code: "npc_deputy", Label: "人大代表"},
	vocab.Term{Code: "cppcc_member", Label: "政协委员"},
	vocab.Term{Code: "democratic_party", Label: "民主党派", Aliases: []string{"民主党派成员", "民主党派人士"}},
	vocab.Term{Code: "other", Label: "其他", Aliases: []string{"其它"}},
)

// MemberSources is the vocabulary of the keys of member_sources (党员来源):
// where the enterprise's party members' membership sits.
var MemberSources = vocab.New(
	vocab.Term{Code: "in_enterprise", Label: "组织关系在本企业", Aliases: []string{"本企业", "组织关系在企业"}},
	vocab.Term{Code: "hometown", Label: "组织关系在户籍地", Aliases: []string{"户籍地"}},
	vocab.Term{Code: "elsewhere", Label: "组织关系在外地", Aliases: []string{"外地"}},
	vocab.Term{Code: "mobile", Label: "流动党员"},
	vocab.Term{Code: "pocket", Label: "口袋党员"},
	vocab.Term{Code: "retired_rehired", Label: "退休返聘", Aliases: []string{"退休党员返聘", "退休返聘党员"}},
	vocab.Term{Code: "other", Label: "其他", Aliases: []string{"其它"}},
)

// Needs is the vocabulary of needs (企业所需), which the liaison's services
// answer.
var Needs = vocab.New(
	vocab.Term{Code: "talent", Label: "人才"},
	vocab.Term{Code: "policy", Label: "政策"},
	vocab.Term{Code: "financing", Label: "融资", Aliases: []string{"资金"}},
	vocab.Term{Code: "market", Label: "市场"},
	vocab.Term{Code: "training", Label: "培训"},
	vocab.Term{Code: "other", Label: "其他", Aliases: []string{"其它"}},
)

// Reasons lists the out-of-scope reasons in order of precedence.
func Reasons() []string {
	return []string{ReasonPublicSector, ReasonNotOperating, ReasonOutsideDistrict, ReasonSuspended}
}

// ReasonLabel is the Chinese name of an out-of-scope reason.
func ReasonLabel(r string) string {
	switch r {
	case ReasonPublicSector:
		return "国有、集体等公有制单位"
	case ReasonNotOperating:
		return "非存续状态（注销、吊销等）"
	case ReasonOutsideDistrict:
		return "住所不在本区"
	case ReasonSuspended:
		return "停产、停业或歇业"
	}
	return r
}

// Natures lists the natures.
func Natures() []Nature { return []Nature{NonPublic, PublicSector} }

// Label is the nature's Chinese name.
func (n Nature) Label() string {
	switch n {
	case NonPublic:
		return "非公有制"
	case PublicSector:
		return "公有制"
	}
	return string(n)
}

// Sources of a recorded change (Revision.Source).
const (
	SourceAPI    = "api"    // a user's edit
	SourceImport = "import" // an import job
	SourceSystem = "system" // the system: a rule or vocabulary change
)

// Sources lists the sources of recorded changes.
func Sources() []string { return []string{SourceAPI, SourceImport, SourceSystem} }

// SourceLabel is the Chinese name of a change's source.
func SourceLabel(s string) string {
	switch s {
	case SourceAPI:
		return "手工修改"
	case SourceImport:
		return "导入"
	case SourceSystem:
		return "系统"
	}
	return s
}
