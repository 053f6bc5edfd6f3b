package h1server

import (
	"bufio"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// bufferLimit is how much of an answer is held before its headers are sent:
// an answer that ends within it goes out with a Content-Length in one write;
// a longer one, or one flushed, is sent chunked (HTTP/1.1) or ended by
// closing the connection (1.0) unless the handler set a Content-Length.
const bufferLimit = 8 << 10

var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}

// response is the http.ResponseWriter of a connection's request under way;
// one per connection, reset for each request.
type response struct {
	c      *conn
	req    *http.Request
	header http.Header
	late   http.Header   // what Header returns after WriteHeader (changes ignored)
	bw     *bufio.Writer // from writers while the answer is being sent

	status      int
	wroteHeader bool // the status is set
	committed   bool // the status line and headers are written
	chunked     bool
	head        bool
	bodyOK      bool   // the status allows a body
	length      int64  // the handler's Content-Length; -1: none
	lengthText  string // as the handler wrote it
	written     int64
	buf         []byte // the answer held before commit
	closeAfter  bool   // close the connection after this answer
	deadline    bool   // the handler set a write deadline
	err         error  // the write that failed
	finished    bool   // the handler returned and the answer is sent
}

func (w *response) reset(r *http.Request) {
	buf := w.buf[:0] // at most about bufferLimit: Write holds no more
	*w = response{c: w.c, req: r, header: make(http.Header, 8), buf: buf, length: -1,
		head: r.Method == http.MethodHead}
	if r.Close || w.c.mustClose || !r.ProtoAtLeast(1, 1) && !keepAlive10(r) {
		w.closeAfter = true
	}
}

// keepAlive10 says whether an HTTP/1.0 request asks to keep the connection.
func keepAlive10(r *http.Request) bool {
	for _, v := range r.Header["Connection"] {
		if asciiHasToken(v, "keep-alive") {
			return true
		}
	}
	return false
}

// Header is the answer's header map until WriteHeader (or the first Write);
// after it, a copy whose changes are ignored, as http.ResponseWriter's
// contract says. The copy is made only when asked for: a handler that sets
// its headers first pays nothing. (A map taken before WriteHeader and changed
// after it still reaches the answer, except its framing, which WriteHeader
// fixed; net/http copies the map at WriteHeader instead.)
func (w *response) Header() http.Header {
	switch {
	case w.header == nil: // after the handler returned (a goroutine it left)
		w.header = http.Header{}
	case w.wroteHeader && w.late == nil:
		w.late = w.header.Clone()
	}
	if w.late != nil {
		return w.late
	}
	return w.header
}

// errAfterFinish is what a write gets once its handler has returned: the
// answer is sent and the connection's writer given back. (A goroutine the
// handler left writing breaks http.ResponseWriter's contract; it gets an
// error here rather than a crash.)
var errAfterFinish = errors.New("h1server: write after the handler returned")

func (w *response) WriteHeader(code int) {
	if w.finished {
		return
	}
	if w.committed && w.wroteHeader {
		w.c.s.logf("superfluous WriteHeader call", nil)
		return
	}
	if code < 100 || code > 999 {
		panic("h1server: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.informational(code)
		return
	}
	if w.wroteHeader {
		return
	}
	w.wroteHeader, w.status = true, code
	w.bodyOK = code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
	// The framing is decided here, from the headers as they are now: the
	// ResponseWriter contract says later changes have no effect, and a
	// Content-Length set after this would contradict the framing chosen.
	if _, set := w.header["Transfer-Encoding"]; set {
		w.header.Del("Transfer-Encoding") // the framing is the server's, as with net/http
		w.header.Del("Content-Length")
	}
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.length, w.lengthText = n, cl
		} else {
			w.c.s.logf("invalid Content-Length "+strconv.Quote(cl)+" ignored", nil)
			w.header.Del("Content-Length")
		}
	}
}

// informational sends a 1xx answer at once, with the headers set so far.
func (w *response) informational(code int) {
	bw := w.writer()
	writeStatus(bw, code)
	_ = w.header.WriteSubset(bw, framingHeaders) // RFC 9110 8.6: a 1xx has no Content-Length
	_, _ = bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		w.fail(err)
	}
}

