package deploy_test

import "syscall"

// procAttr has Linux kill the fleet's processes if the test binary dies before
// its cleanup runs (a panic, a timeout), so none outlives the test.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// fdHardLimit is the hard limit of open files (ulimit -Hn), which HAProxy's
// maxconn must fit in.
func fdHardLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	return r.Max
}
