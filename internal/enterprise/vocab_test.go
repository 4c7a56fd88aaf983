package enterprise

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division/divisiontest"
)

// Survey fields take a code, a label or an alias and keep the code;
// anything else is refused naming the field.
func TestApplyClosedVocabularies(t *testing.T) {
	d := divisiontest.Lengshuitan(t)
	cases := []struct {
		name    string
		patch   string
		check   func(l Ledger) bool
		inScope bool
		reason  string
		bad     string // the field a 422 names; "" when accepted
	}{
		{"status code", `{"operating_status":"difficult"}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingDifficult }, true, "", ""},
		{"status label", `{"operating_status":"正常经营"}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingNormal }, true, "", ""},
		{"停产 suspends", `{"operating_status":"停产"}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingHalted }, false, ReasonSuspended, ""},
		{"停业 suspends", `{"operating_status":"停业"}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingSuspended }, false, ReasonSuspended, ""},
		{"歇业 suspends", `{"operating_status":" 歇业 "}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingDormant }, false, ReasonSuspended, ""},
		{"注销 is not operating", `{"operating_status":"注销"}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingDeregistered }, false, ReasonNotOperating, ""},
		{"吊销 is not operating", `{"operating_status":"已吊销"}`, func(l Ledger) bool { return *l.OperatingStatus == OperatingRevoked }, false, ReasonNotOperating, ""},
		{"empty status clears", `{"operating_status":""}`, func(l Ledger) bool { return l.OperatingStatus == nil }, true, "", ""},
		{"null status clears", `{"operating_status":null}`, func(l Ledger) bool { return l.OperatingStatus == nil }, true, "", ""},
		{"unknown status", `{"operating_status":"倒闭了"}`, nil, true, "", "operating_status"},
		{"status not a string", `{"operating_status":3}`, nil, true, "", "operating_status"},
		{"identity alias", `{"owner_identity":"党员"}`, func(l Ledger) bool { return *l.OwnerIdentity == "party_member" }, true, "", ""},
		{"identity code", `{"owner_identity":"cppcc_member"}`, func(l Ledger) bool { return *l.OwnerIdentity == "cppcc_member" }, true, "", ""},
		{"unknown identity", `{"owner_identity":"业主1"}`, nil, true, "", "owner_identity"},
		{"sources by label and code, merged", `{"member_sources":{"流动党员":2,"mobile":1,"退休党员返聘":1}}`,
			func(l Ledger) bool {
				return maps.Equal(l.MemberSources, map[string]int{"mobile": 3, "retired_rehired": 1})
			}, true, "", ""},
		{"unknown source", `{"member_sources":{"上级党组织":2}}`, nil, true, "", "member_sources"},
		{"needs by label, alias and code", `{"needs":["其它","资金","talent","人才"]}`,
			func(l Ledger) bool { return slices.Equal(l.Needs, []string{"talent", "financing", "other"}) }, true, "", ""},
		{"unknown need", `{"needs":["钱"]}`, nil, true, "", "needs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var patch map[string]json.RawMessage
			if err := json.Unmarshal([]byte(c.patch), &patch); err != nil {
				t.Fatal(err)
			}
			l := Ledger{RegistrationStatus: "存续", OperatingStatus: ptr(OperatingNormal)}
			l.Derive()
			_, err := l.Apply(patch, auth.Liaison, d)
			if c.bad != "" {
				var ae *apperr.Error
				if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Fields[c.bad] == "" {
					t.Fatalf("err = %v; want 422 naming %s", err, c.bad)
				}
				if *l.OperatingStatus != OperatingNormal {
					t.Fatalf("a refused patch changed the ledger: %v", *l.OperatingStatus)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(l) || l.InScope != c.inScope || l.OutOfScopeReason != c.reason {
				t.Fatalf("ledger %+v; want in_scope %v reason %q", l, c.inScope, c.reason)
			}
		})
	}
}

// Every vocabulary's labels and aliases parse to their code, and the
// codes are snake_case English.
func TestVocabulariesParseTheirOwnSpellings(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]interface {
		Codes() []string
		Label(string) string
		Parse(string) (string, bool)
	}{"operating_status": OperatingStatuses, "owner_identity": OwnerIdentities, "member_sources": MemberSources, "needs": Needs} {
		for _, code := range v.Codes() {
			if strings.Trim(code, "abcdefghijklmnopqrstuvwxyz_") != "" {
				t.Errorf("%s: code %q is not snake_case", name, code)
			}
			if got, ok := v.Parse(v.Label(code)); !ok || got != code {
				t.Errorf("%s: label %q parses to %q", name, v.Label(code), got)
			}
		}
	}
	for _, s := range []string{"停业", "注销", "吊销", "歇业", "停产"} {
		code, ok := OperatingStatuses.Parse(s)
		if !ok || OperatingScope(code) == "" {
			t.Errorf("%s → %q, scope %q", s, code, OperatingScope(code))
		}
	}
}
