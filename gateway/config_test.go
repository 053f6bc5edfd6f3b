package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
)

// The example configuration parses, says what its comments say, and serves
// (offline, on the mocks).
func TestExampleConfig(t *testing.T) {
	cfg, err := gateway.LoadConfig("../deploy/harbor.example.yaml")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8080", cfg.Listen)
	assert.Len(t, cfg.Providers, 5)
	assert.Equal(t, "WENXIN_SECRET_KEY", cfg.Providers["wenxin"].SecretKeyEnv)
	assert.Equal(t, "deepseek/deepseek-v4-flash", cfg.Aliases["fast"])
	assert.Equal(t, []string{"deepseek-v4-pro", "doubao-seed-1-6-251015", "ernie-4.5-turbo-32k"}, cfg.Fallbacks["smart"])
	require.NotNil(t, cfg.Cache)
	assert.EqualValues(t, 64<<20, cfg.Cache.MaxBytes)
	assert.Equal(t, time.Hour, cfg.Cache.TTL)
	assert.Equal(t, 30*time.Second, cfg.Breaker.Cooldown)
	require.Len(t, cfg.Keys, 3)
	assert.Equal(t, gateway.HashKey(gateway.ExampleKey), cfg.Keys[0].SHA256)
	assert.Equal(t, 600, cfg.Keys[1].RPM)
	assert.Equal(t, 500.0, cfg.Keys[1].BudgetCNY)
	assert.Equal(t, 720*time.Hour, cfg.Keys[1].BudgetPeriod)
	assert.True(t, cfg.Keys[2].Admin)
	assert.Len(t, cfg.Endpoints, 2)

	exposed := cfg
	exposed.Listen, exposed.Getenv = "0.0.0.0:8080", func(string) string { return "" }
	_, err = gateway.New(exposed)
	assert.ErrorContains(t, err, "is the example key, which is public")

	g := gatewaytest.Start(t, cfg)
	g.Key = gateway.ExampleKey
	c := newCaller(t, g)
	for _, model := range []string{"fast", "smart", "deepseek-v4-flash", "ernie-4.5-turbo-32k"} {
		res, body := c.chat(`{"model":"` + model + `","messages":[{"role":"user","content":"hi"}]}`)
		assert.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", model, body)
	}
	res, body := c.chat(`{"model":"moonshot-v1-8k","messages":[{"role":"user","content":"hi"}]}`)
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "no MOONSHOT_API_KEY: %s", body)
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"listen: 1.2.3.4:80\nlisten_typo: 1", `line 2: unknown setting "listen_typo"`},
		{"cache:\n  max_bytes: lots", `"lots" is not a size`},
		{"server:\n  read_timeout: 5", "line 2"},
		{"keys: {id: x}", "line 1"},
	} {
		_, err := gateway.ParseConfig([]byte(tc.yaml))
		assert.ErrorContains(t, err, tc.want, tc.yaml)
	}
	cfg, err := gateway.ParseConfig(nil)
	require.NoError(t, err, "an empty file is the zero Config")
	assert.Empty(t, cfg.Listen)
	cfg, err = gateway.ParseConfig([]byte("server: {max_body_bytes: 512KiB, read_timeout: 1m30s}\ncache: {max_bytes: 1000, ttl: 5m}"))
	require.NoError(t, err)
	assert.EqualValues(t, 512<<10, cfg.Server.MaxBodyBytes)
	assert.Equal(t, 90*time.Second, cfg.Server.ReadTimeout)
	assert.EqualValues(t, 1000, cfg.Cache.MaxBytes)
}

