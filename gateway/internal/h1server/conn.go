package h1server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A connection's states, for Shutdown: only an idle one may be closed under
// it, and the move from idle to active is a compare-and-swap, so Shutdown
// never closes a connection that has started a request.
const (
	stateIdle int32 = iota
	stateActive
	stateClosed
)

// drainLimit is how much of a request body the handler left unread the
// server reads and throws away to keep the connection (net/http's figure);
// with more left, the connection is closed after the answer.
const drainLimit = 256 << 10

var aLongTimeAgo = time.Unix(1, 0)

// conn is one accepted connection and the request it is serving.
type conn struct {
	s      *Server
	rwc    net.Conn
	ctx    context.Context // the connection's: BaseContext with its local address
	remote string
	cr     connReader
	br     *bufio.Reader
	state  atomic.Int32
	served int // requests served
	// mustClose: the request under way had both a Content-Length and a
	// chunked Transfer-Encoding.
	mustClose bool
	accepted  time.Time
	// linger: the caller may still be sending (a body the handler left, a
	// request refused unread), so closing now could reset the connection
	// before it reads the answer.
	linger bool

	// The request under way.
	req    *http.Request
	body   *body
	cancel context.CancelFunc
	resp   response

	// The watch for a caller that hangs up (see Server.WatchAfter, watch.go).
	watchAfter time.Duration
	watchMu    sync.Mutex
	inHandler  bool          // the handler is running, its body read: the watch may start
	watchGen   uint64        // counts watchArm calls: a countdown is for one of them
	watching   bool          // a watch is reading the connection
	watchDone  chan struct{} // closed when it stops
	hungUp     atomic.Bool   // the watch saw the caller go away
	countdown  countdown     // its place in the server's countdowns; under Server.watches.mu
}

func newConn(s *Server, rwc net.Conn, base context.Context) *conn {
	c := &conn{s: s, rwc: rwc, remote: rwc.RemoteAddr().String(), watchAfter: s.WatchAfter, accepted: time.Now()}
	c.ctx = context.WithValue(base, http.LocalAddrContextKey, rwc.LocalAddr())
	if c.watchAfter <= 0 {
		c.watchAfter = DefaultWatchAfter
	}
	c.state.Store(stateActive)
	c.cr.c = c
	c.br = bufio.NewReaderSize(&c.cr, 4<<10)
	c.resp.c = c
	return c
}

// serve reads, handles and answers requests until the connection ends.
func (c *conn) serve() {
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			c.s.logf("panic serving "+c.remote, fmt.Errorf("%v\n%s", v, buf))
		}
		c.watchStop()
		c.resp.release()
		c.state.Store(stateClosed)
		if c.linger {
			c.lingerClose()
		}
		_ = c.rwc.Close()
		c.s.forget(c)
	}()
	for {
		if !c.next() {
			return
		}
		c.handle()
		if c.resp.closeAfter || c.s.closing.Load() {
			return
		}
	}
}

