// Package importer turns registration exports (工商/市场主体登记数据) and
// survey sheets (调查表) into ledger changes: it finds the header row,
// parses every cell, reports each rejected or warned row, and merges valid
// rows into ledgers by the rules of DESIGN.md. It imports neither gin nor
// gorm; the store applies what it decides in one transaction.
package importer

import (
	"strings"

	"github.com/fugai/fugai/internal/division"
)

// Kind is what a file holds.
type Kind string

// The kinds of import.
const (
	Registration Kind = "registration"
	Survey       Kind = "survey"
	// Liaisons assigns liaisons in bulk (联络员分配表).
	Liaisons Kind = "liaisons"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == Registration || k == Survey || k == Liaisons }

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Survey:
		return "调查表"
	case Liaisons:
		return "联络员分配表"
	}
	return "登记数据"
}

// Field is a canonical column. Its value is the ledger field it fills.
type Field string

// Columns of registration exports and survey sheets.
const (
	FieldSerial           Field = "serial" // 序号: known, ignored
	FieldCreditCode       Field = "credit_code"
	FieldName             Field = "name"
	FieldEntityType       Field = "entity_type"
	FieldLegalRep         Field = "legal_representative"
	FieldCapital          Field = "registered_capital"
	FieldFoundedOn        Field = "founded_on"
	FieldRegStatus        Field = "registration_status"
	FieldAddress          Field = "registered_address"
	FieldAuthority        Field = "registration_authority"
	FieldIndustry         Field = "industry"
	FieldBusinessScope    Field = "business_scope"
	FieldEmployees        Field = "employees"
	FieldYoungEmployees   Field = "young_employees"
	FieldFullMembers      Field = "full_members"
	FieldProbationary     Field = "probationary_members"
	FieldAboveScale       Field = "above_scale"
	FieldOwnerIdentity    Field = "owner_identity"
	FieldOperatingStatus  Field = "operating_status"
	FieldMemberSource     Field = "member_sources"
	FieldUnion            Field = "union"
	FieldYouthLeague      Field = "youth_league"
	FieldWomensFederation Field = "womens_federation"
	FieldRevenue          Field = "annual_revenue"
	FieldOperatingAddress Field = "operating_address"
	FieldNeeds            Field = "needs"
	FieldSurveyDate       Field = "survey_date" // 填报日期: dates a survey row against later edits; no ledger field
	FieldLiaisonUsername  Field = "liaison_username"
	FieldLiaisonName      Field = "liaison_name"
	FieldLiaisonPhone     Field = "liaison_phone"
)

// column is one row of the alias table: the canonical Chinese label, the
// names a file may use for it, and for which kinds it is read or required.
type column struct {
	field    Field
	label    string
	aliases  []string
	kinds    []Kind
	required []Kind
}

