package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

const (
	ctxRequestID = "fugai.request_id"
	// ctxClientRequestID holds the client's own X-Request-ID.
	ctxClientRequestID = "fugai.client_request_id"
	ctxPrincipal       = "fugai.principal"
	ctxSession         = "fugai.session"
	// SessionCookie is the name of the session cookie.
	SessionCookie = "fugai_session"
	// CSRFHeader must accompany state-changing requests authenticated by the
	// session cookie. Browsers do not send custom headers cross-site without
	// a CORS preflight, which this server never grants.
	CSRFHeader = "X-Requested-With"
)

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// withRequestID gives the request an id of the server's own, sent back as
// X-Request-ID. A client's X-Request-ID (printable ASCII, at most 64) is
// kept apart — logged and audited as client_request_id — so that a client
// cannot make its requests pass for others in the logs or the audit trail.
func withRequestID(c *gin.Context) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	if cid := c.GetHeader("X-Request-ID"); len(cid) > 0 && len(cid) <= 64 &&
		!strings.ContainsFunc(cid, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		c.Set(ctxClientRequestID, cid)
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

// clientRequestID is the client's own X-Request-ID ("" when none or unfit).
func clientRequestID(c *gin.Context) string { return c.GetString(ctxClientRequestID) }

// accessLog writes one structured line per request.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	user := ""
	if p, ok := principal(c); ok {
		user = p.Username
	}
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	latency := time.Since(start)
	s.log.LogAttrs(c.Request.Context(), level, "request",
		slog.String("request_id", requestID(c)), slog.String("user", user),
		slog.String("method", c.Request.Method), slog.String("route", route),
		slog.Int("status", c.Writer.Status()), slog.Duration("latency", latency),
		slog.String("ip", c.ClientIP()), slog.String("client_request_id", clientRequestID(c)))
	if c.FullPath() == "" && c.Writer.Status() == 200 {
		route = "app" // the web client's pages and files, one series
	}
	s.metrics.Request(route, c.Request.Method, c.Writer.Status(), latency)
}

// recoverPanic answers a panic like any internal error.
func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.fail(c, apperr.Wrap(panicError{r}, "panic"))
		}
	}()
	c.Next()
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic: " + slog.AnyValue(p.v).String() }

// securityHeaders sets headers every response should carry.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
		// API answers are data, never a page: nothing in them may load
		// or run, nor be framed. (The web client's pages set their own
		// policy; the Swagger UI needs its inline scripts.)
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	}
	if secure(c) {
		// Over HTTPS (directly or through a TLS proxy): browsers keep to
		// HTTPS for a year.
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// authenticate resolves the session from the bearer token or the cookie.
// It does not refuse anonymous requests; allow does.
func (s *Server) authenticate(c *gin.Context) {
	token, viaCookie := "", false
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
			s.fail(c, apperr.New(apperr.Unauthenticated, "unauthenticated", "Authorization 头格式应为 Bearer <令牌>"))
			return
		}
		token = strings.TrimSpace(rest)
	} else if v, err := c.Cookie(SessionCookie); err == nil && v != "" {
		token, viaCookie = v, true
	}
	if token == "" {
		c.Next()
		return
	}
	u, sess, err := s.db.Authenticate(c.Request.Context(), auth.HashToken(token))
	if err != nil {
		s.fail(c, err)
		return
	}
	if viaCookie && !safeMethod(c.Request.Method) && c.GetHeader(CSRFHeader) == "" {
		s.fail(c, apperr.New(apperr.Forbidden, "csrf_header_missing", "使用 Cookie 登录时，修改数据的请求须带 "+CSRFHeader+" 请求头；或改用 Authorization: Bearer <令牌>"))
		return
	}
	c.Set(ctxPrincipal, auth.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, TownshipCode: u.TownshipCode})
	c.Set(ctxSession, sess)
	c.Next()
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func principal(c *gin.Context) (auth.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return auth.Principal{}, false
	}
	p, ok := v.(auth.Principal)
	return p, ok
}

// me returns the authenticated principal; allow has already checked there
// is one on every route that calls it.
func me(c *gin.Context) auth.Principal {
	p, _ := principal(c)
	return p
}

// actor describes the caller for history and audit entries.
func actor(c *gin.Context) audit.Actor {
	p, _ := principal(c)
	name := p.Username
	if name == "" {
		name = "anonymous"
	}
	return audit.Actor{UserID: p.UserID, Name: name, RequestID: requestID(c), ClientRequestID: clientRequestID(c), IP: c.ClientIP()}
}
