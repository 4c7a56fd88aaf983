package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

// LoginRequest is the body of POST /api/v1/auth/login.
type LoginRequest struct {
	Username string `json:"username" example:"admin"`
	Password string `json:"password" example:"Secret-Pass-2026"`
}

// LoginResponse carries the session token and the user.
type LoginResponse struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at" format:"date-time"`
	User      UserResponse `json:"user"`
}

// UserResponse is a user as clients see it (never the password hash).
type UserResponse struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	Unit         string    `json:"unit"`
	Role         auth.Role `json:"role" enums:"district_admin,township_admin,liaison,auditor"`
	TownshipCode *string   `json:"township_code" extensions:"x-nullable"`
	TownshipName *string   `json:"township_name" extensions:"x-nullable"`
	// Disabled accounts (停用) cannot log in; DisabledAt is when, null
	// while the account is active.
	Disabled   bool       `json:"disabled" binding:"required"`
	DisabledAt *time.Time `json:"disabled_at" format:"date-time" extensions:"x-nullable"`
	CreatedAt  time.Time  `json:"created_at" format:"date-time"`
}

// CreateUserRequest is the body of POST /api/v1/users.
type CreateUserRequest struct {
	Username     string    `json:"username" example:"liaison01"`
	Password     string    `json:"password" example:"Liaison-Pass-01"`
	Role         auth.Role `json:"role" enums:"district_admin,township_admin,liaison,auditor"`
	TownshipCode string    `json:"township_code" example:"431103001" validate:"optional"`
	Name         string    `json:"name" example:"张三" validate:"optional"`
	Phone        string    `json:"phone" example:"13800000000" validate:"optional"`
	// Unit is the liaison's unit and post (单位/职务).
	Unit string `json:"unit" example:"梅湾街道党工委 组织委员" validate:"optional"`
}

// userDetail is a user as a detail view (or a write's answer) shows it:
// the phone as the caller may read it, the read audited (phoneFor).
func (s *Server) userDetail(c *gin.Context, u auth.User) UserResponse {
	out := s.toUser(u)
	out.Phone = s.phoneFor(c, out.Phone, "user", strconv.FormatInt(u.ID, 10), "phone")
	return out
}

func (s *Server) toUser(u auth.User) UserResponse {
	r := UserResponse{ID: u.ID, Username: u.Username, Name: u.Name, Phone: u.Phone, Unit: u.Unit, Role: u.Role, CreatedAt: u.CreatedAt,
		Disabled: u.Disabled(), DisabledAt: u.DisabledAt}
	if u.TownshipCode != "" {
		code := u.TownshipCode
		r.TownshipCode = &code
		if t, ok := s.district.Township(code); ok {
			r.TownshipName = &t.Name
		}
	}
	return r
}

var errBadCredentials = apperr.New(apperr.Unauthenticated, "invalid_credentials", "用户名或密码错误")

// login godoc
//
//	@Summary		Log in
//	@Description	Returns a session token (use it as "Authorization: Bearer <token>") and sets an HttpOnly SameSite=Strict cookie. Five consecutive failures lock the account for 15 minutes (423). A disabled account's right password is refused with 401 account_disabled.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		LoginRequest	true	"credentials"
//	@Success		200		{object}	LoginResponse
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Failure		423		{object}	ErrorBody
//	@Failure		429		{object}	ErrorBody	"too many logins in flight, or five attempts on one account still in progress"
//	@Router			/api/v1/auth/login [post]
func (s *Server) login(c *gin.Context) error {
	var req LoginRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request.Context()
	// Each password check costs 64 MiB and tens of milliseconds; bound how
	// many run at once so a flood of logins cannot exhaust memory.
	release, err := s.passwordSlot(c)
	if release == nil {
		return err
	}
	defer release()
	name := strings.TrimSpace(req.Username)
	u, err := s.db.UserByName(ctx, name)
	if apperr.KindOf(err) == apperr.NotFound {
		return s.unknownName(c, name, req.Password)
	}
	if err != nil {
		return err
	}
	who := actor(c)
	who.UserID, who.Name = u.ID, u.Username
	if err := s.checkPassword(c, u, req.Password, who, s.db.LoginFailed, errBadCredentials, "login failures"); err != nil {
		return err
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return apperr.Wrap(err, "new token")
	}
	sess, err := s.db.StartSession(ctx, u.ID, hash, who)
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: secure(c), MaxAge: int(auth.AbsoluteTimeout.Seconds())})
	c.JSON(http.StatusOK, LoginResponse{Token: token, ExpiresAt: sess.CreatedAt.Add(auth.AbsoluteTimeout), User: s.toUser(u)})
	return nil
}

