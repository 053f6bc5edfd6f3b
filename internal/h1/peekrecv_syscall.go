//go:build darwin || freebsd || (linux && 386)

package h1

import "syscall"

// peekRecv is a non-blocking recv of buf with MSG_PEEK.
func peekRecv(fd uintptr, buf []byte) (int, error) {
	n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return n, err
}
