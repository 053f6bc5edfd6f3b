package h1

// Checks of behaviour found correct in the review (they pass).

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// keepServer answers every request on a connection with answer(i) (i counts
// the connection's requests), counting connections.
func keepServer(t *testing.T, conns *atomic.Int32, answer func(i int, req *http.Request) string) string {
	return rawServer(t, func(c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		for i := 0; ; i++ {
			req, err := readReq(br)
			if err != nil {
				return
			}
			a := answer(i, req)
			if a == "" {
				return
			}
			if _, err := io.WriteString(c, a); err != nil {
				return
			}
		}
	})
}

func ok2(int, *http.Request) string { return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" }

func TestCheckReuseAndNoReuse(t *testing.T) {
	noLeak(t)
	cases := []struct {
		name   string
		method string
		answer string
		body   string
		reuse  bool
	}{
		{"content-length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", true},
		{"chunked+trailer", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n2\r\nok\r\n0\r\nX-T: v\r\n\r\n", "ok", true},
		{"head", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "", true},
		{"204", "GET", "HTTP/1.1 204 No Content\r\n\r\n", "", true},
		{"304", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", "", true},
		{"1xx", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", true},
		{"connection-close", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "ok", false},
		{"http/1.0", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", false},
		{"close-delimited", "GET", "HTTP/1.1 200 OK\r\n\r\nok", "ok", false},
		{"extra-bytes", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK", "ok", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int32
			url := keepServer(t, &conns, func(i int, r *http.Request) string {
				if i > 0 && !tc.reuse {
					return ""
				}
				if strings.HasSuffix(tc.answer, "\r\n\r\nok") && tc.name == "close-delimited" {
					return tc.answer // the server closes after (serve returns on next read error)
				}
				return tc.answer
			})
			if tc.name == "close-delimited" {
				url = rawServer(t, func(c net.Conn) {
					conns.Add(1)
					readReq(bufio.NewReader(c))
					io.WriteString(c, tc.answer)
					c.Close()
				})
			}
			tr := &Transport{}
			defer tr.CloseIdleConnections()
			for range 3 {
				resp, err := tr.RoundTrip(mustReq(t, context.Background(), tc.method, url, nil))
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(b) != tc.body {
					t.Fatalf("body %q, %v", b, err)
				}
				if tc.name == "chunked+trailer" && resp.Trailer.Get("X-T") != "v" {
					t.Fatalf("trailer %v", resp.Trailer)
				}
			}
			want := int32(1)
			if !tc.reuse {
				want = 3
			}
			if got := conns.Load(); got != want {
				t.Fatalf("%d connections, want %d", got, want)
			}
			if tc.reuse && idleCount(tr) != 1 {
				t.Fatalf("idle %d", idleCount(tr))
			}
			tr.CloseIdleConnections()
			if n := openCount(tr); n != 0 {
				t.Fatalf("open %d", n)
			}
		})
	}
}

// Close from another goroutine while Read blocks ends the Read at once, and
// the connection is closed, not pooled.
func TestCheckCloseWhileReadBlocked(t *testing.T) {
	noLeak(t)
	stop := make(chan struct{})
	defer close(stop)
	url := rawServer(t, func(c net.Conn) {
		readReq(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
		<-stop
	})
	tr := &Transport{}
	for _, ctx := range []context.Context{context.Background(), t.Context()} {
		resp, err := tr.RoundTrip(mustReq(t, ctx, "GET", url, nil))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		io.ReadFull(resp.Body, buf)
		errc := make(chan error, 1)
		started := make(chan struct{})
		go func() {
			close(started)
			_, err := resp.Body.Read(make([]byte, 10))
			errc <- err
		}()
		<-started
		// Close until the Read is seen blocked (TryLock fails) or Close drained.
		resp.Body.Close()
		var rerr error
		if !within(5*time.Second, func() { rerr = <-errc }) {
			t.Fatal("Read still blocked after Close")
		}
		if rerr == nil || rerr == io.EOF {
			t.Fatalf("Read after Close: %v", rerr)
		}
		if idleCount(tr) != 0 || openCount(tr) != 0 {
			t.Fatalf("idle %d open %d", idleCount(tr), openCount(tr))
		}
	}
}

// A context done during each phase ends the call promptly with the context's
// error; nothing is left open.
func TestCheckCancelPhases(t *testing.T) {
	noLeak(t)
	stop := make(chan struct{})
	defer close(stop)
	phase := map[string]string{}
	var mu sync.Mutex
	url := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		mu.Lock()
		p := phase[req.URL.Path]
		mu.Unlock()
		switch p {
		case "write":
			<-stop // never read the body
		case "header":
			io.Copy(io.Discard, req.Body)
			<-stop
		case "body":
			io.Copy(io.Discard, req.Body)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
			<-stop
		}
	})
	for _, p := range []string{"write", "header", "body"} {
		for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
			mu.Lock()
			phase["/"+p] = p
			mu.Unlock()
			tr := &Transport{ResponseHeaderTimeout: time.Minute}
			ctx, cancel := context.WithCancel(context.Background())
			if cause == context.DeadlineExceeded {
				ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
			}
			var body io.Reader
			if p == "write" {
				body = bytes.NewReader(bytes.Repeat([]byte("x"), 64<<20))
			}
			req := mustReq(t, ctx, "POST", url+"/"+p, body)
			var err error
			if !within(10*time.Second, func() {
				if cause == context.Canceled {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
				var resp *http.Response
				resp, err = tr.RoundTrip(req)
				if err == nil {
					_, err = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
			}) {
				t.Fatalf("%s/%v: not ended", p, cause)
			}
			cancel()
			if !errors.Is(err, cause) {
				t.Fatalf("%s: err %v, want %v", p, err, cause)
			}
			if openCount(tr) != 0 {
				t.Fatalf("%s: open %d", p, openCount(tr))
			}
		}
	}
}

// A context done after the body ended leaves no deadline on the pooled
// connection: the next request on it succeeds.
func TestCheckCancelAfterBodyEndThenReuse(t *testing.T) {
	var conns atomic.Int32
	url := keepServer(t, &conns, ok2)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	for range 200 {
		ctx, cancel := context.WithCancel(context.Background())
		resp, err := tr.RoundTrip(mustReq(t, ctx, "GET", url, nil))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		go cancel() // races the Close/release
		resp.Body.Close()
		if got := getBody(t, tr, url); got != "ok" {
			t.Fatal(got)
		}
	}
	t.Logf("%d connections for 400 requests", conns.Load())
}

// ResponseHeaderTimeout bounds the header only: a body slower than it reads.
func TestCheckHeaderTimeout(t *testing.T) {
	next := make(chan struct{})
	url := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := readReq(br)
		if err != nil {
			return
		}
		if req.URL.Path == "/slowheader" {
			<-next
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab")
		<-next
		io.WriteString(c, "cd")
	})
	tr := &Transport{ResponseHeaderTimeout: 100 * time.Millisecond}
	defer tr.CloseIdleConnections()
	_, err := tr.RoundTrip(mustReq(t, context.Background(), "GET", url+"/slowheader", nil))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err %v, want a timeout", err)
	}
	next <- struct{}{}
	resp, err := tr.RoundTrip(mustReq(t, context.Background(), "GET", url, nil))
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, func() { close(next) })
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "abcd" {
		t.Fatalf("%q %v", b, err)
	}
}

// wrapConn hides the socket behind NetConn, as harbor's countedConn does.
type wrapConn struct{ net.Conn }

func (c *wrapConn) NetConn() net.Conn { return c.Conn }

// An idle connection the server closed is not reused: plain, TLS, and under
// a NetConn wrapper.
func TestCheckServerClosedIdleDetected(t *testing.T) {
	scfg, ccfg := tlsPair(t)
	for _, mode := range []string{"plain", "tls", "wrapped-tls"} {
		t.Run(mode, func(t *testing.T) {
			var conns atomic.Int32
			closed := make(chan struct{}, 10)
			url := rawServer(t, func(raw net.Conn) {
				conns.Add(1)
				var c net.Conn = raw
				if mode != "plain" {
					c = tls.Server(raw, scfg)
				}
				readReq(bufio.NewReader(c))
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				c.Close() // without Connection: close
				closed <- struct{}{}
			})
			tr := &Transport{TLSClientConfig: ccfg}
			if mode != "plain" {
				url = "https" + strings.TrimPrefix(url, "http")
			}
			if mode == "wrapped-tls" {
				tr.DialContext = func(ctx context.Context, n, a string) (net.Conn, error) {
					var d net.Dialer
					c, err := d.DialContext(ctx, n, a)
					if err != nil {
						return nil, err
					}
					return &wrapConn{c}, nil
				}
			}
			defer tr.CloseIdleConnections()
			for i := range 3 {
				if got := getBody(t, tr, url); got != "ok" {
					t.Fatal(got)
				}
				<-closed
				_ = i
			}
			if conns.Load() != 3 {
				t.Fatalf("%d conns", conns.Load())
			}
		})
	}
}

// TLS: reuse, ServerName, ALPN, resp.TLS.
func TestCheckTLSReuse(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Proto, r.TLS.ServerName)
	}))
	defer srv.Close()
	ccfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	tr := &Transport{TLSClientConfig: ccfg}
	defer tr.CloseIdleConnections()
	url := strings.Replace(srv.URL, "127.0.0.1", "example.com", 1)
	tr.DialContext = func(ctx context.Context, n, a string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, n, srv.Listener.Addr().String())
	}
	var reused []bool
	for range 3 {
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) },
		})
		resp, err := tr.RoundTrip(mustReq(t, ctx, "GET", url, nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "HTTP/1.1 example.com" || resp.TLS == nil || resp.TLS.NegotiatedProtocol != "http/1.1" {
			t.Fatalf("%q %+v", b, resp.TLS)
		}
	}
	if fmt.Sprint(reused) != "[false true true]" {
		t.Fatalf("reused %v", reused)
	}
}

