package strategy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/apperr"
)

func TestSuggest(t *testing.T) {
	joint := Pool{Enterprises: 2, FullMembers: 3}
	alone := Pool{Enterprises: 1, FullMembers: 2}
	tests := []struct {
		name   string
		in     Input
		pool   Pool
		method Method
		reason string
	}{
		{"out of scope has no suggestion", Input{InScope: false, Township: "431103001", FullMembers: 5}, joint, "", ""},
		{"three full members stand alone", Input{true, "431103001", 3}, joint, Standalone, ReasonEnoughMembers},
		{"many full members stand alone", Input{true, "", 40}, Pool{}, Standalone, ReasonEnoughMembers},
		{"two with partners join", Input{true, "431103001", 2}, joint, Joint, ReasonJointPool},
		{"one with partners joins", Input{true, "431103001", 1}, Pool{Enterprises: 3, FullMembers: 3}, Joint, ReasonJointPool},
		{"alone in the township is affiliated", Input{true, "431103001", 2}, alone, Affiliated, ReasonNoPartner},
		{"two enterprises with two members together are too few", Input{true, "431103001", 1}, Pool{Enterprises: 2, FullMembers: 2}, Affiliated, ReasonNoPartner},
		{"no township cannot be grouped", Input{true, "", 2}, joint, Affiliated, ReasonUnassigned},
		{"no full members are included", Input{true, "431103001", 0}, joint, Included, ReasonNoMembers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Suggest(tc.in, tc.pool)
			if s.Method != tc.method || s.Reason != tc.reason {
				t.Fatalf("Suggest = %+v, want %s/%s", s, tc.method, tc.reason)
			}
			if tc.method != "" && (s.Explanation == "" || !strings.ContainsAny(s.Explanation, "党员")) {
				t.Fatalf("explanation %q", s.Explanation)
			}
		})
	}
	if s := Suggest(Input{true, "431103001", 3}, Pool{}); s.Explanation != "正式党员3名，达到3名以上，符合单独组建条件" {
		t.Fatalf("standalone explanation %q", s.Explanation)
	}
}

func TestPoolRules(t *testing.T) {
	for _, tc := range []struct {
		in   Input
		want bool
	}{
		{Input{true, "431103001", 1}, true},
		{Input{true, "431103001", 2}, true},
		{Input{true, "431103001", 3}, false},
		{Input{true, "431103001", 0}, false},
		{Input{true, "", 2}, false},
		{Input{false, "431103001", 2}, false},
	} {
		if got := InPool(tc.in); got != tc.want {
			t.Errorf("InPool(%+v) = %v", tc.in, got)
		}
	}
	if JointPossible(Pool{1, 3}) || !JointPossible(Pool{2, 3}) || JointPossible(Pool{5, 2}) {
		t.Fatal("JointPossible")
	}
	if !Priority(true, 2) || Priority(true, 3) || Priority(false, 0) {
		t.Fatal("Priority")
	}
	for _, m := range Methods() {
		if !m.Valid() || m.Label() == string(m) {
			t.Errorf("method %s", m)
		}
	}
	if Method("x").Valid() {
		t.Fatal("x is not a method")
	}
}

