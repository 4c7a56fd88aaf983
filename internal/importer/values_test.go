package importer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestClean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only spaces", " \t\u3000\u00a0\n", ""},
		{"plain", "500万元", "500万元"},
		{"ideographic space padding", "\u3000\u3000500万\u3000", "500万"},
		{"no-break space inside", "冷水滩区\u00a0梅湾街道", "冷水滩区 梅湾街道"},
		{"tabs and newlines collapse", "a\t\t b\r\n\nc", "a b c"},
		{"full-width digits and letters", "５００万　ＲＭＢ", "500万 RMB"},
		{"full-width punctuation", "２０１５／３／１２", "2015/3/12"},
		{"full-width comma", "1，000", "1,000"},
		{"byte-order mark and zero-width space", "\ufeff12\u200b3", "123"},
		{"combining mark joined after removed zero-width space", "e\u200b\u0301", "é"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"en spaces", "a\u2002\u2003b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	march12 := day(2015, time.March, 12)
	tests := []struct {
		name string
		in   string
		want time.Time
	}{
		{"ISO", "2015-03-12", march12},
		{"ISO without leading zeros", "2015-3-12", march12},
		{"slashes", "2015/3/12", march12},
		{"slashes with zeros", "2015/03/12", march12},
		{"dots", "2015.3.12", march12},
		{"Chinese", "2015年3月12日", march12},
		{"Chinese with zeros", "2015年03月12日", march12},
		{"Chinese with spaces", "2015 年 3 月 12 日", march12},
		{"Chinese without 日", "2015年3月12", march12},
		{"compact", "20150312", march12},
		{"compact from a number cell", "20150312.0", march12},
		{"ISO datetime", "2015-03-12 00:00:00", march12},
		{"ISO datetime with T", "2015-03-12T00:00:00", march12},
		{"time of day ignored", "2015-03-12 23:59:59", march12},
		{"datetime with zone", "2015-03-12T08:30:00+08:00", march12},
		{"datetime with Z and fraction", "2015-03-12T08:30:00.123Z", march12},
		{"slashes with short time", "2015/3/12 0:00", march12},
		{"Chinese with time", "2015年3月12日 10:30", march12},
		{"full-width digits", "２０１５－０３－１２", march12},
		{"full-width slashes", "２０１５／３／１２", march12},
		{"ideographic space padding", "\u30002015年3月12日\u3000", march12},
		{"spaces around separators", "2015 - 03 - 12", march12},
		{"leap day", "2016-02-29", day(2016, time.February, 29)},
		{"first year", "1900-01-01", day(1900, time.January, 1)},
		{"last year", "2100-12-31", day(2100, time.December, 31)},
		{"Excel serial", "42075", march12},
		{"Excel serial with zero fraction", "42075.0", march12},
		{"Excel serial with time of day", "42075.5", march12},
		{"Excel serial full-width", "４２０７５", march12},
		{"Excel serial 1", "1", day(1900, time.January, 1)},
		{"Excel serial 59", "59", day(1900, time.February, 28)},
		{"Excel serial 61", "61", day(1900, time.March, 1)},
		{"Excel serial 1.25", "1.25", day(1900, time.January, 1)},
		{"Excel serial last day of 2100", "73415", day(2100, time.December, 31)},
		{"Excel serial with leading zeros", "042075", march12},
		{"three-digit Excel serial", "100", day(1900, time.April, 9)},
		{"four-digit Excel serial with a leading zero", "0999", day(1902, time.September, 25)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDate(tt.in)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, msg string // msg is part of the error message
	}{
		{"impossible day", "2015-02-30", "日期不存在"},
		{"impossible Chinese day", "2015年2月29日", "日期不存在"},
		{"month 13", "2015/13/1", "日期不存在"},
		{"day 0", "2015-03-00", "日期不存在"},
		{"compact impossible", "20150231", "日期不存在"},
		{"year before 1900", "1899-12-31", "年份"},
		{"year after 2100", "2101-01-01", "年份"},
		{"Excel serial 0", "0", "序号"},
		{"Excel serial below 1", "0.5", "序号"},
		{"Excel serial 60", "60", "1900年2月29日"},
		{"Excel serial past 2100", "73416", "年份"},
		{"Excel serial past 9999", "2958466", "序号"},
		{"Excel serial huge", "99999999999999999999", "序号"},
		{"negative serial", "-5", "序号"},
		{"year only", "2015", "缺少月或日"},
		{"year only from a number cell", "2015.0", "缺少月或日"},
		{"year only, before 1900", "1899", "缺少月或日"},
		{"four digits with a long fraction", "1234.567", "缺少月或日"},
		{"year with 年", "2015年", "缺少月或日"},
		{"year and month", "2015-03", "缺少月或日"},
		{"year and month in Chinese", "2015年3月", "缺少月或日"},
		{"mixed separators", "2015-03/12", "无法识别"},
		{"day first", "12/03/2015", "无法识别"},
		{"two-digit year", "15-3-12", "无法识别"},
		{"text", "不详", "无法识别"},
		{"bad hour", "2015-03-12 25:00", "时间"},
		{"serial with separator", "42,075", "无法识别"},
		{"scientific notation", "4.2075E4", "无法识别"},
		{"NaN", "NaN", "无法识别"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDate(tt.in)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("ParseDate(%q) error %q, want it to mention %q", tt.in, err, tt.msg)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", " ", "\u3000\t\n", "\ufeff"} {
		if _, err := ParseDate(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseDate(%q) error %v, want ErrEmpty", in, err)
		}
		if _, _, err := ParseCapital(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseCapital(%q) error %v, want ErrEmpty", in, err)
		}
		if _, err := ParseMoney(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseMoney(%q) error %v, want ErrEmpty", in, err)
		}
		if _, err := ParseBool(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseBool(%q) error %v, want ErrEmpty", in, err)
		}
		if _, err := ParseCount(in); !errors.Is(err, ErrEmpty) {
			t.Errorf("ParseCount(%q) error %v, want ErrEmpty", in, err)
		}
	}
}

func TestParseCapital(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    float64
		warning string // the currency the warning must name; "" for none
	}{
		{"bare number is 万元", "500", 500, ""},
		{"万", "500万", 500, ""},
		{"万元", "500万元", 500, ""},
		{"万元人民币", "500万元人民币", 500, ""},
		{"万人民币", "500万人民币", 500, ""},
		{"万人民币元", "500万人民币元", 500, ""},
		{"decimal", "30.5", 30.5, ""},
		{"decimal with unit", "30.50万元", 30.5, ""},
		{"registry's six decimals", "500.000000万人民币", 500, ""},
		{"thousands separator", "1,000", 1000, ""},
		{"full-width thousands separator", "1，000", 1000, ""},
		{"thousands separators and decimals", "1,234,567.89万元", 1234567.89, ""},
		{"yuan", "5000000元", 500, ""},
		{"yuan with decimals", "12345.67元", 1.234567, ""},
		{"yuan with separators", "5,000,000元", 500, ""},
		{"元人民币", "5000000元人民币", 500, ""},
		{"人民币元", "5000000人民币元", 500, ""},
		{"亿", "1.2亿", 12000, ""},
		{"亿元", "1.2亿元", 12000, ""},
		{"亿元人民币", "3亿元人民币", 30000, ""},
		{"百万", "5百万元", 500, ""},
		{"千万", "1.5千万", 1500, ""},
		{"整", "500万元整", 500, ""},
		{"unit in parentheses", "500（万元）", 500, ""},
		{"currency in parentheses", "500万元（人民币）", 500, ""},
		{"currency before", "人民币500万元", 500, ""},
		{"currency before bare number", "人民币 500", 500, ""},
		{"yen sign", "￥500万", 500, ""},
		{"RMB code", "500万RMB", 500, ""},
		{"full-width digits", "５００万", 500, ""},
		{"full-width everything", "５００万元人民币", 500, ""},
		{"ideographic space padding", "\u3000500\u3000万元\u3000", 500, ""},
		{"space before unit", "500 万元", 500, ""},
		{"zero", "0", 0, ""},
		{"leading point", ".5万", 0.5, ""},
		{"美元", "50万美元", 50, "美元"},
		{"美元 in dollars", "500000美元", 50, "美元"},
		{"USD code", "50万USD", 50, "美元"},
		{"美元 before", "美元50万", 50, "美元"},
		{"港元", "100万港元", 100, "港元"},
		{"港币", "100万港币", 100, "港元"},
		{"欧元", "20万欧元", 20, "欧元"},
		{"日元", "1亿日元", 10000, "日元"},
		{"英镑", "10万英镑", 10, "英镑"},
		{"元 with a currency before", "美元50万元", 50, "美元"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, warning, err := ParseCapital(tt.in)
			if err != nil {
				t.Fatalf("ParseCapital(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseCapital(%q) = %v, want %v", tt.in, got, tt.want)
			}
			switch {
			case tt.warning == "" && warning != "":
				t.Errorf("ParseCapital(%q) warning %q, want none", tt.in, warning)
			case tt.warning != "" && warning != "注册资本币种为"+tt.warning+"，未折算为人民币":
				t.Errorf("ParseCapital(%q) warning %q, want one naming %s", tt.in, warning, tt.warning)
			}
		})
	}
}

func TestParseCapitalRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, msg string
	}{
		{"negative", "-500", "负数"},
		{"negative with unit", "-5万元", "负数"},
		{"NaN", "NaN", "无法识别"},
		{"infinity", "Inf", "无法识别"},
		{"text", "不详", "无法识别"},
		{"unit only", "万元", "无法识别"},
		{"unknown unit", "500千克", "无法识别"},
		{"unknown currency", "500万比特币", "无法识别"},
		{"two currencies", "人民币500万美元", "两种币种"},
		{"approximate", "约500万", "无法识别"},
		{"comma as decimal", "1,5", "千分位"},
		{"misplaced separator", "10,00", "千分位"},
		{"two points", "1.2.3", "无法识别"},
		{"space inside the number", "1 000", "无法识别"},
		{"scientific notation", "5e6", "无法识别"},
		{"too large", "99999999999亿", "过大"},
		{"overflows float64", strings.Repeat("9", 400), "过大"},
		{"Chinese numerals", "伍佰万元", "无法识别"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := ParseCapital(tt.in)
			if err == nil {
				t.Fatalf("ParseCapital(%q) = %v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "注册资本") {
				t.Errorf("ParseCapital(%q) error %q, want it to mention %q", tt.in, err, tt.msg)
			}
		})
	}
}

