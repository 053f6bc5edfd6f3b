package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/syncbuf"
)

// The access log the gateway owns (no Config.AccessLog) writes, request for
// request, the lines slog's JSON handler writes for a caller's
// Config.AccessLog, but for the time and the latency.
func TestOwnAccessLogWritesSlogsLines(t *testing.T) {
	key, sum, err := gateway.NewKey()
	require.NoError(t, err)
	newServer := func(cfg gateway.Config) *gateway.Server {
		cfg.Getenv = func(string) string { return "" }
		cfg.Keys = []gateway.KeyConfig{{ID: "team \"a\"\u2028<b>", SHA256: sum}}
		cfg.ClientOptions = []harbor.Option{newFake(3, 4, 0).option()}
		srv, err := gateway.New(cfg)
		require.NoError(t, err)
		t.Cleanup(func() { srv.Close() })
		return srv
	}
	var own, theirs bytes.Buffer
	ownSrv := newServer(gateway.Config{})
	require.True(t, gateway.SetAccessLogOutput(ownSrv, &own), "the gateway owns its access log by default")
	theirSrv := newServer(gateway.Config{AccessLog: slog.New(slog.NewJSONHandler(&theirs, nil))})
	require.False(t, gateway.SetAccessLogOutput(theirSrv, io.Discard), "a caller's AccessLog is the caller's")

	const rid = "4bf92f3577b34da6a3ce929d0e0e4736"
	for _, c := range []struct{ method, path, body, auth string }{
		{http.MethodPost, "/v1/chat/completions", `{"model":"fake-1","messages":[{"role":"user","content":"hi"}]}`, key},
		{http.MethodPost, "/v1/chat/completions", `{"model":"fake-1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`, key},
		{http.MethodPost, "/v1/chat/completions", `{"model":"nope-\"\u2028","messages":[{"role":"user","content":"hi"}]}`, key},
		{http.MethodPost, "/v1/chat/completions", `{"model":`, key},
		{http.MethodPost, "/v1/chat/completions", `{}`, "wrong"},
		{http.MethodGet, "/v1/models", "", key},
		{http.MethodGet, "/v1/n%22o%5Ct%E2%80%A8-%FF-here", "", key},
	} {
		for _, srv := range []*gateway.Server{ownSrv, theirSrv} {
			r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			r.Header.Set("Authorization", "Bearer "+c.auth)
			r.Header.Set("X-Request-Id", rid)
			srv.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	// Time and latency differ between two servers; all else must not.
	clock := regexp.MustCompile(`^\{"time":"[^"]+",(.*),"latency_ms":[0-9.e-]+,(.*)\n$`) // one line, newline ended
	ownLines, theirLines := strings.SplitAfter(own.String(), "\n"), strings.SplitAfter(theirs.String(), "\n")
	require.Len(t, ownLines, 8) // 7 lines and what follows the last newline
	require.Equal(t, len(theirLines), len(ownLines))
	for i := range ownLines[:7] {
		o, th := clock.FindStringSubmatch(ownLines[i]), clock.FindStringSubmatch(theirLines[i])
		require.NotNil(t, o, ownLines[i])
		require.NotNil(t, th, theirLines[i])
		assert.Equal(t, th[1:], o[1:], "line %d", i)
		var v map[string]any
		assert.NoError(t, json.Unmarshal([]byte(ownLines[i]), &v), ownLines[i])
	}
	t.Log(own.String())
}

// Log.Access says whether the gateway writes its own log: stdout and stderr
// yes, off no.
func TestOwnAccessLogFollowsLogAccess(t *testing.T) {
	for access, owned := range map[string]bool{"": true, "stdout": true, "stderr": true, "off": false} {
		srv, err := gateway.New(gateway.Config{Getenv: func(string) string { return "" }, Log: gateway.LogConfig{Access: access},
			ClientOptions: []harbor.Option{newFake(1, 1, 0).option()}})
		require.NoError(t, err)
		assert.Equal(t, owned, gateway.SetAccessLogOutput(srv, io.Discard), "log.access %q", access)
		srv.Close()
	}
}

// With log.access_flush, lines wait in memory and Shutdown writes them: a
// request answered, its line not yet written, is in the log once the
// gateway has shut down.
func TestAccessFlushWrittenAtShutdown(t *testing.T) {
	key, sum, err := gateway.NewKey()
	require.NoError(t, err)
	var out syncbuf.Buffer
	srv, err := gateway.New(gateway.Config{
		Getenv:          func(string) string { return "" },
		Keys:            []gateway.KeyConfig{{ID: "team-a", SHA256: sum}},
		ClientOptions:   []harbor.Option{newFake(3, 4, 0).option()},
		Log:             gateway.LogConfig{AccessFlush: time.Minute},
		AccessLogOutput: &out,
	})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(`{"model":"fake-1","messages":[{"role":"user","content":"hi"}]}`))
	r.Header.Set("Authorization", "Bearer "+key)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Empty(t, out.String(), "the line waits for the flush interval")
	require.NoError(t, srv.Close())
	assert.Contains(t, out.String(), `"key_id":"team-a"`, "Shutdown wrote the line that waited")
	assert.Equal(t, 1, strings.Count(out.String(), "\n"))
}
