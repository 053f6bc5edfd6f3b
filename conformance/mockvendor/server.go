package mockvendor

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Server serves a mock vendor on a real loopback socket.
//
// httptest.Server would do for tests, but the offline CLI demo and the
// benchmarks are not tests, so they need a listener helper that does not
// depend on package testing conventions (httptest registers -httptest.serve
// flags and prints to stderr on close when connections linger).
type Server struct {
	ln   net.Listener
	srv  *http.Server
	url  string
	done chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Listen starts serving h on addr (for example "127.0.0.1:0" for a free port)
// in a background goroutine. An empty addr means "127.0.0.1:0".
//
// The mock is meant for loopback use; binding a wildcard address works, but
// URL still reports 127.0.0.1 so that the result is dialable.
func Listen(addr string, h http.Handler) (*Server, error) {
	if h == nil {
		return nil, errors.New("mockvendor: Listen: nil handler")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		ln: ln,
		srv: &http.Server{
			Handler: h,
			// Generous but bounded: protects a long-running demo from
			// clients that open a socket and never send headers.
			ReadHeaderTimeout: 30 * time.Second,
			// Injected faults abort connections on purpose; the server's
			// complaints about them are noise, not diagnostics.
			ErrorLog: log.New(io.Discard, "", 0),
		},
		url:  "http://" + dialableAddr(ln.Addr()),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // always returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// dialableAddr turns a wildcard listen address into a loopback one so that
// URL can be handed straight to a client.
func dialableAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP == nil || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// URL returns the base URL of the server, e.g. "http://127.0.0.1:54321",
// without a trailing slash.
func (s *Server) URL() string { return s.url }

// Close stops the listener, closes every active connection (streams in
// flight end abruptly) and waits for the serving goroutine to exit. It is
// safe to call more than once; later calls return the first call's result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.srv.Close()
		<-s.done
	})
	return s.closeErr
}
