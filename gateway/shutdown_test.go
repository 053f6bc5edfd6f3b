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
	select {
	case <-fake.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the vendor stream was not closed")
	}
}
