//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// HoldAlone makes this process the only one serving or importing into a
// SQLite database: one process runs its import jobs and knows which are its
// own, so a second `fugai serve` (or `fugai import`) on the same file is
// refused with a message naming the file and the process that holds it.
// It locks PATH.lock (flock, released when the process ends, even killed)
// until release is called. On PostgreSQL, where instances share the queue
// through leases, it does nothing.
func (db *DB) HoldAlone() (release func(), err error) {
	if db.dialect != SQLite || db.path == "" {
		return func() {}, nil
	}
	name := db.path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the SQLite database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := strings.TrimSpace(string(b[:n]))
			if _, perr := strconv.Atoi(holder); perr != nil {
				holder = "another process"
			} else {
				holder = "process " + holder
			}
			return nil, fmt.Errorf("the SQLite database %s is in use by %s (another fugai serve or import): "+
				"only one process may run on a SQLite database; stop it first, or move to PostgreSQL to run several instances", db.path, holder)
		}
		return nil, fmt.Errorf("lock the SQLite database: %w", err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
