//go:build !linux

package deploy_test

import "syscall"

// procAttr: outside Linux there is no parent-death signal; the tests' cleanups
// stop the processes.
func procAttr() *syscall.SysProcAttr { return nil }

// fdHardLimit: unknown here (0); HAProxy's maxconn is left as configured.
func fdHardLimit() uint64 { return 0 }
