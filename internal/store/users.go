package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	Name         string
	Phone        string
	Unit         string
	Role         string
	TownshipCode *string
	PasswordHash string
	FailedLogins int
	LockedUntil  *time.Time
	DisabledAt   *time.Time
	CreatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

// userColumns are a users row u's columns in userRow.fields' order, for
// queries that read users beside other tables.
const userColumns = "u.id, u.username, u.name, u.phone, u.unit, u.role, u.township_code, u.password_hash, u.failed_logins, u.locked_until, u.disabled_at, u.created_at"

func (r *userRow) fields() []any {
	return []any{&r.ID, &r.Username, &r.Name, &r.Phone, &r.Unit, &r.Role, &r.TownshipCode, &r.PasswordHash, &r.FailedLogins,
		&r.LockedUntil, &r.DisabledAt, &r.CreatedAt}
}

func (r *userRow) toUser() auth.User {
	u := auth.User{ID: r.ID, Username: r.Username, Name: r.Name, Phone: r.Phone, Unit: r.Unit, Role: auth.Role(r.Role),
		TownshipCode: deref(r.TownshipCode), PasswordHash: r.PasswordHash, FailedLogins: r.FailedLogins,
		CreatedAt: r.CreatedAt.UTC()}
	if r.LockedUntil != nil {
		t := r.LockedUntil.UTC()
		u.LockedUntil = &t
	}
	if r.DisabledAt != nil {
		t := r.DisabledAt.UTC()
		u.DisabledAt = &t
	}
	return u
}

type sessionRow struct {
	ID         int64 `gorm:"primaryKey"`
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
}

func (sessionRow) TableName() string { return "sessions" }

// CreateUser stores a user whose password is already hashed. A taken
// username is a 409.
func (db *DB) CreateUser(ctx context.Context, u auth.User, by audit.Actor) (auth.User, error) {
	row := userRow{Username: u.Username, Name: u.Name, Phone: u.Phone, Unit: u.Unit, Role: string(u.Role),
		TownshipCode: strPtr(u.TownshipCode), PasswordHash: u.PasswordHash, CreatedAt: db.Now()}
	err := db.InTx(ctx, func(tx *Tx) error {
		// Names that differ by case alone (Admin, admin) would be two
		// accounts read as one in every list and audit entry.
		var alike int64
		if err := tx.g.Model(&userRow{}).Where("LOWER(username) = LOWER(?)", u.Username).Count(&alike).Error; err != nil {
			return apperr.Wrap(err, "check username")
		}
		if alike > 0 {
			return &apperr.Error{Kind: apperr.Conflict, Code: "username_taken", Message: "用户名已被使用（不区分大小写）",
				Fields: map[string]string{"username": "用户名已被使用（不区分大小写）"}}
		}
		if err := tx.g.Create(&row).Error; err != nil {
			if isUniqueViolation(err) {
				return &apperr.Error{Kind: apperr.Conflict, Code: "username_taken", Message: "用户名已被使用",
					Fields: map[string]string{"username": "用户名已被使用"}}
			}
			return apperr.Wrap(err, "insert user")
		}
		return tx.addEvent(audit.UserCreated, "user", strconv.FormatInt(row.ID, 10),
			map[string]any{"username": u.Username, "role": u.Role, "township_code": u.TownshipCode}, by)
	})
	if err != nil {
		return auth.User{}, err
	}
	return row.toUser(), nil
}

// CountUsers returns how many users exist.
func (db *DB) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := db.gorm.WithContext(ctx).Model(&userRow{}).Count(&n).Error
	return n, apperr.Wrap(err, "count users")
}

// UserByName returns the user with that username.
func (db *DB) UserByName(ctx context.Context, username string) (auth.User, error) {
	var row userRow
	err := db.gorm.WithContext(ctx).Where("username = ?", username).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return auth.User{}, ErrUserNotFound
	}
	if err != nil {
		return auth.User{}, apperr.Wrap(err, "get user")
	}
	return row.toUser(), nil
}

