package harbor

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/internal/h1"
	"github.com/harborai/harbor-go/internal/rawconn"
	"github.com/harborai/harbor-go/llm"
)

// newTransport builds the one pooled transport a Client uses for every vendor:
// internal/h1, HTTP/1.1 with each call's request written and answer read on
// the caller's goroutine (half the CPU of net/http's Transport per call, whose
// reader and writer goroutines per connection cost a wake-up each; see the
// package doc), sized for many concurrent calls to few hosts, with separate
// connect and response-header timeouts. Requests that the environment sends
// through a proxy (HTTPS_PROXY…) go through a net/http Transport instead,
// made on first need with the same settings.
func newTransport(o *Options, conns *connCounter) *h1.Transport {
	dial := rawDial(&net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second})
	if conns != nil {
		dial = conns.dial(dial)
	}
	return &h1.Transport{
		DialContext:           dial,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		IdleConnTimeout:       idleConnTimeout,
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
		MaxConnsPerHost:       o.Limits.MaxConnsPerHost,
		Proxy:                 http.ProxyFromEnvironment,
		Fallback:              func() http.RoundTripper { return proxyTransport(o, dial) },
	}
}

// rawDial dials with d, its TCP connections reading and writing with raw
// system calls: a vendor call's reads and writes then do not wake the Go
// scheduler's monitor thread, which costs more than the call's own work when
// the process idles between calls (internal/rawconn says how much).
func rawDial(d *net.Dialer) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return rawconn.Wrap(c), nil
	}
}

// idleConnTimeout closes pooled connections idle that long (net/http's
// DefaultTransport's figure).
const idleConnTimeout = 90 * time.Second

// proxyTransport is the net/http Transport for requests that go through a
// proxy, with newTransport's settings (HTTP/2 when the vendor offers it).
func proxyTransport(o *Options, dial dialFunc) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dial,
		MaxConnsPerHost:       o.Limits.MaxConnsPerHost,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          0, // no global cap; the per-host cap is what matters
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// keepPool hides the transport's CloseIdleConnections from http.Client.
// go-retryablehttp calls HTTPClient.CloseIdleConnections whenever it gives up on a
// request; on a pool shared by every call of the Client that would drop healthy
// connections of unrelated calls and force fresh TLS handshakes. Client.Close still
// closes them on purpose.
type keepPool struct{ rt http.RoundTripper }

func (k keepPool) RoundTrip(r *http.Request) (*http.Response, error) { return k.rt.RoundTrip(r) }

// errIdle is returned by a body read that was cut because no byte arrived within the
// idle timeout.
type errIdle struct{ d time.Duration }

func (e errIdle) Error() string {
	return "no data from the vendor for " + e.d.String() + " (idle timeout)"
}
func (e errIdle) Unwrap() error { return llm.ErrTimeout }

// idleBody closes the body when no read completes within d, which unblocks a read
// stuck on a silent connection; the read then reports errIdle.
//
// Reads do not touch the timer: resetting a runtime timer on every read of a
// stream costs more than the read itself. A read records when it ended (one
// monotonic clock read), and the timer, when it fires, re-arms itself for what is
// left of d since the latest read, or cuts the body if all of d has passed. The
// guarantee is unchanged: a body is cut d after its latest read, never earlier.
type idleBody struct {
	rc     io.ReadCloser
	d      time.Duration
	start  time.Time    // monotonic origin of last
	last   atomic.Int64 // time.Since(start) when the latest read ended, in ns
	t      atomic.Pointer[time.Timer]
	fired  atomic.Bool
	closed atomic.Bool
}

func newIdleBody(rc io.ReadCloser, d time.Duration) *idleBody {
	b := &idleBody{rc: rc, d: d, start: time.Now()}
	b.t.Store(time.AfterFunc(d, b.expire))
	return b
}

// expire runs when the timer fires.
func (b *idleBody) expire() {
	if b.closed.Load() {
		return
	}
	if idle := time.Since(b.start) - time.Duration(b.last.Load()); idle < b.d {
		t := b.t.Load()
		for t == nil { // fired before newIdleBody stored it: only with an absurdly short d
			runtime.Gosched()
			t = b.t.Load()
		}
		t.Reset(b.d - idle)
		return
	}
	b.fired.Store(true)
	b.rc.Close()
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil {
		if b.fired.Load() && !errors.Is(err, io.EOF) {
			return n, errIdle{b.d}
		}
		return n, err
	}
	b.last.Store(int64(time.Since(b.start)))
	return n, nil
}

func (b *idleBody) Close() error {
	b.closed.Store(true)
	if t := b.t.Load(); t != nil {
		t.Stop()
	}
	return b.rc.Close()
}
