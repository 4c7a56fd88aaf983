package httpapi

import (
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

// Personal data (PIPL): phone numbers are masked in lists and exports
// (138****8000); the full number is given in the detail views of a person
// or a ledger to the roles that call them — district and township
// admins, liaisons — and each such read is audited (pii.read). Auditors
// read masked numbers everywhere.

// maskPhone hides the middle of a phone number: 13800008000 →
// 138****8000, 0746-8221234 → 074****1234; a short one keeps its last two
// characters.
func maskPhone(p string) string {
	n := utf8.RuneCountInString(p)
	switch {
	case n == 0:
		return ""
	case n < 8:
		r := []rune(p)
		return strings.Repeat("*", max(n-2, 1)) + string(r[max(n-2, 1):])
	}
	r := []rune(p)
	return string(r[:3]) + "****" + string(r[n-4:])
}

// seesPhones reports whether the caller's role may read full phone
// numbers in detail views.
func seesPhones(c *gin.Context) bool {
	switch me(c).Role {
	case auth.DistrictAdmin, auth.TownshipAdmin, auth.Liaison:
		return true
	}
	return false
}

// phoneFor returns phone as the caller may read it in a detail view — in
// full, the read audited (of whose phone: entityType/entityID, what), or
// masked.
func (s *Server) phoneFor(c *gin.Context, phone, entityType, entityID, what string) string {
	if phone == "" || entityType == "user" && entityID == strconv.FormatInt(me(c).UserID, 10) {
		return phone // one's own
	}
	if !seesPhones(c) {
		return maskPhone(phone)
	}
	if err := s.db.LogEvent(c.Request.Context(), audit.PersonalRead, entityType, entityID,
		map[string]any{"field": what}, actor(c)); err != nil {
		s.log.ErrorContext(c.Request.Context(), "audit a read of personal data", slog.Any("error", err), slog.String("request_id", requestID(c)))
		return maskPhone(phone) // unaudited, not given
	}
	return phone
}