func TestParseMoney(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want float64
		msg  string // part of the error message; "" when in is accepted
	}{
		{"bare number is 万元", "2300", 2300, ""},
		{"万元", "2,300.5万元", 2300.5, ""},
		{"yuan", "23000000元", 2300, ""},
		{"亿", "1.2亿元", 12000, ""},
		{"人民币", "2300万元人民币", 2300, ""},
		{"full-width", "２３００万", 2300, ""},
		{"zero", "0", 0, ""},
		{"美元", "50万美元", 0, "不能为美元"},
		{"港币", "港币100万", 0, "不能为港元"},
		{"negative", "-10", 0, "负数"},
		{"text", "亏损", 0, "无法识别"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMoney(tt.in)
			if tt.msg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("ParseMoney(%q) = %v, %v; want an error mentioning %q", tt.in, got, err, tt.msg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseMoney(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	yes := []string{"是", "有", "已建", "已建立", "已组建", "已成立", "Y", "y", "yes", "YES", "Yes", "true", "TRUE", "1", "√", "✓", "✔", "１", "Ｙ", "\u3000是\u3000"}
	no := []string{"否", "无", "没有", "未建", "未建立", "未组建", "未成立", "N", "n", "no", "NO", "false", "False", "0", "×", "✗", "✘", "０", " 否 "}
	for _, in := range yes {
		if got, err := ParseBool(in); err != nil || !got {
			t.Errorf("ParseBool(%q) = %v, %v; want true", in, got, err)
		}
	}
	for _, in := range no {
		if got, err := ParseBool(in); err != nil || got {
			t.Errorf("ParseBool(%q) = %v, %v; want false", in, got, err)
		}
	}
	for _, in := range []string{"x", "X", "2", "是否", "待定", "yes no", "t", "on", "-1", "1.0"} {
		if got, err := ParseBool(in); err == nil || !strings.Contains(err.Error(), "是或否") {
			t.Errorf("ParseBool(%q) = %v, %v; want an error", in, got, err)
		}
	}
}

func TestParseCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int
		msg  string // part of the error message; "" when in is accepted
	}{
		{"plain", "12", 12, ""},
		{"with 人", "12人", 12, ""},
		{"with space and 人", "12 人", 12, ""},
		{"with 名", "12名", 12, ""},
		{"spreadsheet number", "12.0", 12, ""},
		{"thousands separator", "1,200", 1200, ""},
		{"full-width", "１２人", 12, ""},
		{"ideographic space padding", "\u300012\u3000", 12, ""},
		{"zero", "0", 0, ""},
		{"leading zeros", "007", 7, ""},
		{"limit", "10000000", 10_000_000, ""},
		{"limit with separators", "10,000,000", 10_000_000, ""},
		{"negative", "-1", 0, "负数"},
		{"fraction", "1.5", 0, "整数"},
		{"text", "abc", 0, "无法识别"},
		{"over the limit", "10000001", 0, "过大"},
		{"huge", strings.Repeat("9", 30), 0, "过大"},
		{"unit only", "人", 0, "无法识别"},
		{"approximate", "约12人", 0, "无法识别"},
		{"range", "10-20", 0, "无法识别"},
		{"misplaced separator", "1,20", 0, "无法识别"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseCount(tt.in)
			if tt.msg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("ParseCount(%q) = %v, %v; want an error mentioning %q", tt.in, got, err, tt.msg)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseCount(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", " ", "\u3000５００万\u3000", "a\u200b\u0301", "\u00b4", "a\t\nb", "\xff", "\ufeff\u2028x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if again := Clean(c); again != c {
			t.Fatalf("Clean(%q) = %q, but Clean of that is %q", s, c, again)
		}
		if strings.HasPrefix(c, " ") || strings.HasSuffix(c, " ") || strings.Contains(c, "  ") {
			t.Fatalf("Clean(%q) = %q has untrimmed or doubled spaces", s, c)
		}
		if !utf8.ValidString(c) {
			t.Fatalf("Clean(%q) = %q is not valid UTF-8", s, c)
		}
		for _, r := range c {
			if r != ' ' && unicode.IsSpace(r) || zeroWidth(r) {
				t.Fatalf("Clean(%q) = %q keeps %U", s, c, r)
			}
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2015-03-12", "2015/3/12", "2015.3.12", "2015年3月12日", "20150312", "2015-03-12T00:00:00", "42075", "42075.5", "60", "2015", "2015-02-30", "２０１５年３月１２日"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseDate(%q) returned an empty error message", s)
			}
			if Clean(s) == "" != errors.Is(err, ErrEmpty) {
				t.Fatalf("ParseDate(%q) error %v; ErrEmpty exactly when empty", s, err)
			}
			return
		}
		if d.Year() < 1900 || d.Year() > 2100 {
			t.Fatalf("ParseDate(%q) = %v, outside 1900..2100", s, d)
		}
		if d.Location() != time.UTC || !d.Equal(d.Truncate(24*time.Hour)) {
			t.Fatalf("ParseDate(%q) = %v, not midnight UTC", s, d)
		}
		iso := d.Format("2006-01-02")
		if again, err := ParseDate(iso); err != nil || !again.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v, but ParseDate(%q) = %v, %v", s, d, iso, again, err)
		}
	})
}

