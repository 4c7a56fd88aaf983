package textcheck

import "testing"

func TestProblem(t *testing.T) {
	for s, want := range map[string]string{
		"冷水滩区梅湾街道 1号": "", "a\u200bb": "", "Ａ": "", "": "",
		"a\x00b": "空字符（NUL）", "a\x07": "控制字符", "\x1b[31m": "控制字符", "a\x7f": "控制字符", "a\u0085": "控制字符",
		"abc\u202egpj.exe": "改变文字方向的控制字符", "\u2066x\u2069": "改变文字方向的控制字符", "\u200f": "改变文字方向的控制字符",
		"\u061c": "改变文字方向的控制字符", "\uffff": "非字符码位", "\ufdd0": "非字符码位",
		"a\nb": "换行符或制表符", "a\tb": "换行符或制表符", "a\rb": "换行符或制表符",
	} {
		if got := Problem(s, false); got != want {
			t.Errorf("Problem(%q, false) = %q, want %q", s, got, want)
		}
	}
	for s, want := range map[string]string{"a\nb\tc\r\n": "", "a\n\x00": "空字符（NUL）", "x\u202e": "改变文字方向的控制字符"} {
		if got := Problem(s, true); got != want {
			t.Errorf("Problem(%q, true) = %q, want %q", s, got, want)
		}
	}
}
