//go:build linux

package pgtest

import (
	"os/exec"
	"syscall"
)

// runAs makes cmd run as owner, or as the current user when owner is nil.
func runAs(cmd *exec.Cmd, owner *account) error {
	if owner == nil {
		return nil
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	return nil
}

// dieWithParent makes the kernel shut postgres down (SIGQUIT: immediate
// shutdown) when the test process dies without reaching Main's cleanup.
// The signal is tied to the starting thread; launch keeps that thread alive.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
}

// alive reports whether a process with this id exists.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
