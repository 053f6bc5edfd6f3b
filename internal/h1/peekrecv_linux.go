//go:build !386

package h1

import (
	"syscall"
	"unsafe"
)

// peekRecv is a non-blocking recv of buf with MSG_PEEK, made as a raw system
// call: the scheduler need not hear of a call that cannot block (see
// internal/rawconn, which does the same for the connection's reads and
// writes). n is -1 with the errno when it fails.
func peekRecv(fd uintptr, buf []byte) (int, error) {
	r, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)),
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
