// Package rawconn makes a TCP connection's reads and writes raw system calls,
// which the Go scheduler is not told about, in place of net's, which it is.
//
// Why: every system call net makes goes through the runtime's entersyscall,
// and when all of a process's Ps have been idle the runtime's monitor thread
// (sysmon) is asleep, and entersyscall wakes it: a futex wake-up, a thread
// switched in that polls every 20 µs while any P runs, and a futex sleep when
// none does. A gateway at concurrency 1 idles between every request, so
// sysmon was woken once or twice per request: 20% of harbor serve's CPU per
// plain request on a 2-core VM (perf record, by thread), more than its own
// request decoding, answer encoding and access log together. A socket's
// reads and writes never block — net makes every socket non-blocking, and
// a call that would block returns EAGAIN, on which the runtime's poller
// waits, as net's own does — so telling the scheduler of them buys nothing.
//
// What is the same as net's: a Conn is the *net.TCPConn it wraps for every
// other method (deadlines, Close, CloseWrite, addresses, SyscallConn) and for
// io.Copy's fast paths (ReadFrom, WriteTo: splice and sendfile); Read and
// Write go through the connection's syscall.RawConn, so they take the same
// per-direction locks, honour the same deadlines, wait in the same poller,
// and cannot race a Close; a Write returns only once all of p is written or
// an error stops it; errors are *net.OpError values as net's are (op "read"
// or "write", errno in an *os.SyscallError, os.ErrDeadlineExceeded,
// net.ErrClosed), and a read of nothing at end of stream is io.EOF. Reads
// and writes of zero bytes are net's own (a write of nothing still reports
// a broken pipe).
//
// Only Linux: elsewhere Wrap returns the connection unchanged.
package rawconn
