package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync"
	"time"
)

// conn is one connection: in use by one request at a time, or idle in its
// host's pool.
type conn struct {
	t   *Transport
	key string // the host's pool
	nc  net.Conn
	tls *tls.ConnectionState
	br  *bufio.Reader // reads lr
	bw  *bufio.Writer
	lr  limitReader // bounds the answer's header
	// peek reports whether the socket has nothing to read, i.e. an idle
	// connection the server has neither closed nor written to; nil where it
	// cannot be asked (then an idle connection is taken as open).
	peek func() bool

	interrupt func() // sets a deadline in the past: blocked I/O returns at once (a done context)
	idleTimer *time.Timer
	closeOnce sync.Once
}

// aLongTimeAgo is a deadline that has passed.
var aLongTimeAgo = time.Unix(1, 0)

// errNoHeader is a connection that ended before the answer's header: the
// server closed it (a pooled connection it had given up on) or failed. Its
// text keeps the cause; it is not io.ErrUnexpectedEOF, which harbor reads as an
// answer cut short.
type errNoHeader struct{ cause error }

func (e errNoHeader) Error() string {
	return "h1: the connection closed before the response header arrived (" + e.cause.Error() + ")"
}

// roundTrip writes req and reads the answer's header; the body is read later,
// by the caller, through a body that gives the connection back at its end.
func (c *conn) roundTrip(ctx context.Context, req *http.Request, trace *httptrace.ClientTrace, headerTimeout time.Duration) (*http.Response, error) {
	var stop func() bool
	if ctx.Done() != nil {
		if c.interrupt == nil {
			nc := c.nc
			c.interrupt = func() { _ = nc.SetDeadline(aLongTimeAgo) }
		}
		stop = context.AfterFunc(ctx, c.interrupt)
	}
	fail := func(err error) (*http.Response, error) {
		if stop != nil {
			stop()
		}
		c.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if ctx.Err() != nil {
		// Done while the connection was got: the AfterFunc runs in a goroutine
		// of its own, maybe after the request is written; write nothing.
		closeBody(req)
		return fail(ctx.Err())
	}
	// Request.Write reports WroteHeaders and WroteRequest to the trace itself.
	werr := req.Write(c.bw)
	if werr == nil {
		werr = c.bw.Flush()
	}
	answeredEarly := false
	if werr != nil {
		// A server may answer before it has read the whole body (413, 401,
		// 429) and close: the write fails, but its answer is already here.
		// (The context is asked again after: answerWaiting's deadlines may
		// have replaced its interrupt.)
		if ctx.Err() != nil || !c.answerWaiting() || ctx.Err() != nil {
			return fail(werr)
		}
		answeredEarly = true
	}
	if headerTimeout > 0 {
		_ = c.nc.SetReadDeadline(time.Now().Add(headerTimeout))
		// A context done meanwhile may have set its past deadline before this
		// replaced it: end the call now. (Done later, its AfterFunc runs after
		// this and its deadline wins.)
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
	}
	c.lr.n = maxHeaderBytes
	if trace != nil && trace.GotFirstResponseByte != nil {
		if _, err := c.br.Peek(1); err == nil {
			trace.GotFirstResponseByte()
		}
	}
	var resp *http.Response
	for {
		var err error
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			switch {
			case headerTimeout > 0 && isTimeout(err) && ctx.Err() == nil:
				err = errHeaderTimeout{headerTimeout}
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
				err = errNoHeader{err}
			}
			return fail(err)
		}
		// 1xx answers (but 101) come before the real one and have no body.
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			if trace != nil && trace.Got1xxResponse != nil {
				if err := trace.Got1xxResponse(resp.StatusCode, textproto.MIMEHeader(resp.Header)); err != nil {
					return fail(err)
				}
			}
			continue
		}
		break
	}
	c.lr.n = -1
	if headerTimeout > 0 {
		_ = c.nc.SetReadDeadline(time.Time{})
		// A context done meanwhile set a deadline that this may just have
		// cleared: end the call now rather than read a body without it.
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
	}
	resp.TLS = c.tls
	b := &body{rc: resp.Body, c: c, ctx: ctx, stop: stop, reuse: !answeredEarly && !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols} // after a 101 the connection no longer speaks HTTP
	if resp.Body == http.NoBody {
		b.state.Store(stEOF)
		b.release()
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

// earlyAnswerWait bounds the wait for an answer after a failed write: one
// sent before the failure is already in the socket's buffer.
const earlyAnswerWait = 50 * time.Millisecond

// answerWaiting reports, after a failed write, whether the server sent
// something to read (an answer sent before it stopped reading).
func (c *conn) answerWaiting() bool {
	if c.nc.SetReadDeadline(time.Now().Add(earlyAnswerWait)) != nil {
		return false
	}
	_, err := c.br.Peek(1)
	return c.nc.SetReadDeadline(time.Time{}) == nil && err == nil
}

// takeFromIdle stops the idle timer of a connection leaving the pool. Called
// without t.mu.
func (c *conn) takeFromIdle() {
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
}

// toIdle arms the idle timer of a connection entering the pool. Called with
// t.mu held.
func (c *conn) toIdle() {
	d := c.t.IdleConnTimeout
	if d <= 0 {
		return
	}
	if c.idleTimer == nil {
		c.idleTimer = time.AfterFunc(d, func() { c.t.dropIdle(c) })
		return
	}
	c.idleTimer.Reset(d)
}

// alive reports whether an idle connection can carry a request: nothing
// buffered from it (an answer has no trailing bytes) and, where the socket can
// be asked, nothing to read on it (no close, no unasked bytes).
func (c *conn) alive() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	if c.peek != nil && !c.peek() {
		return false
	}
	if c.tls != nil {
		// tls.Conn reads ahead of the record it decrypts, so bytes sent past
		// the last answer may sit in its buffer, seen by neither check above:
		// a read that cannot wait (a deadline passed: the socket is not
		// touched) returns them, or times out when there are none. A timeout
		// leaves tls.Conn usable.
		if c.nc.SetReadDeadline(aLongTimeAgo) != nil {
			return false
		}
		_, err := c.br.Peek(1)
		if c.nc.SetReadDeadline(time.Time{}) != nil || !isTimeout(err) {
			return false
		}
	}
	return true
}

// close closes the connection, once, and tells the pool.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		if c.idleTimer != nil {
			c.idleTimer.Stop()
		}
		_ = c.nc.Close()
		c.t.closed(c.key)
	})
}

// maxHeaderBytes bounds the bytes read for an answer's header (1xx answers
// included), as net/http's Transport.MaxResponseHeaderBytes' default.
const maxHeaderBytes = 10 << 20

// errHeaderTooLarge is an answer whose header passed maxHeaderBytes.
var errHeaderTooLarge = fmt.Errorf("h1: server response headers exceeded %d bytes", maxHeaderBytes)

// limitReader reads r, at most n bytes while n >= 0 (no limit when n < 0).
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errHeaderTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	k, err := l.r.Read(p)
	l.n -= int64(k)
	return k, err
}
