package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/fugai/fugai/internal/apperr"
	"github.com/fugai/fugai/internal/audit"
)

type auditRow struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    *int64
	ActorName  string
	Action     string
	EntityType string
	EntityID   string
	Detail     *string
	RequestID  string
	// ClientRequestID is the client's X-Request-ID (migration 22).
	ClientRequestID string
	IP              string
}

func (auditRow) TableName() string { return "audit_events" }

func (tx *Tx) addEvent(action, entityType, entityID string, detail any, by audit.Actor) error {
	row := auditRow{At: tx.db.Now(), ActorID: actorID(by), ActorName: by.Name, Action: action,
		EntityType: entityType, EntityID: entityID, RequestID: by.RequestID, ClientRequestID: by.ClientRequestID, IP: by.IP}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return apperr.Wrap(err, "encode audit detail")
		}
		s := string(b)
		row.Detail = &s
	}
	return apperr.Wrap(tx.g.Create(&row).Error, "insert audit event")
}

// AuditEvents lists audit events matching f, newest first.
func (db *DB) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, error) {
	q := db.gorm.WithContext(ctx).Model(&auditRow{})
	if f.Actor != "" {
		q = q.Where("actor_name = ?", f.Actor)
	}
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, apperr.Wrap(err, "list audit events")
	}
	out := make([]audit.Event, len(rows))
	for i, r := range rows {
		out[i] = audit.Event{ID: r.ID, At: r.At.UTC(), ActorID: r.ActorID, ActorName: r.ActorName, Action: r.Action,
			EntityType: r.EntityType, EntityID: r.EntityID, RequestID: r.RequestID, ClientRequestID: r.ClientRequestID, IP: r.IP}
		if r.Detail != nil {
			out[i].Detail = json.RawMessage(*r.Detail)
		}
	}
	return out, nil
}

// LogEvent records an audit event outside any other change.
func (db *DB) LogEvent(ctx context.Context, action, entityType, entityID string, detail any, by audit.Actor) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.addEvent(action, entityType, entityID, detail, by) })
}
