package enterprise

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"
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

// HistoryFields are the fields a ledger's history records changes of, in
// the order changes are reported.
func HistoryFields() []string { return slices.Clone(diffFields) }

// diffGetters reads each of diffFields, resolved once rather than looked up
// by name for every ledger compared.
var diffGetters = func() []func(*Ledger) any {
	out := make([]func(*Ledger) any, len(diffFields))
	for i, name := range diffFields {
		out[i] = getter(name)
	}
	return out
}()

func getter(name string) func(*Ledger) any {
	switch name {
	case "assignment":
		return func(l *Ledger) any { return string(l.Assignment) }
	case "assignment_reason":
		return func(l *Ledger) any { return nullString(string(l.AssignmentReason)) }
	case "nature":
		return func(l *Ledger) any { return string(l.Nature) }
	case "in_scope":
		return func(l *Ledger) any { return l.InScope }
	case "out_of_scope_reason":
		return func(l *Ledger) any { return nullString(l.OutOfScopeReason) }
	case "check_digit_warning":
		return func(l *Ledger) any { return l.CheckDigitWarning }
	case "priority":
		return func(l *Ledger) any { return l.Priority }
	case "suggested_method":
		return func(l *Ledger) any { return nullString(l.SuggestedMethod) }
	}
	return fields[name].get
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

// encodeValue encodes a field value as JSON. The common types are written
// directly (an import encodes every value of every new ledger); the rest
// go through encoding/json.
func encodeValue(v any) []byte {
	switch x := v.(type) {
	case nil:
		return []byte("null")
	case string:
		return appendJSONString(nil, x)
	case bool:
		return strconv.AppendBool(nil, x)
	case *string:
		if x == nil {
			return []byte("null")
		}
		return appendJSONString(nil, *x)
	case *int:
		if x == nil {
			return []byte("null")
		}
		return strconv.AppendInt(nil, int64(*x), 10)
	case *bool:
		if x == nil {
			return []byte("null")
		}
		return strconv.AppendBool(nil, *x)
	case *float64:
		if x == nil {
			return []byte("null")
		}
		if b, ok := appendFloat(nil, *x); ok {
			return b
		}
	case *time.Time:
		if x == nil {
			return []byte("null")
		}
		if y := x.Year(); y >= 0 && y <= 9999 {
			b := append(make([]byte, 0, 40), '"')
			return append(x.AppendFormat(b, time.RFC3339Nano), '"')
		}
	}
	b, _ := json.Marshal(v)
	return b
}

// appendFloat appends f as encoding/json writes a float64 (ok is false for
// NaN and the infinities, which it refuses): the shortest decimal, in
// exponent form below 1e-6 and from 1e21, with a one-digit negative
// exponent where it can be.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

// appendJSONString appends s as a JSON string. Like encoding/json it
// escapes quotes, backslashes, control characters, <, > and &, U+2028 and
// U+2029, and writes invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	if plainJSON(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// jsonSpecial marks the bytes after which appendJSONString must look
// closer: those it escapes, and 0xE2, which starts U+2028 and U+2029.
var jsonSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2} {
		t[c] = true
	}
	return t
}()

// plainJSON reports whether s is valid UTF-8 that JSON carries unescaped.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if jsonSpecial[s[i]] {
			return false
		}
	}
	return utf8.ValidString(s)
}

// Diff lists the fields whose JSON values differ between a and b, in a
// stable order: the changes a history entry records.
func Diff(a, b *Ledger) []Change {
	var out []Change
	for i, name := range diffFields {
		va, vb := diffGetters[i](a), diffGetters[i](b)
		if same, known := sameValue(va, vb); known && same {
			continue
		}
		ja, jb := encodeValue(va), encodeValue(vb)
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

// zeroLedger is what a created ledger is compared with.
var zeroLedger Ledger

// zeroValues are diffFields' JSON values on the zero ledger: the "old"
// side of every change that creates a ledger.
// zeroAny are the same values before encoding.
var zeroAny = func() []any {
	out := make([]any, len(diffFields))
	for i := range diffFields {
		out[i] = diffGetters[i](&zeroLedger)
	}
	return out
}()

var zeroValues = func() []json.RawMessage {
	out := make([]json.RawMessage, len(diffFields))
	for i := range diffFields {
		out[i] = encodeValue(diffGetters[i](&zeroLedger))
	}
	return out
}()

// EncodeCreated encodes the history of a ledger's creation compactly: a
// JSON object of the fields that differ from the zero ledger and their
// values. It stands for exactly the changes Diff(&Ledger{}, l) lists (old
// is the zero value of each field), which DecodeChanges restores; an import
// writes one for every ledger it creates, so it is written in one buffer.
func EncodeCreated(b []byte, l *Ledger) []byte {
	b = append(b, '{')
	open := len(b)
	for i, name := range diffFields {
		v := diffGetters[i](l)
		if same, known := sameValue(zeroAny[i], v); known && same {
			continue
		}
		mark := len(b)
		if mark > open {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		start := len(b)
		b = appendValue(b, v)
		if bytes.Equal(b[start:], zeroValues[i]) {
			b = b[:mark]
		}
	}
	return append(b, '}')
}

// appendValue appends v's JSON encoding to b.
func appendValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case string:
		return appendJSONString(b, x)
	case *string:
		if x != nil {
			return appendJSONString(b, *x)
		}
	}
	return append(b, encodeValue(v)...)
}

// initValues are the JSON values of the fields Init sets on every new
// ledger (no employees or party members counted, not above scale).
var initValues = func() map[string][]byte {
	var l Ledger
	l.Init()
	out := map[string][]byte{}
	for i, name := range diffFields {
		if v := encodeValue(diffGetters[i](&l)); !bytes.Equal(v, zeroValues[i]) {
			out[name] = v
		}
	}
	return out
}()

// Defaulted reports whether c, a change of a ledger's creation, only sets
// the value Init gives every new ledger: a value nobody entered.
func Defaulted(c Change) bool {
	want, ok := initValues[c.Field]
	if !ok {
		return false
	}
	got, err := rawJSON(c.New)
	if err != nil {
		return false
	}
	var buf bytes.Buffer
	if json.Compact(&buf, got) != nil {
		return false
	}
	return bytes.Equal(buf.Bytes(), want)
}

// DecodeChanges reads what history stores: a JSON array of changes, or the
// object EncodeCreated writes for a creation, which it expands into the
// changes it stands for, in Diff's order.
func DecodeChanges(b []byte) ([]Change, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		var out []Change
		err := json.Unmarshal(b, &out)
		return out, err
	}
	var created map[string]json.RawMessage
	if err := json.Unmarshal(b, &created); err != nil {
		return nil, err
	}
	if len(created) == 0 {
		return nil, nil
	}
	out := make([]Change, 0, len(created))
	for i, name := range diffFields {
		if v, ok := created[name]; ok {
			out = append(out, Change{Field: name, Old: zeroValues[i], New: v})
			delete(created, name)
		}
	}
	if len(created) > 0 {
		// A field this version no longer compares: keep it, after the others.
		rest := make([]string, 0, len(created))
		for name := range created {
			rest = append(rest, name)
		}
		sort.Strings(rest)
		for _, name := range rest {
			out = append(out, Change{Field: name, Old: json.RawMessage("null"), New: created[name]})
		}
	}
	return out, nil
}