func TestNewRefuses(t *testing.T) {
	env := func(string) string { return "" }
	for _, tc := range []struct {
		name string
		cfg  gateway.Config
		want string
	}{
		{"exposed without keys", gateway.Config{Listen: "0.0.0.0:8080"}, "not a loopback address and no virtual keys"},
		{"bad listen", gateway.Config{Listen: "8080"}, "is not host:port"},
		{"mock without a backend", gateway.Config{Mock: true}, "config: mock: true needs Config.MockBackend"},
		{"cache without ttl", gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 10}}, "max_bytes and ttl are required"},
		{"bad fallback class", gateway.Config{Fallbacks: map[string][]string{"c": {"deepseek-v4-flash"}}, FallbackOn: []string{"oops"}}, `fallback_on: "oops"`},
		{"chain to nowhere", gateway.Config{Fallbacks: map[string][]string{"c": {"no-such-model"}}}, "no-such-model"},
		{"unknown provider", gateway.Config{Providers: map[string]gateway.ProviderConfig{"deepsek": {}}}, "deepsek"},
		{"bad key hash", gateway.Config{Keys: []gateway.KeyConfig{{ID: "a", SHA256: "xyz"}}}, "64 hex digits"},
		{"bad redis url", gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 10, TTL: time.Minute, RedisURL: "http://nope"}}, "cache.redis_url"},
		{"negative limit", gateway.Config{Server: gateway.ServerConfig{MaxStreams: -1}}, "max_streams must not be negative"},
		{"bad access log", gateway.Config{Log: gateway.LogConfig{Access: "syslog"}}, "log.access"},
		{"negative access flush", gateway.Config{Log: gateway.LogConfig{AccessFlush: -time.Second}}, "log.access_flush"},
		{"access flush over a minute", gateway.Config{Log: gateway.LogConfig{AccessFlush: 2 * time.Minute}}, "log.access_flush"},
		{"access flush with the access log off", gateway.Config{Log: gateway.LogConfig{Access: "off", AccessFlush: time.Second}}, "log.access_flush"},
		{"access flush with a logger of one's own", gateway.Config{AccessLog: slog.New(slog.NewJSONHandler(io.Discard, nil)), Log: gateway.LogConfig{AccessFlush: time.Second}}, "log.access_flush"},
		// A *_env setting that names a variable not set is named, with the
		// variable (found by a new-user trial: deploy/fleet.yaml without
		// REDIS_URL said shared_lock needs cache.redis_url or redis_url_env,
		// which it has).
		{"shared lock, the cache's Redis variable not set", gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 10, TTL: time.Minute,
			RedisURLEnv: "REDIS_URL", SharedLock: time.Second}},
			"config: cache.shared_lock needs the Redis tier: cache.redis_url_env names REDIS_URL, which is not set"},
		{"shared limits, the cache's Redis variable not set", gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 10, TTL: time.Minute,
			RedisURLEnv: "REDIS_URL"}, SharedLimits: &gateway.SharedLimitsConfig{}},
			"config: shared_limits: no Redis: cache.redis_url_env names REDIS_URL, which is not set"},
		{"shared limits, its Redis variable not set", gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 10, TTL: time.Minute,
			RedisURL: "redis://127.0.0.1:1/0"}, SharedLimits: &gateway.SharedLimitsConfig{RedisURLEnv: "LIMITS_REDIS_URL"}},
			"config: shared_limits.redis_url_env names LIMITS_REDIS_URL, which is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Getenv = env
			s, err := gateway.New(tc.cfg)
			if s != nil {
				s.Close()
			}
			assert.ErrorContains(t, err, tc.want)
		})
	}
	s, err := gateway.New(gateway.Config{Listen: "0.0.0.0:8080", AllowAnonymous: true, Getenv: env, Log: gateway.LogConfig{Access: "off"}})
	require.NoError(t, err, "allow_anonymous opens it on purpose")
	require.NoError(t, s.Close())
}

