package importer

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrEmpty is returned by the Parse functions for a cell that is empty once
// cleaned. Callers decide whether an empty cell is a problem.
var ErrEmpty = errors.New("空值")

// Clean returns the text of a spreadsheet cell in the form the parsers read:
// invalid UTF-8 replaced by U+FFFD, Unicode NFKC (full-width digits, letters
// and punctuation become ASCII), every Unicode space (U+3000, U+00A0, tabs,
// newlines …) turned into an ASCII space, zero-width spaces and byte-order
// marks removed, both ends trimmed and runs of spaces collapsed into one.
//
// Clean is idempotent: Clean(Clean(s)) == Clean(s).
func Clean(s string) string {
	if clean(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	// Removing a zero-width character can bring a base character and a
	// combining mark together, so NFKC runs again until nothing changes.
	// Squeezing never creates characters NFKC would change a second time,
	// so this ends after two or three rounds; the bound guards the invariant.
	for range 4 {
		n := norm.NFKC.String(s)
		t := squeeze(n)
		if t == n {
			return t
		}
		s = t
	}
	return s
}

// clean reports, cheaply, whether s is already in the form Clean returns:
// valid UTF-8, NFKC, no space but single ASCII spaces between words and no
// invisible characters. Most cells are, and a million-row import reads each
// cell several times.
func clean(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	// plain: every character is ASCII or a CJK unified ideograph of
	// U+4E00–U+9FFF, which NFKC maps to themselves (no decomposition,
	// combining class or composition: TestPlainIsNormal), so the costly
	// check is left for texts with other characters.
	plain := true
	for _, r := range s {
		switch {
		case r == ' ':
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		case r == utf8.RuneError, zeroWidth(r), r < 0x80 && r < 0x20, r >= 0x80 && unicode.IsSpace(r):
			return false
		}
		if r >= 0x80 && (r < 0x4e00 || r > 0x9fff) {
			plain = false
		}
		prevSpace = false
	}
	return plain || norm.NFKC.IsNormalString(s)
}

// squeeze maps Unicode spaces to ' ', drops zero-width characters, trims
// both ends and collapses runs of spaces. It returns s itself when nothing
// changes.
func squeeze(s string) string {
	var b strings.Builder
	pending := false // a space was seen since the last character written
	for _, r := range s {
		switch {
		case zeroWidth(r):
			// Dropped.
		case unicode.IsSpace(r):
			pending = true
		default:
			if pending && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pending = false
			b.WriteRune(r)
		}
	}
	if b.Len() == len(s) && b.String() == s {
		return s
	}
	return b.String()
}

// zeroWidth reports whether r is an invisible character spreadsheets leave
// in cells: the Mongolian vowel separator (a space before Unicode 6.3),
// zero-width space, non-joiner and joiner, word joiner and byte-order mark.
func zeroWidth(r rune) bool {
	switch r {
	case '\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

// Date layouts after Clean. A time of day may follow a date written with
// separators; it is checked for shape and then ignored.
const timeSuffix = `(?:(?: |T)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?)?`

var (
	dateSeparated = regexp.MustCompile(`^(\d{4}) ?([-/.]) ?(\d{1,2}) ?([-/.]) ?(\d{1,2})` + timeSuffix + `$`)
	dateChinese   = regexp.MustCompile(`^(\d{4}) ?年 ?(\d{1,2}) ?月 ?(\d{1,2}) ?日?` + timeSuffix + `$`)
	dateCompact   = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})(?:\.0+)?$`)
	// A year, or a year and month, without the day: 2015, 2015年, 2015-03, 2015年3月.
	datePartial = regexp.MustCompile(`^[1-9]\d{3}(?: ?(?:[-/.]|年) ?\d{1,2} ?月?| ?年)?$`)
)

const (
	minYear = 1900
	maxYear = 2100
	// maxSerial is the last day Excel can show, 9999-12-31.
	maxSerial = 2958465
)

// ParseDate parses a date cell: 2015-03-12, 2015/3/12, 2015.3.12,
// 2015年3月12日 (spaces allowed, 日 optional), 20150312, the same with a time
// of day (2015-03-12 00:00:00, 2015-03-12T00:00:00, 2015/3/12 0:00; the time
// is ignored), or an Excel serial day number in the 1900 date system (42075
// or 42075.5 is 2015-03-12; the fraction is the time of day). The result is
// midnight UTC in 1900..2100.
//
// A bare four-digit number (2015) is read as a year without month and day
// and rejected, not as the Excel serial of a day in 1902..1927: no enterprise
// in the ledger was founded then, and a year alone is a common entry.
func ParseDate(s string) (time.Time, error) {
	s = Clean(s)
	if s == "" {
		return time.Time{}, ErrEmpty
	}
	if m := dateSeparated.FindStringSubmatch(s); m != nil {
		if m[2] != m[4] {
			return time.Time{}, errDateFormat
		}
		return dateOf(m[1], m[3], m[5], m[6:9])
	}
	if m := dateChinese.FindStringSubmatch(s); m != nil {
		return dateOf(m[1], m[2], m[3], m[4:7])
	}
	if m := dateCompact.FindStringSubmatch(s); m != nil {
		return dateOf(m[1], m[2], m[3], nil)
	}
	if datePartial.MatchString(s) {
		return time.Time{}, errDatePartial
	}
	d, rest, ok := scanNumber(s)
	if !ok || rest != "" || d.grouped {
		return time.Time{}, errDateFormat
	}
	if d.neg && !d.isZero() {
		return time.Time{}, errSerialRange
	}
	if len(d.whole) == 4 && d.whole[0] != '0' {
		// 2015 is a year, not the Excel serial of 1905-07-08.
		return time.Time{}, errDatePartial
	}
	whole := strings.TrimLeft(d.whole, "0")
	if len(whole) > len(strconv.Itoa(maxSerial)) {
		return time.Time{}, errSerialRange
	}
	n, _ := strconv.Atoi(whole) // at most seven ASCII digits
	return excelSerial(n)
}

var (
	errDateFormat  = errors.New("日期无法识别：应为 2015-03-12、2015/3/12、2015年3月12日 或 Excel 日期序号")
	errDatePartial = errors.New("日期不完整：缺少月或日，应为完整的年月日，如 2015-03-12")
	//lint:ignore ST1005 a message for people, which names Excel
	errSerialRange = fmt.Errorf("Excel 日期序号超出范围：应在 1 至 %d 之间", maxSerial)
)

// dateOf builds a date from decimal year, month and day, checking that the
// day exists and the year is in range. clock holds the hour, minute and
// second of an optional time of day, each possibly empty.
func dateOf(year, month, day string, clock []string) (time.Time, error) {
	y, _ := strconv.Atoi(year) // the patterns allow only a few ASCII digits
	mo, _ := strconv.Atoi(month)
	d, _ := strconv.Atoi(day)
	limits := []int{23, 59, 60} // a leap second is a real time of day
	for i, c := range clock {
		if v, _ := strconv.Atoi(c); c != "" && v > limits[i] {
			return time.Time{}, errors.New("日期后的时间无法识别：应为 0:00 至 23:59:59")
		}
	}
	if y < minYear || y > maxYear {
		return time.Time{}, errYear(y)
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return time.Time{}, fmt.Errorf("日期不存在：%d年%d月%d日", y, mo, d)
	}
	return t, nil
}

func errYear(y int) error {
	return fmt.Errorf("日期年份 %d 超出范围：应在 %d 至 %d 年之间", y, minYear, maxYear)
}

// excelSerial converts an Excel serial day number of the 1900 date system.
// Excel counts 1900-01-01 as day 1 and, copying Lotus 1-2-3, treats 1900 as
// a leap year: day 60 is the nonexistent 1900-02-29 and every later serial
// is one more than the true count of days.
func excelSerial(n int) (time.Time, error) {
	var t time.Time
	switch {
	case n < 1 || n > maxSerial:
		return time.Time{}, errSerialRange
	case n < 60:
		t = time.Date(1899, time.December, 31+n, 0, 0, 0, 0, time.UTC)
	case n == 60:
		//lint:ignore ST1005 a message for people, which names Excel
		return time.Time{}, errors.New("Excel 日期序号 60 对应不存在的 1900年2月29日")
	default:
		t = time.Date(1899, time.December, 30+n, 0, 0, 0, 0, time.UTC)
	}
	if t.Year() > maxYear {
		return time.Time{}, errYear(t.Year())
	}
	return t, nil
}

// decimal is a non-localised decimal number as written in a cell.
type decimal struct {
	neg     bool
	whole   string // ASCII digits before the point, separators removed; may be ""
	frac    string // ASCII digits after the point; may be ""
	grouped bool   // written with thousands separators
}

func (d decimal) isZero() bool {
	return strings.Trim(d.whole+d.frac, "0") == ""
}

// float returns d × 10^shift, correctly rounded; it is ±Inf when too large.
func (d decimal) float(shift int) float64 {
	v, _ := strconv.ParseFloat("0"+d.whole+"."+d.frac+"e"+strconv.Itoa(shift), 64)
	if d.neg {
		return -v
	}
	return v
}

// scanNumber reads a decimal number at the start of s: an optional minus
// sign, digits with optional thousands separators (1,000 — NFKC has already
// turned the full-width ， into a comma), an optional fraction. It reports
// false when s does not start with a well-formed number; separators must
// stand every three digits, so 1,5 is not read as 15.
func scanNumber(s string) (d decimal, rest string, ok bool) {
	if r, w := utf8.DecodeRuneInString(s); r == '-' || r == '−' {
		d.neg = true
		s = s[w:]
	}
	i := 0
	group := 0 // digits since the last separator
scan:
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			group++
		case c == ',' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			if group == 0 || group > 3 || d.grouped && group != 3 {
				return decimal{}, "", false
			}
			d.grouped = true
			group = 0
		default:
			break scan
		}
		i++
	}
	if d.grouped && group != 3 {
		return decimal{}, "", false
	}
	d.whole = strings.ReplaceAll(s[:i], ",", "")
	s = s[i:]
	if strings.HasPrefix(s, ".") {
		j := 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		d.frac = s[1:j]
		s = s[j:]
	}
	if d.whole == "" && d.frac == "" {
		return decimal{}, "", false
	}
	return d, s, true
}

// maxWan bounds amounts at 10^10 万元 (10^14 yuan), far above any
// enterprise's capital or revenue, so a misplaced cell (a phone number, a
// credit code) fails instead of entering the ledger.
const maxWan = 1e10

// rmb is the name of the Chinese currency, the one amounts are kept in.
const rmb = "人民币"

// currencyName returns the standard Chinese name of the currency a cell
// names, given in lower case, and whether it names one.
func currencyName(s string) (string, bool) {
	switch s {
	case "人民币", "rmb", "cny", "¥":
		return rmb, true
	case "美元", "美金", "usd", "us$":
		return "美元", true
	case "港元", "港币", "hkd", "hk$":
		return "港元", true
	case "欧元", "eur", "€":
		return "欧元", true
	case "日元", "日币", "jpy":
		return "日元", true
	case "英镑", "gbp", "£":
		return "英镑", true
	case "澳元", "澳大利亚元", "aud":
		return "澳元", true
	case "加元", "加拿大元", "cad":
		return "加拿大元", true
	case "新加坡元", "新元", "sgd":
		return "新加坡元", true
	case "新台币", "台币", "twd":
		return "新台币", true
	case "澳门元", "澳门币", "mop":
		return "澳门元", true
	case "韩元", "krw":
		return "韩元", true
	case "瑞士法郎", "chf":
		return "瑞士法郎", true
	case "卢布", "rub":
		return "卢布", true
	}
	return "", false
}

// amount is a parsed money cell.
type amount struct {
	wan      float64 // in 万 of currency
	currency string  // standard Chinese name; rmb when none is named
}

// parseAmount reads a money cell into 万 units of its currency. What follows
// the number decides the unit: nothing (500) means 万, as registration
// exports state capital in 万元; 万, 百万, 千万 or 亿 scale to 万
// (1.2亿 → 12000); 元 or a currency name alone (5000000元, 500美元) means
// yuan, dollars …, divided by 10000. A currency may also stand before the
// number (人民币500万元, ¥500); 元 alone is the unit, not a currency.
// label names the value in error messages.
func parseAmount(s, label string) (amount, error) {
	s = Clean(s)
	if s == "" {
		return amount{}, ErrEmpty
	}
	bad := fmt.Errorf("%s无法识别：应为数字，可带单位万元、元或亿元，如 500、500万元、5000000元", label)
	lower := strings.ToLower(s)

	// A currency before the number.
	currency := ""
	start := strings.IndexFunc(lower, func(r rune) bool { return r >= '0' && r <= '9' || r == '-' || r == '−' || r == '.' })
	if start < 0 {
		return amount{}, bad
	}
	if prefix := strings.TrimSpace(lower[:start]); prefix != "" {
		c, ok := currencyName(prefix)
		if !ok {
			return amount{}, bad
		}
		currency = c
	}
	d, rest, ok := scanNumber(lower[start:])
	if !ok {
		if strings.Contains(lower, ",") {
			return amount{}, fmt.Errorf("%s的千分位逗号位置不对：应每三位一个，如 1,000", label)
		}
		return amount{}, bad
	}

	// The unit and currency after the number: 万元人民币, (万元), 万元整 …
	rest = strings.Map(func(r rune) rune {
		if r == ' ' || r == '(' || r == ')' {
			return -1
		}
		return r
	}, rest)
	rest = strings.TrimSuffix(rest, "整")
	shift, scaled := 0, false
	for _, m := range [...]struct {
		unit  string
		shift int
	}{{"千万", 3}, {"百万", 2}, {"万", 0}, {"亿", 4}} {
		if r, ok := strings.CutPrefix(rest, m.unit); ok {
			rest, shift, scaled = r, m.shift, true
			break
		}
	}
	if rest != "" {
		named, ok := currencyName(rest) // 美元, 人民币, 澳大利亚元
		if !ok && rest != "元" {
			c, ok1 := strings.CutPrefix(rest, "元") // 元人民币
			if !ok1 {
				c, ok1 = strings.CutSuffix(rest, "元") // 人民币元
			}
			if named, ok = currencyName(c); !ok1 || !ok {
				return amount{}, bad
			}
		}
		if named != "" {
			if currency != "" && currency != named {
				return amount{}, fmt.Errorf("%s写了两种币种：%s和%s", label, currency, named)
			}
			currency = named
		}
		if !scaled {
			shift = -4 // yuan, dollars …: 5000000元 is 500万元
		}
	}
	if currency == "" {
		currency = rmb
	}

	if d.neg && !d.isZero() {
		return amount{}, fmt.Errorf("%s不能为负数", label)
	}
	d.neg = false
	v := d.float(shift)
	if math.IsInf(v, 0) || math.IsNaN(v) || v > maxWan {
		return amount{}, fmt.Errorf("%s数值过大，请核对", label)
	}
	return amount{wan: v, currency: currency}, nil
}

// ParseCapital parses registered capital into 万 (ten thousands) of its
// currency. A bare number is 万元 (500, 30.5, 1,000); 万, 万元, 万元人民币 and
// 万人民币元 are 万元; 亿 is 10000万 (1.2亿元 → 12000); 元 alone is yuan
// (5000000元 → 500). A foreign currency (500万美元, 100万港币) is not
// converted: the result is in 万 of that currency and warning says so.
func ParseCapital(s string) (wan float64, warning string, err error) {
	a, err := parseAmount(s, "注册资本")
	if err != nil {
		return 0, "", err
	}
	if a.currency != rmb {
		warning = fmt.Sprintf("注册资本币种为%s，未折算为人民币", a.currency)
	}
	return a.wan, warning, nil
}

// ParseMoney parses an amount of money, such as annual revenue, into 万元
// with the units of ParseCapital. Only 人民币 may be named: a foreign
// currency is an error, since the ledger's totals are in 万元.
func ParseMoney(s string) (float64, error) {
	a, err := parseAmount(s, "金额")
	if err != nil {
		return 0, err
	}
	if a.currency != rmb {
		return 0, fmt.Errorf("金额应以人民币填写，不能为%s", a.currency)
	}
	return a.wan, nil
}

// ParseBool parses a yes/no cell: 是/否, 有/无, 已建/未建, 已建立/未建立,
// 已组建/未组建, 已成立/未成立, Y/N, yes/no, true/false (any case), 1/0, √/×
// and ✓/✗ (also ✔/✘).
func ParseBool(s string) (bool, error) {
	s = Clean(s)
	if s == "" {
		return false, ErrEmpty
	}
	switch strings.ToLower(s) {
	case "是", "有", "已建", "已建立", "已组建", "已成立", "y", "yes", "true", "1", "√", "✓", "✔":
		return true, nil
	case "否", "无", "没有", "未建", "未建立", "未组建", "未成立", "n", "no", "false", "0", "×", "✗", "✘":
		return false, nil
	}
	return false, errors.New("无法识别为是或否：应为 是/否、有/无、已建/未建、Y/N、√/×")
}

// maxCount bounds head counts: more than ten million people is a misplaced
// cell, not a workforce.
const maxCount = 10_000_000

// ParseCount parses a non-negative whole number of people: 12, 12人, 12名,
// 12.0 (a spreadsheet number), 1,200.
func ParseCount(s string) (int, error) {
	s = Clean(s)
	if s == "" {
		return 0, ErrEmpty
	}
	bad := errors.New("人数无法识别：应为不小于 0 的整数，如 12 或 12人")
	d, rest, ok := scanNumber(s)
	if !ok {
		return 0, bad
	}
	switch strings.TrimSpace(rest) {
	case "", "人", "名":
	default:
		return 0, bad
	}
	if d.neg && !d.isZero() {
		return 0, errors.New("人数不能为负数")
	}
	if strings.Trim(d.frac, "0") != "" {
		return 0, errors.New("人数应为整数")
	}
	whole := strings.TrimLeft(d.whole, "0")
	if len(whole) > len(strconv.Itoa(maxCount)) {
		return 0, fmt.Errorf("人数过大：超过 %d，请核对", maxCount)
	}
	n, _ := strconv.Atoi("0" + whole) // at most eight ASCII digits
	if n > maxCount {
		return 0, fmt.Errorf("人数过大：超过 %d，请核对", maxCount)
	}
	return n, nil
}
