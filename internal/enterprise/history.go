package enterprise

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Change is one field's change: old and new values as they appear in JSON.
type Change struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// Revision is one recorded change of a ledger: who, when, through what
// (api or an import), and which fields changed from what to what.
type Revision struct {
	ID      int64
	Version int64
	ActorID *int64
	Actor   string
	Source  string
	At      time.Time
	Changes []Change
}

// diffFields are compared for history, in the order changes are reported.
var diffFields = []string{
	"credit_code", "name", "entity_type", "legal_representative", "registered_capital", "founded_on",
	"registration_status", "registered_address", "registration_authority", "industry", "business_scope",
	"operating_address", "township_code", "assignment", "assignment_reason", "employees", "young_employees",
	"full_members", "probationary_members", "member_sources", "owner_identity", "operating_status",
	"above_scale", "annual_revenue", "needs", "union", "youth_league", "womens_federation",
	"nature", "in_scope", "out_of_scope_reason", "check_digit_warning", "priority", "suggested_method",
}

func valueOf(l *Ledger, name string) any {
	switch name {
	case "assignment":
		return string(l.Assignment)
	case "assignment_reason":
		return nullString(string(l.AssignmentReason))
	case "nature":
		return string(l.Nature)
	case "in_scope":
		return l.InScope
	case "out_of_scope_reason":
		return nullString(l.OutOfScopeReason)
	case "check_digit_warning":
		return l.CheckDigitWarning
	case "priority":
		return l.Priority
	case "suggested_method":
		return nullString(l.SuggestedMethod)
	}
	return fields[name].get(l)
}

// sameValue compares two field values of the same field without encoding
// them, for the types ledger fields have; known is false for other types.
// An import compares every field of every row, so this is a hot path.
func sameValue(a, b any) (same, known bool) {
	switch x := a.(type) {
	case nil:
		return b == nil, true
	case string:
		y, ok := b.(string)
		return ok && x == y, ok
	case bool:
		y, ok := b.(bool)
		return ok && x == y, ok
	case *string:
		y, ok := b.(*string)
		return ok && (x == nil) == (y == nil) && (x == nil || *x == *y), ok
	case *int:
		y, ok := b.(*int)
		return ok && (x == nil) == (y == nil) && (x == nil || *x == *y), ok
	case *float64:
		y, ok := b.(*float64)
		return ok && (x == nil) == (y == nil) && (x == nil || *x == *y), ok
	case *bool:
		y, ok := b.(*bool)
		return ok && (x == nil) == (y == nil) && (x == nil || *x == *y), ok
	}
	return false, false
}

// Diff lists the fields whose JSON values differ between a and b, in a
// stable order: the changes a history entry records.
func Diff(a, b *Ledger) []Change {
	var out []Change
	for _, name := range diffFields {
		va, vb := valueOf(a, name), valueOf(b, name)
		if same, known := sameValue(va, vb); known && same {
			continue
		}
		ja, _ := json.Marshal(va)
		jb, _ := json.Marshal(vb)
		if !bytes.Equal(ja, jb) {
			out = append(out, Change{Field: name, Old: json.RawMessage(ja), New: json.RawMessage(jb)})
		}
	}
	return out
}

// EncodeChanges encodes changes as the JSON array history stores. Old and
// New are already JSON (Diff makes them), so they are copied, not encoded
// again: an import encodes the changes of every row it writes.
func EncodeChanges(changes []Change) ([]byte, error) {
	b := make([]byte, 0, 64*len(changes)+2)
	b = append(b, '[')
	for i, c := range changes {
		if i > 0 {
			b = append(b, ',')
		}
		old, err := rawJSON(c.Old)
		if err != nil {
			return nil, err
		}
		nw, err := rawJSON(c.New)
		if err != nil {
			return nil, err
		}
		b = append(b, `{"field":`...)
		b = strconv.AppendQuote(b, c.Field)
		b = append(b, `,"old":`...)
		b = append(b, old...)
		b = append(b, `,"new":`...)
		b = append(b, nw...)
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

func rawJSON(v any) ([]byte, error) {
	if r, ok := v.(json.RawMessage); ok && len(r) > 0 {
		return r, nil
	}
	return json.Marshal(v)
}
