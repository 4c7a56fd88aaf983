package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/store"
)

// ErrorBody is the shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code, a Chinese message and per-field
// problems.
type ErrorDetail struct {
	Code    string            `json:"code" example:"validation_failed"`
	Message string            `json:"message" example:"提交的数据有误"`
	Fields  map[string]string `json:"fields"`
	// CurrentVersion is set on 412: the ledger's version now.
	CurrentVersion *int64 `json:"current_version,omitempty" extensions:"x-nullable"`
	// ImportID is set on 409 import_in_progress: the job the key made.
	ImportID *int64 `json:"import_id,omitempty" extensions:"x-nullable"`
}

// statusOf is the one place an error kind becomes an HTTP status.
func statusOf(k apperr.Kind) int {
	switch k {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.BadRequest:
		return http.StatusBadRequest
	case apperr.Unauthenticated:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.PreconditionFailed:
		return http.StatusPreconditionFailed
	case apperr.PreconditionNeeded:
		return http.StatusPreconditionRequired
	case apperr.Locked:
		return http.StatusLocked
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	case apperr.TooMany:
		return http.StatusTooManyRequests
	case apperr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail writes err as an error response. Internal errors are logged with the
// request id and answered with a generic message.
func (s *Server) fail(c *gin.Context, err error) {
	if store.CutOff(err) && c.Request.Context().Err() == nil {
		s.log.WarnContext(c.Request.Context(), "database unreachable", slog.String("request_id", requestID(c)),
			slog.String("route", c.FullPath()), slog.Any("error", err))
		c.Header("Retry-After", "5")
		c.AbortWithStatusJSON(http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{
			Code: "database_unavailable", Message: "数据库暂时无法连接，请稍后重试（请求编号 " + requestID(c) + "）", Fields: map[string]string{}}})
		return
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.Internal {
		s.log.ErrorContext(c.Request.Context(), "internal error", slog.String("request_id", requestID(c)),
			slog.String("client_request_id", clientRequestID(c)), slog.String("route", c.FullPath()), slog.Any("error", err))
		c.AbortWithStatusJSON(http.StatusInternalServerError, ErrorBody{Error: ErrorDetail{
			Code: "internal", Message: "服务器内部错误，请稍后重试（请求编号 " + requestID(c) + "）", Fields: map[string]string{}}})
		return
	}
	body := ErrorBody{Error: ErrorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}}
	if body.Error.Fields == nil {
		body.Error.Fields = map[string]string{}
	}
	if v, ok := ae.Data["current_version"].(int64); ok {
		body.Error.CurrentVersion = &v
		c.Header("ETag", etag(v))
	}
	if v, ok := ae.Data["import_id"].(int64); ok {
		body.Error.ImportID = &v
	}
	if ae.Kind == apperr.Forbidden {
		s.auditForbidden(c, ae)
	}
	c.AbortWithStatusJSON(statusOf(ae.Kind), body)
}

// auditForbidden records a refused (403) request: who, the route, its
// target and why. A failure to record it is logged; the refusal stands.
func (s *Server) auditForbidden(c *gin.Context, ae *apperr.Error) {
	route := c.FullPath()
	if route == "" {
		route = c.Request.URL.Path
	}
	detail := map[string]any{"method": c.Request.Method, "path": c.Request.URL.Path, "code": ae.Code}
	if p, ok := principal(c); ok {
		detail["role"] = string(p.Role)
	}
	if err := s.db.LogEvent(c.Request.Context(), audit.Forbidden, "route", c.Request.Method+" "+route, detail, actor(c)); err != nil {
		s.log.ErrorContext(c.Request.Context(), "audit a refused request", slog.Any("error", err), slog.String("request_id", requestID(c)))
	}
}

var (
	errForbidden = apperr.New(apperr.Forbidden, "forbidden", "当前角色无权进行此操作")
	errNoRoute   = apperr.New(apperr.NotFound, "not_found", "请求的资源不存在")
	errMethod    = apperr.New(apperr.MethodNotAllowed, "method_not_allowed", "该资源不支持此请求方法")
)
