package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Transport is an http.RoundTripper for HTTP/1.1 (see the package doc). Its
// fields are set before the first request and not changed after. The zero
// value works: net.Dialer's DialContext, no timeouts, no cap.
type Transport struct {
	// DialContext dials TCP; nil: a zero net.Dialer's.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSClientConfig configures https connections (cloned per dial;
	// NextProtos is always http/1.1, ServerName the request's host when
	// unset); nil: Go's defaults.
	TLSClientConfig *tls.Config
	// TLSHandshakeTimeout bounds the handshake; 0: only the request's context.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the answer's header once the
	// request is written; 0: no bound.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes a connection idle that long; 0: never.
	IdleConnTimeout time.Duration
	// MaxIdleConnsPerHost bounds the idle connections kept per host; 0: 2,
	// net/http's default.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost caps the connections open per host, idle or not; a
	// request past it waits for one (or for its context); 0: no cap.
	MaxConnsPerHost int
	// Proxy, when it returns a URL for a request, sends that request through
	// Fallback instead (as net/http's Transport.Proxy; nil: never).
	Proxy func(*http.Request) (*url.URL, error)
	// Fallback makes the transport for proxied requests, on first need; nil:
	// such requests fail.
	Fallback func() http.RoundTripper

	mu       sync.Mutex
	hosts    map[string]*host
	fallback http.RoundTripper
}

// host is the pool of one scheme://host:port.
type host struct {
	idle    []*conn       // most recently used last
	open    int           // connections open, idle or not (MaxConnsPerHost)
	changed chan struct{} // closed when a connection is put back or closed, for callers waiting on the cap
}

// errHeaderTimeout is the error of an answer whose header did not arrive
// within ResponseHeaderTimeout: a net.Error whose Timeout is true.
type errHeaderTimeout struct{ d time.Duration }

func (e errHeaderTimeout) Error() string {
	return fmt.Sprintf("h1: timeout awaiting response headers (%v)", e.d)
}
func (errHeaderTimeout) Timeout() bool   { return true }
func (errHeaderTimeout) Temporary() bool { return true }

// RoundTrip sends req on a pooled (or new) connection and reads the answer's
// header; the body is read from the same connection as the caller reads it,
// and the connection goes back to the pool at the body's end (or is closed
// with the body, when the caller stops early).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("h1: nil Request.URL")
	}
	if req.Header == nil {
		closeBody(req)
		return nil, errors.New("h1: nil Request.Header")
	}
	scheme := req.URL.Scheme
	if scheme != "http" && scheme != "https" {
		closeBody(req)
		return nil, fmt.Errorf("h1: unsupported protocol scheme %q", scheme)
	}
	if req.URL.Host == "" {
		closeBody(req)
		return nil, errors.New("h1: no Host in request URL")
	}
	if t.Proxy != nil {
		p, err := t.Proxy(req)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		if p != nil {
			return t.viaFallback(req)
		}
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		// Done already: send nothing (a pooled connection would take the
		// request before the context's AfterFunc could interrupt it).
		closeBody(req)
		return nil, err
	}
	addr := canonicalAddr(req.URL)
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(addr)
	}
	c, err := t.getConn(ctx, scheme, addr, req.URL.Hostname(), trace)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := c.roundTrip(ctx, req, trace, t.ResponseHeaderTimeout)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// viaFallback sends req through the Fallback transport, made on first need.
func (t *Transport) viaFallback(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	if t.fallback == nil && t.Fallback != nil {
		t.fallback = t.Fallback()
	}
	fb := t.fallback
	t.mu.Unlock()
	if fb == nil {
		closeBody(req)
		return nil, errors.New("h1: the request goes through a proxy, and this transport has no Fallback for proxies")
	}
	return fb.RoundTrip(req)
}

// CloseIdleConnections closes the idle connections (and the Fallback's).
// Connections in use are not touched; they close, or come back to the pool,
// when their answers are read.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	var idle []*conn
	for _, h := range t.hosts {
		idle = append(idle, h.idle...)
		clear(h.idle)
		h.idle = h.idle[:0]
	}
	fb := t.fallback
	t.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
	if f, ok := fb.(interface{ CloseIdleConnections() }); ok {
		f.CloseIdleConnections()
	}
}

