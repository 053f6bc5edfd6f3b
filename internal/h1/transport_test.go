package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// counting is a Transport whose dials are counted.
func counting(t *Transport) (*Transport, *atomic.Int64) {
	var n atomic.Int64
	var d net.Dialer
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	return t, &n
}

func get(t *testing.T, tr http.RoundTripper, ctx context.Context, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, string(b)
}

// Every framing net/http's server uses is read whole, and a connection that
// may carry another request is reused; one that may not is closed.
func TestReuseByFraming(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length":
			_, _ = io.WriteString(w, "hello")
		case "/chunked":
			for _, s := range []string{"he", "ll", "o"} {
				_, _ = io.WriteString(w, s)
				w.(http.Flusher).Flush()
			}
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "hello")
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		path  string
		body  string
		dials int64
	}{
		{"/length", "hello", 1}, {"/chunked", "hello", 1}, {"/empty", "", 1}, {"/close", "hello", 5},
	} {
		t.Run(tc.path, func(t *testing.T) {
			tr, dials := counting(&Transport{MaxIdleConnsPerHost: 4})
			defer tr.CloseIdleConnections()
			for range 5 {
				_, body := get(t, tr, context.Background(), srv.URL+tc.path)
				assert.Equal(t, tc.body, body)
			}
			assert.Equal(t, tc.dials, dials.Load())
		})
	}
}

// A caller that stops at a stream's last event, before the chunked body's
// end, still leaves a reusable connection; one that stops in the middle of a
// body that goes on does not, and its Close does not wait for the rest.
func TestCloseBeforeTheEnd(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "data: a\n\ndata: [DONE]\n\n")
		w.(http.Flusher).Flush()
		if r.URL.Path == "/endless" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	tr, dials := counting(&Transport{MaxIdleConnsPerHost: 4})
	defer tr.CloseIdleConnections()
	read := func(path string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			if strings.Contains(line, "[DONE]") {
				break
			}
		}
		require.NoError(t, resp.Body.Close())
	}
	for range 5 {
		read("/done")
	}
	assert.Equal(t, int64(1), dials.Load(), "a stream closed at its end marker leaves its connection in the pool")
	read("/endless")
	read("/done")
	assert.Equal(t, int64(2), dials.Load(), "a body cut in the middle closes its connection")
}

// An idle connection the server has closed is not used: the next request
// dials instead of failing.
func TestServerClosedIdleConnection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	tr, dials := counting(&Transport{MaxIdleConnsPerHost: 4})
	defer tr.CloseIdleConnections()
	get(t, tr, context.Background(), srv.URL)
	srv.CloseClientConnections()
	// The server's close is a FIN on its way; wait until the socket shows it,
	// as a later request would find it, by asking the pooled conn itself.
	c := idleConn(t, tr)
	require.Eventually(t, func() bool { return !c.alive() }, 5*time.Second, time.Millisecond)
	for range 3 {
		_, body := get(t, tr, context.Background(), srv.URL)
		assert.Equal(t, "ok", body)
	}
	assert.Equal(t, int64(2), dials.Load())
}

// idleConn is the one idle connection in tr's pool.
func idleConn(t *testing.T, tr *Transport) *conn {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var all []*conn
	for _, h := range tr.hosts {
		all = append(all, h.idle...)
	}
	require.Len(t, all, 1)
	return all[0]
}

// A done context ends a call wherever it waits — on the header, in the
// body, on the connection cap — with the context's error, and the connection
// it held is not pooled.
func TestContextEndsTheCall(t *testing.T) {
	arrived := make(chan struct{}, 8)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fresh" {
			_, _ = io.WriteString(w, "ok")
			return
		}
		arrived <- struct{}{}
		if r.URL.Path == "/body" {
			_, _ = io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	tr, dials := counting(&Transport{MaxIdleConnsPerHost: 4})
	defer tr.CloseIdleConnections()

	t.Run("header", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-arrived; cancel() }()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/header", nil)
		_, err := tr.RoundTrip(req)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("body", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/body", nil)
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		<-arrived
		buf := make([]byte, 7)
		_, err = io.ReadFull(resp.Body, buf)
		require.NoError(t, err)
		cancel()
		_, err = resp.Body.Read(buf)
		assert.ErrorIs(t, err, context.Canceled)
		require.NoError(t, resp.Body.Close())
	})
	before := dials.Load()
	get(t, tr, context.Background(), srv.URL+"/fresh") // fails if a cut connection had been pooled
	assert.Equal(t, before+1, dials.Load(), "no cut connection went back to the pool")
}

