package division

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"unchanged", "冷水滩区梅湾街道", "冷水滩区梅湾街道"},
		{"ideographic space", "冷水滩区\u3000曲河街道", "冷水滩区曲河街道"},
		{"full-width digits", "滨江路６号", "滨江路6号"},
		{"full-width letters", "ＡＢＣ栋", "ABC栋"},
		{"full-width brackets", "（梅湾街道）", "(梅湾街道)"},
		{"ASCII whitespace", " 梅湾\t街道\r\n", "梅湾街道"},
		{"no-break and em spaces", "梅\u00a0湾\u2003街\u202f道", "梅湾街道"},
		{"line and paragraph separators", "梅\u2028湾\u2029街道", "梅湾街道"},
		{"zero-width and BOM", "\ufeff梅\u200b湾\u2060街道", "梅湾街道"},
		{"circled digit", "①号", "1号"},
		{"decomposed accent composes", "Cafe\u0301", "Café"},
		{"space between base and mark", "e \u0301", "é"},
		{"compatibility character with a space", "a\u00a8", "ä"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Normalize(tt.in)
			if got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if again := Normalize(got); again != got {
				t.Errorf("Normalize not idempotent on %q: %q", got, again)
			}
		})
	}
}

func TestNormalizeNoAlloc(t *testing.T) {
	s := "湖南省永州市冷水滩区梅湾街道零陵南路30号"
	if n := testing.AllocsPerRun(100, func() { Normalize(s) }); n != 0 {
		t.Errorf("Normalize of normalised text allocates %v times", n)
	}
}

func TestPlaceName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		official, want string
	}{
		{"坪塘村村委会", "坪塘村"},
		{"新铺村委会", "新铺村"},
		{"敏村村委会", "敏村"},
		{"三多亭社区居委会", "三多亭社区"},
		{"花桥居委会", "花桥社区"},
		{"湘山街居委会", "湘山街社区"},
		{"四丘田社区", "四丘田社区"},
		{"清溪村村民委员会", "清溪村"},
		{"湘韶村民委员会", "湘韶村"},
		{"高新社区居民委员会", "高新社区"},
		{"团洲乡居民委员会", "团洲乡社区"},
		{"红色农场虚拟生活区", "红色农场虚拟生活区"},
		{"村委会", "村委会"},
		{"　坪塘村村委会 ", "坪塘村"},
	}
	for _, tt := range tests {
		if got := placeName(tt.official); got != tt.want {
			t.Errorf("placeName(%q) = %q, want %q", tt.official, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"湖南省永州市冷水滩区　曲河街道滨江路６号",
		"e \u0301",
		"a\u00a8\u3000\u0301",
		"\ufeff（梅湾街道）①",
		"\u1100 \u1161\u11a8",
		"\xff\xfe 梅湾",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(s) {
			return
		}
		if again := Normalize(n); again != n {
			t.Errorf("Normalize(%q) = %q, but Normalize(%q) = %q", s, n, n, again)
		}
		for _, r := range n {
			if isStripped(r) {
				t.Errorf("Normalize(%q) = %q keeps space %U", s, n, r)
			}
		}
	})
}

// TestPlainIsNormal holds plain to what it relies on: NFKC maps every CJK
// unified ideograph of U+4E00–U+9FFF, and printable ASCII, to itself, alone
// and beside one another; and plain refuses the characters around them.
func TestPlainIsNormal(t *testing.T) {
	t.Parallel()
	for r := rune(0x4e00); r <= 0x9fff; r++ {
		s := string(r)
		for _, x := range []string{s, "A" + s + "1", s + string(0x4e00+(r*7919)%0x5200) + "-"} {
			if !plain(x) {
				t.Fatalf("plain(%q) = false", x)
			}
			if n := norm.NFKC.String(x); n != x || Normalize(x) != x {
				t.Fatalf("NFKC(%q) = %q: plain would be wrong", x, n)
			}
		}
	}
	for c := byte(0x21); c < 0x7f; c++ {
		if s := "冷" + string(c) + "水"; !plain(s) || norm.NFKC.String(s) != s {
			t.Fatalf("plain or NFKC of %q", s)
		}
	}
	// Outside: spaces and controls, the compatibility ideographs (which
	// decompose), full-width forms, the ideographic space, combining marks,
	// extension A just below the block and Yi just above it.
	for _, s := range []string{"冷 水", "a\tb", "\x00", "\x7f", "\uf900", "\uff11", "\u3000", "e\u0301", "\u4dff", "\ua000", "\xff", "（"} {
		if plain(s) {
			t.Errorf("plain(%q) = true", s)
		}
	}
	// Through Normalize: what plain refuses still comes out normalised.
	if got := Normalize("冷水滩\uf900（１）"); got != "冷水滩豈(1)" {
		t.Errorf("Normalize = %q", got)
	}
}
