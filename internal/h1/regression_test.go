package h1

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// BUG: a request whose context is already done, on a pooled connection, is
// written to the server anyway (the context's AfterFunc runs in its own
// goroutine, after the caller has written the request), and only the read of
// the answer fails. For an LLM call the vendor runs (and bills) a call its
// caller had already given up. net/http checks the context before it writes.
func TestReviewDoneContextStillSendsRequestOnPooledConn(t *testing.T) {
	const rounds = 20
	sent := 0
	for range rounds {
		extra := make(chan int64, 1)
		url := rawServer(t, func(c net.Conn) {
			br := bufio.NewReader(c)
			if _, err := readReq(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			n, _ := io.Copy(io.Discard, br) // until the client closes the connection
			extra <- n
		})
		tr := &Transport{}
		if got := getBody(t, tr, url); got != "ok" {
			t.Fatalf("first answer %q", got)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := tr.RoundTrip(mustReq(t, ctx, "POST", url, strings.NewReader(`{"model":"m"}`)))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		tr.CloseIdleConnections() // the server reads until the connection closes
		if n := <-extra; n > 0 {
			sent++
		}
	}
	if sent > 0 {
		t.Errorf("%d of %d requests with a context done before RoundTrip reached the server", sent, rounds)
	}
}

// hookConn calls onWrite (once) after its first Write, and signals every
// SetDeadline (the context's interrupt) on deadlines.
type hookConn struct {
	net.Conn
	onWrite   func()
	deadlines chan struct{}
}

func (c *hookConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if f := c.onWrite; f != nil {
		c.onWrite = nil
		f()
	}
	return n, err
}

func (c *hookConn) SetDeadline(t time.Time) error {
	err := c.Conn.SetDeadline(t)
	select {
	case c.deadlines <- struct{}{}:
	default:
	}
	return err
}

// BUG: a context done after the request is written but before
// ResponseHeaderTimeout's read deadline is set: the interrupt's past deadline
// is overwritten by now+ResponseHeaderTimeout, so the call waits for the
// header (up to harbor's default 2 minutes) although its context ended.
func TestReviewCancelBeforeHeaderDeadlineIsLost(t *testing.T) {
	release := make(chan struct{})
	url := rawServer(t, func(c net.Conn) {
		readReq(bufio.NewReader(c))
		<-release // never answer
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := &Transport{
		ResponseHeaderTimeout: time.Minute,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			var d net.Dialer
			nc, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			hc := &hookConn{Conn: nc, deadlines: make(chan struct{}, 1)}
			hc.onWrite = func() {
				cancel()
				<-hc.deadlines // the context's interrupt ran
			}
			return hc, nil
		},
	}
	var err error
	ok := within(5*time.Second, func() {
		_, err = tr.RoundTrip(mustReq(t, ctx, "GET", url, nil))
	})
	close(release)
	if !ok {
		t.Fatal("RoundTrip still waiting for the header 5s after its context was cancelled")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

// BUG: over TLS, bytes the server sent past the end of an answer can sit in
// tls.Conn's own buffer (it reads what the socket has, ahead of the record
// asked for); neither c.br.Buffered() nor the peek at the raw socket sees
// them, so the connection is reused and the next request gets them as its
// answer: a response desync. net/http's read loop would see the unsolicited
// bytes and close the connection.
func TestReviewTLSExtraBytesDesyncNextAnswer(t *testing.T) {
	scfg, ccfg := tlsPair(t)
	url := rawServer(t, func(raw net.Conn) {
		hc := &holdConn{Conn: raw}
		tc := tls.Server(hc, scfg)
		br := bufio.NewReader(tc)
		if _, err := readReq(br); err != nil {
			return
		}
		hc.hold()
		io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
		hc.flush()
		for {
			if _, err := readReq(br); err != nil {
				return
			}
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
		}
	})
	url = "https" + strings.TrimPrefix(url, "http")
	tr := &Transport{TLSClientConfig: ccfg}
	defer tr.CloseIdleConnections()
	if got := getBody(t, tr, url); got != "ok" {
		t.Fatalf("first answer %q", got)
	}
	// A new connection answers "ok" again, the same one "fresh".
	if got := getBody(t, tr, url); got == "stale" {
		t.Fatalf("second answer %q: the bytes left in tls.Conn's buffer were taken for the answer", got)
	}
}

// BUG: Close on a body not read to its end drains it (to reuse the
// connection) and then marks it as read to its end, so a Read after Close
// returns io.EOF, not an error. A Close from another goroutine between two
// Reads (harbor's idleBody closes the body from its timer) therefore turns an
// unread rest into a clean end: io.ReadAll returns the first part with a nil
// error. net/http's body returns "http: read on closed response body".
func TestReviewReadAfterCloseIsCleanEOF(t *testing.T) {
	url := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readReq(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
		}
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(mustReq(t, context.Background(), "GET", url, nil))
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { resp.Body.Close(); close(done) }() // e.g. an idle timer
	<-done
	rest, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("Read after Close: %q, nil error: a body cut at %q looks complete", rest, head)
	}
}

// BUG: two Closes at once (a caller's and harbor's idleBody timer's): one
// drains while the other, failing TryLock, closes the connection; the
// drainer then stores stEOF and releases the connection it did not see
// closed. Without a context Done channel, release puts the closed connection
// in the pool (and -race reports conn.idleTimer written by put and read by
// close).
func TestReviewConcurrentClosePoolsClosedConn(t *testing.T) {
	url := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			if _, err := readReq(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
		}
	})
	tr := &Transport{MaxIdleConnsPerHost: 1000, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	bad := 0
	for range 300 {
		resp, err := tr.RoundTrip(mustReq(t, context.Background(), "GET", url, nil))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 5)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); <-start; resp.Body.Close() }()
		}
		close(start)
		wg.Wait()
		tr.mu.Lock()
		for _, h := range tr.hosts {
			for _, c := range h.idle {
				if c.nc.SetReadDeadline(time.Time{}) != nil { // closed
					bad++
				}
			}
		}
		tr.mu.Unlock()
		tr.CloseIdleConnections()
	}
	if bad > 0 {
		t.Errorf("%d closed connections put in the idle pool", bad)
	}
	if n := openCount(tr); n != 0 {
		t.Errorf("open count %d after CloseIdleConnections, want 0", n)
	}
}