// unknownName answers a login under a name no account has exactly as a
// wrong password for an account: a password check's time, 401, counted
// towards a lock (423 after auth.MaxFailures), audited — so that nobody
// learns from the answers which names have accounts, nor which are locked.
// It returns the error to answer.
func (s *Server) unknownName(c *gin.Context, name, password string) error {
	ctx := c.Request.Context()
	who := actor(c)
	if err := s.db.ReserveNameAttempt(ctx, name); err != nil {
		auth.DummyVerify(password)
		if apperr.KindOf(err) == apperr.Locked {
			shown := auth.ShownName(name)
			s.auditRefusal(c, "username", shown, shown, "locked", who)
		}
		return err
	}
	auth.DummyVerify(password)
	if _, err := s.db.NameAttemptFailed(ctx, name, who); err != nil {
		return err
	}
	return errBadCredentials
}

// auditRefusal records a login refused before its password was checked
// (the account or name is locked); a failure to record it is logged.
func (s *Server) auditRefusal(c *gin.Context, entityType, entityID, username, reason string, who audit.Actor) {
	if len([]rune(entityID)) > 64 {
		entityID = string([]rune(entityID)[:64]) + "…"
		username = entityID
	}
	if err := s.db.LogEvent(c.Request.Context(), audit.LoginRefused, entityType, entityID,
		map[string]any{"username": username, "reason": reason}, who); err != nil {
		s.log.ErrorContext(c.Request.Context(), "audit a refused login", slog.Any("error", err), slog.String("request_id", requestID(c)))
	}
}

// secure reports whether the client reached us over HTTPS, directly or
// through a TLS-terminating proxy, so the cookie gets the Secure flag.
func secure(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

// logout godoc
//
//	@Summary	Log out: revoke the current session
//	@Tags		auth
//	@Security	BearerAuth
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Router		/api/v1/auth/logout [post]
func (s *Server) logout(c *gin.Context) error {
	v, _ := c.Get(ctxSession)
	sess, _ := v.(auth.Session)
	if err := s.db.RevokeSession(c.Request.Context(), sess.ID, actor(c)); err != nil {
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	c.Status(http.StatusNoContent)
	return nil
}

// getMe godoc
//
//	@Summary	The current user
//	@Tags		auth
//	@Security	BearerAuth
//	@Produce	json
//	@Success	200	{object}	UserResponse
//	@Failure	401	{object}	ErrorBody
//	@Router		/api/v1/me [get]
func (s *Server) getMe(c *gin.Context) error {
	u, err := s.db.User(c.Request.Context(), me(c).UserID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.toUser(u))
	return nil
}

// createUser godoc
//
//	@Summary		Create a user
//	@Description	District admins create any user; township admins create liaisons of their own township only. Password: at least 10 characters and 3 of 4 character classes.
//	@Tags			users
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		CreateUserRequest	true	"the new user"
//	@Success		201		{object}	UserResponse
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/users [post]
func (s *Server) createUser(c *gin.Context) error {
	var req CreateUserRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	n := auth.NewUser{Username: strings.TrimSpace(req.Username), Password: req.Password, Role: req.Role,
		TownshipCode: strings.TrimSpace(req.TownshipCode), Name: strings.TrimSpace(req.Name), Phone: strings.TrimSpace(req.Phone),
		Unit: strings.TrimSpace(req.Unit)}
	if !me(c).MayCreate(n) {
		return apperr.New(apperr.Forbidden, "forbidden", "乡镇管理员只能创建本街道/乡镇的联络员")
	}
	if err := n.Validate(func(code string) bool { _, ok := s.district.Township(code); return ok }); err != nil {
		return err
	}
	nu, err := n.Build()
	if err != nil {
		return err
	}
	u, err := s.db.CreateUser(c.Request.Context(), nu, actor(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, s.userDetail(c, u))
	return nil
}

// UserList is every user visible to the caller.
type UserList struct {
	Items []UserResponse `json:"items"`
}

// listUsers godoc
//
//	@Summary		List users
//	@Description	District admins and auditors see every user; township admins see the users of their own township.
//	@Tags			users
//	@Security		BearerAuth
//	@Produce		json
//	@Param			role	query		string	false	"only this role"	Enums(district_admin, township_admin, liaison, auditor)
//	@Success		200		{object}	UserList
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/api/v1/users [get]
func (s *Server) listUsers(c *gin.Context) error {
	if err := params(c, "role"); err != nil {
		return err
	}
	role := auth.Role(c.Query("role"))
	if role != "" && !role.Valid() {
		return apperr.Field("validation_failed", "role", "role 须为 district_admin、township_admin、liaison 或 auditor")
	}
	users, err := s.db.Users(c.Request.Context(), me(c).Scope(), role)
	if err != nil {
		return err
	}
	out := UserList{Items: make([]UserResponse, len(users))}
	for i, u := range users {
		out.Items[i] = s.toUser(u)
		out.Items[i].Phone = maskPhone(u.Phone) // a list
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// bindJSON decodes a JSON body into v, refusing unknown fields; a body that
// cannot be read is a 400.
func bindJSON(c *gin.Context, v any) error {
	dec := newDecoder(c)
	if err := dec.Decode(v); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return err
		}
		return jsonError(apperr.BadRequest, "invalid_json", "请求体须为合法的 JSON 对象：", err)
	}
	return nil
}
