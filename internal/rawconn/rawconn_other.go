//go:build !linux

package rawconn

import "net"

// Wrap returns c: raw system calls are for Linux only (see the package doc).
func Wrap(c net.Conn) net.Conn { return c }