// BUG: a server that answers before it has read the whole request body
// (413, 401, 429 from a front end) and then closes: h1 writes the whole body
// before it reads anything, so the write fails (broken pipe / reset) and the
// answer, already in the socket's receive buffer, is lost. The caller (and
// harbor's retry layer, which retries the error) sees a connection error
// instead of the vendor's status. net/http reads while it writes and returns
// the 413.
func TestReviewEarlyAnswerLostOnWriteError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
	}))
	defer srv.Close()
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	body := bytes.Repeat([]byte("x"), 32<<20)
	resp, err := tr.RoundTrip(mustReq(t, context.Background(), "POST", srv.URL, bytes.NewReader(body)))
	if err != nil {
		t.Fatalf("err %v, want the server's 413", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// BUG (low): a 101 Switching Protocols answer comes back with no body and its
// connection, which no longer speaks HTTP, goes back to the pool; the next
// request is written into the other protocol. net/http hands the connection
// to the caller (a writable Body) and never pools it.
func TestReview101ConnPooled(t *testing.T) {
	url := rawServer(t, func(c net.Conn) {
		readReq(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		io.Copy(io.Discard, c)
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	req := mustReq(t, context.Background(), "GET", url, nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := idleCount(tr); n != 0 {
		t.Fatalf("the upgraded connection is in the idle pool (%d idle)", n)
	}
}

// BUG (low): Got1xxResponse, httptrace's hook for 1xx answers, is never
// called (net/http calls it for each, and lets it abort the request).
func TestReviewGot1xxResponseNotCalled(t *testing.T) {
	url := rawServer(t, func(c net.Conn) {
		readReq(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	var got []int
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error { got = append(got, code); return nil },
	})
	resp, err := tr.RoundTrip(mustReq(t, ctx, "GET", url, nil))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(got) != 1 || got[0] != 103 {
		t.Fatalf("Got1xxResponse calls %v, want [103]", got)
	}
}

// BUG (low-medium): no bound on the answer's header size. net/http's
// Transport stops at MaxResponseHeaderBytes (10 MB by default); h1 reads a
// header of any size into memory (a broken or hostile upstream — harbor
// serve's vendor base URLs are configurable — can exhaust the gateway's
// memory with one answer).
func TestReviewUnboundedResponseHeader(t *testing.T) {
	const size = 16 << 20
	url := rawServer(t, func(c net.Conn) {
		readReq(bufio.NewReader(c))
		io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: ")
		io.Copy(c, io.LimitReader(zeros{}, size))
		io.WriteString(c, "\r\nContent-Length: 0\r\n\r\n")
	})
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(mustReq(t, context.Background(), "GET", url, nil))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a %d MB response header was accepted (net/http: at most 10 MB)", len(resp.Header.Get("X-Big"))>>20)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