// User returns the user with that id.
func (db *DB) User(ctx context.Context, id int64) (auth.User, error) {
	var row userRow
	err := db.gorm.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return auth.User{}, ErrUserNotFound
	}
	if err != nil {
		return auth.User{}, apperr.Wrap(err, "get user")
	}
	return row.toUser(), nil
}

// ReserveLoginAttempt counts a login attempt against the user before the
// password is checked, so that concurrent guesses cannot outrun the lockout:
// the attempt is refused with 423 while the account is locked, and with 429
// while MaxFailures attempts are already counted and unresolved. A correct
// password clears the count in StartSession.
func (db *DB) ReserveLoginAttempt(ctx context.Context, userID int64) error {
	now := db.Now()
	return db.InTx(ctx, func(tx *Tx) error {
		res := tx.g.Model(&userRow{}).
			Where("id = ? AND (locked_until IS NULL OR locked_until <= ?) AND failed_logins < ?", userID, now, auth.MaxFailures).
			Update("failed_logins", gorm.Expr("failed_logins + 1"))
		if res.Error != nil {
			return apperr.Wrap(res.Error, "reserve login attempt")
		}
		if res.RowsAffected == 1 {
			return nil
		}
		var row userRow
		if err := tx.g.Where("id = ?", userID).Take(&row).Error; err != nil {
			return apperr.Wrap(err, "read user")
		}
		if u := row.toUser(); u.Locked(now) {
			return errLocked(*u.LockedUntil, now)
		}
		return apperr.New(apperr.TooMany, "too_many_attempts", "登录尝试过于频繁，请稍后再试")
	})
}

// errLocked is the 423 for an account locked until until.
func errLocked(until, now time.Time) error {
	minutes := int(until.Sub(now).Minutes()) + 1
	return apperr.New(apperr.Locked, "account_locked",
		"连续登录失败次数过多，账号已锁定，请"+strconv.Itoa(minutes)+"分钟后再试")
}

// LoginFailed records a failed attempt (already counted by
// ReserveLoginAttempt) in the audit log and locks the account when the
// count has reached MaxFailures. It returns the 423 error when the account
// is locked, by this failure or a concurrent one, and reports whether this
// failure locked it.
func (db *DB) LoginFailed(ctx context.Context, userID int64, by audit.Actor) (lockedNow bool, err error) {
	return db.failedAttempt(ctx, userID, audit.LoginFailed, by)
}

// PasswordChangeFailed is LoginFailed for a wrong current password given
// to change one's password: it counts toward the same lockout.
func (db *DB) PasswordChangeFailed(ctx context.Context, userID int64, by audit.Actor) (lockedNow bool, err error) {
	return db.failedAttempt(ctx, userID, audit.PasswordWrong, by)
}

