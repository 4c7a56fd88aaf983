package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
	"github.com/fugai/fugai/internal/store"
)

// PasswordChangeRequest is the body of PUT /api/v1/me/password.
type PasswordChangeRequest struct {
	OldPassword string `json:"old_password" binding:"required" example:"Old-Password-2026"`
	// NewPassword: at least 10 characters and 3 of 4 character classes,
	// different from the old one.
	NewPassword string `json:"new_password" binding:"required" example:"New-Password-2026"`
}

// PasswordChangeResponse tells how many of the user's other sessions the
// change ended.
type PasswordChangeResponse struct {
	EndedSessions int64 `json:"ended_sessions" binding:"required"`
}

// DisableResponse is a disabled user and what disabling ended.
type DisableResponse struct {
	User UserResponse `json:"user" binding:"required"`
	// EndedSessions counts the sessions ended (0 when the user was
	// disabled already).
	EndedSessions int64 `json:"ended_sessions" binding:"required"`
	// EndedAssignments are the ledger ids that lost this liaison (a
	// disabled liaison stands for no enterprise; the history keeps the
	// assignments).
	EndedAssignments []int64 `json:"ended_assignments" binding:"required"`
}

// HandoverRequest is the body of POST /api/v1/liaisons/{id}/handover.
type HandoverRequest struct {
	// To is the user id of the liaison taking over: an active liaison of
	// the same township, not the departing one.
	To int64 `json:"to" binding:"required" example:"15"`
}

// HandoverResponse reports a handover.
type HandoverResponse struct {
	From UserResponse `json:"from" binding:"required"`
	To   UserResponse `json:"to" binding:"required"`
	// Moved counts the enterprises moved; EnterpriseIDs are their ledger
	// ids, ascending.
	Moved         int     `json:"moved" binding:"required"`
	EnterpriseIDs []int64 `json:"enterprise_ids" binding:"required"`
}

// passwordSlot waits for one of the bounded password checks (each costs
// 64 MiB of argon2id): release is nil when no slot was had, with err the
// answer (429), or nil when the request was abandoned (nothing to answer);
// otherwise call release when done.
func (s *Server) passwordSlot(c *gin.Context) (release func(), err error) {
	select {
	case s.logins <- struct{}{}:
		return func() { <-s.logins }, nil
	case <-time.After(5 * time.Second):
		return nil, apperr.New(apperr.TooMany, "too_many_attempts", "登录请求过多，请稍后再试")
	case <-c.Request.Context().Done():
		return nil, nil
	}
}

// changePassword godoc
//
//	@Summary		Change one's own password
//	@Description	The current password is required and checked like a login: a wrong one is a 422 on old_password and counts toward the lockout (five consecutive failures lock the account for 15 minutes: 423). The new password follows the password rules (at least 10 characters, 3 of 4 character classes) and must differ from the old one. Every other session of the user ends; the one asking stays.
//	@Tags			auth
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		PasswordChangeRequest	true	"old and new password"
//	@Success		200		{object}	PasswordChangeResponse
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Failure		423		{object}	ErrorBody
//	@Failure		429		{object}	ErrorBody
//	@Router			/api/v1/me/password [put]
func (s *Server) changePassword(c *gin.Context) error {
	var req PasswordChangeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if err := (auth.PasswordChange{Old: req.OldPassword, New: req.NewPassword}).Validate(); err != nil {
		return err
	}
	release, err := s.passwordSlot(c)
	if release == nil {
		return err
	}
	defer release()
	ctx := c.Request.Context()
	u, err := s.db.User(ctx, me(c).UserID)
	if err != nil {
		return err
	}
	who := actor(c)
	if err := s.checkPassword(c, u, req.OldPassword, who, s.db.PasswordChangeFailed,
		apperr.Field("wrong_password", "old_password", "原密码不正确"), "wrong passwords on password change"); err != nil {
		return err
	}
	hash, err := auth.HashPassword(req.NewPassword)
	if err != nil {
		return apperr.Wrap(err, "hash password")
	}
	v, _ := c.Get(ctxSession)
	sess, _ := v.(auth.Session)
	ended, err := s.db.ChangePassword(ctx, u.ID, sess.ID, hash, who)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, PasswordChangeResponse{EndedSessions: ended})
	return nil
}

// userPathID reads the :id of a user route.
func userPathID(c *gin.Context) (int64, error) {
	return pathID(c, store.ErrUserNotFound)
}

// getUser godoc
//
//	@Summary		A user
//	@Description	District admins and auditors see every user; township admins the users of their own township (others: 404).
//	@Tags			users
//	@Security		BearerAuth
//	@Produce		json
//	@Param			id	path		int	true	"user id"
//	@Success		200	{object}	UserResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Router			/api/v1/users/{id} [get]
func (s *Server) getUser(c *gin.Context) error {
	id, err := userPathID(c)
	if err != nil {
		return err
	}
	u, err := s.db.UserInScope(c.Request.Context(), me(c).Scope(), id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.userDetail(c, u)) // one's own phone is no one else's data: phoneFor
	return nil
}

