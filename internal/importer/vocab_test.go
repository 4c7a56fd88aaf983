package importer

import (
	"slices"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/enterprise"
)

// Survey cells of the closed vocabularies take labels and aliases and keep
// codes; an unknown value is warned about in its column and leaves the
// ledger's value as it was.
func TestSurveyVocabularies(t *testing.T) {
	t.Parallel()
	h, err := DetectHeader([][]string{strings.Split(fullSurveyHeader, ",")}, Survey)
	if err != nil {
		t.Fatal(err)
	}
	// identity, status, source, then needs (the last column).
	row := func(identity, status, source, needs string) []string {
		cells := strings.Split(surveyRow+",,,,", ",")
		cells[6], cells[7], cells[8], cells[len(cells)-1] = identity, status, source, needs
		return cells
	}
	cases := []struct {
		name                     string
		cells                    []string
		identity, status, source string // codes; "-" when the column must be left out
		needs                    []string
		warnColumn               string
		inScope                  bool
		reason                   string
	}{
		{"labels", row("中共党员", "正常经营", "流动党员", "人才、融资"), "party_member", enterprise.OperatingNormal, "mobile", []string{"talent", "financing"}, "", true, ""},
		{"aliases", row("党员", "已停产", "退休党员返聘", "资金/其它"), "party_member", enterprise.OperatingHalted, "retired_rehired", []string{"financing", "other"}, "", false, enterprise.ReasonSuspended},
		{"注销 is not operating", row("群众", "注销", "无", ""), "masses", enterprise.OperatingDeregistered, "", nil, "", false, enterprise.ReasonNotOperating},
		{"吊销 is not operating", row("人大代表", "吊销", "组织关系在户籍地", ""), "npc_deputy", enterprise.OperatingRevoked, "hometown", nil, "", false, enterprise.ReasonNotOperating},
		{"停业 is suspended", row("政协委员", "停业", "口袋党员", ""), "cppcc_member", enterprise.OperatingSuspended, "pocket", nil, "", false, enterprise.ReasonSuspended},
		{"codes", row("other", "dormant", "in_enterprise", "market"), "other", enterprise.OperatingDormant, "in_enterprise", []string{"market"}, "", false, enterprise.ReasonSuspended},
		{"unknown status", row("群众", "倒闭", "无", ""), "masses", "-", "", nil, "经营状况", true, ""},
		{"unknown identity", row("老板", "正常经营", "无", ""), "-", enterprise.OperatingNormal, "", nil, "业主身份", true, ""},
		{"unknown source", row("群众", "正常经营", "上级党组织", ""), "masses", enterprise.OperatingNormal, "-", nil, "党员来源", true, ""},
		{"unknown need", row("群众", "正常经营", "无", "人才、钱"), "masses", enterprise.OperatingNormal, "", nil, "企业所需", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.Parse(2, c.cells, Survey)
			if r.Rejected {
				t.Fatalf("row rejected: %+v", r.Issues)
			}
			var warned []string
			for _, is := range r.Issues {
				warned = append(warned, is.Column)
				if !strings.Contains(is.Message, "无法识别") || !strings.Contains(is.Message, "可填") {
					t.Errorf("message %q does not say what may be written", is.Message)
				}
			}
			if want := []string{c.warnColumn}; c.warnColumn == "" && len(warned) > 0 || c.warnColumn != "" && !slices.Equal(warned, want) {
				t.Fatalf("warnings in %v; want %q", warned, c.warnColumn)
			}
			field := func(f Field, p *string, want string) {
				if want == "-" {
					if r.has(f) {
						t.Errorf("%s set from an unknown value", f)
					}
					return
				}
				if !r.has(f) || p == nil || *p != want {
					t.Errorf("%s = %v; want %q", f, p, want)
				}
			}
			field(FieldOwnerIdentity, r.Values.OwnerIdentity, c.identity)
			field(FieldOperatingStatus, r.Values.OperatingStatus, c.status)
			if c.source != "-" && r.MemberSource != c.source || c.source == "-" && r.has(FieldMemberSource) {
				t.Errorf("member source %q (set %v); want %q", r.MemberSource, r.has(FieldMemberSource), c.source)
			}
			if c.needs != nil && !slices.Equal(r.Values.Needs, c.needs) {
				t.Errorf("needs %v; want %v", r.Values.Needs, c.needs)
			}
			one, status := 1, enterprise.OperatingNormal
			before := enterprise.Ledger{RegistrationStatus: "存续", FullMembers: &one, OperatingStatus: &status}
			before.Derive()
			after, _ := MergeSurvey(before, &r, Pools{})
			if after.InScope != c.inScope || after.OutOfScopeReason != c.reason {
				t.Errorf("merged: in_scope %v reason %q; want %v %q", after.InScope, after.OutOfScopeReason, c.inScope, c.reason)
			}
			if c.source != "-" && c.source != "" && after.MemberSources[c.source] != 1 {
				t.Errorf("merged member sources %v; want %s: 1", after.MemberSources, c.source)
			}
		})
	}
}
