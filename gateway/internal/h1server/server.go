// Package h1server is the gateway's HTTP/1.1 server: each connection's
// requests are read, handled and answered on that connection's goroutine.
//
// net/http's Server does the same, with one difference that costs a loopback
// gateway about a fifth of its CPU per request at concurrency 1: once a
// request's body is read it starts a goroutine blocked in a read of the
// connection, to notice a caller that hangs up, and at the end of the request
// wakes it with a deadline in the past and waits for it. This server starts
// that watch only for a handler still running WatchAfter after its body was
// read: calls to a vendor that take longer than that (every real one) are
// cancelled when their caller goes away, as with net/http; a call answered
// sooner never pays for the watch.
//
// What it serves: HTTP/1.1 and 1.0 (keep-alive, pipelining, chunked and
// Content-Length bodies both ways, Expect: 100-continue, HEAD), with
// net/http's own request parser (http.ReadRequest), header size bound, header
// read, read and idle timeouts, and graceful Shutdown. The common request
// head — HTTP/1.1, a usual method and path, plain headers, no body or a
// Content-Length one, as the OpenAI SDKs and Go's client send it — is read by
// a fast path of its own (head.go, readHead) into the request
// http.ReadRequest would make of it, at a fraction of the cost; any other
// head, framing or doubt is left to http.ReadRequest. It refuses what RFC
// 9112 says a server must refuse and http.ReadRequest lets through (a header
// name that is not a token, a missing or invalid Host) and closes the
// connection after a request that had both a Content-Length and a chunked
// body, which net/http's server does not. Not served: TLS, HTTP/2, Hijack,
// CONNECT tunnels, trailers — the gateway needs none (TLS ends at the load
// balancer).
//
// server_test.go holds it to net/http's behaviour case by case, running most
// cases against both servers.
package h1server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultWatchAfter is WatchAfter's default: 50 ms, less than any vendor
// takes to answer a model call, so every such call is watched. Each watch
// due is a timer expiry, which wakes the runtime's network poller thread and
// its monitor thread; at 5 ms (the default before) a gateway at 1000
// requests/s had 3.7–4.0 context switches per plain request, at 50 ms 3.3
// (perf stat; benchmarks/results/gateway-profile.md). A caller who hangs up
// is noticed at most that much later.
const DefaultWatchAfter = 50 * time.Millisecond

// Server serves HTTP/1.1 with Handler. Its fields are read when Serve starts.
type Server struct {
	Handler http.Handler
	// ReadHeaderTimeout bounds reading a request's headers, from its first
	// byte (from the accept, for a connection's first request).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body.
	ReadTimeout time.Duration
	// IdleTimeout closes a kept-alive connection idle this long; 0: ReadTimeout.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; 0: 1 MiB
	// (http.DefaultMaxHeaderBytes). More is a 431.
	MaxHeaderBytes int
	// BaseContext is the parent of every request's context; nil: Background.
	BaseContext context.Context
	// WatchAfter is how long a handler may run, once its request body is
	// read, before the connection is watched for the caller hanging up
	// (which cancels the request's context); 0: DefaultWatchAfter.
	WatchAfter time.Duration
	// Log, if set, gets what the server has to say about a connection (a
	// handler's panic, a request it could not parse).
	Log func(msg string, err error)
	// Refused, if set, writes the answer to a request the server refuses
	// before any handler runs (400, 417, 431, 501, 505): code and msg say
	// why; r is the request as read, or, when none could be, one with only
	// RemoteAddr and an empty URL. The connection closes after it. Unset: a
	// plain-text answer, as net/http's.
	Refused func(w http.ResponseWriter, r *http.Request, code int, msg string)

	watches countdowns // the connections whose watch is due (watch.go)

	// onHead, set by tests, is told for each request head whether readHead
	// read it (true) or http.ReadRequest was left to (false).
	onHead func(fast bool)

	mu        sync.Mutex
	listeners map[*net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	gone      chan struct{} // a connection ended (for Shutdown)
}

// ErrServerClosed is what Serve returns after Shutdown or Close: net/http's,
// so that callers test for one error whichever server they run.
var ErrServerClosed = http.ErrServerClosed

// Serve accepts connections on l and serves each on its own goroutine, until
// Shutdown or Close (then it returns ErrServerClosed) or l fails.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = map[*net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
		s.gone = make(chan struct{}, 1)
	}
	s.listeners[&l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		_ = l.Close() // as net/http: connections must not wait in a backlog nobody accepts from
		s.mu.Lock()
		delete(s.listeners, &l)
		s.mu.Unlock()
	}()
	base := s.BaseContext
	if base == nil {
		base = context.Background()
	}
	var backoff time.Duration
	for {
		rwc, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			if retryAccept(err) { // out of file descriptors and the like: they come back
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(s, rwc, base)
		s.mu.Lock()
		if s.closing.Load() {
			s.mu.Unlock()
			_ = rwc.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve()
	}
}

// retryAccept says whether an Accept error passes: a timeout, or the
// process or system out of file descriptors or buffers (EMFILE, ENFILE,
// ENOBUFS, ENOMEM), which connections closing will cure — net/http retries on
// the same (its Temporary). Returning would close the gateway on a burst of
// connections past the file limit.
func retryAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.ECONNABORTED)
}

// Shutdown stops the server gracefully: listeners close, idle connections
// close, and connections serving a request close once it is answered. It
// returns when none is left, or with ctx's error when ctx ends first (the
// connections still serving are left to the caller's Close).
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	s.closeListeners()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.closeIdle() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.goneChan():
		case <-tick.C:
		}
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.closing.Store(true)
	s.closeListeners()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.rwc.Close()
	}
	return nil
}

func (s *Server) goneChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone // nil before Serve: Shutdown then polls
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		_ = (*l).Close()
	}
}

// closeIdle closes the connections waiting for a request and says how many
// connections are left.
func (s *Server) closeIdle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.state.CompareAndSwap(stateIdle, stateClosed) {
			_ = c.rwc.Close()
		}
	}
	return len(s.conns)
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	select {
	case s.gone <- struct{}{}:
	default:
	}
}

func (s *Server) logf(msg string, err error) {
	if s.Log != nil {
		s.Log(msg, err)
	}
}
