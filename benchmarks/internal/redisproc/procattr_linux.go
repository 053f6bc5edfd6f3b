package redisproc

import "syscall"

// sysProcAttr has Linux kill redis-server if the benchmark dies before Close
// (a panic, a timeout, SIGKILL), so no server outlives it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
