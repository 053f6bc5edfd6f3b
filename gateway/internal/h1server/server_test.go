// Adversarial tests of h1server against real loopback connections.
//
// Most tests drive the server through a raw TCP socket, byte for byte, so
// that framing mistakes a forgiving client would hide show up; where a Go
// http.Client is the natural caller (keep-alive reuse) it is used instead.
// Tests that describe behaviour net/http's Server shares run against both
// servers ("h1server" and "net/http" subtests): a subtest failing for
// h1server alone is a difference from net/http, and the test's doc comment
// says which of the two RFC 9110/9112 sides with.
//
// No test sleeps to wait for an outcome: outcomes arrive on channels or are
// polled with a deadline. The few sleeps left make time pass on purpose (a
// connection idle longer than some timeout) and say so.
package h1server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/gateway/internal/h1server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitLimit bounds every wait for something that should happen promptly.
const waitLimit = 5 * time.Second

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

// serverConfig is what the tests set on either server; WatchAfter and Log are
// h1server's alone.
type serverConfig struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	WatchAfter        time.Duration
	Log               func(msg string, err error)
}

// testServer is a server serving on a loopback listener until the test ends.
type testServer struct {
	addr     string
	h1       *h1server.Server // nil for net/http
	serveErr chan error
	served   bool
	result   error
}

// waitServe waits for Serve to return and says what it returned.
func (ts *testServer) waitServe(t *testing.T) error {
	t.Helper()
	if ts.served {
		return ts.result
	}
	select {
	case err := <-ts.serveErr:
		ts.served, ts.result = true, err
		return err
	case <-time.After(waitLimit):
		t.Error("Serve did not return")
		return nil
	}
}

// gate releases handlers waiting on it; it opens once, by the test or at the
// latest when the test's server is torn down.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate() *gate             { return &gate{ch: make(chan struct{})} }
func (g *gate) open()            { g.once.Do(func() { close(g.ch) }) }
func (g *gate) C() chan struct{} { return g.ch }

func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return l
}

// startH1 serves h with an h1server.Server. At the end of the test it opens
// gates, closes the server and then waits (with Shutdown) for every
// connection goroutine to end: a handler or connection stuck past Close fails
// the test.
func startH1(t *testing.T, h http.Handler, cfg serverConfig, gates ...*gate) *testServer {
	t.Helper()
	l := listen(t)
	s := &h1server.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		WatchAfter:        cfg.WatchAfter,
		Log:               cfg.Log,
	}
	ts := &testServer{addr: l.Addr().String(), h1: s, serveErr: make(chan error, 1)}
	go func() { ts.serveErr <- s.Serve(l) }()
	t.Cleanup(func() {
		for _, g := range gates {
			g.open()
		}
		assert.NoError(t, s.Close())
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		assert.NoError(t, s.Shutdown(ctx), "a connection goroutine outlived Close")
		assert.ErrorIs(t, ts.waitServe(t), http.ErrServerClosed)
	})
	return ts
}

// startStd serves h with net/http's Server, for comparison.
func startStd(t *testing.T, h http.Handler, cfg serverConfig, gates ...*gate) *testServer {
	t.Helper()
	l := listen(t)
	s := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	ts := &testServer{addr: l.Addr().String(), serveErr: make(chan error, 1)}
	go func() { ts.serveErr <- s.Serve(l) }()
	t.Cleanup(func() {
		for _, g := range gates {
			g.open()
		}
		assert.NoError(t, s.Close())
		assert.ErrorIs(t, ts.waitServe(t), http.ErrServerClosed)
	})
	return ts
}

type impl struct {
	name  string
	start func(t *testing.T, h http.Handler, cfg serverConfig, gates ...*gate) *testServer
}

var impls = []impl{{"h1server", startH1}, {"net/http", startStd}}

// forBoth runs f as a subtest against h1server and against net/http.
func forBoth(t *testing.T, f func(t *testing.T, im impl)) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) { f(t, im) })
	}
}

// newClient is an http.Client of its own, its idle connections closed when
// the test ends.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitLimit}
}

// rawConn is a client connection driven byte by byte.
type rawConn struct {
	t *testing.T
	net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitLimit)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return &rawConn{t: t, Conn: c, br: bufio.NewReader(c)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	require.NoError(c.t, c.SetWriteDeadline(time.Now().Add(waitLimit)))
	_, err := io.WriteString(c.Conn, s)
	require.NoError(c.t, err)
}

// responseHead reads a response's status line and headers with
// http.ReadResponse, leaving the body to the caller.
func (c *rawConn) responseHead(method string) *http.Response {
	c.t.Helper()
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(waitLimit)))
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	require.NoError(c.t, err, "reading the answer to a %s", method)
	return resp
}

// response reads a whole response.
func (c *rawConn) response(method string) (*http.Response, string) {
	c.t.Helper()
	resp := c.responseHead(method)
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err, "reading the body of the answer to a %s", method)
	_ = resp.Body.Close()
	return resp, string(b)
}

// rawHead reads a status line and header block as they are on the wire
// (no framing headers removed, unlike http.ReadResponse).
func (c *rawConn) rawHead() (string, textproto.MIMEHeader) {
	c.t.Helper()
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(waitLimit)))
	tp := textproto.NewReader(c.br)
	line, err := tp.ReadLine()
	require.NoError(c.t, err)
	h, err := tp.ReadMIMEHeader()
	require.NoError(c.t, err)
	return line, h
}

// closed reads until the server ends the connection (EOF or reset) and
// returns what it read on the way; it fails if the connection stays open.
func (c *rawConn) closed() []byte {
	c.t.Helper()
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(waitLimit)))
	data, err := io.ReadAll(c.br)
	if err != nil {
		require.True(c.t, errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF),
			"connection not closed by the server: %v (read %q)", err, data)
	}
	return data
}

// notReadable checks that nothing arrives within d.
func (c *rawConn) notReadable(d time.Duration, what string) {
	c.t.Helper()
	require.NoError(c.t, c.SetReadDeadline(time.Now().Add(d)))
	b, err := c.br.Peek(1)
	require.Error(c.t, err, "%s: got %q", what, b)
	var ne net.Error
	require.True(c.t, errors.As(err, &ne) && ne.Timeout(), "%s: connection ended: %v", what, err)
}

// recv waits for a value on ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		require.FailNow(t, "timed out waiting for "+what)
		panic("unreachable")
	}
}

// logSink collects what h1server logs.
type logSink struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logSink) log(msg string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprintf("%s: %v", msg, err))
}

func (l *logSink) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

// watchGoroutines counts the goroutines running h1server's watch, a blocked
// read of a connection.
func watchGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "h1server.(*conn).watch(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// okHandler answers "ok", or the request body when there is one.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if len(b) == 0 {
		b = []byte("ok")
	}
	_, _ = w.Write(b)
})