// MaxConnsPerHost: waiters get connections, cancelled waiters leave, the
// open count returns to zero.
func TestCheckMaxConnsPerHost(t *testing.T) {
	noLeak(t)
	var conns, active, peak atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := active.Add(1)
		defer active.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	tr := &Transport{MaxConnsPerHost: 3, MaxIdleConnsPerHost: 1, IdleConnTimeout: time.Millisecond}
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	var fails atomic.Int32
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				ctx, cancel := context.WithCancel(context.Background())
				if (g+i)%7 == 0 {
					cancel()
				}
				path := "/"
				if i%5 == 0 {
					path = "/close"
				}
				resp, err := tr.RoundTrip(mustReq(t, ctx, "GET", srv.URL+path, nil))
				if err == nil {
					io.ReadAll(resp.Body)
					resp.Body.Close()
				} else if !errors.Is(err, context.Canceled) {
					fails.Add(1)
				}
				cancel()
				if i%10 == 0 {
					tr.CloseIdleConnections()
				}
			}
		}()
	}
	wg.Wait()
	tr.CloseIdleConnections()
	if fails.Load() > 0 {
		t.Fatalf("%d failures", fails.Load())
	}
	if peak.Load() > 3 {
		t.Fatalf("peak %d > cap", peak.Load())
	}
	if n := openCount(tr); n != 0 {
		t.Fatalf("open %d", n)
	}
}

type errAfter struct{ n int }

func (r *errAfter) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("body broke")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// Request bodies: unknown length (chunked), zero length, a body that fails.
func TestCheckRequestBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d %v %d %v", r.ContentLength, r.TransferEncoding, len(b), err)
	}))
	defer srv.Close()
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	do := func(body io.Reader, cl int64) (string, error) {
		req := mustReq(t, context.Background(), "POST", srv.URL, body)
		req.ContentLength = cl
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if got, err := do(io.MultiReader(strings.NewReader("abc")), -1); got != "-1 [chunked] 3 <nil>" {
		t.Fatal(got, err)
	}
	if got, err := do(http.NoBody, 0); got != "0 [] 0 <nil>" {
		t.Fatal(got, err)
	}
	if _, err := do(&errAfter{10000}, -1); err == nil || !strings.Contains(err.Error(), "body broke") {
		t.Fatal(err)
	}
	if n := openCount(tr); n != 1 && n != 0 {
		t.Fatalf("open %d", n)
	}
	if got, err := do(strings.NewReader("x"), 1); got != "1 [] 1 <nil>" {
		t.Fatal(got, err)
	}
}

// noLeak checks, after every other cleanup (servers included), that the test
// left no goroutine.
func noLeak(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}
