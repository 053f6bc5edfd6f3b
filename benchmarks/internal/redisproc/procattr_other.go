//go:build !linux

package redisproc

import "syscall"

// sysProcAttr: only Linux can tie the server's life to the benchmark's; Close
// stops it elsewhere.
func sysProcAttr() *syscall.SysProcAttr { return nil }