func get(path string) string { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n" }

// ---------------------------------------------------------------------------
// 1. Plain requests, keep-alive and the framing of answers
// ---------------------------------------------------------------------------

// TestClientKeepAlive proves that a Go http.Client's GET and then POST are
// answered correctly and that the POST reuses the GET's connection.
func TestClientKeepAlive(t *testing.T) {
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, err := io.ReadAll(r.Body)
			assert.NoError(t, err)
			_, _ = w.Write(append([]byte("posted "), b...))
			return
		}
		_, _ = io.WriteString(w, "hello "+r.URL.Path)
	}), serverConfig{})
	client := newClient(t)

	var reused []bool
	var local []string
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		reused = append(reused, info.Reused)
		local = append(local, info.Conn.LocalAddr().String())
	}}
	do := func(method, path, body string) (*http.Response, string) {
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			method, "http://"+ts.addr+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}

	resp, body := do(http.MethodGet, "/a", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "hello /a", body)
	assert.Equal(t, int64(len("hello /a")), resp.ContentLength)
	assert.NotEmpty(t, resp.Header.Get("Date"))

	resp, body = do(http.MethodPost, "/b", "payload")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "posted payload", body)

	require.Equal(t, []bool{false, true}, reused, "the second request must reuse the first's connection")
	assert.Equal(t, local[0], local[1])
}

// TestAnswerFraming proves how an answer without a handler-set Content-Length
// is framed: up to 8 KiB it is held and sent with a Content-Length, beyond it
// is chunked; a handler's own Content-Length is kept however large. All on
// one kept-alive connection, which also proves each framing ends where it
// says.
func TestAnswerFraming(t *testing.T) {
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("cl") != "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		body := bytes.Repeat([]byte("abcdefghij"), n/10+1)[:n]
		for len(body) > 0 { // in 1000-byte writes, to exercise the holding
			k := min(1000, len(body))
			_, err := w.Write(body[:k])
			assert.NoError(t, err)
			body = body[k:]
		}
	}), serverConfig{})
	c := dialRaw(t, ts.addr)

	for _, tc := range []struct {
		n       int
		cl      bool
		chunked bool
	}{
		{n: 0}, {n: 1}, {n: 8192}, {n: 8193, chunked: true}, {n: 100_000, chunked: true},
		{n: 100_000, cl: true},
	} {
		path := fmt.Sprintf("/?n=%d", tc.n)
		if tc.cl {
			path += "&cl=1"
		}
		c.send(get(path))
		resp, body := c.response(http.MethodGet)
		assert.Equal(t, tc.n, len(body), path)
		assert.Equal(t, bytes.Repeat([]byte("abcdefghij"), tc.n/10+1)[:tc.n], []byte(body), path)
		if tc.chunked {
			assert.Equal(t, []string{"chunked"}, resp.TransferEncoding, path)
			assert.Equal(t, int64(-1), resp.ContentLength, path)
		} else {
			assert.Nil(t, resp.TransferEncoding, path)
			assert.Equal(t, int64(tc.n), resp.ContentLength, path)
		}
		assert.False(t, resp.Close, path)
	}
}

// TestContentTypeSniffed proves that an answer whose handler set no
// Content-Type gets one sniffed from its first bytes (the
// http.ResponseWriter contract: "Write adds a Content-Type set to the result
// of passing the initial 512 bytes of written data to DetectContentType"),
// whether the body is held whole or its first write is too large to hold.
//
// "one large write" is the regression case: a first write that overflows
// the 8 KiB hold used to go out without Content-Type, as commit sniffed only
// the (then empty) held bytes; it now sniffs that write.
func TestContentTypeSniffed(t *testing.T) {
	page := "<!DOCTYPE html><html><body>" + strings.Repeat("x", 20_000) + "</body></html>"
	for _, tc := range []struct {
		name string
		body string
	}{
		{"held whole", page[:1000]},
		{"one large write", page},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forBoth(t, func(t *testing.T, im impl) {
				ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.WriteString(w, tc.body)
				}), serverConfig{})
				c := dialRaw(t, ts.addr)
				c.send(get("/"))
				resp, body := c.response(http.MethodGet)
				assert.Equal(t, len(tc.body), len(body))
				assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			})
		})
	}
}

// TestHTTP10 proves HTTP/1.0 handling: without keep-alive the connection
// closes after the answer, which has a Content-Length when small and is
// delimited by the close when large; with "Connection: keep-alive" a small
// answer says keep-alive and the connection serves another request, while a
// large answer (no Content-Length possible, no chunking in 1.0) closes it.
func TestHTTP10(t *testing.T) {
	big := strings.Repeat("z", 20_000)
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/large" {
			_, _ = io.WriteString(w, big)
			return
		}
		_, _ = io.WriteString(w, "small")
	}), serverConfig{})

	t.Run("small, no keep-alive", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("GET /small HTTP/1.0\r\n\r\n")
		resp, body := c.response(http.MethodGet)
		assert.Equal(t, "small", body)
		assert.Equal(t, int64(5), resp.ContentLength)
		assert.True(t, resp.Close, "Connection: close")
		assert.Empty(t, c.closed())
	})
	t.Run("large, no keep-alive", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("GET /large HTTP/1.0\r\n\r\n")
		resp, body := c.response(http.MethodGet)
		assert.Equal(t, big, body)
		assert.Equal(t, int64(-1), resp.ContentLength)
		assert.Nil(t, resp.TransferEncoding, "HTTP/1.0 has no chunked coding")
		assert.Empty(t, c.closed())
	})
	t.Run("small, keep-alive", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		for range 2 {
			c.send("GET /small HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
			resp, body := c.response(http.MethodGet)
			assert.Equal(t, "small", body)
			assert.Equal(t, int64(5), resp.ContentLength)
			assert.Equal(t, "keep-alive", resp.Header.Get("Connection"))
		}
	})
	t.Run("large, keep-alive", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		c.send("GET /large HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp, body := c.response(http.MethodGet)
		assert.Equal(t, big, body)
		assert.True(t, resp.Close, "Connection: close")
		assert.Empty(t, c.closed())
	})
}

// TestRequestConnectionClose proves that an HTTP/1.1 request with
// "Connection: close" gets an answer saying so and the connection closes.
func TestRequestConnectionClose(t *testing.T) {
	ts := startH1(t, okHandler, serverConfig{})
	c := dialRaw(t, ts.addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, body := c.response(http.MethodGet)
	assert.Equal(t, "ok", body)
	assert.True(t, resp.Close)
	assert.Empty(t, c.closed())
}

// ---------------------------------------------------------------------------
// 2. Raw-socket cases
// ---------------------------------------------------------------------------

// TestPipelinedRequests proves that requests written together in one write
// (GET, POST with a body, GET) are each answered, in order, on the same
// connection, which stays open.
func TestPipelinedRequests(t *testing.T) {
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		_, _ = fmt.Fprintf(w, "%s %s [%s]", r.Method, r.URL.Path, b)
	}), serverConfig{})
	c := dialRaw(t, ts.addr)
	c.send(get("/one") +
		"POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz" +
		get("/three"))
	for _, want := range []string{"GET /one []", "POST /two [xyz]", "GET /three []"} {
		resp, body := c.response(http.MethodGet)
		assert.Equal(t, want, body)
		assert.False(t, resp.Close)
	}
	c.send(get("/four"))
	_, body := c.response(http.MethodGet)
	assert.Equal(t, "GET /four []", body)
}

