package redistest

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pingTook sends PING through addr and returns how long the answer took.
func pingTook(t *testing.T, addr string) time.Duration {
	t.Helper()
	start := time.Now()
	require.NoError(t, ping(addr))
	return time.Since(start)
}

// The proxy forwards to Redis, holds each direction for the latency set at
// run time, and closes nothing it was not asked to.
func TestSlowProxy(t *testing.T) {
	s := Start(t)
	p := StartSlowProxy(t, s.Addr())
	host, _, err := net.SplitHostPort(p.Addr())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", host)
	assert.Equal(t, "redis://"+p.Addr()+"/0", p.URL())
	assert.Zero(t, p.Latency())

	fast := pingTook(t, p.Addr())
	p.SetLatency(150 * time.Millisecond)
	slow := pingTook(t, p.Addr())
	assert.GreaterOrEqual(t, slow, 300*time.Millisecond, "a round trip costs twice the latency")
	p.SetLatency(0)
	again := pingTook(t, p.Addr())
	assert.Less(t, again, slow)
	t.Logf("PING through the proxy: %v at 0, %v at 150ms, %v at 0 again", fast, slow, again)
	p.SetLatency(-time.Second)
	assert.Zero(t, p.Latency(), "a negative latency is none")
}

// With only the answers held, a command runs at once and its answer comes late:
// a client that gives up first never learns that it ran.
func TestSlowProxyReplyLatency(t *testing.T) {
	s := Start(t)
	p := StartSlowProxy(t, s.Addr())
	p.SetReplyLatency(time.Hour)
	assert.Zero(t, p.Latency(), "what the client sends is not held")
	conn, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	_, err = conn.Write([]byte("SET ran yes\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, err = conn.Read(make([]byte, 16))
	require.Error(t, err, "the answer is held for an hour")
	require.NoError(t, conn.Close())
	assert.Eventually(t, func() bool {
		v, err := command(s.Addr(), "GET ran")
		return err == nil && v == "yes"
	}, 5*time.Second, 10*time.Millisecond, "the command ran")
}

// A client that gives up on a slow reply and closes its connection does not
// leave the proxy's connection to Redis open, and the cleanup closes the rest.
func TestSlowProxyClosesBothSides(t *testing.T) {
	s := Start(t)
	p := StartSlowProxy(t, s.Addr())
	p.SetLatency(time.Hour)
	conn, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	_, err = conn.Write([]byte("PING\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
	_, err = conn.Read(make([]byte, 16))
	require.Error(t, err, "the reply is held for an hour")
	require.NoError(t, conn.Close())
	assert.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.stops) == 0
	}, 5*time.Second, 10*time.Millisecond)

	held, err := net.Dial("tcp", p.Addr()) // left open: the cleanup closes it
	require.NoError(t, err)
	t.Cleanup(func() { _ = held.Close() })
}
