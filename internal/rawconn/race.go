//go:build linux && race

package rawconn

import "syscall"

// Under the race detector, net's reads and writes say that a write to any
// file descriptor happens before a read that follows it (syscall.Write and
// syscall.Read annotate a shared variable): a test that hands data to a
// server over a socket relies on it. Raw calls make no such annotation, so
// around them a Conn makes an empty read and an empty write through package
// syscall, which read and send nothing and annotate as net's do. Only in
// race builds.

// raceAcquire follows a read that returned data.
func raceAcquire(fd uintptr) { _, _ = syscall.Read(int(fd), nil) }

// raceRelease precedes a write.
func raceRelease(fd uintptr) { _, _ = syscall.Write(int(fd), nil) }
