package enterprise

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// creditAlphabet is the character set of GB 32100-2015 unified social credit
// codes: digits and upper-case letters without I, O, S, V and Z.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// CreditCode is the result of checking a unified social credit code.
type CreditCode struct {
	// Code is the normalised 18-character code.
	Code string
	// CheckDigitOK reports whether the 18th character matches the check digit
	// computed from the first 17. Some genuine early codes fail it, so a
	// mismatch is a warning, not a rejection.
	CheckDigitOK bool
}

// ParseCreditCode normalises s (NFKC, spaces removed, upper case) and checks
// it is a well-formed GB 32100-2015 code: 18 characters from the code
// alphabet. It reports ok=false when the code is malformed.
func ParseCreditCode(s string) (CreditCode, bool) {
	code := NormalizeCreditCode(s)
	if len(code) != 18 {
		return CreditCode{Code: code}, false
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditAlphabet, code[i]) < 0 {
			return CreditCode{Code: code}, false
		}
	}
	return CreditCode{Code: code, CheckDigitOK: CheckDigit(code[:17]) == code[17]}, true
}

// NormalizeCreditCode applies NFKC, removes whitespace and upper-cases s.
func NormalizeCreditCode(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000' || r == '\u00a0' || r == '-',
			r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff':
			continue
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CheckDigit returns the check character for the first 17 characters of a
// code, or 0 when they are not from the alphabet. It is used by tests and by
// tools that generate valid codes.
func CheckDigit(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum, weight := 0, 1
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * weight
		weight = weight * 3 % 31
	}
	return creditAlphabet[(31-sum%31)%31]
}
