package strategy

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/dates"
)

// Status is how far an enterprise's plan has come.
type Status string

// Plan statuses.
const (
	NotStarted    Status = "not_started"    // 未启动
	InProgress    Status = "in_progress"    // 推进中
	Formed        Status = "formed"         // 已组建
	Completed     Status = "completed"      // 已落实 (挂靠 or 纳入 carried out)
	NotApplicable Status = "not_applicable" // 不适用
)

// CountedStatuses are the statuses the coverage table counts plans by.
func CountedStatuses() []Status { return []Status{NotStarted, InProgress, Formed, Completed} }

// Valid reports whether s is a status.
func (s Status) Valid() bool {
	switch s {
	case NotStarted, InProgress, Formed, Completed, NotApplicable:
		return true
	}
	return false
}

// Override is staff's choice of another method than the suggestion, with
// the reason, and the suggestion it departed from: when the suggestion
// later changes, the override is due for review.
type Override struct {
	Method     Method
	Reason     string
	Suggestion Method // the suggestion when the override was made
	By         string
	At         time.Time
}

// Plan is one enterprise's line of the 全覆盖计划表. An in-scope enterprise
// has one from the start: not started, following the suggestion.
type Plan struct {
	EnterpriseID        int64
	Suggested           Method // the ledger's current suggestion
	Override            *Override
	PlannedStartOn      *time.Time // 组建时间
	FormationDetails    string     // 组建方式
	PlannedCompletionOn *time.Time // 完成时间
	ContactName         string
	ContactPhone        string
	Status              Status
	FormedOn            *time.Time
	PartyOrgID          *int64
	JointGroupID        *int64
	Version             int64 // 0 until first saved
	UpdatedAt           time.Time
	UpdatedBy           string
}

// Method is the plan's method: the override's, else the suggestion.
func (p *Plan) Method() Method {
	if p.Override != nil {
		return p.Override.Method
	}
	return p.Suggested
}

// SameAs reports whether p and q plan the same: every field a user or
// an organisation writes, and the suggestion, alike (who saved them last,
// when, and the version aside).
func (p Plan) SameAs(q Plan) bool {
	day := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
	id := func(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }
	override := p.Override == nil && q.Override == nil || p.Override != nil && q.Override != nil &&
		p.Override.Method == q.Override.Method && p.Override.Reason == q.Override.Reason && p.Override.Suggestion == q.Override.Suggestion
	return p.EnterpriseID == q.EnterpriseID && p.Suggested == q.Suggested && override &&
		day(p.PlannedStartOn, q.PlannedStartOn) && p.FormationDetails == q.FormationDetails &&
		day(p.PlannedCompletionOn, q.PlannedCompletionOn) && p.ContactName == q.ContactName && p.ContactPhone == q.ContactPhone &&
		p.Status == q.Status && day(p.FormedOn, q.FormedOn) && id(p.PartyOrgID, q.PartyOrgID) && id(p.JointGroupID, q.JointGroupID)
}

// NeedsReview reports whether the suggestion changed since the override
// was made.
func (p *Plan) NeedsReview() bool {
	return p.Override != nil && p.Override.Suggestion != p.Suggested
}

// NewPlan is the plan of an enterprise nobody has planned yet.
func NewPlan(enterpriseID int64, suggested Method) Plan {
	return Plan{EnterpriseID: enterpriseID, Suggested: suggested, Status: NotStarted}
}

// PlanInput is what a user writes to a plan (PUT replaces all of it).
type PlanInput struct {
	Method              *string
	OverrideReason      string
	PlannedStartOn      *string
	FormationDetails    string
	PlannedCompletionOn *string
	ContactName         string
	ContactPhone        string
	Status              *string
	FormedOn            *string
	PartyOrgID          *int64
	JointGroupID        *int64
}

// PlanRefs says whether the organisations a plan names exist and cover
// the enterprise; the store answers them.
type PlanRefs struct {
	// JointGroupHas reports whether joint group id exists and holds the
	// plan's enterprise.
	JointGroupHas func(id int64) bool
}

var phonePattern = regexp.MustCompile(`^(\+?86[- ]?)?(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$`)

