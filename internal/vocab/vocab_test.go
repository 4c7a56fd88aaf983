package vocab

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	v := New(Term{Code: "normal", Label: "正常经营", Aliases: []string{"正常"}}, Term{Code: "other", Label: "其他", Aliases: []string{"其它"}})
	cases := []struct {
		name, in, code string
		ok             bool
	}{
		{"code", "normal", "normal", true},
		{"code in another case", "NORMAL", "normal", true},
		{"label", "正常经营", "normal", true},
		{"label with ideographic and inner spaces", "\u3000正常 经营 ", "normal", true},
		{"full-width code", "ｏｔｈｅｒ", "other", true},
		{"alias", "其它", "other", true},
		{"unknown", "倒闭", "", false},
		{"empty", "", "", false},
		{"substring of a label", "经营", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, ok := v.Parse(c.in)
			if code != c.code || ok != c.ok {
				t.Fatalf("Parse(%q) = %q, %v; want %q, %v", c.in, code, ok, c.code, c.ok)
			}
		})
	}
	if got := v.Sort([]string{"other", "bogus", "normal", "other"}); !slices.Equal(got, []string{"normal", "other"}) {
		t.Fatalf("Sort = %v", got)
	}
	if v.Label("normal") != "正常经营" || v.Label("bogus") != "bogus" || v.Order("other") != 2 || v.Order("bogus") != 0 {
		t.Fatalf("Label/Order: %q %q %d %d", v.Label("normal"), v.Label("bogus"), v.Order("other"), v.Order("bogus"))
	}
	if v.Choices() != "正常经营、其他" || !slices.Equal(v.Codes(), []string{"normal", "other"}) {
		t.Fatalf("Choices %q Codes %v", v.Choices(), v.Codes())
	}
}

func TestNewRefusesSharedSpelling(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted one spelling for two terms")
		}
	}()
	New(Term{Code: "a", Label: "甲", Aliases: []string{"乙"}}, Term{Code: "b", Label: "乙"})
}