// next waits for the next request (a kept-alive connection for up to the
// idle timeout; a new one for up to the header timeout from its accept) and
// reads its headers; false: the connection is done, an error answer sent if
// one is due.
func (c *conn) next() bool {
	s := c.s
	hdr := s.ReadHeaderTimeout
	if hdr == 0 || s.ReadTimeout > 0 && s.ReadTimeout < hdr {
		hdr = s.ReadTimeout
	}
	maxHeader := s.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = http.DefaultMaxHeaderBytes
	}
	// The limit counts from the first byte read, the wait's included; the
	// 4 KiB are bufio's read-ahead, as net/http allows.
	c.cr.limit(int64(maxHeader) + 4096)
	start := c.accepted
	c.skipEmptyLines(true)
	if c.br.Buffered() == 0 && !c.cr.stashed {
		if !c.state.CompareAndSwap(stateActive, stateIdle) || c.s.closing.Load() {
			return false
		}
		if c.served == 0 {
			c.setReadDeadline(hdr, start)
		} else {
			idle := s.IdleTimeout
			if idle == 0 {
				idle = s.ReadTimeout
			}
			c.setReadDeadline(idle, time.Now())
		}
		_, err := c.br.Peek(1)
		if !c.state.CompareAndSwap(stateIdle, stateActive) || err != nil {
			return false // Shutdown closed it, or the caller did, or it idled out
		}
	}
	if c.served > 0 {
		start = time.Now()
	}
	c.setReadDeadline(hdr, start)
	c.skipEmptyLines(false)
	raw := scanHeaders(c.br)
	// The head is buffered whole now, if it fits: readHead reads the common
	// one (head.go), http.ReadRequest any other, from the same bytes.
	req := readHead(c.br)
	if s.onHead != nil {
		s.onHead(req != nil)
	}
	var err error
	if req == nil {
		req, err = http.ReadRequest(c.br)
	}
	hitLimit := c.cr.unlimit()
	if err != nil {
		c.badRequest(err, hitLimit)
		return false
	}
	if req.URL.IsAbs() && req.ProtoAtLeast(1, 1) && raw.whole && raw.hosts == 0 {
		c.replyTo(req, http.StatusBadRequest, "missing required Host header")
		return false
	}
	// RFC 9112 6.1: a request with both framings "might indicate an attempt
	// to perform request smuggling"; the server must close the connection
	// after answering it. http.ReadRequest drops the Content-Length without
	// a word, so the raw header block says whether there was one (or could
	// not be seen whole: closed then too).
	// HTTP/1.0 has no Transfer-Encoding: ReadRequest drops it and frames the
	// body by its Content-Length, which the sender may not have meant
	// (RFC 9112 6.1: "treat it as faulty", close after answering).
	c.mustClose = chunked(req.TransferEncoding) && (raw.lengths > 0 || !raw.whole) ||
		!req.ProtoAtLeast(1, 1) && raw.codings > 0
	if code, msg := check(req); code != 0 {
		c.replyTo(req, code, msg)
		return false
	}
	if s.ReadTimeout > 0 {
		c.setReadDeadline(s.ReadTimeout, start)
	} else if hdr > 0 {
		_ = c.rwc.SetReadDeadline(time.Time{})
	}
	ctx, cancel := context.WithCancel(c.ctx)
	c.req, c.cancel = req.WithContext(ctx), cancel
	c.req.RemoteAddr = c.remote
	c.served++
	return true
}

// check refuses what http.ReadRequest lets through and net/http's server
// does not: another HTTP than 1.x, a header name that is not a token (a space
// before the colon: "Transfer-Encoding :" must not be read as a body framing
// the next hop disagrees with), a control character in a value, an HTTP/1.1
// request without a Host or with an invalid one, two Hosts, a CONNECT.
//
// http.ReadRequest has already taken the Host header out of r.Header, so an
// absolute-form request ("POST http://host/path") without a Host header
// passes, its Host taken from the URL, where RFC 9112 asks for a 400.
func check(r *http.Request) (int, string) {
	if r.ProtoMajor != 1 {
		return http.StatusHTTPVersionNotSupported, "unsupported protocol version " + r.Proto
	}
	for k, vv := range r.Header {
		if !validName(k) {
			return http.StatusBadRequest, "invalid header name " + strconv.Quote(k)
		}
		for _, v := range vv {
			if !validValue(v) {
				return http.StatusBadRequest, "invalid value of header " + k
			}
		}
	}
	if e, set := r.Header["Expect"]; set {
		switch {
		case !r.ProtoAtLeast(1, 1):
			delete(r.Header, "Expect") // HTTP/1.0 has no expectations (net/http drops it too)
		case len(e) != 1 || !strings.EqualFold(e[0], "100-continue"):
			return http.StatusExpectationFailed, "the only expectation served is 100-continue"
		}
	}
	switch {
	case len(r.Header["Host"]) > 1:
		return http.StatusBadRequest, "too many Host headers"
	case r.ProtoAtLeast(1, 1) && r.Host == "":
		return http.StatusBadRequest, "missing required Host header"
	case !validHost(r.Host):
		return http.StatusBadRequest, "invalid Host header"
	case r.Method == http.MethodConnect:
		return http.StatusNotImplemented, "CONNECT is not served"
	}
	delete(r.Header, "Host") // net/http's server keeps it in r.Host only
	return 0, ""
}

// validName says whether k is an RFC 9110 token.
func validName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isTchar(k[i]) {
			return false
		}
	}
	return true
}

func isTchar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// validValue refuses control characters other than tab (RFC 9110 5.5).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// validHost allows what a Host header may hold (RFC 3986's reg-name, IP
// literals and a port), as net/http's server does.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		b := h[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
			strings.IndexByte("!$%&'()*+,-.:;=[]_~", b) >= 0) {
			return false
		}
	}
	return true
}

