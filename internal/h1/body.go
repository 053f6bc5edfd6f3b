package h1

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// body is an answer's body read straight from its connection. At its end (a
// read that returns io.EOF) the connection goes back to the pool, when the
// answer and the request allow it; a failed read closes it. Close before the
// end reads what is left if that is at most maxDrain bytes arriving within
// drainWait, so that a caller that stops at a stream's last event (harbor's
// streams stop at [DONE], before the chunked encoding's end, which the server
// sends right after) still leaves a reusable connection; anything else closes
// it.
//
// Close may be called from another goroutine while Read waits: it then closes
// the connection, which ends that Read.
type body struct {
	rc    io.ReadCloser // net/http's body reader, over the connection's bufio.Reader
	c     *conn
	ctx   context.Context
	stop  func() bool // the context's AfterFunc; nil without one
	reuse bool        // neither side asked to close the connection

	mu    sync.Mutex // held by Read while it reads; Close drains only if it can take it
	state atomic.Int32
	err   error // the failed read's error (stFailed)
}

const (
	stReading int32 = iota
	stEOF           // read to its end; the connection went back or was closed
	stClosed        // closed by the caller before its end
	stFailed        // a read failed; the connection was closed
)

var errReadOnClosed = errors.New("h1: read on closed response body")

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state.Load() {
	case stEOF:
		return 0, io.EOF
	case stClosed:
		return 0, errReadOnClosed
	case stFailed:
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	if err == nil {
		return n, nil
	}
	if err == io.EOF {
		if b.state.CompareAndSwap(stReading, stEOF) {
			b.release()
		}
		return n, io.EOF
	}
	if b.state.Load() == stClosed { // Close ended this read
		return n, errReadOnClosed
	}
	if b.ctx.Err() != nil {
		err = b.ctx.Err()
	}
	b.err = err
	if b.state.CompareAndSwap(stReading, stFailed) {
		b.abort()
	}
	return n, err
}

// maxDrain and drainWait bound what Close reads, and how long it waits, to
// reach the body's end: a stream's end follows its last event at once, and a
// dial costs far more than the wait; a body that does not end by then is cut.
const (
	maxDrain  = 4 << 10
	drainWait = 2 * time.Millisecond
)

func (b *body) Close() error {
	if !b.mu.TryLock() {
		// A Read is waiting on the connection: closing it ends that Read.
		if b.state.CompareAndSwap(stReading, stClosed) {
			b.abort()
		}
		return nil
	}
	defer b.mu.Unlock()
	if b.state.Load() != stReading {
		return nil
	}
	if b.reuse && b.drained() {
		// Closed all the same: a later Read fails (it must not see the end of
		// a body whose rest the caller never read). The CAS loses to a Close
		// from another goroutine that found the lock taken and closed the
		// connection meanwhile: that connection must not go back to the pool.
		if b.state.CompareAndSwap(stReading, stClosed) {
			b.release()
		}
		return nil
	}
	b.state.Store(stClosed)
	b.abort()
	return nil
}

// drained reads the rest of the body, within maxDrain bytes and drainWait,
// and reports whether it reached the end. A done context's deadline (in the
// past) is replaced here, but the release that follows sees that the context's
// AfterFunc ran and closes the connection.
func (b *body) drained() bool {
	if b.ctx.Err() != nil {
		return false
	}
	nc := b.c.nc
	if nc.SetReadDeadline(time.Now().Add(drainWait)) != nil {
		return false
	}
	var buf [512]byte
	for n := 0; n <= maxDrain; {
		k, err := b.rc.Read(buf[:])
		n += k
		if err == io.EOF {
			return nc.SetReadDeadline(time.Time{}) == nil
		}
		if err != nil {
			return false
		}
	}
	return false
}

// release gives the connection back at the body's end, or closes it when it
// cannot be reused: either side asked, or the context's deadline may be on it.
func (b *body) release() {
	stopped := b.stop == nil || b.stop()
	if b.reuse && stopped {
		b.c.t.put(b.c)
		return
	}
	b.c.close()
}

// abort closes the connection of a body that did not reach its end.
func (b *body) abort() {
	if b.stop != nil {
		b.stop()
	}
	b.c.close()
}
