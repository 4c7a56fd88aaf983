// Package auth holds Fugai's users, roles and the rules that govern them:
// the password policy, password hashing, session tokens, lockout and which
// role may do what. It imports neither gin nor gorm.
package auth

import (
	"crypto/sha256"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/fugai/fugai/internal/apperr"
)

// Role is what a user may do.
type Role string

// The four roles. Township roles are bound to one township.
const (
	DistrictAdmin Role = "district_admin"
	TownshipAdmin Role = "township_admin"
	Liaison       Role = "liaison"
	Auditor       Role = "auditor"
)

// roles lists every role in a stable order.
var roles = [...]Role{DistrictAdmin, TownshipAdmin, Liaison, Auditor}

// AllRoles returns every role in a stable order.
func AllRoles() []Role { return append([]Role(nil), roles[:]...) }

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	for _, x := range roles {
		if r == x {
			return true
		}
	}
	return false
}

// TownshipBound reports whether users of this role belong to one township.
func (r Role) TownshipBound() bool { return r == TownshipAdmin || r == Liaison }

// Session and lockout policy.
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	MaxFailures     = 5
	LockDuration    = 15 * time.Minute
)

// User is an account.
type User struct {
	ID           int64
	Username     string
	Name         string
	Phone        string
	Unit         string // 单位/职务, for liaisons
	Role         Role
	TownshipCode string // set for township-bound roles only
	PasswordHash string
	FailedLogins int
	LockedUntil  *time.Time
	// DisabledAt is when the account was disabled (停用); nil while it is
	// active. A disabled user cannot log in and has no live session.
	DisabledAt *time.Time
	CreatedAt  time.Time
}

// Disabled reports whether the account is disabled.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID       int64
	Username     string
	Role         Role
	TownshipCode string
}

// Scope returns the township the principal's data access is limited to,
// or "" for district-wide roles.
func (p Principal) Scope() Scope {
	if p.Role == Liaison {
		return Scope{Township: p.TownshipCode, Liaison: p.UserID}
	}
	if p.Role.TownshipBound() {
		return Scope{Township: p.TownshipCode}
	}
	return Scope{All: true}
}

// Scope limits what a query may see. The zero Scope sees nothing, so a
// forgotten scope fails closed.
type Scope struct {
	All      bool   // district-wide
	Township string // the one township visible when All is false
	// Liaison, when set, narrows the township to the enterprises this
	// liaison (a user id) is assigned to.
	Liaison int64
}

// Allows reports whether a record of the given township is visible.
func (s Scope) Allows(township string) bool {
	return s.All || (s.Township != "" && s.Township == township)
}

// NewUser is what a caller supplies to create a user.
type NewUser struct {
	Username     string
	Password     string
	Role         Role
	TownshipCode string
	Name         string
	Phone        string
	Unit         string
}

// Validate checks a new user's fields. townshipExists tells whether a
// township code belongs to the district.
func (n NewUser) Validate(townshipExists func(string) bool) error {
	p := apperr.Problems{}
	if !validUsername(n.Username) {
		p.Add("username", "用户名须为3至32位字母、数字、点、下划线或连字符")
	}
	if err := CheckPasswordPolicy(n.Password); err != nil {
		p.Add("password", err.Error())
	}
	if !n.Role.Valid() {
		p.Add("role", "角色须为 district_admin、township_admin、liaison 或 auditor")
	} else if n.Role.TownshipBound() {
		if n.TownshipCode == "" {
			p.Add("township_code", "乡镇管理员和联络员必须绑定一个街道或乡镇")
		} else if !townshipExists(n.TownshipCode) {
			p.Add("township_code", "街道/乡镇代码不属于本区")
		}
	} else if n.TownshipCode != "" {
		p.Add("township_code", "该角色不绑定街道或乡镇")
	}
	if len([]rune(n.Name)) > 50 {
		p.Add("name", "姓名不能超过50个字符")
	}
	if len([]rune(n.Unit)) > 100 {
		p.Add("unit", "单位/职务不能超过100个字")
	}
	if len(n.Phone) > 20 {
		p.Add("phone", "电话不能超过20个字符")
	}
	return p.Err()
}

// MayCreate reports whether the creator may create a user of the new user's
// role and township: district admins create anyone; township admins create
// liaisons of their own township.
func (p Principal) MayCreate(n NewUser) bool {
	switch p.Role {
	case DistrictAdmin:
		return true
	case TownshipAdmin:
		return n.Role == Liaison && n.TownshipCode == p.TownshipCode
	}
	return false
}

// MayManage checks that p may disable or enable user u, or hand over u's
// enterprises: district admins manage anyone, township admins the liaisons
// of their own township. Users outside p's township are not visible to p
// at all; the store answers those with 404 before this is asked. Nobody
// disables themself (disable says so; enabling oneself cannot happen, a
// disabled user has no session).
func (p Principal) MayManage(u User) error {
	switch {
	case p.Role == DistrictAdmin:
		return nil
	case p.Role == TownshipAdmin && u.Role == Liaison && u.TownshipCode == p.TownshipCode:
		return nil
	}
	return apperr.New(apperr.Forbidden, "forbidden", "乡镇管理员只能管理本街道/乡镇的联络员账号")
}

// CheckDisable checks that p may disable u: MayManage, and never oneself.
func (p Principal) CheckDisable(u User) error {
	if u.ID == p.UserID {
		return apperr.New(apperr.Conflict, "cannot_disable_self", "不能停用自己的账号")
	}
	return p.MayManage(u)
}

// PasswordChange is a user's request to replace their own password.
type PasswordChange struct {
	Old string
	New string
}

// Validate checks the fields before the old password is verified: both
// given, the new one within the policy and different from the old one.
func (c PasswordChange) Validate() error {
	p := apperr.Problems{}
	if c.Old == "" {
		p.Add("old_password", "请输入原密码")
	}
	if err := CheckPasswordPolicy(c.New); err != nil {
		p.Add("new_password", err.Error())
	} else if c.New == c.Old {
		p.Add("new_password", "新密码不能与原密码相同")
	}
	return p.Err()
}

// ShownName is how a name tried at login that no account has is kept in
// the audit log: as typed when it could be a username (a guess, a typo);
// otherwise — often a password typed into the wrong field — only its
// length and a fingerprint (the first 8 hex digits of its SHA-256),
// enough to see the same text tried again without keeping it.
func ShownName(name string) string {
	if validUsername(name) {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("（不是用户名：%d个字符，指纹%x）", utf8.RuneCountInString(name), sum[:4])
}

func validUsername(s string) bool {
	if len(s) < 3 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Build returns the user to store for n, with the password hashed. Call
// Validate first.
func (n NewUser) Build() (User, error) {
	hash, err := HashPassword(n.Password)
	if err != nil {
		return User{}, apperr.Wrap(err, "hash password")
	}
	tc := n.TownshipCode
	if !n.Role.TownshipBound() {
		tc = ""
	}
	return User{Username: n.Username, Name: n.Name, Phone: n.Phone, Unit: n.Unit, Role: n.Role, TownshipCode: tc, PasswordHash: hash}, nil
}