// TestChunkedRequestBody proves that a chunked request body (with a
// declared trailer) reaches the handler whole, trailer included, and that
// the connection then serves the next request.
func TestChunkedRequestBody(t *testing.T) {
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		_, _ = fmt.Fprintf(w, "%s|%d|%s", b, r.ContentLength, r.Trailer.Get("X-Sum"))
	}), serverConfig{})
	c := dialRaw(t, ts.addr)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
		"5\r\nhello\r\n")
	c.send("6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n")
	_, body := c.response(http.MethodPost)
	assert.Equal(t, "hello world|-1|11", body)

	c.send(get("/next"))
	_, body = c.response(http.MethodGet)
	assert.Equal(t, "|0|", body)
}

// TestExpectContinue proves that "100 Continue" is sent only once the handler
// reads the body (nothing arrives while it has not), that the body then
// reaches it, and that the connection serves the next request.
func TestExpectContinue(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		started := make(chan struct{}, 1)
		proceed := newGate()
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/read" {
				started <- struct{}{}
				<-proceed.C()
			}
			b, err := io.ReadAll(r.Body)
			assert.NoError(t, err)
			_, _ = fmt.Fprintf(w, "got [%s]", b)
		}), serverConfig{}, proceed)
		c := dialRaw(t, ts.addr)
		c.send("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		recv(t, started, "the handler to start")
		c.notReadable(100*time.Millisecond, "100 Continue before the handler read the body")

		proceed.open()
		resp, _ := c.response(http.MethodPost)
		require.Equal(t, http.StatusContinue, resp.StatusCode)
		c.send("hello")
		resp, body := c.response(http.MethodPost)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "got [hello]", body)
		assert.False(t, resp.Close)

		c.send(get("/"))
		_, body = c.response(http.MethodGet)
		assert.Equal(t, "got []", body)
	})
}

// TestExpectContinueUnread proves that a handler answering an
// "Expect: 100-continue" request without reading its body sends no 100: the
// final answer comes first and says Connection: close, and (h1server) the
// connection then closes: the body the caller was never told to send cannot
// be drained.
//
// net/http differs on the close: after the answer it tries to drain the
// body (up to 256 KiB) that the caller, never sent a 100, will not send, and
// holds the connection open until the caller gives up (or ReadTimeout). RFC
// 9110 §10.1.1 lets a server that answers without reading close the
// connection; h1server's prompt close is the better of the two.
func TestExpectContinueUnread(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			_, _ = io.WriteString(w, "too big")
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n")
		resp, body := c.response(http.MethodPost)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "the final answer, with no 100 before it")
		assert.Equal(t, "too big", body)
		assert.True(t, resp.Close, "Connection: close")
		if im.name == "h1server" {
			assert.Empty(t, c.closed())
		}
	})
}

// TestHEAD proves that an answer to HEAD carries no body bytes whatever the
// handler writes, keeps a Content-Length the handler set, and leaves the
// connection in step: a GET pipelined after it is read correctly. As with
// net/http, it has a Content-Length only when the handler set one or wrote its
// whole answer within the hold before returning, and never a
// Transfer-Encoding; a handler that wants its HEAD to carry the length of an
// answer it streams sets the Content-Length itself (the gateway's /metrics
// holds its answer and does).
//
// Regressions: "large body" (a write overflowing the 8 KiB hold used to be
// sent, chunk-framed, after the HEAD answer) and "flushed" (a flushed HEAD
// answer used to be given chunked framing and a last chunk, although no body
// may follow a HEAD answer: RFC 9110 §9.3.2, RFC 9112 §6.3 rule 1). Either
// way the next answer on the connection was unreadable.
func TestHEAD(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler func(w http.ResponseWriter)
		wantCL  int64 // -1: none (the handler's length is unknown when the headers go), as net/http
	}{
		{name: "small body", wantCL: 5, handler: func(w http.ResponseWriter) { _, _ = io.WriteString(w, "hello") }},
		// A handler that skips the body of a HEAD says nothing of its length:
		// no Content-Length (its GET's would not be 0).
		{name: "nothing written", wantCL: -1, handler: func(w http.ResponseWriter) {}},
		{name: "declared length, nothing written", wantCL: 1000, handler: func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "1000")
		}},
		{name: "declared length, body written", wantCL: 5, handler: func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "5")
			_, _ = io.WriteString(w, "hello")
		}},
		{name: "large body", wantCL: -1, handler: func(w http.ResponseWriter) {
			_, _ = w.Write(bytes.Repeat([]byte("x"), 20_000))
		}},
		{name: "flushed", wantCL: -1, handler: func(w http.ResponseWriter) {
			_, _ = io.WriteString(w, "hi")
			w.(http.Flusher).Flush()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forBoth(t, func(t *testing.T, im impl) {
				ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodHead {
						tc.handler(w)
						return
					}
					_, _ = io.WriteString(w, "after head")
				}), serverConfig{})
				c := dialRaw(t, ts.addr)
				c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + get("/"))
				resp, body := c.response(http.MethodHead)
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Empty(t, body)
				if tc.wantCL >= 0 {
					assert.Equal(t, strconv.FormatInt(tc.wantCL, 10), resp.Header.Get("Content-Length"))
				} else {
					assert.Empty(t, resp.Header.Values("Content-Length"))
				}
				assert.Empty(t, resp.TransferEncoding, "no framing: no body follows a HEAD answer")
				require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
				resp2, err := http.ReadResponse(c.br, &http.Request{Method: http.MethodGet})
				require.NoError(t, err, "the GET's answer after the HEAD's: body bytes were sent after the HEAD answer")
				b, err := io.ReadAll(resp2.Body)
				require.NoError(t, err)
				assert.Equal(t, "after head", string(b))
			})
		})
	}
}