// failedAttempt records a failed password check as action and locks the
// account when the count has reached MaxFailures.
func (db *DB) failedAttempt(ctx context.Context, userID int64, action string, by audit.Actor) (lockedNow bool, err error) {
	now := db.Now()
	err = db.InTx(ctx, func(tx *Tx) error {
		var row userRow
		if err := tx.g.Where("id = ?", userID).Take(&row).Error; err != nil {
			return apperr.Wrap(err, "read user")
		}
		id := strconv.FormatInt(userID, 10)
		if err := tx.addEvent(action, "user", id, map[string]any{"username": row.Username, "failures": row.FailedLogins}, by); err != nil {
			return err
		}
		until := now.Add(auth.LockDuration)
		res := tx.g.Model(&userRow{}).Where("id = ? AND failed_logins >= ?", userID, auth.MaxFailures).
			Updates(map[string]any{"failed_logins": 0, "locked_until": until})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "lock user")
		}
		if res.RowsAffected == 1 {
			lockedNow = true
			return tx.addEvent(audit.AccountLocked, "user", id, map[string]any{"username": row.Username, "locked_until": until}, by)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	u, err := db.User(ctx, userID)
	if err != nil {
		return lockedNow, err
	}
	if u.Locked(now) {
		return lockedNow, errLocked(*u.LockedUntil, now)
	}
	return false, nil
}

// errDisabled refuses a disabled account's login (after its password was
// found right, so that it tells nothing to someone who does not know it).
var errDisabled = apperr.New(apperr.Unauthenticated, "account_disabled", "账号已停用，无法登录，请联系管理员")

// StartSession clears the user's failure count and stores a new session
// under the token's hash. It refuses (423) when concurrent failures locked
// the account while this attempt's password was being checked, and (401
// account_disabled) a disabled account: that refusal is audited and the
// attempt, its password being right, is not counted as a failure.
func (db *DB) StartSession(ctx context.Context, userID int64, tokenHash string, by audit.Actor) (auth.Session, error) {
	now := db.Now()
	row := sessionRow{TokenHash: tokenHash, UserID: userID, CreatedAt: now, LastSeenAt: now}
	refused := false
	err := db.InTx(ctx, func(tx *Tx) error {
		refused = false
		res := tx.g.Model(&userRow{}).Where("id = ? AND (locked_until IS NULL OR locked_until <= ?) AND disabled_at IS NULL", userID, now).
			Updates(map[string]any{"failed_logins": 0, "locked_until": nil})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "reset failures")
		}
		if res.RowsAffected == 0 {
			var u userRow
			if err := tx.g.Where("id = ?", userID).Take(&u).Error; err != nil {
				return apperr.Wrap(err, "read user")
			}
			if u.DisabledAt != nil && !u.toUser().Locked(now) {
				refused = true
				if err := tx.g.Model(&userRow{}).Where("id = ?", userID).Update("failed_logins", 0).Error; err != nil {
					return apperr.Wrap(err, "reset failures")
				}
				return tx.addEvent(audit.LoginRefused, "user", strconv.FormatInt(userID, 10),
					map[string]any{"username": u.Username, "reason": "account_disabled"}, by)
			}
			if u.LockedUntil == nil {
				return apperr.Wrap(errors.New("user changed during login"), "start session")
			}
			return errLocked(*u.LockedUntil, now)
		}
		if err := tx.g.Create(&row).Error; err != nil {
			return apperr.Wrap(err, "insert session")
		}
		return tx.addEvent(audit.LoginSucceeded, "user", strconv.FormatInt(userID, 10), nil, by)
	})
	if err != nil {
		return auth.Session{}, err
	}
	if refused {
		return auth.Session{}, errDisabled
	}
	return auth.Session{ID: row.ID, TokenHash: tokenHash, UserID: userID, CreatedAt: now, LastSeenAt: now}, nil
}

var (
	errNoSession       = apperr.New(apperr.Unauthenticated, "unauthenticated", "未登录或登录已过期，请重新登录")
	errDisabledSession = apperr.New(apperr.Unauthenticated, "account_disabled", "账号已停用，请联系管理员")
)