// A context that ends after its call has finished leaves nothing behind: the
// pooled connection carries no deadline into the next call.
func TestEndedContextDoesNotPoisonThePool(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	tr, dials := counting(&Transport{MaxIdleConnsPerHost: 4})
	defer tr.CloseIdleConnections()
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		get(t, tr, ctx, srv.URL)
		cancel()
	}
	_, body := get(t, tr, context.Background(), srv.URL)
	assert.Equal(t, "ok", body)
	assert.Equal(t, int64(1), dials.Load())
}

func TestResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	defer close(release)
	tr := &Transport{ResponseHeaderTimeout: 50 * time.Millisecond}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/slow", nil)
	_, err := tr.RoundTrip(req)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.Contains(t, err.Error(), "timeout awaiting response headers")
	// The timeout bounds the header only: a body may take longer.
	_, body := get(t, tr, context.Background(), srv.URL+"/fast")
	assert.Equal(t, "ok", body)
}

// MaxConnsPerHost: a request past the cap waits for a connection to come
// back (or for its context), and then reuses it.
func TestMaxConnsPerHost(t *testing.T) {
	arrived := make(chan string, 4)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- r.URL.Path
		_, _ = io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		if r.URL.Path == "/first" {
			<-release
		}
	}))
	defer srv.Close()
	tr, dials := counting(&Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 4})
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/first", nil)
	first, err := tr.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, "/first", <-arrived)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/cancelled", nil)
	_, err = tr.RoundTrip(req)
	assert.ErrorIs(t, err, context.Canceled, "a caller waiting on the cap leaves when its context ends")

	done := make(chan string)
	go func() {
		_, body := get(t, tr, context.Background(), srv.URL+"/second")
		done <- body
	}()
	select {
	case p := <-arrived:
		t.Fatalf("%s reached the server while the only connection was in use", p)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	_, err = io.ReadAll(first.Body)
	require.NoError(t, err)
	require.NoError(t, first.Body.Close())
	assert.Equal(t, "a", <-done)
	assert.Equal(t, "/second", <-arrived)
	assert.Equal(t, int64(1), dials.Load())
}

// Close from another goroutine ends a Read that waits on the connection.
func TestCloseEndsAWaitingRead(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	readErr := make(chan error)
	go func() {
		_, err := resp.Body.Read(make([]byte, 8))
		readErr <- err
	}()
	// Close until the reader is in Read (TryLock fails), then it must end.
	b := resp.Body.(*body)
	require.Eventually(t, func() bool {
		if b.mu.TryLock() {
			b.mu.Unlock()
			return false
		}
		return true
	}, 5*time.Second, time.Millisecond)
	require.NoError(t, resp.Body.Close())
	assert.ErrorIs(t, <-readErr, errReadOnClosed)
	_, err = resp.Body.Read(make([]byte, 8))
	assert.ErrorIs(t, err, errReadOnClosed)
	require.NoError(t, resp.Body.Close(), "a second Close is harmless")
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	defer srv.Close()
	tr, dials := counting(&Transport{TLSClientConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone(),
		TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 4})
	defer tr.CloseIdleConnections()
	for range 3 {
		resp, body := get(t, tr, context.Background(), srv.URL)
		assert.Equal(t, "HTTP/1.1", body)
		require.NotNil(t, resp.TLS)
		assert.Equal(t, "http/1.1", resp.TLS.NegotiatedProtocol)
	}
	assert.Equal(t, int64(1), dials.Load())

	// The server's close of an idle TLS connection is seen through tls.Conn.
	srv.CloseClientConnections()
	c := idleConn(t, tr)
	require.Eventually(t, func() bool { return !c.alive() }, 5*time.Second, time.Millisecond)
	_, body := get(t, tr, context.Background(), srv.URL)
	assert.Equal(t, "HTTP/1.1", body)

	// An unknown authority fails the handshake.
	bad := &Transport{TLSClientConfig: &tls.Config{}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	_, err := bad.RoundTrip(req)
	assert.ErrorContains(t, err, "certificate")
}

// A request the environment sends through a proxy goes to Fallback.
func TestProxyGoesToFallback(t *testing.T) {
	var used atomic.Int64
	tr := &Transport{
		Proxy: func(r *http.Request) (*url.URL, error) {
			if r.URL.Host == "via-proxy.invalid" {
				return url.Parse("http://proxy.invalid:3128")
			}
			return nil, nil
		},
		Fallback: func() http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				used.Add(1)
				return &http.Response{StatusCode: http.StatusTeapot, Body: http.NoBody, Request: r}, nil
			})
		},
	}
	req, _ := http.NewRequest(http.MethodGet, "http://via-proxy.invalid/x", nil)
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	assert.Equal(t, int64(1), used.Load())

	none := &Transport{Proxy: tr.Proxy}
	_, err = none.RoundTrip(req)
	assert.ErrorContains(t, err, "no Fallback")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// httptrace sees the connection (new, then reused) and each step.
