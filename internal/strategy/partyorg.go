package strategy

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
)

// OrgKind is the kind of a party organisation.
type OrgKind string

// Kinds of party organisation.
const (
	Committee     OrgKind = "committee"      // 党委
	GeneralBranch OrgKind = "general_branch" // 党总支
	Branch        OrgKind = "branch"         // 党支部
	JointBranch   OrgKind = "joint_branch"   // 联合党支部
)

// Valid reports whether k is a kind.
func (k OrgKind) Valid() bool {
	switch k {
	case Committee, GeneralBranch, Branch, JointBranch:
		return true
	}
	return false
}

// Label is the kind's Chinese name.
func (k OrgKind) Label() string {
	switch k {
	case Committee:
		return "党委"
	case GeneralBranch:
		return "党总支"
	case Branch:
		return "党支部"
	case JointBranch:
		return "联合党支部"
	}
	return string(k)
}

// PartyOrg is a registered party organisation and the enterprises it
// covers: one for a standalone organisation, a confirmed joint group's for
// a joint one.
type PartyOrg struct {
	ID            int64
	Name          string
	Kind          OrgKind
	FormationType Method // Standalone or Joint
	FoundedOn     time.Time
	Secretary     string
	MemberCount   int
	Township      string
	JointGroupID  *int64
	Enterprises   []int64
	Version       int64
	CreatedAt     time.Time
	CreatedBy     string
	UpdatedAt     time.Time
}

// OrgInput is what a user writes of a party organisation; on an edit the
// enterprises cannot change (register another organisation instead).
type OrgInput struct {
	Name          string
	Kind          string
	FormationType string
	FoundedOn     string
	Secretary     string
	MemberCount   *int
}

// CheckOrg validates the fields of a party organisation; today is the
// district's date (YYYY-MM-DD).
func CheckOrg(in OrgInput, today string) (PartyOrg, error) {
	p := apperr.Problems{}
	o := PartyOrg{Name: strings.TrimSpace(in.Name), Kind: OrgKind(in.Kind), FormationType: Method(in.FormationType),
		Secretary: strings.TrimSpace(in.Secretary)}
	switch n := utf8.RuneCountInString(o.Name); {
	case n == 0:
		p.Add("name", "须填写党组织名称")
	case n > 100:
		p.Add("name", "党组织名称不能超过100个字")
	}
	if !o.Kind.Valid() {
		p.Add("kind", "类别须为 committee（党委）、general_branch（党总支）、branch（党支部）或 joint_branch（联合党支部）")
	}
	if o.FormationType != Standalone && o.FormationType != Joint {
		p.Add("formation_type", "组建方式须为 standalone（单独组建）或 joint（联合组建）")
	}
	if o.FormationType == Standalone && o.Kind == JointBranch {
		p.Add("kind", "单独组建的党组织不能是联合党支部")
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.FoundedOn))
	switch {
	case err != nil:
		p.Add("founded_on", "成立日期须为 YYYY-MM-DD 格式的日期")
	case d.Format(time.DateOnly) > today:
		p.Add("founded_on", "成立日期不能晚于今天")
	}
	o.FoundedOn = d
	if utf8.RuneCountInString(o.Secretary) > 50 {
		p.Add("secretary", "书记姓名不能超过50个字")
	}
	switch {
	case in.MemberCount == nil:
		p.Add("member_count", "须填写党员人数")
	case *in.MemberCount < JointMinTotal:
		p.Add("member_count", "成立党组织至少需要3名正式党员")
	case *in.MemberCount > 100000:
		p.Add("member_count", "党员人数不正确")
	default:
		o.MemberCount = *in.MemberCount
	}
	return o, p.Err()
}
