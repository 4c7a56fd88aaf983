package enterprise

import (
	"strings"
	"testing"
)

func TestParseCreditCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, code string
		wellFormed     bool
		checkOK        bool
	}{
		{"valid", "91350100M000100Y43", "91350100M000100Y43", true, true},
		{"valid sample", "914311007R0Q0C3T26", "914311007R0Q0C3T26", true, true},
		{"lower case and spaces", " 91350100m000100y43\u3000", "91350100M000100Y43", true, true},
		{"full-width", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43", true, true},
		{"wrong check digit", "91350100M000100Y44", "91350100M000100Y44", true, false},
		{"too short", "91431103MA4", "91431103MA4", false, false},
		{"too long", "91350100M000100Y431", "91350100M000100Y431", false, false},
		{"letter I", "91350100I000100Y43", "91350100I000100Y43", false, false},
		{"letter O", "9135010OM000100Y43", "9135010OM000100Y43", false, false},
		{"letter S", "91350100S000100Y43", "91350100S000100Y43", false, false},
		{"letter Z", "91350100Z000100Y43", "91350100Z000100Y43", false, false},
		{"chinese", "九1350100M000100Y43", "九1350100M000100Y43", false, false},
		{"empty", "", "", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ParseCreditCode(c.in)
			if ok != c.wellFormed || got.Code != c.code || got.CheckDigitOK != c.checkOK {
				t.Fatalf("ParseCreditCode(%q) = %+v, %v; want code %q well-formed %v check %v", c.in, got, ok, c.code, c.wellFormed, c.checkOK)
			}
		})
	}
}

func TestCheckDigitMatchesEveryAlphabetPosition(t *testing.T) {
	t.Parallel()
	for i := 0; i < len(creditAlphabet); i++ {
		first := "9143110" + strings.Repeat(string(creditAlphabet[i]), 10)
		cd := CheckDigit(first)
		if cd == 0 {
			t.Fatalf("no check digit for %s", first)
		}
		if got, ok := ParseCreditCode(first + string(cd)); !ok || !got.CheckDigitOK {
			t.Fatalf("%s%c does not verify", first, cd)
		}
	}
	if CheckDigit("short") != 0 || CheckDigit("9143110IIIIIIIIII") != 0 {
		t.Fatal("CheckDigit accepted bad input")
	}
}

func FuzzParseCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "914311007R0Q0C3T26", "91431103MA4", "９１３５０１００Ｍ０００１００Ｙ４３", "", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseCreditCode(s)
		if !ok {
			if got.CheckDigitOK {
				t.Fatal("malformed code reported a good check digit")
			}
			return
		}
		if len(got.Code) != 18 {
			t.Fatalf("well-formed code of length %d", len(got.Code))
		}
		for i := 0; i < 18; i++ {
			if strings.IndexByte(creditAlphabet, got.Code[i]) < 0 {
				t.Fatalf("character %q outside the alphabet", got.Code[i])
			}
		}
		again, ok2 := ParseCreditCode(got.Code)
		if !ok2 || again != got {
			t.Fatalf("not idempotent: %+v then %+v", got, again)
		}
		if got.CheckDigitOK != (CheckDigit(got.Code[:17]) == got.Code[17]) {
			t.Fatal("check digit verdict disagrees with CheckDigit")
		}
	})
}