// Authenticate finds the live session for a token hash and its user, and
// records the activity. Revoked, idle and expired sessions are refused.
func (db *DB) Authenticate(ctx context.Context, tokenHash string) (auth.User, auth.Session, error) {
	// The session and its user in one query: every request asks.
	var (
		row           userRow
		sessionID     int64
		created, seen time.Time
	)
	rows, done, err := sqlRunner{tx: db.sql, dialect: db.dialect}.query(ctx, "SELECT "+userColumns+`, s.id, s.created_at, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked_at IS NULL`, tokenHash)
	if err != nil {
		return auth.User{}, auth.Session{}, apperr.Wrap(err, "get session")
	}
	found := rows.Next()
	if found {
		err = rows.Scan(append(row.fields(), &sessionID, &created, &seen)...)
	}
	if err == nil {
		err = rows.Err()
	}
	done()
	if err != nil {
		return auth.User{}, auth.Session{}, apperr.Wrap(err, "get session")
	}
	if !found {
		return auth.User{}, auth.Session{}, errNoSession
	}
	s := auth.Session{ID: sessionID, TokenHash: tokenHash, UserID: row.ID, CreatedAt: created.UTC(), LastSeenAt: seen.UTC()}
	now := db.Now()
	if s.Expired(now) {
		return auth.User{}, auth.Session{}, errNoSession
	}
	u := row.toUser()
	if u.Disabled() {
		// Disabling revokes the sessions too; this holds if a login
		// raced it.
		return auth.User{}, auth.Session{}, errDisabledSession
	}
	// Touch at most once a minute: the idle timeout is 30 minutes, so this
	// keeps a write off most requests. The touch is best effort: while an
	// import holds SQLite's one writer it would wait, and a missed touch
	// only brings the idle deadline a minute closer.
	if now.Sub(s.LastSeenAt) >= time.Minute {
		tctx, cancel := context.WithTimeout(ctx, time.Second)
		err := db.gorm.WithContext(tctx).Model(&sessionRow{}).Where("id = ?", s.ID).Update("last_seen_at", now).Error
		cancel()
		if err == nil {
			s.LastSeenAt = now
		}
	}
	return u, s, nil
}

// RevokeSession ends a session.
func (db *DB) RevokeSession(ctx context.Context, sessionID int64, by audit.Actor) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.g.Model(&sessionRow{}).Where("id = ? AND revoked_at IS NULL", sessionID).
			Update("revoked_at", db.Now()).Error; err != nil {
			return apperr.Wrap(err, "revoke session")
		}
		return tx.addEvent(audit.Logout, "user", strconv.FormatInt(by.UserID, 10), nil, by)
	})
}

// SetPassword replaces a user's password hash, clears any lockout and
// revokes every session of the user, and audits it.
func (db *DB) SetPassword(ctx context.Context, username, hash string, by audit.Actor) error {
	now := db.Now()
	return db.InTx(ctx, func(tx *Tx) error {
		var row userRow
		err := tx.g.Where("username = ?", username).Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.Field("user_not_found", "username", "用户不存在")
		}
		if err != nil {
			return apperr.Wrap(err, "get user")
		}
		if err := tx.g.Model(&userRow{}).Where("id = ?", row.ID).Updates(map[string]any{
			"password_hash": hash, "failed_logins": 0, "locked_until": nil}).Error; err != nil {
			return apperr.Wrap(err, "set password")
		}
		if err := tx.g.Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", row.ID).
			Update("revoked_at", now).Error; err != nil {
			return apperr.Wrap(err, "revoke sessions")
		}
		return tx.addEvent(audit.PasswordSet, "user", strconv.FormatInt(row.ID, 10), map[string]any{"username": username}, by)
	})
}

// PurgeSessions deletes sessions that can no longer be used: revoked or
// past the absolute timeout. It returns how many it deleted.
func (db *DB) PurgeSessions(ctx context.Context) (int64, error) {
	cutoff := db.Now().Add(-auth.AbsoluteTimeout)
	res := db.gorm.WithContext(ctx).Where("created_at < ? OR revoked_at IS NOT NULL", cutoff).Delete(&sessionRow{})
	return res.RowsAffected, apperr.Wrap(res.Error, "purge sessions")
}

// Users lists the users visible in scope (township-bound callers see their
// own township's users), optionally of one role, ordered by id.
func (db *DB) Users(ctx context.Context, s auth.Scope, role auth.Role) ([]auth.User, error) {
	q := scoped(db.gorm.WithContext(ctx).Model(&userRow{}), s)
	if role != "" {
		q = q.Where("role = ?", string(role))
	}
	var rows []userRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list users")
	}
	out := make([]auth.User, len(rows))
	for i := range rows {
		out[i] = rows[i].toUser()
	}
	return out, nil
}