// handle runs the handler on the request next read, then finishes its answer.
func (c *conn) handle() {
	r := c.req
	b := c.bodyFor(r)
	w := &c.resp
	w.reset(r)
	defer func() {
		c.watchStop()
		c.cancel()
		c.req, c.cancel, c.body = nil, nil, nil
	}()
	if b == nil {
		c.watchArm()
	}
	c.s.Handler.ServeHTTP(w, r)
	c.watchStop()
	w.finish()
}

// badRequest answers a request that could not be read, when there is one
// to answer: nothing for a connection closed or timed out between requests.
func (c *conn) badRequest(err error, hitLimit bool) {
	var ne net.Error
	switch {
	case hitLimit:
		c.reply(http.StatusRequestHeaderFieldsTooLarge, "request header fields too large")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		// The caller left or was too slow: nobody to answer (net/http's
		// 408 on a header timeout is mostly never read either).
	case strings.Contains(err.Error(), "unsupported transfer encoding"):
		c.reply(http.StatusNotImplemented, "unsupported transfer encoding")
	default:
		c.s.logf("bad request from "+c.remote, err)
		c.reply(http.StatusBadRequest, err.Error())
	}
}

// reply sends a plain-text answer and ends the connection, for requests the
// handler never sees. It is bounded by a short write deadline: the caller
// may not be reading.
func (c *conn) reply(code int, msg string) { c.replyTo(nil, code, msg) }

// replyTo is reply for a request that was read (nil: none could be): the
// answer to a HEAD has no body.
func (c *conn) replyTo(r *http.Request, code int, msg string) {
	c.linger = true
	_ = c.rwc.SetWriteDeadline(time.Now().Add(time.Second))
	if c.s.Refused != nil {
		c.refuse(r, code, msg)
		return
	}
	text := fmt.Sprintf("%d %s: %s", code, http.StatusText(code), msg)
	body := text
	if r != nil && r.Method == http.MethodHead {
		body = ""
	}
	_, _ = fmt.Fprintf(c.rwc, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		code, http.StatusText(code), len(text), body)
}

// refuse has Server.Refused write the refusal, through the connection's
// ResponseWriter as for a handler; a panic in it is logged and ends the
// connection like a handler's.
func (c *conn) refuse(r *http.Request, code int, msg string) {
	if r == nil {
		r = &http.Request{Method: "", URL: &url.URL{}, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	}
	r.RemoteAddr = c.remote
	r.Body = http.NoBody
	w := &c.resp
	w.reset(r)
	w.closeAfter = true
	c.s.Refused(w, r, code, msg)
	w.finish()
}

func (c *conn) setReadDeadline(d time.Duration, from time.Time) {
	var t time.Time
	if d > 0 {
		t = from.Add(d)
	}
	_ = c.rwc.SetReadDeadline(t)
}

// bodyFor wraps r's body to learn when the handler has read it all (which
// arms the watch) and to send 100 Continue on its first read; nil for a
// request without a body.
func (c *conn) bodyFor(r *http.Request) *body {
	if r.Body == nil || r.Body == http.NoBody {
		r.Body = http.NoBody
		return nil
	}
	b := &body{rc: r.Body, c: c,
		expect: r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue")}
	r.Body = b
	c.body = b
	return b
}

// body is a request body as the handler reads it.
type body struct {
	rc        io.ReadCloser
	c         *conn
	expect    bool // send 100 Continue on the first read
	continued bool
	eof       bool
	n         int64 // bytes read
	err       error // the read error that ended the body, other than EOF
}

func (b *body) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.expect && !b.continued && !b.c.resp.committed {
		b.continued = true
		if _, err := b.c.rwc.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n")); err != nil {
			b.err = err
			return 0, err
		}
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.eof = true
		b.c.watchArm()
	} else if err != nil {
		b.err = err
	}
	return n, err
}

// Close is a no-op: what is left of the body is the server's to drain.
func (b *body) Close() error { return nil }

// drain reads and throws away what the handler left of the body, up to
// drainLimit; false: the connection cannot be reused.
func (b *body) drain() bool {
	if b.eof {
		return true
	}
	if b.err != nil || b.expect && !b.continued {
		return false // the caller is still waiting to be told to send it
	}
	if cl := b.c.req.ContentLength; cl > 0 && cl-b.n > drainLimit {
		return false // too much to read before answering: close instead
	}
	n, err := io.CopyN(io.Discard, b.rc, drainLimit+1)
	if err == io.EOF {
		b.eof = true
		return true
	}
	_ = n
	return false
}