// An openai_compatible entry that could never be called is refused at start,
// naming its setting, rather than accepted and blamed on callers (found by a
// new-user trial): two of one name (the second replaced the first); one
// without base_url answered every call 400.
func TestNewRefusesEndpoints(t *testing.T) {
	ep := func(name, base string) gateway.EndpointConfig {
		return gateway.EndpointConfig{Name: name, BaseURL: base, KeyOptional: true, Prefixes: []string{name + "-"}}
	}
	for _, tc := range []struct {
		name      string
		endpoints []gateway.EndpointConfig
		want      string
		notWant   string
	}{
		{"two of one name", []gateway.EndpointConfig{ep("local", "http://127.0.0.1:1/v1"), ep("local", "http://127.0.0.1:2/v1")},
			`config: openai_compatible[1].name: "local" is openai_compatible[0]'s name too`, ""},
		{"no name", []gateway.EndpointConfig{ep("", "http://127.0.0.1:1/v1")}, "config: openai_compatible[0].name is required", ""},
		{"no base_url", []gateway.EndpointConfig{ep("x", "")}, "config: openai_compatible[0] (x): base_url is required", ""},
		{"base_url without a scheme", []gateway.EndpointConfig{ep("x", "127.0.0.1:9102/v1")},
			"config: openai_compatible[0] (x): base_url is not an absolute http:// or https:// URL", "9102"},
		{"base_url of another scheme", []gateway.EndpointConfig{ep("x", "ftp://user:s3cret@host/v1")},
			`openai_compatible[0] (x): base_url is not an absolute http:// or https:// URL (as http://127.0.0.1:8000/v1; got "ftp://host/v1")`, "s3cret"},
		{"base_url without a scheme, with a password", []gateway.EndpointConfig{ep("x", "user:s3cret@host/v1")},
			"openai_compatible[0] (x): base_url is not an absolute http:// or https:// URL", "s3cret"},
		{"base_url without a host", []gateway.EndpointConfig{ep("x", "http:///v1")}, `base_url has no host (the value is not shown: it may hold a secret)`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := gateway.New(gateway.Config{Endpoints: tc.endpoints, Getenv: func(string) string { return "" }})
			if s != nil {
				s.Close()
			}
			require.ErrorContains(t, err, tc.want)
			if tc.notWant != "" {
				assert.NotContains(t, err.Error(), tc.notWant)
			}
		})
	}
}

// A misspelt setting is named in the file's terms — the section, the setting
// meant — not by the Go type that holds it.
func TestConfigUnknownSettingExplained(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"limits:\n  max_concurent: 4\n", `line 2: unknown setting "max_concurent" in limits (did you mean "max_concurrent"?)`},
		{"server:\n  shutdown_dealy: 5s\n", `unknown setting "shutdown_dealy" in server (did you mean "shutdown_delay"?)`},
		{"keys:\n  - id: a\n    sha265: x\n", `unknown setting "sha265" in keys (did you mean "sha256"?)`},
		{"lisen: 127.0.0.1:1\n", `unknown setting "lisen" (did you mean "listen"?)`},
		{"limits:\n  nonsense: 1\n", `unknown setting "nonsense" in limits`},
	} {
		_, err := gateway.ParseConfig([]byte(tc.yaml))
		require.Error(t, err, tc.yaml)
		assert.Contains(t, err.Error(), tc.want)
		assert.NotContains(t, err.Error(), "gateway.", "no Go type names")
	}
}

// A duration is written with its unit; a bare 0 is read as 0s (the example
// config's comments show defaults of 0), and any other bare number is an
// error that says what to write, on its line.
func TestConfigDurations(t *testing.T) {
	cfg, err := gateway.ParseConfig([]byte("log:\n  access_flush: 0\nupstream:\n  request_timeout: 0 # none\n" +
		"keys:\n  - id: a\n    budget_period: 0\n  - id: b\n    budget_period: 720h\nserver:\n  shutdown_delay: \"0\"\n"))
	require.NoError(t, err)
	assert.Zero(t, cfg.Log.AccessFlush)
	assert.Zero(t, cfg.Upstream.RequestTimeout)
	assert.Zero(t, cfg.Keys[0].BudgetPeriod)
	assert.Equal(t, 720*time.Hour, cfg.Keys[1].BudgetPeriod)

	for _, c := range []struct{ yaml, want string }{
		{"log:\n  access_flush: 100\n", "line 2: log.access_flush: 100 is not a duration: give it a unit, as 100s or 100ms"},
		{"server:\n  shutdown_delay: 1.5\n", "line 2: server.shutdown_delay: 1.5 is not a duration: give it a unit, as 1.5s or 1.5ms"},
		{"log:\n  access: 0\n", ""}, // not a duration: a string setting, left as it is
	} {
		_, err := gateway.ParseConfig([]byte(c.yaml))
		if c.want == "" {
			assert.NoError(t, err, c.yaml)
			continue
		}
		assert.ErrorContains(t, err, c.want, c.yaml)
	}
}