func TestTrace(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	tr := &Transport{MaxIdleConnsPerHost: 4}
	defer tr.CloseIdleConnections()
	var mu sync.Mutex
	var events []string
	add := func(s string) { mu.Lock(); events = append(events, s); mu.Unlock() }
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GetConn:              func(string) { add("get") },
		GotConn:              func(i httptrace.GotConnInfo) { add(map[bool]string{true: "reused", false: "new"}[i.Reused]) },
		ConnectDone:          func(string, string, error) { add("connected") },
		WroteRequest:         func(httptrace.WroteRequestInfo) { add("wrote") },
		GotFirstResponseByte: func() { add("first byte") },
	})
	get(t, tr, ctx, srv.URL)
	get(t, tr, ctx, srv.URL)
	assert.Equal(t, []string{"get", "connected", "new", "wrote", "first byte", "get", "reused", "wrote", "first byte"}, events)
}

// 1xx answers before the real one are skipped.
func TestInformationalAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	resp, body := get(t, tr, context.Background(), srv.URL)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "ok", body)
}

// Idle connections close after IdleConnTimeout, and at CloseIdleConnections.
func TestIdleConnectionsClose(t *testing.T) {
	closed := make(chan struct{}, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()

	short := &Transport{IdleConnTimeout: 20 * time.Millisecond}
	get(t, short, context.Background(), srv.URL)
	<-closed // the timer closed it: the server saw the close

	long := &Transport{IdleConnTimeout: time.Hour}
	get(t, long, context.Background(), srv.URL)
	long.CloseIdleConnections()
	<-closed
	long.mu.Lock()
	for _, h := range long.hosts {
		assert.Zero(t, h.open)
		assert.Empty(t, h.idle)
	}
	long.mu.Unlock()
}

func TestBadRequests(t *testing.T) {
	tr := &Transport{}
	for _, tc := range []struct {
		url, want string
	}{
		{"ftp://example.invalid/x", "unsupported protocol scheme"},
		{"http:///nohost", "no Host"},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		require.NoError(t, err)
		_, err = tr.RoundTrip(req)
		assert.ErrorContains(t, err, tc.want)
	}
	// Nothing listening (port 1: a port freed by closing a listener can be
	// taken by another test's server first): the dial's error, unchanged.
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1", nil)
	_, err := tr.RoundTrip(req)
	var oe *net.OpError
	assert.True(t, errors.As(err, &oe), "%v", err)
}

// A server that closes in the middle of the header fails the call and loses the
// connection; the error is not read as an answer cut short (io.ErrUnexpectedEOF).
func TestConnectionEndsBeforeTheHeader(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = bufio.NewReader(c).ReadString('\n')
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")
		_ = c.Close()
	}()
	tr := &Transport{}
	req, _ := http.NewRequest(http.MethodGet, "http://"+l.Addr().String(), nil)
	_, err = tr.RoundTrip(req)
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Contains(t, err.Error(), "closed before the response header")
}
