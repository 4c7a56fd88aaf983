package auth

import (
	"strings"
	"testing"
)

func TestCommonPasswordsRefused(t *testing.T) {
	for _, p := range []string{"Password@2026", "P@ssw0rd!", "P@ssw0rd2026", "Qwerty123!", "Admin#8888", "Woaini1314!", "1qaz@WSX3edc",
		"Abc@12345678", "Welcome2026!", "!QAZ2wsx#EDC", "Admin@123456", "20260101@Aa", "Iloveyou520!", "Changeme-2026",
		"Adm1n@2024", "@dmin123", "P@$$w0rd2024", "We!come2026", "@dm1n#2026"} {
		if err := CheckPasswordPolicy(p); err == nil || !strings.Contains(err.Error(), "弱密码") {
			// Some fail the class rule first; what matters is that none passes.
			if err == nil {
				t.Errorf("%q was taken", p)
			}
		}
	}
	for _, p := range []string{"Secret-Pass-2026", "Admin-Pass-2026", "Liaison-Pass-01", "梅湾街道Ab#2026x", "Hx7#kq2Lm9", "Lengshuitan-2026"} {
		if err := CheckPasswordPolicy(p); err != nil {
			t.Errorf("%q refused: %v", p, err)
		}
	}
}