// disableUser godoc
//
//	@Summary		Disable a user (停用)
//	@Description	The user can no longer log in (401 account_disabled) and every session of theirs ends at once, bearer tokens included. A disabled liaison's standing assignments end too (kept in the history; coverage counts those enterprises as without a liaison): hand the enterprises over first (POST /liaisons/{id}/handover) to keep them covered. District admins disable anyone but themselves (409 cannot_disable_self), and never the last active district admin (409 last_district_admin); township admins the liaisons of their own township (other users of it: 403; other townships' users: 404). Disabling a disabled user changes nothing.
//	@Tags			users
//	@Security		BearerAuth
//	@Produce		json
//	@Param			id	path		int	true	"user id"
//	@Success		200	{object}	DisableResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody
//	@Router			/api/v1/users/{id}/disable [post]
func (s *Server) disableUser(c *gin.Context) error {
	id, err := userPathID(c)
	if err != nil {
		return err
	}
	d, err := s.db.DisableUser(c.Request.Context(), me(c), id, actor(c))
	if err != nil {
		return err
	}
	out := DisableResponse{User: s.userDetail(c, d.User), EndedSessions: d.Sessions, EndedAssignments: d.Assignments}
	if out.EndedAssignments == nil {
		out.EndedAssignments = []int64{}
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// enableUser godoc
//
//	@Summary		Enable a disabled user again (启用)
//	@Description	The user may log in again; the failure count and any lockout are cleared. Assignments ended by the disabling stay ended. Who may: as for disable. Enabling an active user changes nothing.
//	@Tags			users
//	@Security		BearerAuth
//	@Produce		json
//	@Param			id	path		int	true	"user id"
//	@Success		200	{object}	UserResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Router			/api/v1/users/{id}/enable [post]
func (s *Server) enableUser(c *gin.Context) error {
	id, err := userPathID(c)
	if err != nil {
		return err
	}
	u, err := s.db.EnableUser(c.Request.Context(), me(c), id, actor(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.userDetail(c, u))
	return nil
}

// deleteLiaison godoc
//
//	@Summary		Unassign an enterprise's liaison
//	@Description	Ends the standing assignment, which stays in the history; the enterprise then counts as without a liaison (gap no_liaison) and loses work coverage unless something else covers it. A ledger without a liaison is answered as it is.
//	@Tags			liaisons
//	@Security		BearerAuth
//	@Produce		json
//	@Param			id	path		int	true	"ledger id"
//	@Success		200	{object}	LiaisonResponse
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody
//	@Router			/api/v1/enterprises/{id}/liaison [delete]
func (s *Server) deleteLiaison(c *gin.Context) error {
	id, err := pathID(c, store.ErrEnterpriseNotFound)
	if err != nil {
		return err
	}
	if _, err := s.db.UnassignLiaison(c.Request.Context(), me(c).Scope(), id, actor(c)); err != nil {
		return err
	}
	out, err := s.liaisonResponse(c, id, nil)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// handoverLiaison godoc
//
//	@Summary		Hand a departing liaison's enterprises over to another
//	@Description	Every standing assignment of liaison {id} moves to liaison "to" in one transaction; the old assignments end and stay in the history. "to" must be an active liaison of the same township and not {id} (422 on field to). District admins hand over any liaison; township admins those of their own township (others: 404).
//	@Tags			liaisons
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			id		path		int				true	"user id of the departing liaison"
//	@Param			body	body		HandoverRequest	true	"who takes over"
//	@Success		200		{object}	HandoverResponse
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/liaisons/{id}/handover [post]
func (s *Server) handoverLiaison(c *gin.Context) error {
	id, err := pathID(c, store.ErrLiaisonNotFound)
	if err != nil {
		return err
	}
	var req HandoverRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.To <= 0 {
		return apperr.Field("liaison_required", "to", "须指定接手的联络员（to，用户 id）")
	}
	h, err := s.db.HandoverLiaison(c.Request.Context(), me(c), id, req.To, actor(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, HandoverResponse{From: s.userDetail(c, h.From), To: s.userDetail(c, h.To), Moved: len(h.Enterprises), EnterpriseIDs: h.Enterprises})
	return nil
}

// checkPassword checks password against u's, as a login and a password
// change both do. The attempt is counted before the check, so parallel
// guesses cannot get past the lockout; a wrong password is recorded by
// failed (which may lock the account, logged as what) and answered with
// wrong. It returns the error to answer unless the password is right.
func (s *Server) checkPassword(c *gin.Context, u auth.User, password string, who audit.Actor,
	failed func(context.Context, int64, audit.Actor) (bool, error), wrong error, what string) error {
	ctx := c.Request.Context()
	if err := s.db.ReserveLoginAttempt(ctx, u.ID); err != nil {
		// As long as an unknown name takes: the time tells nothing either.
		auth.DummyVerify(password)
		if apperr.KindOf(err) == apperr.Locked {
			s.auditRefusal(c, "user", strconv.FormatInt(u.ID, 10), u.Username, "locked", who)
		}
		return err
	}
	if auth.VerifyPassword(u.PasswordHash, password) {
		return nil
	}
	lockedNow, err := failed(ctx, u.ID, who)
	if lockedNow {
		s.log.WarnContext(ctx, "account locked after repeated "+what,
			slog.String("request_id", requestID(c)), slog.String("user", u.Username), slog.String("ip", c.ClientIP()))
	}
	if err == nil {
		err = wrong
	}
	return err
}
