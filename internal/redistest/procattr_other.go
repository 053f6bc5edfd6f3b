//go:build !linux

package redistest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; the cleanup
// registered by Start stops the server.
func sysProcAttr() *syscall.SysProcAttr { return nil }