// TestNoBodyStatuses proves that 204 and 304 answers carry no body, no
// Content-Length (for 204, even one the handler set: RFC 9110 §8.6) and no
// Transfer-Encoding, that the handler's Write is refused with
// http.ErrBodyNotAllowed, and that the connection stays in step.
func TestNoBodyStatuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		code  int
		setCL bool
	}{
		{"204", http.StatusNoContent, false},
		{"204 with handler Content-Length", http.StatusNoContent, true},
		{"304", http.StatusNotModified, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forBoth(t, func(t *testing.T, im impl) {
				writeErr := make(chan error, 1)
				ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/next" {
						_, _ = io.WriteString(w, "next")
						return
					}
					if tc.setCL {
						w.Header().Set("Content-Length", "4")
					}
					w.WriteHeader(tc.code)
					_, err := io.WriteString(w, "body")
					writeErr <- err
				}), serverConfig{})
				c := dialRaw(t, ts.addr)
				c.send(get("/") + get("/next"))
				status, h := c.rawHead()
				assert.Equal(t, fmt.Sprintf("HTTP/1.1 %d %s", tc.code, http.StatusText(tc.code)), status)
				assert.Empty(t, h.Values("Content-Length"))
				assert.Empty(t, h.Values("Transfer-Encoding"))
				assert.ErrorIs(t, recv(t, writeErr, "the handler's write"), http.ErrBodyNotAllowed)
				_, body := c.response(http.MethodGet)
				assert.Equal(t, "next", body, "the next answer must follow the header block at once")
			})
		})
	}
}

// TestBadRequests proves which requests are refused before any handler runs,
// with which status, and that the connection then closes. Every expectation
// is RFC 9110/9112's; net/http's answer is checked too and differs only for
// "empty Host" (stdWant).
//
// Cases h1server once got wrong, each fixed since:
//   - "space before colon" and "Transfer-Encoding with space before colon":
//     RFC 9112 §5.1: a server MUST answer 400 to a request with whitespace
//     between a field name and its colon. textproto keeps such a field (as
//     "Transfer-Encoding ", uncanonicalised), so check() refuses any name
//     that is not a token. The second case shows why it matters: a server
//     that kept the field would frame that request by its Content-Length,
//     while an intermediary that trims the space frames it as chunked — a
//     request-smuggling disagreement.
//   - "invalid Host value" and "absolute-form without Host": RFC 9112 §3.2:
//     a server MUST answer 400 to an HTTP/1.1 request that lacks a Host field
//     or whose Host value is invalid. http.ReadRequest takes Host out of
//     r.Header (for an absolute-form target r.Host comes from the target), so
//     the server counts Host fields in the raw header block (scanHeaders).
//   - "headers over MaxHeaderBytes+4 KiB": the header limit once started
//     after the idle Peek(1) had read up to 4 KiB unlimited; "far over"
//     shows the 431 itself works.
func TestBadRequests(t *testing.T) {
	for _, tc := range []struct {
		name    string
		req     string
		want    int
		stdWant int // net/http's answer where it differs from want
	}{
		{name: "missing Host", req: "GET / HTTP/1.1\r\n\r\n", want: 400},
		{name: "two Host headers", req: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", want: 400},
		{name: "malformed request line", req: "GET /\r\nHost: x\r\n\r\n", want: 400},
		{name: "not HTTP", req: "HELLO THERE\r\n\r\n", want: 400},
		{name: "malformed version", req: "GET / HTTP/x.y\r\nHost: x\r\n\r\n", want: 400},
		{name: "invalid method token", req: "G@T / HTTP/1.1\r\nHost: x\r\n\r\n", want: 400},
		{name: "header line without colon", req: "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", want: 400},
		{name: "space before colon", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", want: 400},
		{name: "Transfer-Encoding with space before colon", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", want: 400},
		{name: "control byte in header value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", want: 400},
		{name: "Content-Length not a number", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", want: 400},
		{name: "conflicting Content-Lengths", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", want: 400},
		{name: "unsupported transfer coding", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", want: 501},
		{name: "headers far over MaxHeaderBytes", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20000) + "\r\n\r\n", want: 431},
		{name: "headers over MaxHeaderBytes+4 KiB", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8000) + "\r\n\r\n", want: 431},
		{name: "invalid Host value", req: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", want: 400},
		{name: "absolute-form without Host", req: "GET http://example.com/ HTTP/1.1\r\n\r\n", want: 400},
		// A major version other than 1 is not HTTP/1.x messaging (RFC 9112 §2.3).
		{name: "HTTP/2.0 request line", req: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", want: 505},
		{name: "HTTP/0.9 request line", req: "GET / HTTP/0.9\r\nHost: x\r\n\r\n", want: 505},
		// An "http" target URI with an empty host is invalid (RFC 9110
		// §4.2.1), so refusing it is right; net/http serves it.
		{name: "empty Host", req: "GET / HTTP/1.1\r\nHost:\r\n\r\n", want: 400, stdWant: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forBoth(t, func(t *testing.T, im impl) {
				ran := make(chan string, 1)
				ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ran <- r.Method + " " + r.RequestURI
					_, _ = io.WriteString(w, "handled")
				}), serverConfig{MaxHeaderBytes: 1024})
				want := tc.want
				if im.name == "net/http" && tc.stdWant != 0 {
					want = tc.stdWant
				}
				c := dialRaw(t, ts.addr)
				c.send(tc.req)
				resp, body := c.response(http.MethodGet)
				assert.Equal(t, want, resp.StatusCode, "answer: %q", body)
				if want >= 400 {
					select {
					case r := <-ran:
						t.Errorf("the handler ran for %q", r)
					default:
					}
				}
				if want >= 400 && resp.StatusCode == want {
					assert.True(t, resp.Close, "an error answer closes the connection")
					assert.Empty(t, c.closed())
				}
			})
		})
	}
}

// TestConnectRefused proves that CONNECT, which h1server does not serve
// (no tunnels), is refused before any handler runs and the connection
// closes, with a valid refusal: either 501 (RFC 9110 §9.1: a method the
// server does not implement) or 405 with the Allow header RFC 9110 §15.5.6
// says a server MUST send with a 405. (net/http hands CONNECT to the
// handler.)
//
// (It once answered 405 without the Allow header; it answers 501 now.)
func TestConnectRefused(t *testing.T) {
	ran := make(chan struct{}, 1)
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran <- struct{}{} }), serverConfig{})
	c := dialRaw(t, ts.addr)
	c.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
	resp, body := c.response(http.MethodConnect)
	switch resp.StatusCode {
	case http.StatusNotImplemented:
	case http.StatusMethodNotAllowed:
		assert.NotEmpty(t, resp.Header.Get("Allow"), "a 405 without Allow: %q", body)
	default:
		t.Errorf("CONNECT answered %d %q", resp.StatusCode, body)
	}
	assert.Empty(t, ran, "the handler ran")
	assert.True(t, resp.Close)
	assert.Empty(t, c.closed())
}

// TestContentLengthWithChunkedCloses proves that a request carrying both
// Content-Length and "Transfer-Encoding: chunked" is read by its chunked
// framing and that the connection then closes, as RFC 9112 §6.1 requires
// ("the server MUST close the connection after responding to such a
// request"): such a request is a classic smuggling probe, and a request
// pipelined behind it must not be served.
//
// net/http's server does not: http.ReadRequest deletes the Content-Length
// of a chunked request (transfer.go, parseTransferEncoding) without marking
// it. h1server counts Content-Length fields in the raw header block
// (scanHeaders) and closes the connection after the answer.
func TestContentLengthWithChunkedCloses(t *testing.T) {
	ts := startH1(t, okHandler, serverConfig{})
	c := dialRaw(t, ts.addr)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"3\r\nabc\r\n0\r\n\r\n" + get("/smuggled"))
	resp, body := c.response(http.MethodPost)
	assert.Equal(t, "abc", body, "the chunked framing wins")
	assert.True(t, resp.Close, "the answer must say Connection: close")
	if resp.Close {
		assert.Empty(t, c.closed(), "the request behind it must not be served")
	}
}

