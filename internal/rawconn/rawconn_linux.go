//go:build linux

package rawconn

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// Wrap returns c reading and writing with raw system calls when c is a
// *net.TCPConn (see the package doc), and c itself otherwise.
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	r := &Conn{TCPConn: tc, rc: rc}
	r.readFn = r.read
	r.writeFn = r.write
	return r
}

// Conn is a TCP connection whose Read and Write make raw system calls
// through its syscall.RawConn; every other method is the *net.TCPConn's.
// Like a net.Conn it may be used from several goroutines: reads are
// serialised with reads and writes with writes.
type Conn struct {
	*net.TCPConn
	rc syscall.RawConn

	rmu    sync.Mutex
	rp     []byte
	rn     int
	rerrno syscall.Errno
	readFn func(uintptr) bool

	wmu     sync.Mutex
	wp      []byte
	wn      int
	werrno  syscall.Errno
	writeFn func(uintptr) bool
}

// NetConn is the TCP connection under c.
func (c *Conn) NetConn() net.Conn { return c.TCPConn }

// read is the RawConn's read function: one read(2) into c.rp, again on
// EINTR; false (wait for the socket to be readable) on EAGAIN.
func (c *Conn) read(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(c.rp))), uintptr(len(c.rp)))
		switch e {
		case 0:
			c.rn = int(n)
			raceAcquire(fd)
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.rerrno = e
		return true
	}
}

// Read reads into p as net.TCPConn's Read does.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		// net's own: no system call, but net.ErrClosed once closed.
		return c.TCPConn.Read(p)
	}
	c.rmu.Lock()
	c.rp, c.rn, c.rerrno = p, 0, 0
	err := c.rc.Read(c.readFn)
	n, errno := c.rn, c.rerrno
	c.rp = nil
	c.rmu.Unlock()
	if err != nil {
		return 0, c.opError("read", err)
	}
	if errno != 0 {
		return 0, c.opError("read", os.NewSyscallError("read", errno))
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// write is the RawConn's write function: write(2)s of what is left of c.wp
// until it is all written or an error other than EINTR stops them; false
// (wait for the socket to be writable) on EAGAIN.
func (c *Conn) write(fd uintptr) bool {
	raceRelease(fd)
	for c.wn < len(c.wp) {
		p := c.wp[c.wn:]
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
		switch e {
		case 0:
			c.wn += int(n)
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.werrno = e
		return true
	}
	return true
}

// Write writes all of p as net.TCPConn's Write does.
func (c *Conn) Write(p []byte) (int, error) {
	if len(p) == 0 {
		// net's own, which still makes the write(2): its error (a broken
		// pipe after CloseWrite, a reset) is the caller's to see.
		return c.TCPConn.Write(p)
	}
	c.wmu.Lock()
	c.wp, c.wn, c.werrno = p, 0, 0
	err := c.rc.Write(c.writeFn)
	n, errno := c.wn, c.werrno
	c.wp = nil
	c.wmu.Unlock()
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// opError is err as net's connections return it: an *net.OpError of op
// (the RawConn's own say "raw-read" and "raw-write").
func (c *Conn) opError(op string, err error) error {
	if oe, ok := err.(*net.OpError); ok {
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
