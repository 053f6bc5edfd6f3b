package h1server_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harborai/harbor-go/gateway/internal/h1server"
)

// FuzzRequests throws arbitrary bytes at the server as a caller would send
// them and holds it to three things: it never panics (a handler panic would
// be logged through Log, which fails the test), it answers within bounds or
// closes, and whatever it answers parses as a sequence of HTTP/1.1
// responses, at most one per request the handler saw plus one refusal —
// never a reply smuggled into another's body.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
		"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
		"GET http://x/ HTTP/1.1\r\n\r\n",
		"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add(seed)
	}
	var handled atomic.Int64 // requests the handler saw, over all inputs
	var dials atomic.Uint32
	logged := make(chan string, 100)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled.Add(1)
		if r.URL.Path == "/echo" {
			_, _ = io.Copy(w, io.LimitReader(r.Body, 1<<20))
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	srv := &h1server.Server{Handler: h, ReadHeaderTimeout: time.Second, ReadTimeout: time.Second,
		IdleTimeout: 100 * time.Millisecond, MaxHeaderBytes: 4096, Log: func(msg string, err error) {
			if strings.HasPrefix(msg, "panic") {
				select {
				case logged <- msg + ": " + err.Error():
				default:
				}
			}
		}}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(l) }()
	f.Cleanup(func() {
		_ = srv.Close()
		<-served
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		_ = srv.Shutdown(ctx) // waits for every connection's goroutine
	})
	addr := l.Addr().String()
	f.Fuzz(func(t *testing.T, in string) {
		before := handled.Load()
		// Each input opens a connection and the caller's side ends in
		// TIME_WAIT: thousands a second would use up the ephemeral ports of
		// one source address and stall the fuzzer, so the source address
		// turns over 127.1.0.0/16, each with its own ports.
		n := dials.Add(1)
		d := net.Dialer{Timeout: time.Second,
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(n>>8), byte(n))}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := io.WriteString(c, in); err != nil {
			return // the server closed first: a refusal
		}
		_ = c.(*net.TCPConn).CloseWrite()
		answer, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("no answer and no close in 3 s to %q", in)
		}
		select {
		case msg := <-logged:
			t.Fatalf("the server logged %s for %q", msg, in)
		default:
		}
		// The methods of the requests as a server would read them, so
		// that an answer to HEAD is read without a body.
		var methods []string
		ir := bufio.NewReader(strings.NewReader(in))
		for {
			req, err := http.ReadRequest(ir)
			if err != nil {
				break
			}
			methods = append(methods, req.Method)
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				break
			}
		}
		br := bufio.NewReader(strings.NewReader(string(answer)))
		responses := 0
		for {
			if _, err := br.Peek(1); err == io.EOF {
				break
			}
			req := &http.Request{Method: http.MethodGet}
			if responses < len(methods) {
				req.Method = methods[responses]
			}
			res, err := http.ReadResponse(br, req)
			if err != nil {
				t.Fatalf("answer %d to %q does not parse: %v\n%q", responses+1, in, err, answer)
			}
			if res.StatusCode == http.StatusContinue {
				continue
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				t.Fatalf("answer %d to %q has a broken body: %v\n%q", responses+1, in, err, answer)
			}
			responses++
		}
		// Every connection of this input is closed by now (ReadAll saw
		// EOF), so the count is this input's.
		if n := handled.Load() - before; responses > int(n)+1 {
			t.Fatalf("%d answers for %d requests handled, to %q:\n%q", responses, n, in, answer)
		}
	})
}