func TestPlanApply(t *testing.T) {
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	s := func(v string) *string { return &v }
	cur := NewPlan(7, Joint)
	cur.Version = 1
	// A joint plan in progress needs its group; formed needs a party org.
	_, err := cur.Apply(PlanInput{Status: s("in_progress")}, "u", now, PlanRefs{})
	if !strings.Contains(errFields(err)["joint_group_id"], "联合组建小组") {
		t.Fatalf("joint without group: %v", err)
	}
	if _, err := cur.Apply(PlanInput{Status: s("not_started"), ContactName: "王五"}, "u", now, PlanRefs{}); err != nil {
		t.Fatalf("joint not started without group: %v", err)
	}
	refs := PlanRefs{JointGroupHas: func(id int64) bool { return id == 3 }}
	g, o := int64(3), int64(9)
	p, err := cur.Apply(PlanInput{Status: s("in_progress"), JointGroupID: &g}, "u", now, refs)
	if err != nil || p.Status != InProgress || p.Method() != Joint || p.UpdatedBy != "u" {
		t.Fatalf("joint in progress: %+v %v", p, err)
	}
	// Formed comes only with a registered organisation: never by a PUT,
	// whatever the method.
	for _, m := range []Method{Standalone, Joint, Affiliated, Included} {
		c := NewPlan(7, m)
		_, err := c.Apply(PlanInput{Status: s("formed"), FormedOn: s("2026-05-20"), JointGroupID: &g}, "u", now, refs)
		if errFields(err)["status"] == "" {
			t.Fatalf("%s formed by a PUT: %v", m, err)
		}
		if _, err := c.Apply(PlanInput{PartyOrgID: &o}, "u", now, refs); errFields(err)["party_org_id"] == "" {
			t.Fatalf("%s: party_org_id set by a PUT", m)
		}
	}
	wrong := int64(4)
	if _, err := cur.Apply(PlanInput{JointGroupID: &wrong}, "u", now, refs); errFields(err)["joint_group_id"] == "" {
		t.Fatal("a group that does not hold the enterprise")
	}
	// An organised plan keeps its method, status, organisation and date;
	// the other fields stay writable.
	formedOn := time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC)
	org := NewPlan(7, Standalone)
	org.Status, org.PartyOrgID, org.FormedOn = Formed, &o, &formedOn
	org.Override = &Override{Method: Standalone, Reason: "已登记党组织", Suggestion: Standalone}
	org.Suggested = Joint // members dropped since
	kept, err := org.Apply(PlanInput{ContactName: "李四"}, "u", now, refs)
	if err != nil || kept.Status != Formed || kept.Method() != Standalone || kept.PartyOrgID == nil || *kept.PartyOrgID != o ||
		kept.FormedOn == nil || !kept.FormedOn.Equal(formedOn) || kept.ContactName != "李四" || !kept.NeedsReview() {
		t.Fatalf("organised plan rewritten: %+v %v", kept, err)
	}
	for name, in := range map[string]PlanInput{
		"method":         {Method: s("joint")},
		"status":         {Status: s("in_progress")},
		"party_org_id":   {PartyOrgID: &wrong},
		"joint_group_id": {JointGroupID: &g},
		"formed_on":      {FormedOn: s("2026-05-21")},
	} {
		if _, err := org.Apply(in, "u", now, refs); errFields(err)[name] == "" {
			t.Fatalf("organised plan: %s changed by a PUT: %v", name, err)
		}
	}
	a := NewPlan(8, Affiliated)
	if _, err := a.Apply(PlanInput{Status: s("done")}, "u", now, PlanRefs{}); errFields(err)["status"] == "" {
		t.Fatal("unknown status")
	}
	if _, err := a.Apply(PlanInput{PlannedStartOn: s("2026/6/1")}, "u", now, PlanRefs{}); errFields(err)["planned_start_on"] == "" {
		t.Fatal("bad date")
	}
	// An override keeps who made it until it is changed.
	o1, err := a.Apply(PlanInput{Method: s("included"), OverrideReason: "无党员"}, "甲", now, PlanRefs{})
	if err != nil || o1.Override == nil || o1.Override.By != "甲" || o1.NeedsReview() {
		t.Fatalf("override: %+v %v", o1, err)
	}
	o2, _ := o1.Apply(PlanInput{Method: s("included"), OverrideReason: "无党员", ContactName: "赵六"}, "乙", now.Add(time.Hour), PlanRefs{})
	if o2.Override.By != "甲" || !o2.Override.At.Equal(now) {
		t.Fatalf("override re-saved unchanged: %+v", o2.Override)
	}
	o2.Suggested = Standalone
	if !o2.NeedsReview() {
		t.Fatal("a changed suggestion puts the override up for review")
	}
}

func errFields(err error) map[string]string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return map[string]string{}
}

