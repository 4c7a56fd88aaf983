package enterprise

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division"
	"github.com/fugai/fugai/internal/division/divisiontest"
)

func TestNatureOf(t *testing.T) {
	t.Parallel()
	cases := map[string]Nature{
		"有限责任公司（自然人投资或控股）":   NonPublic,
		"有限责任公司（外商投资企业法人独资）": NonPublic,
		"有限责任公司（台港澳与境内合资）":   NonPublic,
		"个人独资企业": NonPublic,
		"普通合伙企业": NonPublic,
		"股份有限公司（非上市、自然人投资或控股）": NonPublic,
		"有限责任公司（非国有控股）":        NonPublic,
		"":             NonPublic,
		"全民所有制":        PublicSector,
		"集体所有制":        PublicSector,
		"有限责任公司（国有独资）": PublicSector,
		"有限责任公司（国有控股）": PublicSector,
		"有限责任公司(国有控股)": PublicSector,
	}
	for in, want := range cases {
		if got := NatureOf(in); got != want {
			t.Errorf("NatureOf(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDeriveScopePrecedence(t *testing.T) {
	t.Parallel()
	three, one := 3, 1
	yes := true
	cases := []struct {
		name     string
		l        Ledger
		inScope  bool
		reason   string
		priority bool
	}{
		{"operating private", Ledger{EntityType: "个人独资企业", RegistrationStatus: "存续（在营、开业、在册）"}, true, "", false},
		{"empty status counts as operating", Ledger{}, true, "", false},
		{"public first", Ledger{EntityType: "全民所有制", RegistrationStatus: "注销", AssignmentReason: division.ReasonOutsideDistrict, OperatingStatus: ptr(OperatingHalted)}, false, ReasonPublicSector, false},
		{"not operating before outside", Ledger{RegistrationStatus: "吊销，未注销", AssignmentReason: division.ReasonOutsideDistrict}, false, ReasonNotOperating, false},
		{"cancelled", Ledger{RegistrationStatus: "注销"}, false, ReasonNotOperating, false},
		{"outside before suspended", Ledger{RegistrationStatus: "在业", AssignmentReason: division.ReasonOutsideDistrict, OperatingStatus: ptr(OperatingDormant)}, false, ReasonOutsideDistrict, false},
		{"suspended", Ledger{RegistrationStatus: "开业", OperatingStatus: ptr(OperatingHalted)}, false, ReasonSuspended, false},
		{"business suspended", Ledger{OperatingStatus: ptr(OperatingSuspended)}, false, ReasonSuspended, false},
		{"surveyed deregistered: not operating", Ledger{RegistrationStatus: "存续", OperatingStatus: ptr(OperatingDeregistered)}, false, ReasonNotOperating, false},
		{"surveyed revoked before outside", Ledger{AssignmentReason: division.ReasonOutsideDistrict, OperatingStatus: ptr(OperatingRevoked)}, false, ReasonNotOperating, false},
		{"difficult stays in scope", Ledger{OperatingStatus: ptr(OperatingDifficult)}, true, "", false},
		{"other stays in scope", Ledger{OperatingStatus: ptr(OperatingOther)}, true, "", false},
		{"ambiguous address stays in scope", Ledger{AssignmentReason: division.ReasonAmbiguous}, true, "", false},
		{"above scale, one member: priority", Ledger{AboveScale: &yes, FullMembers: &one}, true, "", true},
		{"above scale, three members", Ledger{AboveScale: &yes, FullMembers: &three}, true, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.l.Derive()
			if c.l.InScope != c.inScope || c.l.OutOfScopeReason != c.reason || c.l.Priority != c.priority {
				t.Fatalf("in_scope %v reason %q priority %v; want %v %q %v", c.l.InScope, c.l.OutOfScopeReason, c.l.Priority, c.inScope, c.reason, c.priority)
			}
		})
	}
}

func TestApplyReresolvesUnlessManual(t *testing.T) {
	d := divisiontest.Lengshuitan(t)
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	l := Ledger{Assignment: division.Unassigned}
	if _, err := l.Apply(map[string]json.RawMessage{"registered_address": raw("冷水滩区梅湾街道1号")}, auth.TownshipAdmin, d); err != nil {
		t.Fatal(err)
	}
	if l.TownshipCode != "431103001" || l.Assignment != division.AssignedByTownship {
		t.Fatalf("address change did not re-resolve: %+v", l)
	}
	ch, err := l.Apply(map[string]json.RawMessage{"township_code": raw("431103002")}, auth.DistrictAdmin, d)
	if err != nil || l.Assignment != division.AssignedManually || len(ch) == 0 {
		t.Fatalf("manual assignment: %+v %v", l, err)
	}
	if _, err := l.Apply(map[string]json.RawMessage{"registered_address": raw("冷水滩区梧桐街道")}, auth.DistrictAdmin, d); err != nil {
		t.Fatal(err)
	}
	if l.TownshipCode != "431103002" {
		t.Fatalf("a manual assignment was overwritten by the address: %s", l.TownshipCode)
	}
	ch, err = l.Apply(map[string]json.RawMessage{"employees": raw(0)}, auth.Liaison, d)
	if err != nil || len(ch) != 1 || ch[0].Field != "employees" {
		t.Fatalf("changes %+v err %v", ch, err)
	}
	ch, _ = l.Apply(map[string]json.RawMessage{"employees": raw(0)}, auth.Liaison, d)
	if len(ch) != 0 {
		t.Fatalf("an edit to the same value reported changes: %+v", ch)
	}
}

func ptr[T any](v T) *T { return &v }

func TestEncodeChangesMatchesJSON(t *testing.T) {
	a := Ledger{}
	b := Ledger{Name: "引号\"与\\反斜杠", Employees: ptr(3), MemberSources: map[string]int{"mobile": 2}, Needs: []string{"talent"}}
	changes := Diff(&a, &b)
	got, err := EncodeChanges(changes)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(changes)
	var g, w any
	json.Unmarshal(got, &g)
	json.Unmarshal(want, &w)
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(w)
	if string(gj) != string(wj) {
		t.Fatalf("EncodeChanges:\n%s\nencoding/json:\n%s", got, want)
	}
}

func TestEncodeValueMatchesEncodingJSON(t *testing.T) {
	for _, v := range []any{nil, "", "普通文本", "q\"b\\s\n\r\t\x01<>&", "bad\xffutf8", "\u2028\u2029", true, ptr(0), ptr(-12), ptr("x"), (*string)(nil), (*int)(nil), ptr(false), ptr(3.5), map[string]int{"a": 1}} {
		want, _ := json.Marshal(v)
		if got := encodeValue(v); string(got) != string(want) {
			t.Errorf("encodeValue(%#v) = %s, want %s", v, got, want)
		}
	}
	// Floats and times are written without encoding/json, as it would.
	shanghai := time.FixedZone("CST", 8*3600)
	values := []any{(*float64)(nil), (*time.Time)(nil), ptr(math.NaN()), ptr(math.Inf(-1)),
		ptr(time.Date(2015, 3, 12, 0, 0, 0, 0, time.UTC)), ptr(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)),
		ptr(time.Date(2026, 12, 1, 20, 17, 6, 123456789, shanghai)), ptr(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)),
		ptr(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC))}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 500, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 123456789012345678901234.0,
		-2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, 33.333333333333336} {
		values = append(values, ptr(f))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, ptr(math.Float64frombits(rng.Uint64())), ptr(float64(rng.IntN(1e7))/100))
	}
	for _, v := range values {
		want, _ := json.Marshal(v)
		if got := encodeValue(v); string(got) != string(want) {
			t.Fatalf("encodeValue(%v) = %s, encoding/json %s", reflect.ValueOf(v).Elem(), got, want)
		}
	}
}

