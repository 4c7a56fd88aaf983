package export

import "testing"

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{"": "", "企业": "企业", "=1+1": "'=1+1", "+86": "'+86", "-5": "'-5", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b"} {
		if got := Safe(in); got != want {
			t.Errorf("Safe(%q) = %q, want %q", in, got, want)
		}
	}
}
