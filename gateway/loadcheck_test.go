package gateway_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/harbor"
)

// A vendor variable that is set but malformed stops the start, naming the
// variable and never its value (found by a new-user trial: the start-up said
// "has no credentials … until FAKE_KEY is set" with FAKE_KEY set, and every
// call got 400 invalid_value with param FAKE_KEY, the operator's variable).
func TestNewRefusesMalformedVariables(t *testing.T) {
	fake := []gateway.EndpointConfig{{Name: "fake", BaseURL: "http://127.0.0.1:1/v1", APIKeyEnv: "FAKE_KEY", Prefixes: []string{"fake-"}}}
	for _, tc := range []struct {
		name   string
		vars   map[string]string
		yaml   string
		mock   bool
		want   string
		secret string // in vars, never in the error
	}{
		{"a built-in's key with a newline", map[string]string{"DEEPSEEK_API_KEY": "sk-pasted-1234\n"}, "", false,
			"config: provider deepseek: DEEPSEEK_API_KEY contains a control character (a pasted newline?); the value is not shown", "sk-pasted-1234"},
		{"with mock: true too", map[string]string{"DEEPSEEK_API_KEY": "sk-pasted-1234\n"}, "", true,
			"config: provider deepseek: DEEPSEEK_API_KEY contains a control character", "sk-pasted-1234"},
		{"an endpoint's api_key_env", map[string]string{"FAKE_KEY": "fk-pasted-1234\r\n"}, "", false,
			"config: openai_compatible[0] (fake): FAKE_KEY contains a control character", "fk-pasted-1234"},
		{"a provider's api_key_env", map[string]string{"TEAM_DS_KEY": " sk-team-1234 "}, "providers:\n  deepseek: {api_key_env: TEAM_DS_KEY}\n", false,
			"config: provider deepseek: TEAM_DS_KEY has leading or trailing spaces", "sk-team-1234"},
		{"wenxin's secret key", map[string]string{"WENXIN_API_KEY": "ak", "WENXIN_SECRET_KEY": "wx-secret-1234\n"}, "", false,
			"config: provider wenxin: WENXIN_SECRET_KEY contains a control character", "wx-secret-1234"},
		{"qianfan's appid", map[string]string{"QIANFAN_API_KEY": "bce-v3/k", "QIANFAN_APPID": "app-1234\n"}, "", false,
			"config: provider qianfan: QIANFAN_APPID contains a control character", "app-1234"},
		{"a base URL without its scheme, no key", map[string]string{"OPENAI_BASE_URL": "127.0.0.1:9102/v1"}, "", false,
			"config: provider openai: OPENAI_BASE_URL must be an absolute http:// or https:// URL", "9102"},
		{"a base URL without its scheme, with a key", map[string]string{"OPENAI_API_KEY": "sk-o", "OPENAI_BASE_URL": "127.0.0.1:9102/v1"}, "", false,
			"config: provider openai: OPENAI_BASE_URL must be an absolute http:// or https:// URL", "9102"},
		{"a built-in's base URL, unset key", map[string]string{"DEEPSEEK_BASE_URL": "api.deepseek.com"}, "", true,
			"config: provider deepseek: DEEPSEEK_BASE_URL must be an absolute http:// or https:// URL", "api.deepseek.com"},
		{"a provider's base_url", nil, "providers:\n  deepseek: {base_url: \"http//u:pw@oops\"}\n", false,
			"config: line 2: providers.deepseek.base_url", "pw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := gateway.ParseConfig([]byte(tc.yaml + "log: {access: off}\n"))
			require.NoError(t, err)
			cfg.Endpoints = fake
			cfg.Getenv = func(k string) string { return tc.vars[k] }
			var s *gateway.Server
			if tc.mock {
				var g *gatewaytest.Gateway
				if g, err = gatewaytest.New(cfg); g != nil {
					_ = g.Close()
				}
			} else if s, err = gateway.New(cfg); s != nil {
				_ = s.Close()
			}
			require.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), tc.secret)
		})
	}

	s, err := gateway.New(gateway.Config{Endpoints: fake, Log: gateway.LogConfig{Access: "off"}, Getenv: func(k string) string {
		return map[string]string{"DEEPSEEK_API_KEY": "sk-ok", "FAKE_KEY": "fk-ok", "OPENAI_BASE_URL": "http://127.0.0.1:9102/v1"}[k]
	}})
	require.NoError(t, err, "well-formed variables, and the others unset")
	assert.Equal(t, []string{"doubao", "qianfan", "wenxin"}, s.Uncredentialed())
	require.NoError(t, s.Close())
}

