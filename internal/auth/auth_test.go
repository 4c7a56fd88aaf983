package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fugai/fugai/internal/apperr"
)

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"Abcdefgh1!":             true,  // 10 chars, 4 classes
		"abcdefgh1!":             true,  // lower, digit, symbol
		"ABCDEFGH12":             false, // two classes
		"Abcdefg1!":              false, // 9 characters
		"abcdefghijklmnop":       false, // one class
		"密码密码密码密码Ab1":            true,  // CJK counts as a symbol class; runes, not bytes
		strings.Repeat("a", 129): false,
	}
	for pw, ok := range cases {
		if err := CheckPasswordPolicy(pw); (err == nil) != ok {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	h, err := HashPassword("Correct-Horse-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Fatalf("hash %q is not argon2id", h)
	}
	if !VerifyPassword(h, "Correct-Horse-1") || VerifyPassword(h, "Correct-Horse-2") {
		t.Fatal("verification is wrong")
	}
	h2, _ := HashPassword("Correct-Horse-1")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", strings.Replace(h, "$v=19$", "$v=1$", 1)} {
		if VerifyPassword(bad, "Correct-Horse-1") {
			t.Fatalf("malformed hash %q verified", bad)
		}
	}
	p, err := RandomPassword()
	if err != nil || CheckPasswordPolicy(p) != nil {
		t.Fatalf("random password %q fails the policy: %v", p, err)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	tok, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) < 43 || hash == tok || HashToken(tok) != hash {
		t.Fatalf("token %q hash %q", tok, hash)
	}
	tok2, _, _ := NewToken()
	if tok == tok2 {
		t.Fatal("tokens repeat")
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Session{CreatedAt: t0, LastSeenAt: t0}
	if s.Expired(t0.Add(IdleTimeout-time.Second)) || !s.Expired(t0.Add(IdleTimeout)) {
		t.Fatal("idle timeout wrong")
	}
	s.LastSeenAt = t0.Add(AbsoluteTimeout - time.Minute)
	if !s.Expired(t0.Add(AbsoluteTimeout)) {
		t.Fatal("absolute timeout not enforced")
	}
}

func TestScopeAndCreateRights(t *testing.T) {
	t.Parallel()
	if (Scope{}).Allows("431103001") || (Scope{}).Allows("") {
		t.Fatal("zero scope allows")
	}
	ta := Principal{Role: TownshipAdmin, TownshipCode: "431103001"}
	if s := ta.Scope(); s.All || !s.Allows("431103001") || s.Allows("431103002") || s.Allows("") {
		t.Fatalf("township scope %+v", s)
	}
	if s := (Principal{Role: Auditor}).Scope(); !s.All {
		t.Fatal("auditor is not district-wide")
	}
	if !ta.MayCreate(NewUser{Role: Liaison, TownshipCode: "431103001"}) || ta.MayCreate(NewUser{Role: Liaison, TownshipCode: "431103002"}) ||
		ta.MayCreate(NewUser{Role: TownshipAdmin, TownshipCode: "431103001"}) {
		t.Fatal("township admin create rights")
	}
	if (Principal{Role: Liaison}).MayCreate(NewUser{Role: Liaison}) || (Principal{Role: Auditor}).MayCreate(NewUser{Role: Auditor}) {
		t.Fatal("liaison or auditor may create users")
	}
}

func TestPasswordChangeValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, old, new, field string // field "" when valid
	}{
		{"valid", "Old-Password-1", "New-Password-2", ""},
		{"old missing", "", "New-Password-2", "old_password"},
		{"new too short", "Old-Password-1", "Ab1!", "new_password"},
		{"new same as old", "Old-Password-1", "Old-Password-1", "new_password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := PasswordChange{Old: tc.old, New: tc.new}.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid change refused: %v", err)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || ae.Fields[tc.field] == "" {
				t.Fatalf("want a 422 on %s, got %v", tc.field, err)
			}
		})
	}
}

func TestWhoManagesWhom(t *testing.T) {
	t.Parallel()
	district := Principal{UserID: 1, Role: DistrictAdmin}
	township := Principal{UserID: 2, Role: TownshipAdmin, TownshipCode: "431103001"}
	for _, tc := range []struct {
		name string
		p    Principal
		u    User
		kind apperr.Kind // Internal: allowed
	}{
		{"district admin, a liaison", district, User{ID: 3, Role: Liaison, TownshipCode: "431103002"}, apperr.Internal},
		{"district admin, another district admin", district, User{ID: 4, Role: DistrictAdmin}, apperr.Internal},
		{"district admin, itself", district, User{ID: 1, Role: DistrictAdmin}, apperr.Conflict},
		{"township admin, its liaison", township, User{ID: 3, Role: Liaison, TownshipCode: "431103001"}, apperr.Internal},
		{"township admin, another township's liaison", township, User{ID: 3, Role: Liaison, TownshipCode: "431103002"}, apperr.Forbidden},
		{"township admin, an admin of its township", township, User{ID: 5, Role: TownshipAdmin, TownshipCode: "431103001"}, apperr.Forbidden},
		{"township admin, itself", township, User{ID: 2, Role: TownshipAdmin, TownshipCode: "431103001"}, apperr.Conflict},
		{"auditor, a liaison", Principal{UserID: 6, Role: Auditor}, User{ID: 3, Role: Liaison, TownshipCode: "431103001"}, apperr.Forbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.CheckDisable(tc.u)
			if (err == nil) != (tc.kind == apperr.Internal) || (err != nil && apperr.KindOf(err) != tc.kind) {
				t.Fatalf("CheckDisable: %v", err)
			}
		})
	}
}

// A name tried at login is kept as typed only when it could be a
// username; other text — often a password in the wrong field — only as
// its length and a fingerprint, the same for the same text.
func TestShownName(t *testing.T) {
	if got := ShownName("wang.li-01"); got != "wang.li-01" {
		t.Errorf("a username: %q", got)
	}
	for _, name := range []string{"P@ssw0rd!2026", "王书记", "ab", strings.Repeat("x", 40)} {
		got := ShownName(name)
		if strings.Contains(got, name) || !strings.Contains(got, "指纹") || got != ShownName(name) {
			t.Errorf("%q shown as %q", name, got)
		}
	}
	if ShownName("P@ssw0rd!2026") == ShownName("P@ssw0rd!2027") {
		t.Errorf("two texts share a fingerprint")
	}
}