// canonicalAddr is the URL's host:port, with the scheme's port when it names
// none.
func canonicalAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// getConn returns an idle connection to addr that is still open, or a new one;
// under MaxConnsPerHost it waits for one to come back or close.
func (t *Transport) getConn(ctx context.Context, scheme, addr, hostname string, trace *httptrace.ClientTrace) (*conn, error) {
	key := scheme + "://" + addr
	for {
		t.mu.Lock()
		if t.hosts == nil {
			t.hosts = map[string]*host{}
		}
		h := t.hosts[key]
		if h == nil {
			h = &host{}
			t.hosts[key] = h
		}
		if n := len(h.idle); n > 0 {
			c := h.idle[n-1]
			h.idle[n-1] = nil
			h.idle = h.idle[:n-1]
			t.mu.Unlock()
			c.takeFromIdle()
			if !c.alive() {
				c.close()
				continue
			}
			if trace != nil && trace.GotConn != nil {
				trace.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: true, WasIdle: true})
			}
			return c, nil
		}
		if t.MaxConnsPerHost <= 0 || h.open < t.MaxConnsPerHost {
			h.open++
			t.mu.Unlock()
			c, err := t.dial(ctx, scheme, addr, hostname, key, trace)
			if err != nil {
				t.mu.Lock()
				h.open--
				h.wake()
				t.mu.Unlock()
				return nil, err
			}
			if trace != nil && trace.GotConn != nil {
				trace.GotConn(httptrace.GotConnInfo{Conn: c.nc})
			}
			return c, nil
		}
		if h.changed == nil {
			h.changed = make(chan struct{})
		}
		changed := h.changed
		t.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// wake tells the callers waiting on the cap that a connection came back or
// closed. Called with t.mu held.
func (h *host) wake() {
	if h.changed != nil {
		close(h.changed)
		h.changed = nil
	}
}

// dial opens a connection (and its TLS session, for https).
func (t *Transport) dial(ctx context.Context, scheme, addr, hostname, key string, trace *httptrace.ClientTrace) (*conn, error) {
	dial := t.DialContext
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	// httptrace's ConnectStart and ConnectDone come from the dialer itself
	// (net.Dialer reports to the hooks WithClientTrace puts in the context), as
	// with net/http's Transport.
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	nc := raw
	var state *tls.ConnectionState
	if scheme == "https" {
		cfg := &tls.Config{}
		if t.TLSClientConfig != nil {
			cfg = t.TLSClientConfig.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = hostname
		}
		cfg.NextProtos = []string{"http/1.1"}
		tc := tls.Client(raw, cfg)
		hctx := ctx
		if t.TLSHandshakeTimeout > 0 {
			var cancel context.CancelFunc
			hctx, cancel = context.WithTimeout(ctx, t.TLSHandshakeTimeout)
			defer cancel()
		}
		if trace != nil && trace.TLSHandshakeStart != nil {
			trace.TLSHandshakeStart()
		}
		err := tc.HandshakeContext(hctx)
		st := tc.ConnectionState()
		if trace != nil && trace.TLSHandshakeDone != nil {
			trace.TLSHandshakeDone(st, err)
		}
		if err != nil {
			_ = raw.Close()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if hctx.Err() != nil {
				return nil, fmt.Errorf("h1: TLS handshake with %s: %w", addr, errHandshakeTimeout{t.TLSHandshakeTimeout})
			}
			return nil, err
		}
		nc, state = tc, &st
	}
	c := &conn{t: t, key: key, nc: nc, tls: state, lr: limitReader{r: nc, n: -1}, bw: bufio.NewWriterSize(nc, 4<<10)}
	c.br = bufio.NewReaderSize(&c.lr, 4<<10)
	c.peek = peeker(raw)
	return c, nil
}

// errHandshakeTimeout is a TLS handshake that took longer than
// TLSHandshakeTimeout.
type errHandshakeTimeout struct{ d time.Duration }

func (e errHandshakeTimeout) Error() string   { return fmt.Sprintf("no handshake within %v", e.d) }
func (errHandshakeTimeout) Timeout() bool     { return true }
func (errHandshakeTimeout) Temporary() bool   { return true }
func (errHandshakeTimeout) Is(err error) bool { return err == context.DeadlineExceeded }

// put returns c to its host's pool, or closes it when the pool is full.
func (t *Transport) put(c *conn) {
	max := t.MaxIdleConnsPerHost
	if max <= 0 {
		max = 2
	}
	t.mu.Lock()
	h := t.hosts[c.key]
	if h == nil || len(h.idle) >= max {
		t.mu.Unlock()
		c.close()
		return
	}
	c.toIdle()
	h.idle = append(h.idle, c)
	h.wake()
	t.mu.Unlock()
}

// dropIdle removes c from its host's idle list if it is still there (its idle
// timer fired) and closes it.
func (t *Transport) dropIdle(c *conn) {
	t.mu.Lock()
	h := t.hosts[c.key]
	found := false
	if h != nil {
		if i := slices.Index(h.idle, c); i >= 0 {
			h.idle = slices.Delete(h.idle, i, i+1)
			found = true
		}
	}
	t.mu.Unlock()
	if found {
		c.close()
	}
}

// closed records that one of key's connections closed.
func (t *Transport) closed(key string) {
	t.mu.Lock()
	if h := t.hosts[key]; h != nil {
		h.open--
		h.wake()
	}
	t.mu.Unlock()
}

// isTimeout reports whether err is a deadline (the connection's, set by a done
// context or a timeout).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
