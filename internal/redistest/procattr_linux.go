package redistest

import "syscall"

// sysProcAttr has Linux kill redis-server if the test binary dies before its
// cleanup runs (a panic, a timeout, SIGKILL), so no server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