func FuzzEncodeValue(f *testing.F) {
	for _, s := range []string{"", "a\"b", "长\x00", "\xed\xa0\x80", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := encodeValue(s); string(got) != string(want) {
			t.Fatalf("encodeValue(%q) = %s, want %s", s, got, want)
		}
	})
}

// The compact record of a creation stands for exactly the changes Diff
// lists against the zero ledger.
func TestEncodeCreatedDecodesToDiff(t *testing.T) {
	rev := "address_township"
	for _, l := range []Ledger{
		{},
		{CreditCode: "91431103MA4L0G1X2B", Name: "引号\"与\\反斜杠<&>", Employees: ptr(0), FullMembers: ptr(3), AboveScale: ptr(false),
			MemberSources: map[string]int{"mobile": 2}, Needs: []string{"talent"}, InScope: true, Nature: NonPublic,
			TownshipCode: "431103005", Assignment: division.Assignment(rev), OperatingStatus: ptr(OperatingNormal), RegisteredCapital: ptr(30.5)},
		{Name: "bad\xffutf8", CheckDigitWarning: true, OutOfScopeReason: "public_sector", Priority: true},
	} {
		want := Diff(&Ledger{}, &l)
		enc := EncodeCreated(nil, &l)
		if !json.Valid(enc) {
			t.Fatalf("EncodeCreated wrote invalid JSON: %s", enc)
		}
		got, err := DecodeChanges(enc)
		if err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("DecodeChanges(EncodeCreated) =\n%s\nDiff =\n%s", gj, wj)
		}
	}
	// The array form reads back as itself.
	ch := Diff(&Ledger{}, &Ledger{Name: "甲"})
	b, _ := EncodeChanges(ch)
	got, err := DecodeChanges(b)
	if err != nil || len(got) != 1 || got[0].Field != "name" {
		t.Fatalf("DecodeChanges(array) = %+v, %v", got, err)
	}
}
