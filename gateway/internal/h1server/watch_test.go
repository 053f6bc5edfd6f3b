package h1server_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHangUpManyCallers proves that the server's one countdown timer starts
// the watch of every connection whose handler outlives WatchAfter, however
// their countdowns interleave: callers on 24 connections start slow requests
// a few milliseconds apart and hang up in another order, and every handler
// sees its context cancelled.
func TestHangUpManyCallers(t *testing.T) {
	const n = 24
	var mu sync.Mutex
	started := map[string]chan struct{}{}
	ended := make(chan string, n)
	for i := range n {
		started[fmt.Sprintf("/%d", i)] = make(chan struct{})
	}
	g := newGate()
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		close(started[r.URL.Path])
		mu.Unlock()
		select {
		case <-r.Context().Done():
			ended <- r.URL.Path
		case <-g.C():
		}
	}), serverConfig{WatchAfter: 5 * time.Millisecond}, g)

	conns := make([]*rawConn, n)
	for i := range n {
		conns[i] = dialRaw(t, ts.addr)
		conns[i].send(get(fmt.Sprintf("/%d", i)))
		recv(t, started[fmt.Sprintf("/%d", i)], "handler "+fmt.Sprint(i)+" to start")
		time.Sleep(time.Duration(i%4) * time.Millisecond)
	}
	for _, i := range []int{3, 0, 23, 7, 12, 1, 2, 22, 4, 5, 6, 21, 8, 9, 10, 11, 13, 20, 14, 15, 16, 19, 17, 18} {
		require.NoError(t, conns[i].Close())
		if i%5 == 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	seen := map[string]bool{}
	for range n {
		seen[recv(t, ended, "a handler's context to be cancelled")] = true
	}
	assert.Len(t, seen, n, "every caller's hang-up is noticed once")
}

// TestWatchWaitsWatchAfter proves that the watch starts WatchAfter after a
// request's body is read and no sooner, also for a connection's second
// request right after a first one answered at once: a caller who hangs up as
// its handler starts is noticed after WatchAfter, not before. (The server's
// countdown is one timer for all connections, set for the oldest; a request's
// countdown must not start from an earlier one's.)
func TestWatchWaitsWatchAfter(t *testing.T) {
	const watchAfter = 150 * time.Millisecond
	started, ended := make(chan time.Time, 1), make(chan time.Time, 1)
	g := newGate()
	ts := startH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fast" {
			_, _ = w.Write([]byte("ok"))
			return
		}
		started <- time.Now()
		select {
		case <-r.Context().Done():
			ended <- time.Now()
		case <-g.C():
		}
	}), serverConfig{WatchAfter: watchAfter}, g)

	// Another connection's slow request keeps the timer set meanwhile.
	other := dialRaw(t, ts.addr)
	other.send(get("/slow-other"))
	recv(t, started, "the other handler to start")
	time.Sleep(watchAfter / 2)

	c := dialRaw(t, ts.addr)
	c.send(get("/fast"))
	_, body := c.response(http.MethodGet)
	require.Equal(t, "ok", body)
	c.send(get("/slow"))
	start := recv(t, started, "the slow handler to start")
	require.NoError(t, c.Close())
	end := recv(t, ended, "the slow handler's context to be cancelled")
	assert.GreaterOrEqual(t, end.Sub(start), watchAfter-5*time.Millisecond,
		"the caller's hang-up was noticed before WatchAfter: the watch started too early")
}
