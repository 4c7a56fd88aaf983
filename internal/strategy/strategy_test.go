package strategy

import (
	"strings"
	"testing"
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
