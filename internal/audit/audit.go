// Package audit describes the append-only audit log: who did what to which
// entity, when, from where. It imports neither gin nor gorm.
package audit

import (
	"encoding/json"
	"time"
)

// Actions recorded in the audit log.
const (
	LoginSucceeded   = "auth.login"
	LoginFailed      = "auth.login_failed"
	AccountLocked    = "auth.locked"
	Logout           = "auth.logout"
	UserCreated      = "user.create"
	PasswordSet      = "user.password"
	PasswordChanged  = "user.password_change"
	PasswordWrong    = "user.password_change_failed"
	LoginRefused     = "auth.login_refused"
	UserDisabled     = "user.disable"
	UserEnabled      = "user.enable"
	EnterpriseCreate = "enterprise.create"
	EnterpriseUpdate = "enterprise.update"
	PlanUpdate       = "plan.update"
	JointGroupCreate = "joint_group.create"
	JointGroupDelete = "joint_group.dissolve"
	PartyOrgCreate   = "party_org.create"
	PartyOrgUpdate   = "party_org.update"
	PartyOrgDissolve = "party_org.dissolve"
	PartyOrgMerge    = "party_org.merge"
	LiaisonAssign    = "liaison.assign"
	LiaisonUnassign  = "liaison.unassign"
	LiaisonHandover  = "liaison.handover"
	VisitAdd         = "visit.add"
	RoundCreate      = "survey_round.create"
	RoundClose       = "survey_round.close"
	RoundDelete      = "survey_round.delete"
	ImportCreated    = "import.create"
	Forbidden        = "auth.forbidden"
	PersonalRead     = "pii.read"
	PersonalExport   = "pii.export"
)

// Actor is who performs an action, with the request it came in.
type Actor struct {
	UserID    int64 // 0 for the system or an anonymous caller
	Name      string
	RequestID string
	// ClientRequestID is the client's own X-Request-ID, kept apart from
	// the server's RequestID.
	ClientRequestID string
	IP              string
}

// System is the actor for changes the program makes on its own.
var System = Actor{Name: "system"}

// Event is one audit log entry.
type Event struct {
	ID         int64           `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    *int64          `json:"actor_id"`
	ActorName  string          `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Detail     json.RawMessage `json:"detail,omitempty"`
	RequestID  string          `json:"request_id"`
	// ClientRequestID is the X-Request-ID the client sent, if any: its
	// own label, never the server's request_id.
	ClientRequestID string `json:"client_request_id"`
	IP              string `json:"ip"`
}

// Filter selects audit events. Zero fields do not filter.
type Filter struct {
	Actor      string
	EntityType string
	EntityID   string
	Action     string
	From, To   time.Time // [From, To)
	BeforeID   int64     // keyset cursor: only events with a smaller id (newest first)
	Limit      int
}
