//go:build !linux

package pgtest

import (
	"errors"
	"os/exec"
)

// runAs makes cmd run as owner; switching users is supported on Linux only.
func runAs(cmd *exec.Cmd, owner *account) error {
	if owner != nil {
		return errors.New("running the tests as root is supported on Linux only; run them as an ordinary user")
	}
	return nil
}

// dieWithParent does nothing here: only Linux has a parent-death signal, so
// a test process that dies before Main's cleanup leaves postgres running.
func dieWithParent(cmd *exec.Cmd) {}

// alive reports true, so stale cluster directories are never removed on
// systems where we cannot cheaply tell whether their owner still runs.
func alive(pid int) bool { return true }