func TestSuggestGroups(t *testing.T) {
	cand := func(id int64, full int) Candidate {
		return Candidate{ID: id, Township: "431103006", FullMembers: full, Method: Joint}
	}
	// The seed case: 2 + 1 members, one group.
	g := SuggestGroups([]Candidate{cand(5, 2), cand(3, 1)}, 8)
	if len(g) != 1 || g[0].FullMembers != 3 || len(g[0].Enterprises) != 2 || g[0].Enterprises[0] != 3 {
		t.Fatalf("seed: %+v", g)
	}
	// Too few members together, or one enterprise: no group.
	if g := SuggestGroups([]Candidate{cand(1, 1), cand(2, 1)}, 8); g != nil {
		t.Fatalf("1 + 1: %+v", g)
	}
	if g := SuggestGroups([]Candidate{cand(1, 2)}, 8); g != nil {
		t.Fatalf("one enterprise: %+v", g)
	}
	// Grouped, overridden and non-candidates are left out.
	grouped := cand(7, 2)
	grouped.Grouped = true
	other := cand(8, 2)
	other.Method = Affiliated
	if g := SuggestGroups([]Candidate{cand(1, 1), grouped, other, cand(9, 3)}, 8); g != nil {
		t.Fatalf("left-outs: %+v", g)
	}
	// More than max: split, every group within max and with ≥3 members,
	// every enterprise covered.
	for _, tc := range []struct{ twos, ones, max int }{{0, 9, 8}, {3, 14, 8}, {20, 1, 8}, {2, 20, 4}, {5, 5, 2}, {0, 30, 3}} {
		var cs []Candidate
		id := int64(1)
		for i := 0; i < tc.twos; i++ {
			cs = append(cs, cand(id, 2))
			id++
		}
		for i := 0; i < tc.ones; i++ {
			cs = append(cs, cand(id, 1))
			id++
		}
		groups := SuggestGroups(cs, tc.max)
		covered := map[int64]bool{}
		for _, g := range groups {
			if len(g.Enterprises) > tc.max || len(g.Enterprises) < 2 || g.FullMembers < 3 {
				t.Fatalf("%+v: group %+v", tc, g)
			}
			for _, e := range g.Enterprises {
				if covered[e] {
					t.Fatalf("%+v: %d in two groups", tc, e)
				}
				covered[e] = true
			}
		}
		// Everything can be covered in these cases except pairs of
		// one-member enterprises with max 2.
		want := len(cs)
		if tc.max == 2 {
			want = 2 * tc.twos // each pair needs a two-member enterprise
		}
		if len(covered) != want {
			t.Errorf("%+v: %d covered, want %d (%+v)", tc, len(covered), want, groups)
		}
	}
}

func TestCheckGroup(t *testing.T) {
	found := map[int64]Candidate{
		1: {ID: 1, Township: "431103006", FullMembers: 2, Method: Joint},
		2: {ID: 2, Township: "431103006", FullMembers: 1, Method: Joint},
		3: {ID: 3, Township: "431103001", FullMembers: 1, Method: Joint},
		4: {ID: 4, Township: "431103006", FullMembers: 1, Method: Joint, Grouped: true},
		5: {ID: 5, Township: "431103006", FullMembers: 3, Method: Standalone},
		6: {ID: 6, Township: "431103006", FullMembers: 1, Method: Affiliated},
		7: {ID: 7, Township: "431103006", FullMembers: 1, Method: Joint},
	}
	if g, err := CheckGroup("431103006", []int64{2, 1}, found); err != nil || g.FullMembers != 3 || g.Enterprises[0] != 1 {
		t.Fatalf("valid group: %+v %v", g, err)
	}
	for name, ids := range map[string][]int64{"other township": {1, 3}, "grouped": {1, 4}, "three members": {1, 5},
		"overridden": {1, 6}, "too few members": {2, 7}, "one": {1}, "missing": {1, 99}, "repeated": {1, 1, 2}, "none": nil} {
		if _, err := CheckGroup("431103006", ids, found); !hasChineseField(err, "enterprise_ids") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func hasChineseField(err error, field string) bool {
	msg := errFields(err)[field]
	for _, r := range msg {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