// A value of the wrong kind is an error naming its line and setting in the
// file's terms, never the YAML library's Go wording; a fraction given to a
// whole number included, which the library truncated (rpm: 0.5 was 0: no
// limit) (found by a new-user trial).
func TestConfigValueErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"fraction rpm", "keys:\n  - id: a\n    rpm: 0.5\n",
			"line 3: keys[0].rpm: 0.5 is not a whole number (requests per minute)"},
		{"fraction tpm, second key", "keys:\n  - id: a\n  - id: b\n    tpm: 2.7\n",
			"line 4: keys[1].tpm: 2.7 is not a whole number (tokens per minute)"},
		{"fraction limit", "limits:\n  max_concurrent: 2.5\n",
			"line 2: limits.max_concurrent: 2.5 is not a whole number (calls at once, all providers together)"},
		{"fraction in a map", "limits:\n  per_provider: {deepseek: 1.5}\n",
			"line 2: limits.per_provider.deepseek: 1.5 is not a whole number (calls at once to that provider)"},
		{"fraction behind a pointer", "upstream:\n  max_retries: 0.5\n",
			"line 2: upstream.max_retries: 0.5 is not a whole number (retries after the first attempt)"},
		{"fraction server limit", "server:\n  max_streams: 10.5\n",
			"line 2: server.max_streams: 10.5 is not a whole number (streams open at once)"},
		{"negative fraction", "breaker:\n  failures: -0.5\n",
			"line 2: breaker.failures: -0.5 is not a whole number (consecutive vendor failures)"},
		{"fraction through an alias", "keys:\n  - id: a\n    budget_cny: &x 0.5\n    rpm: *x\n",
			"line 4: keys[0].rpm: 0.5 is not a whole number (requests per minute)"},
		{"bool for a duration", "cache:\n  max_bytes: 1MiB\n  ttl: true\n",
			"line 3: cache.ttl: true is not a duration; use h, m, s (as 90s, 1m30s or 720h)"},
		{"date for a duration", "cache:\n  max_bytes: 1MiB\n  ttl: 2001-12-14\n",
			"line 3: cache.ttl: 2001-12-14 is not a duration; use h, m, s"},
		// A negative count is refused with its line too (found by a new-user
		// trial: keys[0] (a): rpm and tpm must not be negative, with no line).
		{"negative rpm", "listen: 127.0.0.1:0\nkeys:\n  - id: a\n    sha256: x\n    rpm: -5\n",
			"line 5: keys[0].rpm: -5 is negative (requests per minute): it must be 0 or more"},
		{"negative in a map", "limits:\n  per_provider: {deepseek: -1}\n",
			"line 2: limits.per_provider.deepseek: -1 is negative (calls at once to that provider): it must be 0 or more"},
		{"negative behind a pointer", "upstream:\n  max_retries: -1\n",
			"line 2: upstream.max_retries: -1 is negative (retries after the first attempt): it must be 0 or more"},
		{"negative whole float", "limits:\n  queue_size: -2.0\n",
			"line 2: limits.queue_size: -2.0 is negative (calls that may wait for a slot): it must be 0 or more"},
		{"negative server limit", "server:\n  max_connections: -3\n",
			"line 2: server.max_connections: -3 is negative (connections accepted at once): it must be 0 or more"},
		{"string for a whole number", "keys:\n  - id: a\n    rpm: lots\n",
			`line 3: keys[0].rpm: "lots" is not a whole number (requests per minute)`},
		{"quoted number", "keys:\n  - id: a\n    rpm: \"600\"\n",
			`line 3: keys[0].rpm: "600" is in quotes: write it without them`},
		{"too large", "keys:\n  - id: a\n    rpm: 1e30\n", "line 3: keys[0].rpm: 1e30 is out of range"},
		{"string for a number", "keys:\n  - id: a\n    budget_cny: lots\n", `line 3: keys[0].budget_cny: "lots" is not a number`},
		{"string for a bool", "keys:\n  - id: a\n    admin: maybe\n", `line 3: keys[0].admin: "maybe" is not true or false`},
		{"list for a whole number", "keys:\n  - id: a\n    rpm: [1]\n",
			"line 3: keys[0].rpm: expected a whole number (requests per minute), found a list"},
		{"list for a section", "listen: 127.0.0.1:0\nlimits:\n  - max_concurrent: 1\n",
			"line 3: limits: expected a section (key: value lines), found a list"},
		{"value for a section", "cache: 64MiB\n", `line 1: cache: expected a section (key: value lines), found "64MiB"`},
		{"section for a list", "keys: {id: x}\n", `line 1: keys: expected a list ("- item" lines), found a section`},
		{"section for a list of names", "keys:\n  - id: a\n    models: {a: b}\n",
			`line 3: keys[0].models: expected a list ("- item" lines), found a section`},
		{"value for a list", "fallbacks:\n  smart: deepseek-v4-pro\n",
			`line 2: fallbacks.smart: expected a list ("- item" lines), found "deepseek-v4-pro"`},
		{"list for a value", "listen: [a, b]\n", "line 1: listen: expected a single value, found a list"},
		{"list for the file", "- listen: x\n", "line 1: expected a section (key: value lines), found a list"},
		{"days", "keys:\n  - id: a\n    budget_period: 30d\n",
			`line 3: keys[0].budget_period: "30d" is not a duration; use h, m, s (30 days = 720h)`},
		{"a week", "keys:\n  - id: a\n    budget_period: 1w\n",
			`line 3: keys[0].budget_period: "1w" is not a duration; use h, m, s (1 week = 168h)`},
		{"no unit Go knows", "upstream:\n  connect_timeout: soon\n",
			`line 2: upstream.connect_timeout: "soon" is not a duration; use h, m, s (as 90s, 1m30s or 720h)`},
		{"list for a duration", "cache:\n  ttl: [1h]\n", "line 2: cache.ttl: expected a duration such as 30s, found a list"},
		{"size", "cache:\n  max_bytes: lots\n", `line 2: cache.max_bytes: "lots" is not a size`},
		{"fraction of a size", "server:\n  max_body_bytes: 1.5MiB\n", `line 2: server.max_body_bytes: "1.5MiB" is not a size`},
		{"list for a size", "server:\n  max_body_bytes: [1]\n",
			"line 2: server.max_body_bytes: expected a size such as 4MiB, found a list"},
		{"every fault, in line order", "cache:\n  max_bytes: lots\nlimits:\n  max_concurent: 1\n  queue_size: 0.5\nlog:\n  access_flush: 100\n",
			`config: line 2: cache.max_bytes: "lots" is not a size (a whole number of bytes, or one with KiB, MiB, GiB, KB, MB or GB); ` +
				`line 4: unknown setting "max_concurent" in limits (did you mean "max_concurrent"?); ` +
				`line 5: limits.queue_size: 0.5 is not a whole number (calls that may wait for a slot); ` +
				`line 7: log.access_flush: 100 is not a duration: give it a unit, as 100s or 100ms`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.ParseConfig([]byte(tc.yaml))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, goWords := range []string{"unmarshal", "!!", "gateway.", "into "} {
				assert.NotContains(t, err.Error(), goWords, "no Go wording")
			}
		})
	}
}

