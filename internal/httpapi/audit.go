package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
)

// AuditPage is one page of audit events, newest first.
type AuditPage struct {
	Items      []audit.Event `json:"items"`
	NextCursor *string       `json:"next_cursor" extensions:"x-nullable"`
}

// listAuditEvents godoc
//
//	@Summary		The audit log (auditors only)
//	@Description	Newest first. Times are RFC 3339; from is inclusive, to exclusive.
//	@Tags			audit
//	@Security		BearerAuth
//	@Produce		json
//	@Param			actor		query		string	false	"username of the actor"
//	@Param			entity		query		string	false	"type:id shorthand, e.g. enterprise:12"
//	@Param			entity_type	query		string	false	"enterprise or user"
//	@Param			entity_id	query		string	false	"id of the entity"
//	@Param			action		query		string	false	"e.g. enterprise.update, auth.login_failed"
//	@Param			from		query		string	false	"RFC 3339 time"
//	@Param			to			query		string	false	"RFC 3339 time"
//	@Param			limit		query		int		false	"default 50, max 200"
//	@Param			cursor		query		string	false	"next_cursor of the previous page"
//	@Success		200			{object}	AuditPage
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Router			/api/v1/audit-events [get]
func (s *Server) listAuditEvents(c *gin.Context) error {
	if err := params(c, append([]string{"actor", "entity", "entity_type", "entity_id", "action", "from", "to"}, pageParams...)...); err != nil {
		return err
	}
	f := audit.Filter{Actor: c.Query("actor"), EntityType: c.Query("entity_type"), EntityID: c.Query("entity_id"),
		Action: c.Query("action")}
	p := apperr.Problems{}
	// entity=enterprise:12 is shorthand for entity_type and entity_id.
	if v := c.Query("entity"); v != "" {
		typ, id, ok := strings.Cut(v, ":")
		switch {
		case !ok || typ == "" || id == "":
			p.Add("entity", "entity 须为 类型:编号，例如 enterprise:12")
		case f.EntityType != "" || f.EntityID != "":
			p.Add("entity", "entity 是 entity_type 与 entity_id 的简写，不能与它们同时给出")
		}
		f.EntityType, f.EntityID = typ, id
	}
	for _, k := range []string{"from", "to"} {
		v := c.Query(k)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			p.Add(k, k+" 须为 RFC 3339 时间，例如 2026-11-27T08:00:00+08:00")
		}
		if k == "from" {
			f.From = t
		} else {
			f.To = t
		}
	}
	f.Limit, f.BeforeID = page(c, p)
	if err := p.Err(); err != nil {
		return err
	}
	f.Limit++
	items, err := s.db.AuditEvents(c.Request.Context(), f)
	if err != nil {
		return err
	}
	page := AuditPage{Items: items}
	if len(items) == f.Limit {
		page.Items = items[:f.Limit-1]
		page.NextCursor = optional(strconv.FormatInt(page.Items[len(page.Items)-1].ID, 10))
	}
	if page.Items == nil {
		page.Items = []audit.Event{}
	}
	c.JSON(http.StatusOK, page)
	return nil
}