// columnTable is the one table of known columns and their aliases. To
// accept a new spelling, add it to aliases; header cells are compared
// after normalisation (NFKC, no spaces, no asterisks or colons), so
// 注册资本（万元） and 注册资本(万元) are the same.
var columnTable = [...]column{
	{FieldSerial, "序号", []string{"序号", "编号", "序"}, []Kind{Registration, Survey, Liaisons}, nil},
	{FieldCreditCode, "统一社会信用代码", []string{"统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码", "统一社会信用代码/注册号"}, []Kind{Registration, Survey, Liaisons}, []Kind{Registration, Survey, Liaisons}},
	{FieldName, "企业名称", []string{"企业名称", "名称", "市场主体名称", "企业(单位)名称", "单位名称"}, []Kind{Registration, Survey, Liaisons}, []Kind{Registration}},
	{FieldEntityType, "市场主体类型", []string{"市场主体类型", "企业类型", "类型", "主体类型"}, []Kind{Registration}, nil},
	{FieldLegalRep, "法定代表人", []string{"法定代表人", "法定代表人(负责人)", "负责人", "经营者", "法定代表人/负责人"}, []Kind{Registration}, nil},
	{FieldCapital, "注册资本（万元）", []string{"注册资本", "注册资本(万元)", "注册资金", "注册资金(万元)", "出资额"}, []Kind{Registration}, nil},
	{FieldFoundedOn, "成立日期", []string{"成立日期", "注册日期", "设立日期"}, []Kind{Registration}, nil},
	{FieldRegStatus, "登记状态", []string{"登记状态", "经营状态", "企业状态"}, []Kind{Registration}, nil},
	{FieldAddress, "住所（经营场所）", []string{"住所", "住所(经营场所)", "经营场所", "地址", "注册地址", "住所地址"}, []Kind{Registration}, []Kind{Registration}},
	{FieldAuthority, "登记机关", []string{"登记机关"}, []Kind{Registration}, nil},
	{FieldIndustry, "所属行业", []string{"所属行业", "行业", "行业门类"}, []Kind{Registration}, nil},
	{FieldBusinessScope, "经营范围", []string{"经营范围"}, []Kind{Registration}, nil},
	{FieldEmployees, "职工人数", []string{"职工人数", "从业人数", "员工人数", "职工总数"}, []Kind{Survey}, nil},
	{FieldYoungEmployees, "35岁以下职工人数", []string{"35岁以下职工人数", "35岁以下青年职工人数", "青年职工人数"}, []Kind{Survey}, nil},
	{FieldFullMembers, "正式党员人数", []string{"正式党员人数", "正式党员数", "正式党员"}, []Kind{Survey}, nil},
	{FieldProbationary, "预备党员人数", []string{"预备党员人数", "预备党员数", "预备党员"}, []Kind{Survey}, nil},
	{FieldAboveScale, "是否规模以上企业", []string{"是否规模以上企业", "规模以上企业", "是否规上企业", "是否规上"}, []Kind{Survey}, nil},
	{FieldOwnerIdentity, "业主身份", []string{"业主身份", "出资人身份", "负责人身份"}, []Kind{Survey}, nil},
	{FieldOperatingStatus, "经营状况", []string{"经营状况", "生产经营状况", "经营情况"}, []Kind{Survey}, nil},
	{FieldMemberSource, "党员来源", []string{"党员来源", "党员组织关系"}, []Kind{Survey}, nil},
	{FieldUnion, "是否建立工会", []string{"是否建立工会", "是否建立工会组织", "工会"}, []Kind{Survey}, nil},
	{FieldYouthLeague, "是否建立共青团", []string{"是否建立共青团", "是否建立团组织", "共青团", "团组织"}, []Kind{Survey}, nil},
	{FieldWomensFederation, "是否建立妇联", []string{"是否建立妇联", "是否建立妇联组织", "妇联"}, []Kind{Survey}, nil},
	{FieldRevenue, "年营业收入（万元）", []string{"年营业收入", "年营业收入(万元)", "营业收入", "营业收入(万元)"}, []Kind{Survey}, nil},
	{FieldOperatingAddress, "实际经营地址", []string{"实际经营地址", "实际经营地", "经营地址"}, []Kind{Survey}, nil},
	{FieldNeeds, "企业所需", []string{"企业所需", "企业需求", "需求"}, []Kind{Survey}, nil},
	{FieldSurveyDate, "填报日期", []string{"填报日期", "填报时间", "填表日期", "填表时间", "调查日期", "调查时间", "走访日期", "走访时间"}, []Kind{Survey}, nil},
	{FieldLiaisonUsername, "联络员账号", []string{"联络员账号", "联络员用户名", "账号", "用户名"}, []Kind{Liaisons}, nil},
	{FieldLiaisonName, "联络员姓名", []string{"联络员姓名", "联络员", "姓名"}, []Kind{Liaisons}, nil},
	{FieldLiaisonPhone, "联络员手机号", []string{"联络员手机号", "联络员手机", "联络员电话", "手机号", "手机号码", "联系电话", "手机"}, []Kind{Liaisons}, nil},
}

// headerNoise is what header cells may carry besides the name: required
// markers and colons. A Replacer is safe for concurrent use.
var headerNoise = strings.NewReplacer("*", "", "＊", "", ":", "", "：", "", "\"", "")

// headerKey normalises a header cell for comparison with aliases.
func headerKey(s string) string {
	s = division.Normalize(s)
	return headerNoise.Replace(s)
}

func hasKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// lookup returns the column a header cell names for kind k.
func lookup(cell string, k Kind) (column, bool) {
	key := headerKey(cell)
	if key == "" {
		return column{}, false
	}
	for _, c := range columnTable {
		if !hasKind(c.kinds, k) {
			continue
		}
		for _, a := range c.aliases {
			if headerKey(a) == key {
				return c, true
			}
		}
	}
	return column{}, false
}

// Label returns the canonical Chinese column name of a field.
func (f Field) Label() string {
	for _, c := range columnTable {
		if c.field == f {
			return c.label
		}
	}
	return string(f)
}