// connReader is what the connection's bufio.Reader reads: the connection,
// after the byte the watch may have read, and no further than the header
// limit while headers are read.
type connReader struct {
	c       *conn
	stash   [1]byte
	stashed bool
	limited bool
	remain  int64
	hit     bool
}

func (r *connReader) limit(n int64) { r.limited, r.remain, r.hit = true, n, false }
func (r *connReader) unlimit() bool { r.limited = false; return r.hit }

func (r *connReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.limited {
		if r.remain <= 0 {
			r.hit = true
			return 0, io.EOF
		}
		if int64(len(p)) > r.remain {
			p = p[:r.remain]
		}
	}
	var n int
	var err error
	if r.stashed {
		p[0], r.stashed, n = r.stash[0], false, 1
	} else {
		n, err = r.c.rwc.Read(p)
	}
	if r.limited {
		r.remain -= int64(n)
	}
	return n, err
}

// lingerTime is how long a closing connection reads what its caller still
// sends (net/http waits as long) before it closes.
const lingerTime = 500 * time.Millisecond

// lingerClose ends the server's side of the connection (a FIN after the
// answer) and reads and discards what the caller still sends until it
// closes its side or lingerTime has passed. Closing a socket with unread
// input makes the kernel send a reset, which can destroy the answer before
// the caller reads it: a client still uploading a body refused with 413
// would see "connection reset" instead of the 413.
func (c *conn) lingerClose() {
	cw, ok := c.rwc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	_ = c.rwc.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.Copy(io.Discard, c.rwc)
}

// skipEmptyLines drops the empty lines before a request line (RFC 9112
// 2.2: old clients send one after a POST body); buffered: only those already
// read, without waiting for more.
func (c *conn) skipEmptyLines(buffered bool) {
	for i := 0; i < 4; i++ {
		if buffered && c.br.Buffered() == 0 {
			return
		}
		if b, err := c.br.Peek(1); err != nil || b[0] != '\r' && b[0] != '\n' {
			return
		}
		_, _ = c.br.Discard(1)
	}
}

// rawHeaders is what scanHeaders saw of a request's header block.
type rawHeaders struct {
	whole   bool // the block was all in the read buffer
	hosts   int  // Host fields
	lengths int  // Content-Length fields
	codings int  // Transfer-Encoding fields
}

// scanHeaders counts the Host, Content-Length and Transfer-Encoding fields
// of the request at the head of br, for what http.ReadRequest hides: it
// takes Host out of the header map, drops a Content-Length that comes with a
// chunked body and a Transfer-Encoding in HTTP/1.0. It reads until the
// header block is buffered whole (ReadRequest would read the same bytes,
// under the same deadline and header limit); a block larger than the
// buffer, or cut short, is reported as not whole.
func scanHeaders(br *bufio.Reader) rawHeaders {
	for {
		n := br.Buffered()
		buf, _ := br.Peek(n)
		if h := countFields(buf); h.whole || n >= br.Size() {
			return h
		}
		if _, err := br.Peek(n + 1); err != nil {
			return rawHeaders{}
		}
	}
}

// countFields counts the fields of the header block at the head of buf.
func countFields(buf []byte) rawHeaders {
	var h rawHeaders
	first := true
	for len(buf) > 0 {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			return h
		}
		line := bytes.TrimSuffix(buf[:i], []byte("\r"))
		buf = buf[i+1:]
		switch {
		case first:
			first = false
		case len(line) == 0:
			h.whole = true
			return h
		case hasFieldName(line, "host"):
			h.hosts++
		case hasFieldName(line, "content-length"):
			h.lengths++
		case hasFieldName(line, "transfer-encoding"):
			h.codings++
		}
	}
	return h
}

// hasFieldName says whether the header line is the field name, in any case.
func hasFieldName(line []byte, name string) bool {
	return len(line) > len(name) && line[len(name)] == ':' && strings.EqualFold(string(line[:len(name)]), name)
}

// chunked says whether the request's body is chunked.
func chunked(te []string) bool { return len(te) > 0 && te[len(te)-1] == "chunked" }
