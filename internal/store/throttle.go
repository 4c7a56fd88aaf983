package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

// Failed logins under a name no account has are counted and locked as an
// account's are (ReserveLoginAttempt, LoginFailed), so that whoever tries
// names learns nothing from the answers: an unknown name and a locked
// account both answer 423 after MaxFailures failures, 401 before.

type throttleRow struct {
	NameHash     string `gorm:"primaryKey"`
	FailedLogins int
	LockedUntil  *time.Time
	UpdatedAt    time.Time
}

func (throttleRow) TableName() string { return "login_throttle" }

func nameHash(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:])
}

// ReserveNameAttempt counts a login attempt under name, which no account
// has; it refuses as ReserveLoginAttempt does an account's (423 while
// locked, 429 when MaxFailures attempts are already in flight).
func (db *DB) ReserveNameAttempt(ctx context.Context, name string) error {
	now := db.Now()
	key := nameHash(name)
	return db.InTx(ctx, func(tx *Tx) error {
		err := tx.g.Clauses(clause.OnConflict{DoNothing: true}).Create(&throttleRow{NameHash: key, UpdatedAt: now}).Error
		if err != nil {
			return apperr.Wrap(err, "reserve login attempt")
		}
		res := tx.g.Model(&throttleRow{}).
			Where("name_hash = ? AND (locked_until IS NULL OR locked_until <= ?) AND failed_logins < ?", key, now, auth.MaxFailures).
			Updates(map[string]any{"failed_logins": gorm.Expr("failed_logins + 1"), "updated_at": now})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "reserve login attempt")
		}
		if res.RowsAffected == 1 {
			return nil
		}
		var row throttleRow
		if err := tx.g.Where("name_hash = ?", key).Take(&row).Error; err != nil {
			return apperr.Wrap(err, "read login throttle")
		}
		if row.LockedUntil != nil && row.LockedUntil.After(now) {
			return errLocked(*row.LockedUntil, now)
		}
		return apperr.New(apperr.TooMany, "too_many_attempts", "登录尝试过于频繁，请稍后再试")
	})
}

// NameAttemptFailed records a failed login under name, which no account
// has, in the audit log (as auth.ShownName shows it) and locks the
// name when its count has reached MaxFailures, as LoginFailed does an
// account; it returns the 423 error when the name is locked.
func (db *DB) NameAttemptFailed(ctx context.Context, name string, by audit.Actor) (lockedNow bool, err error) {
	now := db.Now()
	key := nameHash(name)
	shown := auth.ShownName(name)
	var until *time.Time
	err = db.InTx(ctx, func(tx *Tx) error {
		if err := tx.addEvent(audit.LoginFailed, "username", shown, map[string]any{"username": shown, "account": false}, by); err != nil {
			return err
		}
		lock := now.Add(auth.LockDuration)
		res := tx.g.Model(&throttleRow{}).Where("name_hash = ? AND failed_logins >= ?", key, auth.MaxFailures).
			Updates(map[string]any{"failed_logins": 0, "locked_until": lock, "updated_at": now})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "lock name")
		}
		if res.RowsAffected == 1 {
			lockedNow = true
			if err := tx.addEvent(audit.AccountLocked, "username", shown, map[string]any{"username": shown, "account": false, "locked_until": lock}, by); err != nil {
				return err
			}
		}
		var row throttleRow
		if err := tx.g.Where("name_hash = ?", key).Take(&row).Error; err != nil {
			return apperr.Wrap(err, "read login throttle")
		}
		until = row.LockedUntil
		return nil
	})
	if err != nil {
		return false, err
	}
	if until != nil && until.After(now) {
		return lockedNow, errLocked(*until, now)
	}
	return lockedNow, nil
}

// PurgeLoginThrottle forgets the names whose last attempt is a day old
// and whose lock has run out.
func (db *DB) PurgeLoginThrottle(ctx context.Context) (int64, error) {
	now := db.Now()
	res := db.gorm.WithContext(ctx).Where("updated_at < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-24*time.Hour), now).
		Delete(&throttleRow{})
	return res.RowsAffected, apperr.Wrap(res.Error, "purge login throttle")
}