func FuzzParseCapital(f *testing.F) {
	for _, s := range []string{"500", "500万元人民币", "1，000", "5000000元", "1.2亿", "50万美元", "-1", "NaN", "1,5", "人民币500万美元", "５００万"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		wan, warning, err := ParseCapital(s)
		money, moneyErr := ParseMoney(s)
		if err != nil {
			if moneyErr == nil {
				t.Fatalf("ParseMoney(%q) = %v but ParseCapital fails: %v", s, money, err)
			}
			return
		}
		if math.IsNaN(wan) || math.IsInf(wan, 0) || wan < 0 || math.Signbit(wan) {
			t.Fatalf("ParseCapital(%q) = %v", s, wan)
		}
		// ParseMoney accepts exactly the amounts in 人民币.
		if (warning == "") != (moneyErr == nil) || moneyErr == nil && money != wan {
			t.Fatalf("ParseCapital(%q) = %v, %q but ParseMoney = %v, %v", s, wan, warning, money, moneyErr)
		}
		// A bare number is 万元, so the value read back is the value.
		text := strconv.FormatFloat(wan, 'f', -1, 64)
		if again, _, err := ParseCapital(text); err != nil || again != wan {
			t.Fatalf("ParseCapital(%q) = %v, but ParseCapital(%q) = %v, %v", s, wan, text, again, err)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"12", "12人", "12.0", "1,200", "-1", "1.5", "abc", "10000001", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseCount(s)
		if err != nil {
			return
		}
		if n < 0 || n > 10_000_000 {
			t.Fatalf("ParseCount(%q) = %d, out of range", s, n)
		}
		if again, err := ParseCount(strconv.Itoa(n)); err != nil || again != n {
			t.Fatalf("ParseCount(%q) = %d, but ParseCount(%d) = %d, %v", s, n, n, again, err)
		}
	})
}