// The checks take what they should: a whole number written as 1e3, an empty
// value, YAML's yes; and the example config loads as the YAML library alone
// reads it.
func TestConfigValuesAccepted(t *testing.T) {
	cfg, err := gateway.ParseConfig([]byte("keys:\n  - id: a\n    rpm: 1e3\n    tpm: 2_000\n    admin: yes\n    budget_cny: 12\n" +
		"limits:\n  max_concurrent: 4.0\n  per_provider:\nupstream:\n  max_retries: 0\ncache: {max_bytes: 1KiB, ttl: \"1h\"}\n"))
	require.NoError(t, err)
	assert.Equal(t, 1000, cfg.Keys[0].RPM)
	assert.Equal(t, 2000, cfg.Keys[0].TPM)
	assert.True(t, cfg.Keys[0].Admin)
	assert.Equal(t, 12.0, cfg.Keys[0].BudgetCNY)
	assert.Equal(t, 4, cfg.Limits.MaxConcurrent)
	require.NotNil(t, cfg.Upstream.MaxRetries)
	assert.Zero(t, *cfg.Upstream.MaxRetries)
	assert.Equal(t, time.Hour, cfg.Cache.TTL)

	b, err := os.ReadFile("../deploy/harbor.example.yaml")
	require.NoError(t, err)
	var want gateway.Config
	require.NoError(t, yaml.Unmarshal(b, &want))
	got, err := gateway.ParseConfig(b)
	require.NoError(t, err)
	assert.Equal(t, want, gateway.WithoutLines(got))
}