// TestInformational proves that a 1xx a handler sends (103 Early Hints) goes
// out at once with the headers set so far, followed by the final answer on
// the same connection.
func TestInformational(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload; as=style")
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "final")
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send(get("/") + get("/"))
		resp, body := c.response(http.MethodGet)
		require.Equal(t, http.StatusEarlyHints, resp.StatusCode)
		assert.Equal(t, "</style.css>; rel=preload; as=style", resp.Header.Get("Link"))
		assert.Empty(t, body)
		for range 2 {
			resp, body = c.response(http.MethodGet)
			if resp.StatusCode == http.StatusEarlyHints {
				continue
			}
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "final", body)
		}
	})
}

// TestResponseHeaderInjection proves that CR and LF in a response header's
// value or name set by the handler cannot split the answer: no injected
// header appears, the body is intact, and the next answer is in step.
func TestResponseHeaderInjection(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/next" {
				_, _ = io.WriteString(w, "next")
				return
			}
			w.Header().Set("X-Crlf", "a\r\nSet-Cookie: injected=1")
			w.Header().Set("X-Lf", "b\nSet-Cookie: injected=2")
			w.Header().Set("X-Cr", "c\rSet-Cookie: injected=3")
			w.Header()["X-Name\r\nSet-Cookie: injected"] = []string{"4"}
			w.Header().Set("X-Split", "d\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
			_, _ = io.WriteString(w, "body")
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send(get("/") + get("/next"))
		status, h := c.rawHead()
		assert.Equal(t, "HTTP/1.1 200 OK", status)
		assert.Empty(t, h.Values("Set-Cookie"), "an injected header was sent: %v", h)
		assert.NotContains(t, h.Get("X-Crlf"), "\n")
		assert.True(t, strings.HasPrefix(h.Get("X-Crlf"), "a"), "the value is kept, its CR/LF neutralised")
		require.Equal(t, []string{"4"}, h.Values("Content-Length"), "one Content-Length, for the real body")
		body := make([]byte, 4)
		_, err := io.ReadFull(c.br, body)
		require.NoError(t, err)
		assert.Equal(t, "body", string(body))
		_, next := c.response(http.MethodGet)
		assert.Equal(t, "next", next)
	})
}

// TestHandlerPanic proves that a handler's panic closes its connection
// without an answer, is logged (except http.ErrAbortHandler), does not
// disturb other connections (one opened before, one after), and leaves no
// goroutine behind once the server is closed.
func TestHandlerPanic(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs after the server is closed
	logs := &logSink{}
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			_, _ = io.WriteString(w, "partial")
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		_, _ = io.WriteString(w, "ok")
	}), serverConfig{Log: logs.log, WatchAfter: time.Millisecond})

	before := dialRaw(t, ts.addr)
	before.send(get("/"))
	_, body := before.response(http.MethodGet)
	require.Equal(t, "ok", body)

	for _, path := range []string{"/panic", "/abort"} {
		c := dialRaw(t, ts.addr)
		c.send(get(path))
		assert.Empty(t, c.closed(), "%s: no answer, the connection closes", path)
	}
	before.send(get("/"))
	_, body = before.response(http.MethodGet)
	assert.Equal(t, "ok", body, "a connection opened before the panic still serves")
	after := dialRaw(t, ts.addr)
	after.send(get("/"))
	_, body = after.response(http.MethodGet)
	assert.Equal(t, "ok", body, "a connection opened after the panic is served")

	msgs := logs.all()
	require.Len(t, msgs, 1, "the panic logged once, ErrAbortHandler not at all: %q", msgs)
	assert.Contains(t, msgs[0], "panic")
	assert.Contains(t, msgs[0], "boom")
}

// TestUnreadBodyDrained proves that a body the handler left (wholly or
// partly) unread, small enough to drain, is drained: the connection is not
// closed and serves the next request, for Content-Length and chunked bodies,
// and a Go client reuses the connection.
func TestUnreadBodyDrained(t *testing.T) {
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/partial" {
			_, err := io.ReadFull(r.Body, make([]byte, 100))
			assert.NoError(t, err)
		}
		_, _ = io.WriteString(w, "answered "+r.URL.Path)
	}), serverConfig{})
	payload := strings.Repeat("p", 10<<10)

	for _, path := range []string{"/ignore", "/partial"} {
		t.Run("content-length "+path, func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.send(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", path, len(payload), payload))
			resp, body := c.response(http.MethodPost)
			assert.Equal(t, "answered "+path, body)
			assert.False(t, resp.Close)
			c.send(get("/next"))
			_, body = c.response(http.MethodGet)
			assert.Equal(t, "answered /next", body)
		})
		t.Run("chunked "+path, func(t *testing.T) {
			c := dialRaw(t, ts.addr)
			c.send(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n",
				path, len(payload), payload, 7, "trailer"))
			resp, body := c.response(http.MethodPost)
			assert.Equal(t, "answered "+path, body)
			assert.False(t, resp.Close)
			c.send(get("/next"))
			_, body = c.response(http.MethodGet)
			assert.Equal(t, "answered /next", body)
		})
	}

	t.Run("client reuse", func(t *testing.T) {
		client := newClient(t)
		var reused []bool
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) }})
		for range 2 {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ts.addr+"/ignore", strings.NewReader(payload))
			require.NoError(t, err)
			resp, err := client.Do(req)
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, "answered /ignore", string(b))
		}
		assert.Equal(t, []bool{false, true}, reused)
	})
}

// TestUnreadBodyTooLarge proves that with more than 256 KiB of body left
// unread the answer is still sent, says Connection: close, and the
// connection closes instead of being drained.
func TestUnreadBodyTooLarge(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "not reading that")
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		const size = 1 << 20
		c.send(fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size))
		wrote := make(chan error, 1)
		go func() { // the server stops reading and closes: this write may fail
			_ = c.SetWriteDeadline(time.Now().Add(waitLimit))
			_, err := c.Write(make([]byte, size))
			wrote <- err
		}()
		resp, body := c.response(http.MethodPost)
		assert.Equal(t, "not reading that", body)
		assert.True(t, resp.Close, "Connection: close")
		c.closed()
		recv(t, wrote, "the client's write to end")
	})
}

