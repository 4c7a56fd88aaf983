//go:build !unix

package store

// HoldAlone does nothing where flock is missing (see alone_unix.go).
func (db *DB) HoldAlone() (release func(), err error) { return func() {}, nil }