// Every commented-out setting of the example config, uncommented, still
// parses: its comments show values a reader may copy as they are.
func TestExampleConfigUncommented(t *testing.T) {
	b, err := os.ReadFile("../deploy/harbor.example.yaml")
	require.NoError(t, err)
	commented := regexp.MustCompile(`(?m)^(\s*)# ([a-z_]+: [^#\n]*?)(\s+#.*)?$`)
	out := commented.ReplaceAll(b, []byte("$1$2"))
	require.NotEqual(t, string(b), string(out), "the example has commented-out settings")
	_, err = gateway.ParseConfig(out)
	assert.NoError(t, err)
}

// The example config's access_flush comment states the bounds the config
// takes, 0 to 1m (found by a new-user trial: it said neither).
func TestExampleConfigStatesAccessFlushBounds(t *testing.T) {
	b, err := os.ReadFile("../deploy/harbor.example.yaml")
	require.NoError(t, err)
	line := regexp.MustCompile(`(?m)^\s*access_flush:.*$`).Find(b)
	require.NotNil(t, line)
	assert.Contains(t, string(line), "0 to 1m")
	for flush, ok := range map[string]bool{"0s": true, "1m": true, "61s": false, "-1s": false} {
		cfg, err := gateway.ParseConfig([]byte("log:\n  access_flush: " + flush + "\n"))
		require.NoError(t, err, flush)
		cfg.Getenv = func(string) string { return "" }
		srv, err := gateway.New(cfg)
		if err == nil {
			_ = srv.Close()
		}
		if ok {
			assert.NoError(t, err, flush)
		} else {
			assert.ErrorContains(t, err, "is not between 0 (each line written at once) and 1m", flush)
		}
	}
}

