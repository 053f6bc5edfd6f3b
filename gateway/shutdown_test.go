package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/harbor"
)

// startStream opens a stream of the fake provider and returns its reader once
// the first event arrived.
func startStream(t *testing.T, g *gatewaytest.Gateway) (*bufio.Reader, func()) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"fake-1","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Authorization", "Bearer "+g.Key)
	tr := &http.Transport{}
	res, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	r := bufio.NewReader(res.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "data: {"), line)
	return r, func() { res.Body.Close(); tr.CloseIdleConnections() }
}

// Shutdown lets a stream under way finish, within ShutdownTimeout.
func TestShutdownDrainsStreams(t *testing.T) {
	fake := newFake(10, 10, 50*time.Millisecond)
	g := gatewaytest.Start(t, gateway.Config{
		Server:        gateway.ServerConfig{ShutdownTimeout: 5 * time.Second},
		ClientOptions: []harbor.Option{fake.option()},
	})
	r, done := startStream(t, g)
	defer done()
	shut := make(chan error, 1)
	go func() { shut <- g.Server.Shutdown(context.Background()) }()
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Contains(t, string(rest), "data: [DONE]", "the stream ran to its end")
	assert.Equal(t, 9, strings.Count(string(rest), `"content":"xxxxxxxxxx"`))
	select {
	case err := <-shut:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return after the stream ended")
	}
	_, err = http.Get(g.URL + "/health")
	assert.Error(t, err, "no longer listening")
}

// Past ShutdownTimeout, streams still running are cut and their vendor calls
// closed.
func TestShutdownCutsStreamsAfterTimeout(t *testing.T) {
	fake := newFake(0, 10, 50*time.Millisecond)
	g := gatewaytest.Start(t, gateway.Config{
		Server:        gateway.ServerConfig{ShutdownTimeout: 300 * time.Millisecond},
		ClientOptions: []harbor.Option{fake.option()},
	})
	r, done := startStream(t, g)
	defer done()
	start := time.Now()
	err := g.Server.Shutdown(context.Background())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
	rest, _ := io.ReadAll(r)
	assert.NotContains(t, string(rest), "[DONE]")
	assert.Contains(t, string(rest), `"code":"shutting_down"`, "the caller is told why its stream ended")
	select {
	case <-fake.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the vendor stream was not closed")
	}
}

// During ShutdownDelay the gateway still accepts and answers calls, new
// connections included, while /ready answers 503 — a load balancer's health
// checks take it out of rotation before any caller meets a closed port. Then
// it stops listening.
func TestShutdownDelayKeepsServing(t *testing.T) {
	const delay = 400 * time.Millisecond
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{ShutdownDelay: delay}})
	shut := make(chan error, 1)
	start := time.Now()
	go func() { shut <- g.Server.Shutdown(context.Background()) }()
	require.Eventually(t, func() bool {
		res, err := http.Get(g.URL + "/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusServiceUnavailable
	}, delay, 5*time.Millisecond, "/ready turns 503 at once")
	tr := &http.Transport{DisableKeepAlives: true} // a new connection for each call
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/v1/chat/completions", strings.NewReader(hi))
	req.Header.Set("Authorization", "Bearer "+g.Key)
	res, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err, "still accepting during the delay")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "calls still answered during the delay: %s", body)
	if time.Since(start) >= delay {
		t.Skip("the machine was too slow to check inside the delay")
	}
	select {
	case err := <-shut:
		assert.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), delay, "Shutdown waited for the delay")
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	_, err = http.Get(g.URL + "/health")
	assert.Error(t, err, "no longer listening")
}

// Once Shutdown has begun, every answer closes its connection (Connection:
// close), so that callers reconnect — to another instance, behind a balancer
// — rather than keep a connection idle that the end of the delay closes under
// their next request; before, connections are kept.
func TestDrainingClosesConnections(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Server: gateway.ServerConfig{ShutdownDelay: time.Minute}})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	call := func() *http.Response {
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/v1/chat/completions", strings.NewReader(hi))
		req.Header.Set("Authorization", "Bearer "+g.Key)
		res, err := client.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		return res
	}
	assert.False(t, call().Close, "kept alive while serving")

	ctx, cancel := context.WithCancel(context.Background())
	shut := make(chan error, 1)
	go func() { shut <- g.Server.Shutdown(ctx) }()
	require.Eventually(t, func() bool {
		res, err := client.Get(g.URL + "/ready")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusServiceUnavailable && res.Close
	}, 5*time.Second, 5*time.Millisecond, "/ready turns 503 and closes its connection")
	res := call()
	assert.True(t, res.Close, "a call answered while draining closes its connection")
	cancel()
	<-shut
}
