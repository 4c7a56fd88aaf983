// Package apperr defines the one error type Fugai's domain, store and HTTP
// layers share: a stable kind, a snake_case code, a Chinese message and
// per-field problems. The HTTP layer maps the kind to a status code in one
// place.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the transport layer.
type Kind int

// Kinds of application errors. Each maps to exactly one HTTP status.
const (
	Internal           Kind = iota // 500: unexpected; details are logged, never shown
	Invalid                        // 422: the input fails validation
	BadRequest                     // 400: the request cannot be read at all
	Unauthenticated                // 401: no valid session
	Forbidden                      // 403: the role may not do this
	NotFound                       // 404: no such thing, or not visible to the caller
	Conflict                       // 409: clashes with existing data
	PreconditionFailed             // 412: stale If-Match
	PreconditionNeeded             // 428: If-Match missing
	Locked                         // 423: account locked
	TooLarge                       // 413: upload too large
	Unsupported                    // 415: unsupported media type
	TooMany                        // 429: rate limited
	Unavailable                    // 503: a dependency is not ready
	MethodNotAllowed               // 405: the route exists, the method does not
)

// Error is Fugai's error. Code is a stable snake_case identifier for clients;
// Message is Chinese and safe to show to users; Fields maps a field name to a
// Chinese description of what is wrong with it. Data carries extra payload a
// client needs (for example the current version on a 412).
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  map[string]string
	Data    map[string]any
	Err     error // the underlying cause, logged but never shown
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind, code and Chinese message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Field returns a validation error (422) for one field.
func Field(code, field, message string) *Error {
	return &Error{Kind: Invalid, Code: code, Message: message, Fields: map[string]string{field: message}}
}

// Wrap returns an internal error wrapping err; what the client sees is generic.
func Wrap(err error, context string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Kind: Internal, Code: "internal", Message: "服务器内部错误", Err: fmt.Errorf("%s: %w", context, err)}
}

// Problems accumulates per-field validation problems.
type Problems map[string]string

// Add records a problem with field unless one is already recorded.
func (p Problems) Add(field, message string) {
	if _, ok := p[field]; !ok {
		p[field] = message
	}
}

// Err returns nil when there are no problems, otherwise a 422 error with
// code "validation_failed" listing every field.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	msg := "提交的数据有误"
	if len(p) == 1 {
		for _, m := range p {
			msg = m
		}
	}
	return &Error{Kind: Invalid, Code: "validation_failed", Message: msg, Fields: map[string]string(p)}
}

// KindOf returns the kind of err, Internal when err is not an *Error.
func KindOf(err error) Kind {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Kind
	}
	return Internal
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Code == code
}
