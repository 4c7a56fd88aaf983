package httpapi

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/audit"
	"github.com/fugai/fugai/internal/auth"
)

// Personal data (PIPL): phone numbers are masked in lists and exports
// (138****8000); the full number is given in the detail views of a person
// or a ledger to the roles that call them — district and township
// admins, liaisons — and each such read is audited (pii.read). Auditors
// read masked numbers everywhere.

// maskPhone hides the middle of a phone number: a mobile (11 characters
// or more) keeps its first 3 and last 4 — 13800008000 → 138****8000; a
// shorter number, a landline without its area code (82212345), keeps only
// its last 2 — ******45 — so that never most of it shows.
func maskPhone(p string) string {
	r := []rune(p)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 11:
		return string(r[:3]) + "****" + string(r[n-4:])
	case n <= 2:
		return strings.Repeat("*", n)
	}
	return strings.Repeat("*", n-2) + string(r[n-2:])
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