// TestHandlerTransferEncoding proves that a handler setting
// "Transfer-Encoding: chunked" itself (as a handler copying an upstream's
// headers would) still gets a correctly framed answer it writes plain bytes
// to: the framing is the server's, as with net/http (never the handler's
// header beside a Content-Length, which RFC 9112 §6.1 forbids).
func TestHandlerTransferEncoding(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/chunked" {
				w.Header().Set("Transfer-Encoding", "chunked")
			}
			_, _ = io.WriteString(w, "hello")
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send(get("/chunked") + get("/plain"))
		require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
		resp, err := http.ReadResponse(c.br, &http.Request{Method: http.MethodGet})
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err, "the body is not framed as its headers say")
		assert.Equal(t, "hello", string(b))
		_, body := c.response(http.MethodGet)
		assert.Equal(t, "hello", body)
	})
}

// TestShortBodyClosesConnection proves that an answer shorter than the
// Content-Length its handler declared ends with the connection closing, so
// the caller sees a truncated body rather than waiting or misreading the
// next answer.
func TestShortBodyClosesConnection(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			_, _ = io.WriteString(w, "short")
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send(get("/"))
		resp := c.responseHead(http.MethodGet)
		assert.Equal(t, int64(10), resp.ContentLength)
		b, err := io.ReadAll(resp.Body)
		assert.Equal(t, "short", string(b))
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	})
}

// ---------------------------------------------------------------------------
// 3. Timeouts
// ---------------------------------------------------------------------------

// TestReadHeaderTimeoutSlowloris proves that a caller trickling header lines
// that never end is cut off about ReadHeaderTimeout after it started, without
// being served.
func TestReadHeaderTimeoutSlowloris(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		const rht = 300 * time.Millisecond
		ts := im.start(t, okHandler, serverConfig{ReadHeaderTimeout: rht})
		c := dialRaw(t, ts.addr)
		start := time.Now()
		c.send("GET / HTTP/1.1\r\nHost: x\r\n")
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					_ = c.SetWriteDeadline(time.Now().Add(time.Second))
					if _, err := io.WriteString(c.Conn, "X-Slow: y\r\n"); err != nil {
						return
					}
				}
			}
		}()
		data := c.closed()
		elapsed := time.Since(start)
		close(stop)
		<-done
		assert.False(t, bytes.HasPrefix(data, []byte("HTTP/1.1 200")), "served: %q", data)
		assert.GreaterOrEqual(t, elapsed, rht-50*time.Millisecond)
		assert.Less(t, elapsed, rht+2*time.Second)
	})
}

// TestReadTimeoutOnBody proves that a body that never finishes arriving
// fails the handler's read with a deadline error about ReadTimeout after the
// request began, and the connection is closed after the handler's answer.
func TestReadTimeoutOnBody(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		const rt = 300 * time.Millisecond
		type result struct {
			err error
			n   int
		}
		res := make(chan result, 1)
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			res <- result{err, len(b)}
			w.WriteHeader(http.StatusRequestTimeout)
		}), serverConfig{ReadTimeout: rt})
		c := dialRaw(t, ts.addr)
		start := time.Now()
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
		r := recv(t, res, "the handler's body read to fail")
		elapsed := time.Since(start)
		require.ErrorIs(t, r.err, os.ErrDeadlineExceeded)
		assert.Equal(t, 10, r.n)
		assert.GreaterOrEqual(t, elapsed, rt-50*time.Millisecond)
		assert.Less(t, elapsed, rt+2*time.Second)
		resp, _ := c.response(http.MethodPost)
		assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
		c.closed()
	})
}

// TestIdleTimeout proves that a kept-alive connection left idle is closed
// about IdleTimeout after its last answer.
func TestIdleTimeout(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		const idle = 300 * time.Millisecond
		ts := im.start(t, okHandler, serverConfig{IdleTimeout: idle})
		c := dialRaw(t, ts.addr)
		c.send(get("/"))
		resp, _ := c.response(http.MethodGet)
		require.False(t, resp.Close)
		start := time.Now()
		assert.Empty(t, c.closed())
		elapsed := time.Since(start)
		assert.GreaterOrEqual(t, elapsed, idle-50*time.Millisecond)
		assert.Less(t, elapsed, idle+2*time.Second)
	})
}

// TestIdleOutlivesReadHeaderTimeout proves that ReadHeaderTimeout does not
// bound the idle wait between kept-alive requests: a connection idle longer
// than it (but within IdleTimeout) still serves its next request.
func TestIdleOutlivesReadHeaderTimeout(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		ts := im.start(t, okHandler, serverConfig{ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: 5 * time.Second})
		c := dialRaw(t, ts.addr)
		c.send(get("/"))
		c.response(http.MethodGet)
		time.Sleep(300 * time.Millisecond) // stay idle past ReadHeaderTimeout, on purpose
		c.send(get("/"))
		_, body := c.response(http.MethodGet)
		assert.Equal(t, "ok", body)
	})
}

// ---------------------------------------------------------------------------
// 4. The watch for callers hanging up
// ---------------------------------------------------------------------------

// hangUpHandler reports, once, when it started, then waits for its request's
// context to end and reports the context's error (nil: released by the gate).
func hangUpHandler(started chan<- struct{}, ended chan<- error, g *gate) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_, _ = io.ReadAll(r.Body)
		}
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			ended <- r.Context().Err()
		case <-g.C():
			ended <- nil
		}
	})
}

// TestHangUpCancelsContext proves that a handler waiting on its request's
// context (once its body is read) sees it cancelled when the caller closes
// its connection.
func TestHangUpCancelsContext(t *testing.T) {
	for _, req := range []string{get("/"), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"} {
		t.Run(strings.Fields(req)[0], func(t *testing.T) {
			forBoth(t, func(t *testing.T, im impl) {
				started, ended, g := make(chan struct{}, 1), make(chan error, 1), newGate()
				ts := im.start(t, hangUpHandler(started, ended, g), serverConfig{WatchAfter: time.Millisecond}, g)
				c := dialRaw(t, ts.addr)
				c.send(req)
				recv(t, started, "the handler to start")
				require.NoError(t, c.Close())
				assert.ErrorIs(t, recv(t, ended, "the request's context to be cancelled"), context.Canceled)
			})
		})
	}
}

// TestHangUpAfterReadTimeout proves that a caller hanging up is noticed even
// when the handler has run longer than ReadTimeout — the gateway's calls to
// vendors routinely do, and the gateway sets ReadTimeout.
//
// Regression: the watch once read under the request's deadline
// (start+ReadTimeout) and took its timeout for its own stop signal, so
// nothing watched the connection for the rest of the handler. It clears the
// deadline first now, as net/http's background read does.
func TestHangUpAfterReadTimeout(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		started, ended, g := make(chan struct{}, 1), make(chan error, 1), newGate()
		ts := im.start(t, hangUpHandler(started, ended, g),
			serverConfig{ReadTimeout: 200 * time.Millisecond, WatchAfter: time.Millisecond}, g)
		c := dialRaw(t, ts.addr)
		c.send(get("/"))
		recv(t, started, "the handler to start")
		time.Sleep(500 * time.Millisecond) // let the handler run past ReadTimeout, on purpose
		require.NoError(t, c.Close())
		select {
		case err := <-ended:
			assert.ErrorIs(t, err, context.Canceled)
		case <-time.After(2 * time.Second):
			t.Fatal("the handler's context was not cancelled after the caller hung up")
		}
	})
}

