package redistest

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A SlowProxy is a TCP proxy on 127.0.0.1 in front of a Redis (or any TCP
// server) that holds everything it forwards, both ways, for a latency the test
// changes at run time: a Redis that is slow rather than down or hung.
//
//	srv := redistest.Start(t)
//	slow := redistest.StartSlowProxy(t, srv.Addr())
//	c, err := rediscache.Open(slow.URL(), rediscache.Options{})
//	slow.SetLatency(time.Second) // every command now takes 2s or more
//
// Each chunk read from one side is written to the other once it is Latency old
// (the latency when it was read), so a command's round trip costs about twice
// the latency, and pipelined commands do not add up their latencies. Lowering
// the latency speeds up what is read afterwards, not what is already held.
// When either side closes, both are closed at once and what was held is
// dropped: a client that gives up on a slow reply and drops its connection
// drops the proxy's to Redis too.
//
// SetReplyLatency holds only the answers: a command then runs at once but its
// answer never reaches a client that gives up first — the failure a client
// cannot tell from a command that was lost (did it run or not?).
type SlowProxy struct {
	tb       testing.TB
	target   string
	ln       net.Listener
	toServer atomic.Int64 // time.Duration: what the client sends
	toClient atomic.Int64 // time.Duration: what the server answers

	mu     sync.Mutex
	closed bool
	stops  map[*func()]struct{} // each open connection's stop
	wg     sync.WaitGroup
}

// StartSlowProxy listens on a free port of 127.0.0.1 and forwards each
// connection to target (host:port), with no latency until SetLatency. The test's
// cleanup closes it and every connection through it.
func StartSlowProxy(tb testing.TB, target string) *SlowProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("redistest: slow proxy: %v", err)
	}
	p := &SlowProxy{tb: tb, target: target, ln: ln, stops: map[*func()]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// Addr returns the proxy's host:port ("127.0.0.1:N").
func (p *SlowProxy) Addr() string { return p.ln.Addr().String() }

// URL returns the proxy's URL ("redis://127.0.0.1:N/0").
func (p *SlowProxy) URL() string { return "redis://" + p.Addr() + "/0" }

// SetLatency sets how long each chunk is held, in each direction, from now on.
// It may be called at any time, from any goroutine.
func (p *SlowProxy) SetLatency(d time.Duration) {
	p.toServer.Store(int64(max(d, 0)))
	p.toClient.Store(int64(max(d, 0)))
}

// SetReplyLatency sets how long each chunk from the server (Redis's answers)
// is held, from now on, leaving what the client sends as it is.
func (p *SlowProxy) SetReplyLatency(d time.Duration) { p.toClient.Store(int64(max(d, 0))) }

// Latency returns the latency of what the client sends: SetLatency's (0 at
// start).
func (p *SlowProxy) Latency() time.Duration { return time.Duration(p.toServer.Load()) }

func (p *SlowProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_ = client.Close()
			return
		}
		p.wg.Add(1)
		p.mu.Unlock()
		go p.serve(client)
	}
}

// serve forwards one connection both ways until either side closes.
func (p *SlowProxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	done := make(chan struct{})
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(done)
			_ = client.Close()
			_ = server.Close()
		})
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		stop()
		return
	}
	p.stops[&stop] = struct{}{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.forward(server, client, &p.toServer, done, stop) }()
	go func() { defer wg.Done(); p.forward(client, server, &p.toClient, done, stop) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.stops, &stop)
	p.mu.Unlock()
}

// forward copies src to dst, each chunk once it is latency old, until src
// ends, dst fails or done is closed; then it stops the connection (both ways,
// dropping what is held).
func (p *SlowProxy) forward(dst, src net.Conn, latency *atomic.Int64, done <-chan struct{}, stop func()) {
	type chunk struct {
		b   []byte
		due time.Time
	}
	chunks := make(chan chunk, 64)
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(chunks)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				select {
				case chunks <- chunk{buf[:n], time.Now().Add(time.Duration(latency.Load()))}:
				case <-done:
					return
				}
			}
			if err != nil {
				stop() // at once: a chunk held for an hour must not keep the other side open
				return
			}
		}
	}()
	defer func() {
		stop() // closes src, which ends a pending read
		<-read
	}()
	for c := range chunks {
		if d := time.Until(c.due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-done:
				t.Stop()
				return
			}
		}
		if _, err := dst.Write(c.b); err != nil {
			return
		}
	}
}

// close stops accepting, closes every connection and waits for the proxy's
// goroutines.
func (p *SlowProxy) close() {
	p.mu.Lock()
	p.closed = true
	stops := make([]func(), 0, len(p.stops))
	for s := range p.stops {
		stops = append(stops, *s)
	}
	p.mu.Unlock()
	_ = p.ln.Close()
	for _, s := range stops {
		s()
	}
	p.wg.Wait()
}