// A provider's api_key_env names the one variable its key comes from: when
// that variable is not set, the provider has no credentials, rather than the
// key of the vendor's default variable (found while checking the *_env
// settings after a new-user trial: DEEPSEEK_API_KEY was used in place of the
// TEAM_DS_KEY the config named).
func TestAPIKeyEnvDoesNotFallBackOnTheDefaultVariable(t *testing.T) {
	vars := map[string]string{"DEEPSEEK_API_KEY": "sk-another-account", "WENXIN_API_KEY": "ak", "WENXIN_SECRET_KEY": "sk"}
	cfg, err := gateway.ParseConfig([]byte("providers:\n  deepseek: {api_key_env: TEAM_DS_KEY}\n" +
		"  wenxin: {secret_key_env: TEAM_WENXIN_SECRET}\n  doubao: {api_key_env: ARK_API_KEY}\nlog: {access: off}\n"))
	require.NoError(t, err)
	cfg.Getenv = func(k string) string { return vars[k] }
	srv, err := gateway.New(cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{"deepseek", "doubao", "wenxin"}, srv.Uncredentialed(),
		"deepseek and wenxin: their named variables are not set; doubao: ARK_API_KEY, its default, is not set")
	require.NoError(t, srv.Close())

	vars["TEAM_DS_KEY"], vars["TEAM_WENXIN_SECRET"], vars["ARK_API_KEY"] = "sk-team", "sk-team", "ark"
	srv, err = gateway.New(cfg)
	require.NoError(t, err)
	assert.Empty(t, srv.Uncredentialed())
	require.NoError(t, srv.Close())
}

// An endpoint named as a built-in provider replaces it, --mock or not, and
// takes its base URL from providers.<name>.base_url when it has none of its
// own (found by a review: refusing them broke configs that worked).
func TestEndpointReplacesABuiltin(t *testing.T) {
	vendor, seen := fakeVendor(t, "from the endpoint")
	for _, tc := range []struct {
		name string
		cfg  gateway.Config
	}{
		{"a built-in's name, mocks on", gateway.Config{
			Endpoints: []gateway.EndpointConfig{{Name: "deepseek", BaseURL: vendor.URL + "/a", KeyOptional: true, Models: []string{"m1"}}}}},
		{"the base URL under providers", gateway.Config{
			Providers: map[string]gateway.ProviderConfig{"corp": {BaseURL: vendor.URL + "/a"}},
			Endpoints: []gateway.EndpointConfig{{Name: "corp", KeyOptional: true, Models: []string{"m1"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := gatewaytest.Start(t, tc.cfg) // gatewaytest turns the mocks on
			c := newCaller(t, g)
			name := tc.cfg.Endpoints[0].Name
			res, body := c.chat(`{"model":"` + name + `/m1","messages":[{"role":"user","content":"hi"}]}`)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
			assert.Contains(t, string(body), "from the endpoint")
			got := seen()
			require.NotEmpty(t, got)
			assert.Equal(t, "/a/chat/completions", got[len(got)-1].URL.Path)
			if name == "deepseek" {
				assert.Contains(t, strings.Join(g.Server.Notes(), "\n"), "openai_compatible[0] (deepseek) replaces the built-in provider deepseek")
			}
		})
	}
}

// New's errors about a setting of a file ParseConfig read say its line, as
// ParseConfig's own do (found by a new-user trial); a Config built in Go, or
// an error about the environment, has none to say.
func TestNewSaysTheLineOfTheSetting(t *testing.T) {
	const file = "listen: 127.0.0.1:0\n" +
		"keys:\n" +
		"  - id: team-a\n" +
		"    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n" +
		"  - id: team-a\n" +
		"    sha256: 1111111111111111111111111111111111111111111111111111111111111111\n"
	cfg, err := gateway.ParseConfig([]byte(file))
	require.NoError(t, err)
	_, err = gateway.New(cfg)
	require.Error(t, err)
	assert.Equal(t, `config: line 5: keys[1] (team-a): id "team-a" is used twice`, err.Error())

	_, err = gateway.New(gateway.Config{Keys: cfg.Keys})
	require.Error(t, err)
	assert.Equal(t, `config: keys[1] (team-a): id "team-a" is used twice`, err.Error(), "a Config of Go's has no lines")

	cfg, err = gateway.ParseConfig([]byte("providers:\n  deepseek: {}\n"))
	require.NoError(t, err)
	cfg.Getenv = func(k string) string { return map[string]string{"DEEPSEEK_API_KEY": "sk-x\n"}[k] }
	_, err = gateway.New(cfg)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "line ", "the environment's fault has no line in the file")
}
