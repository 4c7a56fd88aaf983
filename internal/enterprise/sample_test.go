package enterprise

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/division/divisiontest"
)

// TestSampleRegistrationRules builds a ledger by hand from every row of the
// sample registration export (the GB18030 CSV) and checks what the ledger
// rules alone decide against expected.json: the malformed code is refused;
// township, check-digit flag and the registration-side scope reasons match.
// "suspended" comes from the survey, so before it those ledgers are in scope.
func TestSampleRegistrationRules(t *testing.T) {
	d := divisiontest.Lengshuitan(t)
	f, err := os.Open("../importer/testdata/registration-gbk.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(simplifiedchinese.GB18030.NewDecoder().Reader(f)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		RejectedCodes []string `json:"rejected_codes"`
		Entities      map[string]struct {
			Township          *string `json:"township"`
			InScope           bool    `json:"in_scope"`
			OutOfScopeReason  *string `json:"out_of_scope_reason"`
			CheckDigitWarning bool    `json:"check_digit_warning"`
		} `json:"entities"`
	}
	b, err := os.ReadFile("../importer/testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &expected); err != nil {
		t.Fatal(err)
	}
	head := records[0]
	col := func(name string) int {
		i := slices.Index(head, name)
		if i < 0 {
			t.Fatalf("no column %s", name)
		}
		return i
	}
	code, name, typ, status, addr := col("统一社会信用代码"), col("企业名称"), col("市场主体类型"), col("登记状态"), col("住所（经营场所）")
	admin := auth.Principal{Role: auth.DistrictAdmin}
	built := map[string]Ledger{}
	rejected := 0
	for _, rec := range records[1:] {
		body := map[string]json.RawMessage{}
		for k, i := range map[string]int{"credit_code": code, "name": name, "entity_type": typ, "registration_status": status, "registered_address": addr} {
			body[k], _ = json.Marshal(rec[i])
		}
		l, _, err := New(body, admin, d)
		if err != nil {
			if !slices.Contains(expected.RejectedCodes, NormalizeCreditCode(rec[code])) {
				t.Errorf("row %s refused: %v", rec[0], err)
			}
			rejected++
			continue
		}
		built[l.CreditCode] = l // a later duplicate row wins
	}
	if rejected != len(expected.RejectedCodes) || len(built) != len(expected.Entities) {
		t.Fatalf("%d refused, %d ledgers; want %d and %d", rejected, len(built), len(expected.RejectedCodes), len(expected.Entities))
	}
	for cc, want := range expected.Entities {
		l := built[cc]
		wantTown := ""
		if want.Township != nil {
			wantTown = *want.Township
		}
		wantReason := ""
		if want.OutOfScopeReason != nil && *want.OutOfScopeReason != ReasonSuspended {
			wantReason = *want.OutOfScopeReason
		}
		if l.TownshipCode != wantTown || l.OutOfScopeReason != wantReason || l.InScope != (wantReason == "") ||
			l.CheckDigitWarning != want.CheckDigitWarning {
			t.Errorf("%s: township %q reason %q check %v; want %q %q %v", cc, l.TownshipCode, l.OutOfScopeReason,
				l.CheckDigitWarning, wantTown, wantReason, want.CheckDigitWarning)
		}
	}
}