func (w *response) Write(p []byte) (int, error) {
	if w.finished {
		return 0, errAfterFinish
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !w.bodyOK {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.length >= 0 && w.written+int64(len(p)) > w.length {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	switch {
	case !w.committed && len(w.buf)+len(p) <= bufferLimit:
		w.buf = append(w.buf, p...)
	case !w.committed:
		w.commit(false, p)
		if !w.head {
			w.writeBody(p)
		}
	case !w.head:
		w.writeBody(p)
	}
	w.sendIfComplete()
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

func (w *response) WriteString(s string) (int, error) {
	if w.finished {
		return 0, errAfterFinish
	}
	if !w.committed && w.wroteHeader && w.bodyOK && len(w.buf)+len(s) <= bufferLimit && w.err == nil &&
		(w.length < 0 || w.written+int64(len(s)) <= w.length) {
		w.buf = append(w.buf, s...)
		w.written += int64(len(s))
		w.sendIfComplete()
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// sendIfComplete sends the answer as soon as it is whole — all of the
// Content-Length the handler set is written — rather than when the handler
// returns: what the handler does after (the gateway's access log line and
// metrics) is then off the caller's wait. Not while the request body is
// unread: the server may still have to close the connection for it.
func (w *response) sendIfComplete() {
	if w.length < 0 || w.written != w.length || w.err != nil {
		return
	}
	if b := w.c.body; b != nil && !b.eof {
		return
	}
	_ = w.FlushError()
}

// writeBody writes p to the connection, framed; bufio sends it when its
// buffer fills, or at Flush and finish.
func (w *response) writeBody(p []byte) {
	if w.err != nil || len(p) == 0 {
		return
	}
	bw := w.bw
	var err error
	if w.chunked {
		var hex [16]byte
		_, _ = bw.Write(strconv.AppendInt(hex[:0], int64(len(p)), 16))
		_, _ = bw.WriteString("\r\n")
		_, _ = bw.Write(p)
		_, err = bw.WriteString("\r\n")
	} else {
		_, err = bw.Write(p)
	}
	if err != nil { // bufio keeps the first error and returns it from every later write
		w.fail(err)
	}
}

// commit writes the status line and the headers, then what was held; final:
// the handler is done, so the held bytes are the whole answer. next is the
// write that did not fit in the buffer, for sniffing the Content-Type when
// nothing was held.
func (w *response) commit(final bool, next []byte) {
	w.committed = true
	h := w.header
	h.Del("Transfer-Encoding") // set after WriteHeader: the framing is the server's
	if w.length >= 0 {
		if cl := h["Content-Length"]; len(cl) != 1 || cl[0] != w.lengthText {
			h["Content-Length"] = []string{w.lengthText} // changed after WriteHeader
		}
	} else {
		h.Del("Content-Length") // set after WriteHeader
	}
	if w.bodyOK {
		switch {
		case w.length >= 0:
		case w.head:
			// No body follows, so no framing: a Content-Length only when
			// the handler wrote the whole (small) answer it would have sent.
			if final && len(w.buf) > 0 {
				w.length = int64(len(w.buf))
				h.Set("Content-Length", strconv.Itoa(len(w.buf)))
			}
		case final:
			w.length = int64(len(w.buf))
			h.Set("Content-Length", strconv.Itoa(len(w.buf)))
		case w.req.ProtoAtLeast(1, 1):
			w.chunked = true
			h.Set("Transfer-Encoding", "chunked")
		default:
			w.closeAfter = true
		}
		if _, set := h["Content-Type"]; !set && h.Get("Content-Encoding") == "" { // as net/http: no sniffing of encoded bytes
			sniff := w.buf
			if len(sniff) == 0 {
				sniff = next
			}
			if len(sniff) > 0 {
				h.Set("Content-Type", http.DetectContentType(sniff))
			}
		}
	} else {
		if w.status == http.StatusNoContent || w.status < 200 {
			h.Del("Content-Length")
		}
	}
	if _, set := h["Date"]; !set {
		h["Date"] = []string{date()}
	}
	if w.c.s.closing.Load() {
		w.closeAfter = true
	}
	switch {
	case w.closeAfter || h.Get("Connection") == "close":
		w.closeAfter = true
		h.Set("Connection", "close")
	case !w.req.ProtoAtLeast(1, 1):
		h.Set("Connection", "keep-alive")
	}
	bw := w.writer()
	writeStatus(bw, w.status)
	_ = h.Write(bw)
	_, _ = bw.WriteString("\r\n")
	buf := w.buf
	w.buf = buf[:0]
	if !w.head {
		w.writeBody(buf)
	}
	if !final {
		if err := bw.Flush(); err != nil {
			w.fail(err)
		}
	}
}

func (w *response) writer() *bufio.Writer {
	if w.bw == nil {
		w.bw = writers.Get().(*bufio.Writer)
		w.bw.Reset(w.c.rwc)
	}
	return w.bw
}

// Flush sends what the handler wrote so far (http.Flusher).
func (w *response) Flush() { _ = w.FlushError() }

// FlushError is Flush with its error (for http.ResponseController).
func (w *response) FlushError() error {
	if w.finished {
		return errAfterFinish
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(false, nil)
	}
	if w.err == nil && w.bw != nil {
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
		}
	}
	return w.err
}

// SetWriteDeadline and SetReadDeadline are for http.ResponseController;
// a write deadline lasts until the end of the request.
func (w *response) SetWriteDeadline(t time.Time) error {
	w.deadline = true
	return w.c.rwc.SetWriteDeadline(t)
}

func (w *response) SetReadDeadline(t time.Time) error { return w.c.rwc.SetReadDeadline(t) }

func (w *response) fail(err error) {
	if w.err == nil {
		w.err = err
	}
	w.closeAfter = true
}

// finish ends the answer once the handler has returned: the status and the
// headers if not yet sent, the held answer, the last chunk. What the
// handler left of the request body is drained first, so that the connection
// can serve the next request (or it is closed).
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if b := w.c.body; b != nil && !b.eof && (w.closeAfter || !b.drain()) {
		w.closeAfter = true
		w.c.linger = true
	}
	if !w.committed {
		w.commit(true, nil)
	}
	if w.chunked && w.err == nil {
		_, _ = w.bw.WriteString("0\r\n\r\n")
	}
	if w.bw != nil && w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.fail(err)
		}
	}
	if w.length >= 0 && w.written < w.length && w.bodyOK && !w.head {
		w.closeAfter = true // the answer is shorter than it said: the caller cannot tell where the next begins
	}
	if w.deadline {
		_ = w.c.rwc.SetWriteDeadline(time.Time{})
	}
	w.release()
	w.finished = true
}

// release gives back the pooled writer and lets go of the request and the
// header map: an idle connection must not keep them (a request with 64 KiB
// of headers, on each of thousands of idle connections).
func (w *response) release() {
	if w.bw != nil {
		w.bw.Reset(nil)
		writers.Put(w.bw)
		w.bw = nil
	}
	w.req, w.header, w.late = nil, nil, nil
}

var framingHeaders = map[string]bool{"Content-Length": true, "Transfer-Encoding": true}

func writeStatus(bw *bufio.Writer, code int) {
	_, _ = bw.WriteString("HTTP/1.1 ")
	var b [3]byte
	_, _ = bw.Write(strconv.AppendInt(b[:0], int64(code), 10))
	_ = bw.WriteByte(' ')
	_, _ = bw.WriteString(http.StatusText(code))
	_, _ = bw.WriteString("\r\n")
}

// date is the Date header's value, formatted once a second.
func date() string {
	now := time.Now().Unix()
	if d := dateCache.Load(); d != nil && d.unix == now {
		return d.text
	}
	d := &cachedDate{unix: now, text: time.Unix(now, 0).UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.text
}

type cachedDate struct {
	unix int64
	text string
}

var dateCache atomic.Pointer[cachedDate]

// asciiHasToken says whether the comma-separated list v has token, in any
// case.
func asciiHasToken(v, token string) bool {
	for v != "" {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}