// Apply replaces cur's writable fields with in, validating them; today is
// the date in the district. It returns every problem at once, by field.
func (cur Plan) Apply(in PlanInput, by string, now time.Time, refs PlanRefs) (Plan, error) {
	p := cur
	problems := apperr.Problems{}
	today := now.Format(time.DateOnly)

	// A plan formed by a registered organisation belongs to it: its
	// method, status, organisation, group and founding date change only
	// through the organisation (dissolve, merge), never here nor by a
	// later suggestion.
	organised := cur.PartyOrgID != nil && cur.Status == Formed
	// Method: following the suggestion unless another is chosen, with a reason.
	if !organised {
		p.Override = nil
	}
	switch {
	case organised:
		if in.Method != nil && *in.Method != "" && Method(*in.Method) != cur.Method() {
			problems.Add("method", "该企业已登记党组织（"+cur.Method().Label()+"），不能更改对策；如需调整，请先撤销或合并党组织")
		}
	case in.Method != nil && *in.Method != "":
		m := Method(*in.Method)
		switch {
		case !m.Valid():
			problems.Add("method", "对策须为 standalone（单独组建）、joint（联合组建）、affiliated（挂靠）或 included（纳入）")
		case m != cur.Suggested:
			reason := strings.TrimSpace(in.OverrideReason)
			switch {
			case reason == "":
				problems.Add("override_reason", "选择与建议（"+cur.Suggested.Label()+"）不同的对策时，须填写理由")
			case utf8.RuneCountInString(reason) > 500:
				problems.Add("override_reason", "理由不能超过500个字")
			}
			o := &Override{Method: m, Reason: reason, Suggestion: cur.Suggested, By: by, At: now}
			if cur.Override != nil && cur.Override.Method == m && cur.Override.Reason == reason && cur.Override.Suggestion == cur.Suggested {
				o.By, o.At = cur.Override.By, cur.Override.At
			}
			p.Override = o
		}
	}

	date := func(field, label string, v *string) *time.Time {
		if v == nil || *v == "" {
			return nil
		}
		t, err := time.Parse(time.DateOnly, *v)
		if err != nil {
			problems.Add(field, label+"须为 YYYY-MM-DD 格式的日期")
			return nil
		}
		// Planned dates may lie ahead; formed_on is checked against today below.
		if bad := dates.Problem(t, today, true); bad != "" {
			problems.Add(field, label+bad)
			return nil
		}
		return &t
	}
	p.PlannedStartOn = date("planned_start_on", "组建时间", in.PlannedStartOn)
	p.PlannedCompletionOn = date("planned_completion_on", "完成时间", in.PlannedCompletionOn)
	p.FormedOn = date("formed_on", "组建完成日期", in.FormedOn)
	if p.PlannedStartOn != nil && p.PlannedCompletionOn != nil && p.PlannedCompletionOn.Before(*p.PlannedStartOn) {
		problems.Add("planned_completion_on", "完成时间不能早于组建时间")
	}
	if p.FormedOn != nil && p.FormedOn.Format(time.DateOnly) > today {
		problems.Add("formed_on", "组建完成日期不能晚于今天")
	}

	text := func(field, label, v string, max int) string {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) > max {
			problems.Add(field, label+"不能超过"+strconv.Itoa(max)+"个字")
		}
		return v
	}
	p.FormationDetails = text("formation_details", "组建方式", in.FormationDetails, 500)
	p.ContactName = text("contact_name", "联系人", in.ContactName, 50)
	p.ContactPhone = strings.TrimSpace(in.ContactPhone)
	if p.ContactPhone != "" && !phonePattern.MatchString(p.ContactPhone) {
		problems.Add("contact_phone", "联系电话须为11位手机号或带区号的固定电话")
	}

	p.Status = NotStarted
	if in.Status != nil && *in.Status != "" {
		p.Status = Status(*in.Status)
		if !p.Status.Valid() {
			problems.Add("status", "状态须为 not_started（未启动）、in_progress（推进中）、completed（已落实，挂靠或纳入）或 not_applicable（不适用）；已组建由登记党组织设置")
		}
	}
	if organised {
		// What the organisation decides stays; restating it is allowed.
		if p.Status != Formed && in.Status != nil && *in.Status != "" {
			problems.Add("status", "该企业已登记党组织，计划状态为已组建；如党组织已撤销或合并，请在党组织中办理")
		}
		if in.PartyOrgID != nil && *in.PartyOrgID != *cur.PartyOrgID {
			problems.Add("party_org_id", "计划所属党组织由党组织登记决定，不能在计划中更改")
		}
		if in.JointGroupID != nil && (cur.JointGroupID == nil || *in.JointGroupID != *cur.JointGroupID) {
			problems.Add("joint_group_id", "已组建的联合组建小组请通过党组织调整")
		}
		if in.FormedOn != nil && *in.FormedOn != "" && p.FormedOn != nil && cur.FormedOn != nil && !p.FormedOn.Equal(*cur.FormedOn) {
			problems.Add("formed_on", "组建完成日期即党组织成立日期，请在党组织中修改")
		}
		p.Status, p.PartyOrgID, p.JointGroupID, p.FormedOn = Formed, cur.PartyOrgID, cur.JointGroupID, cur.FormedOn
	} else {
		// The group is the one that holds the enterprise: confirming and
		// dissolving groups set it; a PUT may restate it, not drop it.
		p.PartyOrgID = nil
		if in.JointGroupID != nil {
			p.JointGroupID = in.JointGroupID
		}
		if in.PartyOrgID != nil {
			problems.Add("party_org_id", "计划所属党组织由党组织登记决定：请登记党组织（POST /api/v1/party-orgs），计划随之成为已组建")
		}
		if p.Status == Formed {
			problems.Add("status", "只有登记了覆盖该企业的党组织，计划才成为已组建：请先登记党组织")
		}
		if m := p.Method(); p.Status == Completed && m != Affiliated && m != Included {
			problems.Add("status", "已落实只用于挂靠或纳入的计划；单独组建和联合组建以登记党组织为完成")
		}
		if p.FormedOn != nil {
			problems.Add("formed_on", "只有已组建的计划才有组建完成日期")
		}
	}
	method := p.Method()
	if p.JointGroupID != nil && !organised && (refs.JointGroupHas == nil || !refs.JointGroupHas(*p.JointGroupID)) {
		problems.Add("joint_group_id", "联合组建小组不存在，或不包含该企业")
	}
	if p.JointGroupID != nil && method != Joint {
		problems.Add("joint_group_id", "只有联合组建的企业才属于联合组建小组")
	}
	if method == Joint && p.JointGroupID == nil && p.Status == InProgress {
		problems.Add("joint_group_id", "联合组建须先确认联合组建小组")
	}
	if err := problems.Err(); err != nil {
		return cur, err
	}
	p.UpdatedBy, p.UpdatedAt = by, now
	return p, nil
}
