package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (RFC 9106 second recommended option, memory reduced
// to 64 MiB so a login costs tens of milliseconds on a small server).
const (
	argonTime    = 2
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

// CheckPasswordPolicy returns an error with a Chinese message when password
// is shorter than 10 characters or uses fewer than 3 of the 4 classes
// (lower case, upper case, digits, symbols).
func CheckPasswordPolicy(password string) error {
	if len([]rune(password)) < 10 {
		return errors.New("密码至少10位，且须包含大写字母、小写字母、数字、符号中的至少三类")
	}
	if len(password) > 128 {
		return errors.New("密码不能超过128个字符")
	}
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return errors.New("密码须包含大写字母、小写字母、数字、符号中的至少三类")
	}
	if common(password) {
		return errors.New("这是常见的弱密码（常用单词或键盘序列加数字、符号），容易被猜中，请换一个")
	}
	return nil
}

//go:embed common-passwords.txt
var commonList string

// commonCores are the cores of common passwords (common-passwords.txt).
var commonCores = func() map[string]bool {
	m := map[string]bool{}
	for line := range strings.Lines(commonList) {
		if w := strings.TrimSpace(line); w != "" && !strings.HasPrefix(w, "#") {
			m[w] = true
		}
	}
	return m
}()

// undo turns the usual substitutions back into letters; 1 and ! stand for
// l as often as for i (p@ssw0rd, adm1n, we!come).
var undo = []*strings.Replacer{
	strings.NewReplacer("@", "a", "0", "o", "1", "l", "3", "e", "$", "s", "5", "s", "7", "t", "!", "i"),
	strings.NewReplacer("@", "a", "0", "o", "1", "i", "3", "e", "$", "s", "5", "s", "7", "t", "!", "l"),
}

// common reports whether password is a common one: lower-cased and
// stripped of the digits and symbols before and after it, what is left —
// as it is, with the usual substitutions undone (p@ssw0rd, Adm1n@2024), or
// its letters alone (1qaz@WSX3edc) — is a common password's core, or
// nothing. A substitution may also begin it (@dmin123): the same is tried
// with only the digits and symbols after it stripped.
func common(password string) bool {
	notLetter := func(r rune) bool { return !unicode.IsLetter(r) }
	lower := strings.ToLower(password)
	core := strings.TrimFunc(lower, notLetter)
	if core == "" {
		return true // digits and symbols alone: a date, a phone number, a keyboard row
	}
	letters := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, core)
	candidates := []string{core, letters}
	for _, u := range undo {
		candidates = append(candidates, u.Replace(core), strings.TrimFunc(u.Replace(strings.TrimRightFunc(lower, notLetter)), notLetter))
	}
	for _, c := range candidates {
		if commonCores[c] {
			return true
		}
	}
	return false
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches a hash made by
// HashPassword. A malformed hash never matches.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// DummyVerify spends the time of one verification, so that logins for
// unknown users take as long as logins for known ones.
func DummyVerify(password string) {
	argon2.IDKey([]byte(password), make([]byte, argonSaltLen), argonTime, argonMemory, argonThreads, argonKeyLen)
}

// NewToken returns a random 256-bit session token (URL-safe base64) and the
// hash under which it is stored. Only the hash is ever persisted.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a session token. Tokens carry 256
// bits of entropy, so a plain SHA-256 is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RandomPassword returns a password that satisfies the policy, for the first
// administrator when no password is configured.
func RandomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	// base64 gives letters and digits; the fixed suffix guarantees a symbol,
	// an upper-case letter and a digit whatever the random part holds.
	return base64.RawURLEncoding.EncodeToString(b) + "#A7", nil
}
