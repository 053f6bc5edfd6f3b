package gateway_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
)

// A base URL shows no secret, whatever its shape (found by a review:
// url.Parse reads "admin:s3cret@host" as a scheme): in a note, or in the
// error that refuses one that is not an absolute http(s) URL.
func TestNotesHideTheBaseURLsSecrets(t *testing.T) {
	for _, base := range []string{"admin:s3cret@127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1?api-key=s3cret",
		"http://u:s3cret@127.0.0.1:8000/v1", "127.0.0.1:8000/s3cret", "http://[::1/s3cret"} {
		g, err := gatewaytest.New(gateway.Config{Getenv: func(k string) string {
			return map[string]string{"OPENAI_BASE_URL": base}[k]
		}})
		if err != nil {
			assert.NotContains(t, err.Error(), "s3cret", base)
			continue
		}
		notes := strings.Join(g.Server.Notes(), "\n")
		assert.Contains(t, notes, "openai has no key", base)
		assert.NotContains(t, notes, "s3cret", base)
		require.NoError(t, g.Close())
	}
}

// Notes name what a valid config does that its author may not have meant.
func TestNotes(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{
		Cache:     &gateway.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute, RedisURLEnv: "HARBOR_NOTES_TEST_REDIS"},
		Aliases:   map[string]string{"deepseek-v4-flash": "doubao/doubao-seed-1-6-251015", "fast": "deepseek/deepseek-v4-flash"},
		Fallbacks: map[string][]string{"deepseek-v4-pro": {"doubao-seed-1-6-251015", "deepseek/deepseek-v4-pro"}, "smart": {"deepseek-v4-pro"}},
	})
	assert.Equal(t, []string{
		"cache.redis_url_env names HARBOR_NOTES_TEST_REDIS, which is not set: the cache has no shared Redis tier, so instances do not share answers",
		"alias deepseek-v4-flash has the name of a model deepseek serves: its calls go to doubao/doubao-seed-1-6-251015 instead",
		"fallback chain deepseek-v4-pro has the name of a model deepseek serves: its calls try doubao-seed-1-6-251015, deepseek/deepseek-v4-pro instead",
	}, g.Server.Notes())

	// Nothing to say (found by a review): a plain alias; one to the model
	// of its own name; a chain that tries that model first; the name of a
	// model of a provider the gateway does not offer.
	quiet := gatewaytest.Start(t, gateway.Config{
		Providers: map[string]gateway.ProviderConfig{"deepseek": {}, "doubao": {}},
		Aliases: map[string]string{"fast": "deepseek/deepseek-v4-flash", "deepseek-v4-pro": "deepseek/deepseek-v4-pro",
			"gpt-4o": "deepseek/deepseek-v4-flash"},
		Fallbacks: map[string][]string{"deepseek-v4-flash": {"deepseek/deepseek-v4-flash", "doubao-seed-1-6-251015"}},
	})
	assert.Empty(t, quiet.Server.Notes())
}

// The openai provider with a base URL (OPENAI_BASE_URL or base_url) and no
// key calls it without one, as the CLI does: a local vLLM or Ollama needs
// none. A note says so, without the URL's password.
func TestKeylessOpenAIBaseURL(t *testing.T) {
	vendor, seen := fakeVendor(t, "local hello")
	base := "http://user:s3cret@" + vendor.Listener.Addr().String() + "/v1"
	g := gatewaytest.Start(t, gateway.Config{
		Getenv:  func(k string) string { return map[string]string{"OPENAI_BASE_URL": base}[k] },
		Aliases: map[string]string{"local": "openai/llama3"},
	})
	notes := g.Server.Notes()
	require.Len(t, notes, 1)
	assert.Contains(t, notes[0], "openai has no key (OPENAI_API_KEY is not set)")
	assert.Contains(t, notes[0], "its calls go to http://"+vendor.Listener.Addr().String()+"/v1 without one")
	assert.NotContains(t, notes[0], "s3cret")
	assert.Empty(t, g.Server.Uncredentialed())

	c := newCaller(t, g)
	res, body := c.chat(`{"model":"local","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), "local hello")
	got := seen()
	require.Len(t, got, 1)
	assert.Equal(t, "/v1/chat/completions", got[0].URL.Path)
	// No key, no Bearer (not even an empty one); the URL's own user and
	// password go as net/http sends them, Basic.
	auth := got[0].Header.Get("Authorization")
	assert.NotContains(t, auth, "Bearer")
	assert.True(t, strings.HasPrefix(auth, "Basic "), auth)
}

// A key's pattern that matches nothing is most likely a typo; an endpoint's
// prefix that another provider claims is never reached bare (both found by a
// new-user trial).
func TestNotesNamePatternsAndPrefixesThatReachNothing(t *testing.T) {
	_, sum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{
		Endpoints: []gateway.EndpointConfig{{Name: "myco", BaseURL: "http://127.0.0.1:1/v1", KeyOptional: true,
			Prefixes: []string{"deepseek-", "myco-"}}},
		Fallbacks: map[string][]string{"smart": {"deepseek-v4-pro"}},
		Keys: []gateway.KeyConfig{{ID: "team", SHA256: sum,
			Models: []string{"nosuch-*", "deepsek-v4-pro", "doubao/ep-*", "deepseek-*", "smart", "myco-*", "myco/*"}}},
	})
	assert.Equal(t, []string{
		`openai_compatible myco: names starting "deepseek-" go to deepseek, which claims them too; callers reach myco with myco/<model>`,
		`key team: models pattern "nosuch-*" matches no model, alias or chain /v1/models lists, nor an offered provider`,
		`key team: models pattern "deepsek-v4-pro" matches no model, alias or chain /v1/models lists, nor an offered provider`,
	}, g.Server.Notes())
}

// fakeVendor is an OpenAI-compatible server answering every chat with
// content; seen returns the requests it got (their path and Authorization).
func fakeVendor(t *testing.T, content string) (srv *httptest.Server, seen func() []*http.Request) {
	t.Helper()
	var mu sync.Mutex
	var got []*http.Request
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"c1","object":"chat.completion","created":1,"model":"m1",`+
			`"choices":[{"index":0,"message":{"role":"assistant","content":"`+content+`"},"finish_reason":"stop"}],`+
			`"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []*http.Request {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}
