package httpapi

import "testing"

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"": "", "13800008000": "138****8000", "+86 13800000000": "+86****0000",
		"0746-8221234": "074****1234", "82212345": "******45", "1234567": "*****67", "12": "**", "7": "*"} {
		if got := maskPhone(in); got != want {
			t.Errorf("maskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
