package strategy

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/dates"
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

// MinMembers is how many full members an organisation of kind k needs:
// a branch 3 (《中国共产党支部工作条例（试行）》), a general branch 50 and a
// committee 100 (党章 and 《中国共产党基层组织选举工作条例》 practice).
func (k OrgKind) MinMembers() int {
	switch k {
	case Committee:
		return 100
	case GeneralBranch:
		return 50
	}
	return JointMinTotal
}

// OrgStatus is where an organisation is in its life: active until it is
// dissolved (撤销) or merged into another (合并).
type OrgStatus string

// Organisation statuses.
const (
	OrgActive    OrgStatus = "active"    // 正常
	OrgDissolved OrgStatus = "dissolved" // 已撤销
	OrgMerged    OrgStatus = "merged"    // 已合并
)

// OrgStatuses lists every status, in display order.
func OrgStatuses() []OrgStatus { return []OrgStatus{OrgActive, OrgDissolved, OrgMerged} }

// Label is the status's Chinese name.
func (s OrgStatus) Label() string {
	switch s {
	case OrgActive:
		return "正常"
	case OrgDissolved:
		return "已撤销"
	case OrgMerged:
		return "已合并"
	}
	return string(s)
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
	Status        OrgStatus
	EndedOn       *time.Time // the date it was dissolved or merged
	EndReason     string
	MergedInto    *int64 // the organisation it was merged into
	Version       int64
	CreatedAt     time.Time
	CreatedBy     string
	UpdatedAt     time.Time
}

// Active reports whether o still covers its enterprises.
func (o PartyOrg) Active() bool { return o.Status == "" || o.Status == OrgActive }

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
	case dates.Problem(d, today, false) != "":
		p.Add("founded_on", "成立日期"+dates.Problem(d, today, false))
	}
	o.FoundedOn = d
	if utf8.RuneCountInString(o.Secretary) > 50 {
		p.Add("secretary", "书记姓名不能超过50个字")
	}
	switch {
	case in.MemberCount == nil:
		p.Add("member_count", "须填写党员人数")
	case *in.MemberCount > 100000:
		p.Add("member_count", "党员人数不正确")
	case o.Kind.Valid() && *in.MemberCount < o.Kind.MinMembers():
		p.Add("member_count", fmt.Sprintf("成立%s至少需要%d名正式党员", o.Kind.Label(), o.Kind.MinMembers()))
	case *in.MemberCount < JointMinTotal:
		p.Add("member_count", "成立党组织至少需要3名正式党员")
	default:
		o.MemberCount = *in.MemberCount
	}
	return o, p.Err()
}

// CheckMembers holds an organisation to the ledgers of the enterprises it
// covers: their full members together must reach what its kind needs.
func CheckMembers(o PartyOrg, ledgerFullMembers int) error {
	if ledgerFullMembers < o.Kind.MinMembers() {
		return apperr.Field("too_few_members", "kind", fmt.Sprintf("%s须有%d名以上正式党员，所覆盖企业的台账共有正式党员%d名，请先核实台账",
			o.Kind.Label(), o.Kind.MinMembers(), ledgerFullMembers))
	}
	return nil
}

// OrgPatch is a partial update of an organisation: nil fields stay.
type OrgPatch struct {
	Name          *string
	Kind          *string
	FormationType *string
	FoundedOn     *string
	Secretary     *string
	MemberCount   *int
}

// Patch applies a partial update to cur and validates the result as
// CheckOrg does; today is the district's date (YYYY-MM-DD).
func (cur PartyOrg) Patch(in OrgPatch, today string) (PartyOrg, error) {
	full := OrgInput{Name: cur.Name, Kind: string(cur.Kind), FormationType: string(cur.FormationType),
		FoundedOn: cur.FoundedOn.Format(time.DateOnly), Secretary: cur.Secretary, MemberCount: &cur.MemberCount}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&full.Name, in.Name)
	set(&full.Kind, in.Kind)
	set(&full.FormationType, in.FormationType)
	set(&full.FoundedOn, in.FoundedOn)
	set(&full.Secretary, in.Secretary)
	if in.MemberCount != nil {
		full.MemberCount = in.MemberCount
	}
	next, err := CheckOrg(full, today)
	if err != nil {
		return cur, err
	}
	if next.FormationType != cur.FormationType {
		return cur, apperr.Field("formation_type_fixed", "formation_type", "组建方式登记后不能修改；如有误，请撤销后重新登记")
	}
	out := cur
	out.Name, out.Kind, out.FoundedOn, out.Secretary, out.MemberCount = next.Name, next.Kind, next.FoundedOn, next.Secretary, next.MemberCount
	return out, nil
}

// End is the dissolution (撤销) or merger (合并) of an organisation.
type End struct {
	On     time.Time
	Reason string
	Into   *int64 // merged into this organisation; nil when dissolved
}

// CheckEnd validates the date and reason of ending o: not before it was
// founded, not after today (YYYY-MM-DD, the district's date), with a reason.
func CheckEnd(o PartyOrg, on, reason string, into *int64, today string) (End, error) {
	p := apperr.Problems{}
	e := End{Reason: strings.TrimSpace(reason), Into: into}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(on))
	switch {
	case err != nil:
		p.Add("on", "撤销或合并日期须为 YYYY-MM-DD 格式的日期")
	case dates.Problem(d, today, false) != "":
		p.Add("on", "撤销或合并日期"+dates.Problem(d, today, false))
	case d.Before(o.FoundedOn):
		p.Add("on", "撤销或合并日期不能早于成立日期（"+o.FoundedOn.Format(time.DateOnly)+"）")
	}
	e.On = d
	switch n := utf8.RuneCountInString(e.Reason); {
	case n == 0:
		p.Add("reason", "须填写撤销或合并的原因")
	case n > 500:
		p.Add("reason", "原因不能超过500个字")
	}
	if into != nil && *into == o.ID {
		p.Add("into", "不能合并到本组织")
	}
	if !o.Active() {
		return e, apperr.New(apperr.Conflict, "party_org_ended", "该党组织"+o.Status.Label()+"，不能再次办理")
	}
	return e, p.Err()
}