// TestWatchKeepsPipelinedByte proves that the byte the watch reads while a
// slow handler runs (the first of a request pipelined behind) is not lost:
// with the watch known to be reading (its goroutine is polled for), the next
// request is sent, the watch is seen to end with its byte, and once the slow
// handler is released both answers come back right — and the slow
// handler's context was not cancelled by the pipelined bytes.
func TestWatchKeepsPipelinedByte(t *testing.T) {
	for _, tc := range []struct{ name, first, second, wantFirst, wantSecond string }{
		{"GET then GET", get("/slow"), get("/fast"), "/slow []", "/fast []"},
		{"POST then POST",
			"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst",
			"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond", "/slow [first]", "/fast [second]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Zero(t, watchGoroutines(), "a watch left over from another test")
			started, release := make(chan struct{}, 1), newGate()
			ctxErr := make(chan error, 1)
			ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				assert.NoError(t, err)
				if r.URL.Path == "/slow" {
					started <- struct{}{}
					<-release.C()
					ctxErr <- r.Context().Err()
				}
				_, _ = fmt.Fprintf(w, "%s [%s]", r.URL.Path, b)
			}), serverConfig{WatchAfter: time.Millisecond}, release)
			c := dialRaw(t, ts.addr)
			c.send(tc.first)
			recv(t, started, "the slow handler to start")
			require.Eventually(t, func() bool { return watchGoroutines() == 1 }, waitLimit, time.Millisecond,
				"the watch never started")
			c.send(tc.second)
			require.Eventually(t, func() bool { return watchGoroutines() == 0 }, waitLimit, time.Millisecond,
				"the watch did not end on reading the pipelined byte")
			release.open()
			assert.NoError(t, recv(t, ctxErr, "the slow handler"), "pipelined bytes are not a hang-up")

			_, body := c.response(http.MethodGet)
			assert.Equal(t, tc.wantFirst, body)
			resp, body := c.response(http.MethodGet)
			assert.Equal(t, tc.wantSecond, body)
			assert.False(t, resp.Close)
		})
	}
}

// TestWatchStress proves, under the race detector, that a watch starting as
// early as it can (WatchAfter 1ns, handlers busy ~100µs) never loses or
// reorders bytes of the requests behind it: many requests on one
// connection, sent one at a time and then pipelined in fragments of 1 to 7
// bytes, are all answered right and in order.
func TestWatchStress(t *testing.T) {
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		assert.NoError(t, err)
		time.Sleep(100 * time.Microsecond) // the handler's own work, during which the watch runs
		assert.NoError(t, r.Context().Err(), "%s: pipelined bytes taken for a hang-up", r.URL.Path)
		_, _ = fmt.Fprintf(w, "%s:%s", r.URL.Path, b)
	}), serverConfig{WatchAfter: time.Nanosecond})
	const n = 200
	request := func(i int) (string, string) {
		if i%2 == 0 {
			return get(fmt.Sprintf("/%d", i)), fmt.Sprintf("/%d:", i)
		}
		b := strings.Repeat(strconv.Itoa(i%10), i%37+1)
		return fmt.Sprintf("POST /%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", i, len(b), b),
			fmt.Sprintf("/%d:%s", i, b)
	}

	t.Run("one at a time", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		for i := range n {
			req, want := request(i)
			c.send(req)
			_, body := c.response(http.MethodGet)
			require.Equal(t, want, body)
		}
	})
	t.Run("pipelined in fragments", func(t *testing.T) {
		c := dialRaw(t, ts.addr)
		var stream strings.Builder
		wants := make([]string, n)
		for i := range n {
			req, want := request(i)
			stream.WriteString(req)
			wants[i] = want
		}
		wrote := make(chan error, 1)
		go func() {
			data := stream.String()
			_ = c.SetWriteDeadline(time.Now().Add(4 * waitLimit))
			for k := 0; len(data) > 0; k++ {
				size := min(k%7+1, len(data))
				if _, err := io.WriteString(c.Conn, data[:size]); err != nil {
					wrote <- err
					return
				}
				data = data[size:]
				if k%5 == 0 {
					time.Sleep(20 * time.Microsecond) // let fragments go out separately
				}
			}
			wrote <- nil
		}()
		for i := range n {
			_, body := c.response(http.MethodGet)
			require.Equal(t, wants[i], body)
		}
		require.NoError(t, recv(t, wrote, "the writer"))
	})
}

// ---------------------------------------------------------------------------
// 5. Streaming
// ---------------------------------------------------------------------------

// TestFlushDeliversEachChunk proves that each Flush puts what was written so
// far on the wire as its own chunk: the handler writes the next event only
// after the client has read the previous one, so an unsent flush would
// deadlock (and fail on the read deadline).
func TestFlushDeliversEachChunk(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		next, g := make(chan struct{}), newGate()
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			for i := range 5 {
				_, _ = fmt.Fprintf(w, "event-%d\n", i)
				w.(http.Flusher).Flush()
				select {
				case <-next:
				case <-g.C():
					return
				}
			}
		}), serverConfig{}, g)
		c := dialRaw(t, ts.addr)
		c.send(get("/"))
		resp := c.responseHead(http.MethodGet)
		require.Equal(t, []string{"chunked"}, resp.TransferEncoding)
		events := bufio.NewReader(resp.Body)
		for i := range 5 {
			require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
			line, err := events.ReadString('\n')
			require.NoError(t, err, "event %d was not flushed", i)
			require.Equal(t, fmt.Sprintf("event-%d\n", i), line)
			select {
			case next <- struct{}{}:
			case <-time.After(waitLimit):
				t.Fatal("the handler is not waiting for the next step")
			}
		}
		rest, err := io.ReadAll(events)
		require.NoError(t, err)
		assert.Empty(t, rest)
		c.send(get("/again")) // the last chunk ended the answer: the connection goes on
		c.responseHead(http.MethodGet)
	})
}

// TestSetWriteDeadline proves that http.ResponseController.SetWriteDeadline
// works: writing to a caller that stops reading fails with a deadline error
// soon after the deadline, instead of blocking.
func TestSetWriteDeadline(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		type result struct {
			setErr, err error
			elapsed     time.Duration
		}
		res := make(chan result, 1)
		const deadline = 300 * time.Millisecond
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			if err := http.NewResponseController(w).SetWriteDeadline(start.Add(deadline)); err != nil {
				res <- result{setErr: err}
				return
			}
			buf := bytes.Repeat([]byte("x"), 64<<10)
			for time.Since(start) < 2*waitLimit {
				if _, err := w.Write(buf); err != nil {
					res <- result{err: err, elapsed: time.Since(start)}
					return
				}
			}
			res <- result{elapsed: time.Since(start)}
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send(get("/")) // and never read
		r := recv(t, res, "the handler's write to fail")
		require.NoError(t, r.setErr)
		require.ErrorIs(t, r.err, os.ErrDeadlineExceeded)
		assert.GreaterOrEqual(t, r.elapsed, deadline-50*time.Millisecond)
		assert.Less(t, r.elapsed, deadline+2*time.Second)
	})
}