func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"是", "否", "Y", "no", "√", "×", "已建立", "1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBool(s)
		if err != nil {
			return
		}
		// Only a short word or mark is ever read as yes or no.
		if c := Clean(s); utf8.RuneCountInString(c) > 5 {
			t.Fatalf("ParseBool(%q) = %v from %q", s, b, c)
		}
		want := map[bool]string{true: "是", false: "否"}[b]
		if again, err := ParseBool(want); err != nil || again != b {
			t.Fatalf("ParseBool(%q) = %v, but ParseBool(%q) = %v, %v", s, b, want, again, err)
		}
	})
}

// TestCleanFastPath: clean, the check that lets Clean return a cell as it
// is, says yes exactly when Clean's rounds would leave it unchanged — over every
// CJK unified ideograph and the characters around that block, alone and
// between ASCII text.
func TestCleanFastPath(t *testing.T) {
	t.Parallel()
	var cells []string
	for r := rune(0x4d00); r <= 0xa0ff; r++ {
		cells = append(cells, string(r), "No."+string(r)+"1 号", string(r)+"\u0301")
	}
	cells = append(cells, "\uf900", "（有限公司）", "ＡＢＣ", "a  b", " a", "a\u3000b", "e\u200b\u0301", "\x7f", "abc", "冷水滩区 梅湾街道")
	for _, s := range cells {
		// Clean's own rounds, without the check.
		want := utf8.ValidString(s) && norm.NFKC.String(s) == s && squeeze(s) == s
		if got := clean(s); got != want {
			t.Fatalf("clean(%q) = %v, want %v", s, got, want)
		}
	}
}
