package store

import (
	"context"
	"errors"
	"strconv"

	"gorm.io/gorm"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

// ErrUserNotFound answers for a user that does not exist or is out of sight.
var ErrUserNotFound = apperr.New(apperr.NotFound, "user_not_found", "用户不存在")

// ErrLiaisonNotFound answers for a liaison that does not exist or is out of sight.
var ErrLiaisonNotFound = apperr.New(apperr.NotFound, "liaison_not_found", "联络员不存在")

// UserInScope returns user id if it is visible in scope: district-wide
// scopes see everyone, a township scope the users bound to its township.
func (db *DB) UserInScope(ctx context.Context, s auth.Scope, id int64) (auth.User, error) {
	row, err := db.userInScope(db.gorm.WithContext(ctx), s, id)
	if err != nil {
		return auth.User{}, err
	}
	return row.toUser(), nil
}

func (db *DB) userInScope(g *gorm.DB, s auth.Scope, id int64) (userRow, error) {
	var row userRow
	err := scopeTownship(g.Where("id = ?", id), s, "township_code").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ErrUserNotFound
	}
	if err != nil {
		return row, apperr.Wrap(err, "get user")
	}
	return row, nil
}

// ChangePassword replaces the password of user userID (whose current
// password the caller has checked) with hash, clears the failure count and
// any lockout, and ends every other session of the user; session
// keepSession, the one asking, stays. It returns how many sessions ended.
func (db *DB) ChangePassword(ctx context.Context, userID, keepSession int64, hash string, by audit.Actor) (int64, error) {
	now := db.Now()
	var ended int64
	err := db.InTx(ctx, func(tx *Tx) error {
		res := tx.g.Model(&userRow{}).Where("id = ? AND disabled_at IS NULL", userID).
			Updates(map[string]any{"password_hash": hash, "failed_logins": 0, "locked_until": nil})
		if res.Error != nil {
			return apperr.Wrap(res.Error, "change password")
		}
		if res.RowsAffected == 0 {
			// Disabled while the password was being checked.
			return errDisabledSession
		}
		res = tx.g.Model(&sessionRow{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, keepSession).
			Update("revoked_at", now)
		if res.Error != nil {
			return apperr.Wrap(res.Error, "revoke sessions")
		}
		ended = res.RowsAffected
		return tx.addEvent(audit.PasswordChanged, "user", strconv.FormatInt(userID, 10), map[string]any{"ended_sessions": ended}, by)
	})
	return ended, err
}

// Disabled is what disabling a user did.
type Disabled struct {
	User auth.User
	// Sessions and Assignments count the sessions and the standing
	// liaison assignments the disabling ended (zero when the user was
	// disabled already).
	Sessions    int64
	Assignments []int64 // the enterprises that lost this liaison
}

// DisableUser disables user id (visible in p's scope, else 404) as p may
// (auth.Principal.CheckDisable), ending at once every session of the user
// and, for a liaison, every standing assignment: a disabled liaison is no
// liaison, and coverage counts the enterprises as without one (the
// history keeps the assignments). The last active district admin cannot
// be disabled (409). Disabling a disabled user changes nothing.
func (db *DB) DisableUser(ctx context.Context, p auth.Principal, id int64, by audit.Actor) (Disabled, error) {
	now := db.Now()
	var out Disabled
	err := db.InTx(ctx, func(tx *Tx) error {
		out = Disabled{}
		row, err := db.userInScope(tx.g, p.Scope(), id)
		if err != nil {
			return err
		}
		active := 0
		if auth.Role(row.Role) == auth.DistrictAdmin {
			// Every active district admin is locked (in id order, before
			// the one to disable, which is among them when active), so
			// that two admins disabling each other at once cannot leave
			// none.
			var admins []userRow
			if err := db.forUpdate(tx.g).Where("role = ? AND disabled_at IS NULL", string(auth.DistrictAdmin)).
				Order("id").Find(&admins).Error; err != nil {
				return apperr.Wrap(err, "count district admins")
			}
			active = len(admins)
		}
		if row, err = db.userInScope(db.forUpdate(tx.g), p.Scope(), id); err != nil {
			return err
		}
		u := row.toUser()
		if err := p.CheckDisable(u); err != nil {
			return err
		}
		out.User = u
		if u.Disabled() {
			return nil
		}
		if u.Role == auth.DistrictAdmin && active <= 1 {
			return apperr.New(apperr.Conflict, "last_district_admin", "这是最后一个启用的区级管理员账号，不能停用")
		}
		if err := tx.g.Model(&userRow{}).Where("id = ?", id).Update("disabled_at", now).Error; err != nil {
			return apperr.Wrap(err, "disable user")
		}
		res := tx.g.Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL", id).Update("revoked_at", now)
		if res.Error != nil {
			return apperr.Wrap(res.Error, "revoke sessions")
		}
		out.Sessions = res.RowsAffected
		ended, err := tx.endAssignments(id, "user_disabled", by)
		if err != nil {
			return err
		}
		out.Assignments = ended
		t := now.UTC()
		out.User.DisabledAt = &t
		return tx.addEvent(audit.UserDisabled, "user", strconv.FormatInt(id, 10), map[string]any{"username": u.Username,
			"role": u.Role, "township_code": u.TownshipCode, "ended_sessions": out.Sessions, "ended_assignments": len(ended)}, by)
	})
	return out, err
}

// EnableUser enables user id again (visible in p's scope, else 404), as p
// may (auth.Principal.MayManage), with its failure count and lockout
// cleared. Its former assignments stay ended. Enabling an active user
// changes nothing.
func (db *DB) EnableUser(ctx context.Context, p auth.Principal, id int64, by audit.Actor) (auth.User, error) {
	var out auth.User
	err := db.InTx(ctx, func(tx *Tx) error {
		row, err := db.userInScope(db.forUpdate(tx.g), p.Scope(), id)
		if err != nil {
			return err
		}
		out = row.toUser()
		if err := p.MayManage(out); err != nil {
			return err
		}
		if !out.Disabled() {
			return nil
		}
		if err := tx.g.Model(&userRow{}).Where("id = ?", id).
			Updates(map[string]any{"disabled_at": nil, "failed_logins": 0, "locked_until": nil}).Error; err != nil {
			return apperr.Wrap(err, "enable user")
		}
		out.DisabledAt, out.FailedLogins, out.LockedUntil = nil, 0, nil
		return tx.addEvent(audit.UserEnabled, "user", strconv.FormatInt(id, 10), map[string]any{"username": out.Username}, by)
	})
	return out, err
}