// TestWriteDeadlineDoesNotOutliveRequest proves that a write deadline one
// handler set does not fail the answer to the connection's next request.
func TestWriteDeadlineDoesNotOutliveRequest(t *testing.T) {
	forBoth(t, func(t *testing.T, im impl) {
		big := strings.Repeat("y", 1<<20)
		ts := im.start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/deadline" {
				assert.NoError(t, http.NewResponseController(w).SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
				_, _ = io.WriteString(w, "short")
				return
			}
			_, err := io.WriteString(w, big)
			assert.NoError(t, err)
		}), serverConfig{})
		c := dialRaw(t, ts.addr)
		c.send(get("/deadline"))
		_, body := c.response(http.MethodGet)
		require.Equal(t, "short", body)
		time.Sleep(150 * time.Millisecond) // let the first request's deadline pass, on purpose
		c.send(get("/big"))
		_, body = c.response(http.MethodGet)
		assert.Equal(t, len(big), len(body))
	})
}

// ---------------------------------------------------------------------------
// 6. Shutdown and Close
// ---------------------------------------------------------------------------

// TestShutdownClosesIdleConnections proves that Shutdown closes idle
// connections (a kept-alive one, and one that never sent a request) at once,
// returns nil promptly, stops accepting, and makes Serve return
// http.ErrServerClosed.
func TestShutdownClosesIdleConnections(t *testing.T) {
	ts := startH1(t, okHandler, serverConfig{})
	kept := dialRaw(t, ts.addr)
	kept.send(get("/"))
	kept.response(http.MethodGet)
	silent := dialRaw(t, ts.addr)

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	start := time.Now()
	require.NoError(t, ts.h1.Shutdown(ctx))
	assert.Less(t, time.Since(start), time.Second)
	assert.Empty(t, kept.closed())
	assert.Empty(t, silent.closed())
	assert.ErrorIs(t, ts.waitServe(t), http.ErrServerClosed)
	_, err := net.DialTimeout("tcp", ts.addr, time.Second)
	assert.Error(t, err, "the listener is closed")
}

// TestShutdownLetsInFlightFinish proves that Shutdown waits for a request in
// flight: Serve returns at once, Shutdown does not, the answer then arrives
// whole with Connection: close, the connection closes, and Shutdown returns
// nil.
func TestShutdownLetsInFlightFinish(t *testing.T) {
	started, release := make(chan struct{}, 1), newGate()
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release.C()
		_, _ = io.WriteString(w, "finished")
	}), serverConfig{}, release)
	c := dialRaw(t, ts.addr)
	c.send(get("/"))
	recv(t, started, "the handler to start")

	shutdown := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		shutdown <- ts.h1.Shutdown(ctx)
	}()
	require.ErrorIs(t, ts.waitServe(t), http.ErrServerClosed)
	select {
	case err := <-shutdown:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	release.open()
	resp, body := c.response(http.MethodGet)
	assert.Equal(t, "finished", body)
	assert.True(t, resp.Close, "the answer says Connection: close")
	assert.Empty(t, c.closed())
	assert.NoError(t, recv(t, shutdown, "Shutdown to return"))
}

// TestShutdownExpiredContextThenClose proves that Shutdown gives up with its
// context's error while a handler is stuck, leaving it running, and that
// Close then ends it: the connection closes and the handler's context is
// cancelled.
func TestShutdownExpiredContextThenClose(t *testing.T) {
	started, ended, g := make(chan struct{}, 1), make(chan error, 1), newGate()
	ts := startH1(t, hangUpHandler(started, ended, g), serverConfig{WatchAfter: time.Millisecond}, g)
	c := dialRaw(t, ts.addr)
	c.send(get("/"))
	recv(t, started, "the handler to start")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, ts.h1.Shutdown(ctx), context.DeadlineExceeded)
	select {
	case err := <-ended:
		t.Fatalf("the handler ended (%v) before Close", err)
	default:
	}
	require.NoError(t, ts.h1.Close())
	assert.ErrorIs(t, recv(t, ended, "the handler to end after Close"), context.Canceled)
	c.closed()
	assert.ErrorIs(t, ts.waitServe(t), http.ErrServerClosed)
}

// TestServeAfterShutdown proves that Serve on a server already shut down
// returns http.ErrServerClosed at once and closes the listener it was given.
func TestServeAfterShutdown(t *testing.T) {
	s := &h1server.Server{Handler: okHandler}
	require.NoError(t, s.Shutdown(context.Background()))
	l := listen(t)
	require.ErrorIs(t, s.Serve(l), http.ErrServerClosed)
	_, err := net.DialTimeout("tcp", l.Addr().String(), time.Second)
	assert.Error(t, err, "the listener is closed")
}

// ---------------------------------------------------------------------------
// 7. An answer sent as soon as it is complete
// ---------------------------------------------------------------------------

// TestAnswerSentWhenComplete proves that an answer whose handler set a
// Content-Length and wrote all of it reaches the client while the handler is
// still running (blocked here until the client has the whole answer), with a
// body-less GET and with a POST whose body the handler read; the connection
// is then reused. net/http sends only when the handler returns, so this is
// h1server's alone.
func TestAnswerSentWhenComplete(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			release := newGate()
			returned := make(chan struct{}, 2)
			ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer func() { returned <- struct{}{} }()
				b, err := io.ReadAll(r.Body)
				assert.NoError(t, err)
				if r.URL.Path != "/hold" {
					_, _ = w.Write(b)
					return
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(b)+5))
				_, _ = io.WriteString(w, "hello")
				_, _ = w.Write(b)
				<-release.C()
			}), serverConfig{}, release)
			client := newClient(t)
			var reused []bool
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotConn: func(info httptrace.GotConnInfo) { reused = append(reused, info.Reused) }})
			do := func(path, body string) string {
				req, err := http.NewRequestWithContext(ctx, method, "http://"+ts.addr+path, strings.NewReader(body))
				require.NoError(t, err)
				resp, err := client.Do(req)
				require.NoError(t, err, "the answer did not arrive while the handler ran")
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				return string(b)
			}
			body := ""
			if method == http.MethodPost {
				body = " world"
			}
			assert.Equal(t, "hello"+body, do("/hold", body))
			select {
			case <-returned:
				t.Fatal("the handler returned before it was released")
			default:
			}
			release.open()
			recv(t, returned, "the handler to return")
			assert.Equal(t, "again", do("/echo", "again"))
			assert.Equal(t, []bool{false, true}, reused)
		})
	}
}