// A provider whose configuration turns malformed after the start (a Getenv
// of an embedder's that changes) answers 503 provider_not_configured, final,
// as one without credentials does: not 400 invalid_value naming the
// operator's variable to the caller.
func TestMalformedAtCallTimeIsNotTheCallersFault(t *testing.T) {
	var mu sync.Mutex
	vars := map[string]string{}
	g := gatewaytest.Start(t, gateway.Config{
		Endpoints: []gateway.EndpointConfig{{Name: "fake", BaseURL: "http://127.0.0.1:1/v1", APIKeyEnv: "FAKE_KEY", Prefixes: []string{"fake-"}}},
		Getenv:    func(k string) string { mu.Lock(); defer mu.Unlock(); return vars[k] },
	})
	assert.Contains(t, g.Server.Uncredentialed(), "fake")
	mu.Lock()
	vars["FAKE_KEY"] = "fk-pasted-1234\n"
	mu.Unlock()
	c := newCaller(t, g)
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%t", stream), func(t *testing.T) {
			res, body := c.chat(fmt.Sprintf(`{"model":"fake-1","stream":%t,"messages":[{"role":"user","content":"hi"}]}`, stream))
			require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
			e := decodeError(t, body)
			assert.Equal(t, "provider_not_configured", *e.Error.Code)
			assert.Nil(t, e.Error.Param, "the operator's variable is not the caller's parameter")
			assert.Equal(t, []string{"false"}, res.Header.Values("X-Should-Retry"))
			assert.NotContains(t, string(body), "FAKE_KEY")
			assert.NotContains(t, string(body), "fk-pasted")
		})
	}
	log := g.AccessLog()
	assert.Contains(t, log, `"error_type":"provider_misconfigured"`)
	_, metrics := c.do(http.MethodGet, "/metrics", "")
	assert.Contains(t, string(metrics), `harbor_gateway_http_requests_total{code="503",error_type="provider_misconfigured",route="chat"}`,
		"the metric's label too, not other (found by a review)")
	assert.Contains(t, log, "FAKE_KEY contains a control character", "the operator learns why from the log")
	assert.NotContains(t, log, "fk-pasted")

	// A request the caller got wrong is still the caller's 400.
	res, body := newBadCaller(t, g).chat(`{"model":"deepseek-v4-flash","temperature":5,"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
	assert.True(t, strings.Contains(string(body), "temperature"), "%s", body)
}

// A Redis URL read from a variable that does not parse is an error naming the
// *_env setting and the variable, not cache.redis_url, which the config does
// not have (found by a new-user trial), and never the URL's password.
func TestRedisURLFromAVariableIsNamedSo(t *testing.T) {
	cache := func(env string) *gateway.CacheConfig {
		return &gateway.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute, RedisURLEnv: env}
	}
	for _, tc := range []struct {
		name string
		cfg  gateway.Config
		vars map[string]string
		want string
	}{
		{"the cache's", gateway.Config{Cache: cache("REDIS_URL")}, map[string]string{"REDIS_URL": "redis//oops"},
			"config: cache.redis_url_env (REDIS_URL): rediscache:"},
		{"the cache's, with a password", gateway.Config{Cache: cache("REDIS_URL")}, map[string]string{"REDIS_URL": "redis://:s3cret@host:port/0"},
			"config: cache.redis_url_env (REDIS_URL): rediscache:"},
		{"the cache's, in the file", gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute, RedisURL: "redis//oops"}}, nil,
			"config: cache.redis_url: rediscache:"},
		{"shared_limits'", gateway.Config{SharedLimits: &gateway.SharedLimitsConfig{RedisURLEnv: "LIMITS_REDIS_URL"}},
			map[string]string{"LIMITS_REDIS_URL": "http://:s3cret@host/0"}, "config: shared_limits.redis_url_env (LIMITS_REDIS_URL): rediscache:"},
		{"shared_limits', in the file", gateway.Config{SharedLimits: &gateway.SharedLimitsConfig{RedisURL: "redis//oops"}}, nil,
			"config: shared_limits.redis_url: rediscache:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Getenv = func(k string) string { return tc.vars[k] }
			s, err := gateway.New(tc.cfg)
			if s != nil {
				_ = s.Close()
			}
			require.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}

// A Go program that loads a config file with mock: true and calls New is
// told how to run it: with gatewaytest.New, which starts the mocks, or a
// MockBackend of its own (found by a new-user trial: the error said only
// that harbor serve and gatewaytest set MockBackend).
func TestMockConfigTellsAnEmbedderWhatToDo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "harbor.yaml")
	require.NoError(t, os.WriteFile(path, []byte("mock: true\nlog: {access: off}\n"), 0o600))
	cfg, err := gateway.LoadConfig(path)
	require.NoError(t, err)
	cfg.Getenv = func(string) string { return "" }
	s, err := gateway.New(cfg)
	if s != nil {
		_ = s.Close()
	}
	require.Error(t, err)
	for _, want := range []string{"gatewaytest.New(cfg)", "set Config.MockBackend yourself"} {
		assert.Contains(t, err.Error(), want)
	}

	g, err := gatewaytest.New(cfg)
	require.NoError(t, err, "what the error says to do works")
	require.NoError(t, g.Close())
}

// A program that sets a provider's base URL in ClientOptions is not refused
// for the variable harbor would not read (found by a review: it started
// before the start-up checks).
func TestClientOptionsBaseURLWinsOverTheVariable(t *testing.T) {
	s, err := gateway.New(gateway.Config{
		Getenv: func(k string) string {
			return map[string]string{"OPENAI_API_KEY": "sk-o", "OPENAI_BASE_URL": "localhost:11434/v1"}[k]
		},
		ClientOptions: []harbor.Option{harbor.WithBaseURL("openai", "http://127.0.0.1:1/v1")},
	})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

// A program's ClientOptions may lean on the config — a chain over its alias,
// a preload of a provider whose key comes from api_key_env or the mock — as
// harbor.New sees them all together (found by a review: a client of the
// providers alone, asked first, refused them).
func TestClientOptionsMayLeanOnTheConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  gateway.Config
	}{
		{"a chain over the config's alias", gateway.Config{Aliases: map[string]string{"fast": "deepseek/deepseek-v4-flash"},
			ClientOptions: []harbor.Option{harbor.WithFallback("sturdy", "fast", "doubao-seed-1-6-251015")}}},
		{"a preload of a mocked provider", gateway.Config{ClientOptions: []harbor.Option{harbor.WithPreload("deepseek")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := gatewaytest.New(tc.cfg)
			require.NoError(t, err)
			require.NoError(t, g.Close())
		})
	}
	s, err := gateway.New(gateway.Config{
		Providers:     map[string]gateway.ProviderConfig{"deepseek": {APIKeyEnv: "DS_PROD_KEY"}},
		Getenv:        func(k string) string { return map[string]string{"DS_PROD_KEY": "sk-prod"}[k] },
		ClientOptions: []harbor.Option{harbor.WithPreload("deepseek")},
	})
	require.NoError(t, err, "a preload of a provider whose key is the config's")
	require.NoError(t, s.Close())
}
