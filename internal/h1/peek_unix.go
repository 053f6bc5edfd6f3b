//go:build linux || darwin || freebsd

package h1

import (
	"net"
	"syscall"
)

// peeker returns a check that nc's socket has nothing to read (see conn.peek):
// one non-blocking recv with MSG_PEEK, which leaves any byte where it is. nc
// is unwrapped (NetConn) down to the socket; nil when there is none.
func peeker(nc net.Conn) func() bool {
	for {
		if sc, ok := nc.(syscall.Conn); ok {
			rc, err := sc.SyscallConn()
			if err != nil {
				return nil
			}
			var buf [1]byte
			var empty bool
			probe := func(fd uintptr) bool {
				n, err := peekRecv(fd, buf[:])
				// EAGAIN: open, nothing sent. n == 0: closed by the server. n > 0:
				// bytes nobody asked for. Anything else: broken.
				empty = n <= 0 && (err == syscall.EAGAIN || err == syscall.EWOULDBLOCK)
				return true // done: never wait for the socket
			}
			return func() bool {
				if rc.Read(probe) != nil {
					return false
				}
				return empty
			}
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		nc = u.NetConn()
	}
}
