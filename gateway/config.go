package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/setup"
)

// Defaults of the settings a Config leaves at zero.
const (
	DefaultListen            = "127.0.0.1:8080" // loopback: exposing the gateway is a decision
	DefaultMaxBodyBytes      = 4 << 20          // 4 MiB; a larger body is a 413
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second // headers and body together
	DefaultWriteTimeout      = 60 * time.Second // per write: a client must take each write within it
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxStreams        = 1024
	DefaultMaxConnections    = 4096
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultReadyTimeout      = 500 * time.Millisecond
)

// Config is a gateway's configuration: what `harbor serve --config FILE` reads
// from YAML (ParseConfig, LoadConfig; deploy/harbor.example.yaml shows every
// setting with its default), or what a program fills in before New. The zero
// Config is usable: loopback, no virtual keys (anonymous callers, allowed on
// loopback only), every built-in provider with its keys from the environment,
// nothing managed.
//
// Vendor keys never appear in a Config: they come from the environment
// (DEEPSEEK_API_KEY… or the variable a provider's api_key_env names).
type Config struct {
	// Listen is the address ListenAndServe listens on; default DefaultListen.
	Listen string `yaml:"listen"`
	// Mock answers from the built-in mock vendors for every built-in provider
	// whose credentials are not in the environment, as `harbor chat` does;
	// for demos and tests. It needs MockBackend: harbor serve sets it, and so
	// does gatewaytest.New (Start in a test), which is how a program runs a
	// Config with Mock (one LoadConfig read, say).
	Mock bool `yaml:"mock"`
	// AllowAnonymous lets callers in without a virtual key when Keys is empty
	// on a non-loopback Listen address. Without keys on loopback, callers are
	// anonymous anyway; with keys, a key is always required.
	AllowAnonymous bool `yaml:"allow_anonymous"`

	// Providers configures built-in providers by name (deepseek, doubao,
	// wenxin, qianfan, openai). When it is empty every built-in provider is
	// offered; when it is not, only those listed (and Endpoints).
	Providers map[string]ProviderConfig `yaml:"providers"`
	// Endpoints adds OpenAI-compatible servers (Qwen, Moonshot, a local vLLM…).
	Endpoints []EndpointConfig `yaml:"openai_compatible"`
	// Aliases maps names of your choosing to models (harbor.WithAlias).
	Aliases map[string]string `yaml:"aliases"`
	// Fallbacks maps chain names to the models tried in order
	// (harbor.WithFallback).
	Fallbacks map[string][]string `yaml:"fallbacks"`
	// FallbackOn lists the error classes that move a chain on, by
	// harbor.ErrorType name (rate_limited, server, timeout, connection,
	// circuit_open…); empty: harbor.DefaultFallbackOn.
	FallbackOn []string `yaml:"fallback_on"`
	// Hedge turns on hedged requests for chains (harbor.WithHedging).
	Hedge *HedgeConfig `yaml:"hedge"`
	// Cache turns on the response cache (harbor.WithCache), with an optional
	// Redis shared tier.
	Cache *CacheConfig `yaml:"cache"`
	// SharedLimits counts the virtual keys' rpm, tpm and budgets in Redis, for
	// a whole fleet of gateways at once; nil: each process counts its own.
	SharedLimits *SharedLimitsConfig `yaml:"shared_limits"`
	// Limits is admission control towards the vendors (harbor.WithLimits).
	Limits *LimitsConfig `yaml:"limits"`
	// Breaker turns on the per-provider circuit breaker
	// (harbor.WithCircuitBreaker).
	Breaker *BreakerConfig `yaml:"breaker"`
	// Upstream tunes harbor's retries and timeouts towards the vendors.
	Upstream UpstreamConfig `yaml:"upstream"`
	// PricesFile is a JSON price table merged over harbor's defaults
	// (harbor.LoadPriceFile); it prices the answers that budgets count.
	PricesFile string `yaml:"prices_file"`

	// Server bounds what callers may do to the gateway.
	Server ServerConfig `yaml:"server"`
	// Keys are the virtual keys callers authenticate with.
	Keys []KeyConfig `yaml:"keys"`
	// Management configures /stats, /ready and /metrics.
	Management ManagementConfig `yaml:"management"`
	// PassthroughFields names request fields that harbor's ChatRequest does not
	// have and that are sent to the vendor as they are (ExtraBody); "*" passes
	// every such field. Empty (the default): they are accepted and ignored, as
	// OpenAI does with fields it does not know.
	PassthroughFields []string `yaml:"passthrough_fields"`
	// Log configures the access log and harbor's own call log.
	Log LogConfig `yaml:"log"`

	// ClientOptions are added after the options the Config makes, for what
	// YAML cannot say (harbor.WithTransport, a provider of your own,
	// harbor.WithObserver).
	ClientOptions []harbor.Option `yaml:"-"`
	// MockBackend starts mock vendors for the providers named and returns the
	// options that point harbor at them and a function that stops them. Used
	// when Mock is set; package gateway does not import the mocks itself.
	MockBackend func(providers []string) ([]harbor.Option, func(), error) `yaml:"-"`
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string `yaml:"-"`
	// lines are where each setting of the file ParseConfig read sits, for
	// New's errors (configlines.go); nil for a Config built in Go.
	lines settingLines
	// AccessLog receives the access log line of every request; nil: the
	// gateway writes the lines itself to the writer Log.Access names (stdout
	// by default): the bytes slog.NewJSONHandler(w, nil) would write, for a
	// fraction of slog's CPU (BenchmarkAccessLog).
	AccessLog *slog.Logger `yaml:"-"`
	// AccessLogOutput, when AccessLog is nil, is where the gateway writes its
	// access log lines in place of the stdout or stderr Log.Access names (a
	// program that routes its own output, as harbor serve does for its
	// tests); ignored when Log.Access is "off".
	AccessLogOutput io.Writer `yaml:"-"`
}

// ProviderConfig configures one built-in provider. Keys come from the
// environment only.
type ProviderConfig struct {
	// APIKeyEnv names the variable holding the key; default the provider's
	// own (DEEPSEEK_API_KEY, ARK_API_KEY, WENXIN_API_KEY, QIANFAN_API_KEY,
	// OPENAI_API_KEY). When it is not set the provider has no credentials
	// (503 provider_not_configured): the provider's own variable is not
	// read instead.
	APIKeyEnv string `yaml:"api_key_env"`
	// SecretKeyEnv names the variable holding Wenxin v1's secret key; default
	// WENXIN_SECRET_KEY, which, as for APIKeyEnv, is not read instead.
	SecretKeyEnv string `yaml:"secret_key_env"`
	// BaseURL replaces the vendor's public endpoint (its *_BASE_URL variable
	// does too).
	BaseURL string `yaml:"base_url"`
	// AppID is Qianfan's optional appid.
	AppID string `yaml:"app_id"`
}

// EndpointConfig is an OpenAI-compatible server (openaicompat.Endpoint).
type EndpointConfig struct {
	// Name routes "name/model" here; required, one per endpoint. One named
	// as a built-in provider replaces it, keys included: its key is
	// APIKeyEnv's, not the built-in's variable (to point a built-in
	// elsewhere, its ProviderConfig.BaseURL is enough).
	Name string `yaml:"name"`
	// BaseURL is the absolute http(s) URL /chat/completions is appended to;
	// required, here or as Providers[Name].BaseURL.
	BaseURL   string            `yaml:"base_url"`
	APIKeyEnv string            `yaml:"api_key_env"`
	Models    []string          `yaml:"models"`
	Prefixes  []string          `yaml:"prefixes"`
	Aliases   map[string]string `yaml:"aliases"`
	// KeyOptional is for servers without authentication (local vLLM, Ollama).
	KeyOptional  bool `yaml:"key_optional"`
	PassThinking bool `yaml:"pass_thinking"`
	NoJSONSchema bool `yaml:"no_json_schema"`
}

// HedgeConfig is harbor.Hedge.
type HedgeConfig struct {
	After      time.Duration `yaml:"after"`
	Percentile float64       `yaml:"percentile"`
	MinAfter   time.Duration `yaml:"min_after"`
}

// CacheConfig is harbor.CacheConfig plus the Redis shared tier.
type CacheConfig struct {
	// MaxBytes bounds the in-process tier ("64MiB" or a number of bytes).
	MaxBytes ByteSize `yaml:"max_bytes"`
	// TTL is how long an answer is served.
	TTL time.Duration `yaml:"ttl"`
	// Namespace separates applications sharing one Redis; default "harbor".
	Namespace string `yaml:"namespace"`
	// RedisURL, when set, adds the shared tier (rediscache.Open):
	// redis://[:password@]host:port/db. A Redis that is down makes calls
	// misses, never failures.
	RedisURL string `yaml:"redis_url"`
	// RedisURLEnv names a variable holding the URL instead (it may carry a
	// password); used when RedisURL is empty. A variable not set leaves the
	// cache without the shared tier, and is an error where the tier is
	// needed (SharedLock, SharedLimits without a Redis of its own).
	RedisURLEnv string `yaml:"redis_url_env"`
	// SharedTimeout bounds each read and write of the shared tier; default 50ms.
	SharedTimeout time.Duration `yaml:"shared_timeout"`
	// SharedLock makes identical calls in flight on several gateways of a
	// fleet make one vendor call (harbor.CacheConfig.SharedLock): the lock's
	// time to live in Redis, refreshed while the call runs, so what a gateway
	// that dies holding one delays others by. Needs the Redis tier; 0: off.
	SharedLock time.Duration `yaml:"shared_lock"`
	// SharedLockWait bounds how long a call waits for another gateway's
	// answer before calling the vendor itself; default
	// harbor.DefaultSharedLockWait (2m).
	SharedLockWait time.Duration `yaml:"shared_lock_wait"`
}

// SharedLimitsConfig makes every key's rpm, tpm and budget_cny count for the
// whole fleet of gateways that share one Redis, rather than for each process:
// a key limited to 60 requests a minute gets 60 through three instances, not
// 180. Redis holds one hash per key id (never the key), updated by Lua
// scripts on Redis's own clock; see sharedlimits.go.
type SharedLimitsConfig struct {
	// RedisURL names the Redis; empty: the cache's (cache.redis_url or
	// redis_url_env).
	RedisURL string `yaml:"redis_url"`
	// RedisURLEnv names a variable holding the URL instead; one not set is
	// an error, not the cache's Redis.
	RedisURLEnv string `yaml:"redis_url_env"`
	// Namespace separates fleets sharing one Redis; default the cache's
	// namespace, else "harbor".
	Namespace string `yaml:"namespace"`
	// OnRedisDown is what a call of a key with limits meets when Redis does
	// not answer within Timeout: "open" (the default) counts in this process
	// instead, as without shared_limits — so while Redis is down a fleet of N
	// lets a key do up to N times its limits — and hands what it counted to
	// Redis once Redis answers again, so that the outage is charged to the
	// key's fleet-wide buckets and budget afterwards; "closed" refuses the
	// call with 503 limits_unavailable. Keys without limits are never
	// refused.
	OnRedisDown string `yaml:"on_redis_down"`
	// Timeout bounds each round trip to Redis; default
	// DefaultSharedLimitsTimeout (50ms).
	Timeout time.Duration `yaml:"timeout"`
}

// LimitsConfig is harbor.Limits.
type LimitsConfig struct {
	MaxConcurrent      int            `yaml:"max_concurrent"`
	PerProvider        map[string]int `yaml:"per_provider"`
	DefaultPerProvider int            `yaml:"default_per_provider"`
	QueueSize          int            `yaml:"queue_size"`
	MaxConnsPerHost    int            `yaml:"max_conns_per_host"`
}

// BreakerConfig is harbor.CircuitBreaker.
type BreakerConfig struct {
	Failures int           `yaml:"failures"`
	Cooldown time.Duration `yaml:"cooldown"`
}

// UpstreamConfig tunes harbor towards the vendors; zero fields keep harbor's
// defaults (see harbor's Configuration).
type UpstreamConfig struct {
	MaxRetries            *int          `yaml:"max_retries"`
	RetryWaitMin          time.Duration `yaml:"retry_wait_min"`
	RetryWaitMax          time.Duration `yaml:"retry_wait_max"`
	MaxRetryAfter         time.Duration `yaml:"max_retry_after"`
	ConnectTimeout        time.Duration `yaml:"connect_timeout"`
	ResponseHeaderTimeout time.Duration `yaml:"response_header_timeout"`
	IdleTimeout           time.Duration `yaml:"idle_timeout"`
	// RequestTimeout bounds a whole call, retries and stream included
	// (harbor.WithRequestTimeout); 0: none.
	RequestTimeout      time.Duration `yaml:"request_timeout"`
	MaxIdleConnsPerHost int           `yaml:"max_idle_conns_per_host"`
}

// ServerConfig bounds what callers can make the gateway hold. Zero fields take
// the Default* constants.
type ServerConfig struct {
	// MaxBodyBytes: a larger request body is refused with 413, unread.
	MaxBodyBytes ByteSize `yaml:"max_body_bytes"`
	// MaxHeaderBytes bounds the request line and headers; more is a 431.
	MaxHeaderBytes ByteSize `yaml:"max_header_bytes"`
	// ReadHeaderTimeout bounds reading a request's headers (slowloris).
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a request, headers and body: a body that
	// never finishes is a 408 after it.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds each write of an answer (every stream event is one):
	// a client that stops reading is cut off after it, and its call closed.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes keep-alive connections idle this long.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxStreams bounds the streams open at once; one more is a 503
	// too_many_streams with Retry-After.
	MaxStreams int `yaml:"max_streams"`
	// MaxConnections bounds the connections accepted at once; more wait in
	// the kernel's backlog until one closes.
	MaxConnections int `yaml:"max_connections"`
	// ShutdownDelay is how long Shutdown keeps accepting and serving, with
	// /ready answering 503, before it closes the listeners: time for a load
	// balancer's health checks to take the instance out of rotation, so that
	// no caller meets a refused connection (deploy/haproxy.cfg checks every
	// 2s and needs 2 failures: deploy/fleet.yaml waits 5s). 0: close at once.
	// It does not count in ShutdownTimeout.
	ShutdownDelay time.Duration `yaml:"shutdown_delay"`
	// ShutdownTimeout is how long Shutdown (SIGTERM, SIGHUP, Ctrl-C for
	// harbor serve) lets streams under way finish before it cuts them.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// KeyConfig is one virtual key. The key itself is never stored: SHA256 is the
// hex SHA-256 of it, as `harbor keys create` prints.
type KeyConfig struct {
	// ID names the key in logs, /stats and errors (never the key itself).
	ID string `yaml:"id"`
	// SHA256 is hex(sha256(key)).
	SHA256 string `yaml:"sha256"`
	// Models the key may use: names or globs where * matches any run of
	// characters ("deepseek-*", "doubao/*", "fast"); nil: every model. A
	// pattern matches the name sent or where it routes ("doubao/*" allows
	// "doubao-seed-1-6-251015" and an alias of it); a fallback chain is
	// allowed by its name or when every model in it is (keymodels.go).
	// Only nil (models left out) allows every model: an empty list that is
	// not nil (models: [] in YAML, []string{} in Go) is refused, since it
	// reads as "no model yet".
	Models []string `yaml:"models"`
	// RPM and TPM are requests and tokens per minute (token buckets in this
	// process; 0: no limit). Tokens are counted from each answer's usage, so
	// a request is let in while the bucket is not in debt.
	RPM int `yaml:"rpm"`
	TPM int `yaml:"tpm"`
	// BudgetCNY is what the key's answers may cost (by harbor's price table)
	// per BudgetPeriod; 0: no budget. Past it, calls are refused with 402
	// budget_exceeded.
	BudgetCNY float64 `yaml:"budget_cny"`
	// BudgetPeriod restarts the budget every period (720h: about a month);
	// 0: the budget runs from the gateway's start.
	BudgetPeriod time.Duration `yaml:"budget_period"`
	// Admin keys may read /stats when Management.RequireAdminKey is set.
	Admin bool `yaml:"admin"`
}

// ManagementConfig configures the management routes.
type ManagementConfig struct {
	// RequireAdminKey makes /stats need a key with admin: true.
	RequireAdminKey bool `yaml:"require_admin_key"`
	// ReadyTimeout bounds /ready's checks; default DefaultReadyTimeout.
	ReadyTimeout time.Duration `yaml:"ready_timeout"`
	// ReadyIgnoresRedis keeps /ready at 200 while the shared cache's Redis is
	// unreachable (calls still succeed, as misses). Off by default: a
	// configured Redis that does not answer makes the instance not ready.
	ReadyIgnoresRedis bool `yaml:"ready_ignores_redis"`
	// NoMetrics turns /metrics off (404).
	NoMetrics bool `yaml:"no_metrics"`
	// MetricsRequireAdminKey makes /metrics need a key with admin: true, as
	// Prometheus sends it (authorization: {credentials_file: …} in its
	// scrape config). Off by default, as Prometheus's targets are: the
	// metrics carry key ids, never keys, and a fleet's balancer does not
	// route /metrics (deploy/haproxy.cfg).
	MetricsRequireAdminKey bool `yaml:"metrics_require_admin_key"`
}

// LogConfig configures logging.
type LogConfig struct {
	// Access is where access log lines go: stdout (default), stderr or off.
	Access string `yaml:"access"`
	// AccessFlush, when set, lets access log lines wait in memory up to that
	// long (or until 32 KiB of them wait) and writes them in one go: one
	// write system call per batch instead of one per request, which at low
	// load costs the gateway more than the rest of its own work on a request
	// (benchmarks/results/gateway.md). Every line waiting is written when
	// the gateway shuts down; a process killed outright (SIGKILL, out of
	// memory) loses them. 0 (the default) writes each line as its request
	// ends. At most a minute; an error with Access off or a Config.AccessLog
	// of your own (whose handler batches, if it will).
	AccessFlush time.Duration `yaml:"access_flush"`
	// Calls adds harbor's own log line per vendor call (harbor.WithLogger),
	// on stderr.
	Calls bool `yaml:"calls"`
}

// ByteSize is a number of bytes, written in YAML as a number or with a unit:
// 512KiB, 4MiB, 1GiB (also KB, MB, GB as powers of 1000).
type ByteSize int64

// UnmarshalYAML reads a number or a number with a unit. Its errors are
// *yaml.TypeError, as the YAML library's own, so that decoding goes on to
// report the rest of a document's errors too.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a size is a number of bytes or a string such as 4MiB", n.Line)}}
	}
	v, err := parseByteSize(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*b = ByteSize(v)
	return nil
}

func parseByteSize(in string) (int64, error) {
	s := strings.TrimSpace(in)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (a whole number of bytes, or one with KiB, MiB, GiB, KB, MB or GB)", strings.TrimSpace(in))
	}
	return v * mult, nil
}

// LoadConfig reads a YAML config file (ParseConfig).
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig reads a YAML config. A key it does not know is an error naming
// its line, so that a typo does not silently leave a setting at its default;
// so is a value of the wrong kind, with its line and setting (keys[0].rpm):
// a fraction for a whole number included, which the YAML library would
// truncate (0.5 rpm to 0: no limit), and a negative count. Durations take a
// unit (30s, 100ms); a bare 0 is 0s. An empty document is the zero Config.
func ParseConfig(data []byte) (Config, error) {
	var problems []configProblem
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil {
		problems = checkConfig(&root)
	}
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(zeroDurations(data)))
	dec.KnownFields(true)
	err := dec.Decode(&cfg)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil || len(problems) > 0 {
		return Config{}, fmt.Errorf("config: %s", explainDecodeError(err, problems))
	}
	cfg.lines = linesOf(&root)
	return cfg, nil
}

// applyDefaults fills the zero settings with the Default* constants.
func (c *Config) applyDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	s := &c.Server
	setDefault(&s.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&s.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&s.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&s.ReadTimeout, DefaultReadTimeout)
	setDefault(&s.WriteTimeout, DefaultWriteTimeout)
	setDefault(&s.IdleTimeout, DefaultIdleTimeout)
	setDefault(&s.MaxStreams, DefaultMaxStreams)
	setDefault(&s.MaxConnections, DefaultMaxConnections)
	setDefault(&s.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&c.Management.ReadyTimeout, DefaultReadyTimeout)
}

func setDefault[T ByteSize | time.Duration | int](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// validate checks what New cannot leave to harbor: the gateway's own settings.
// Keys are checked by newKeyring, the rest by harbor.New.
func (c *Config) validate() error {
	bad := func(format string, args ...any) error { return fmt.Errorf("config: "+format, args...) }
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return bad("listen: %q is not host:port (%v)", c.Listen, err)
	}
	if len(c.Keys) == 0 && !c.AllowAnonymous && !isLoopback(host) {
		return bad("listen: %s is not a loopback address and no virtual keys are configured: anyone who can reach it "+
			"could spend your vendor credit. Add keys ('harbor keys create'), or set allow_anonymous: true", c.Listen)
	}
	if !isLoopback(host) {
		example := HashKey(ExampleKey)
		for _, k := range c.Keys {
			if strings.EqualFold(strings.TrimSpace(k.SHA256), example) {
				return bad("keys: %q is the example key, which is public (it is in the README); on %s it would let anyone in. "+
					"Remove it, and make keys of your own with 'harbor keys create'", k.ID, c.Listen)
			}
		}
	}
	s := c.Server
	for _, d := range []struct {
		name string
		v    int64
	}{
		{"max_body_bytes", int64(s.MaxBodyBytes)}, {"max_header_bytes", int64(s.MaxHeaderBytes)},
		{"read_header_timeout", int64(s.ReadHeaderTimeout)}, {"read_timeout", int64(s.ReadTimeout)},
		{"write_timeout", int64(s.WriteTimeout)}, {"idle_timeout", int64(s.IdleTimeout)},
		{"max_streams", int64(s.MaxStreams)}, {"max_connections", int64(s.MaxConnections)},
		{"shutdown_timeout", int64(s.ShutdownTimeout)}, {"shutdown_delay", int64(s.ShutdownDelay)},
	} {
		if d.v < 0 {
			return bad("server.%s must not be negative", d.name)
		}
	}
	if cc := c.Cache; cc != nil && (cc.MaxBytes <= 0 || cc.TTL <= 0) {
		return bad("cache: max_bytes and ttl are required (e.g. max_bytes: 64MiB, ttl: 1h)")
	}
	if sl := c.SharedLimits; sl != nil {
		switch sl.OnRedisDown {
		case "", OnRedisDownOpen, OnRedisDownClosed:
		default:
			return bad("shared_limits.on_redis_down: %q is not open or closed", sl.OnRedisDown)
		}
		if sl.Timeout < 0 {
			return bad("shared_limits.timeout must not be negative")
		}
	}
	switch c.Log.Access {
	case "", "stdout", "stderr", "off":
	default:
		return bad("log.access: %q is not stdout, stderr or off", c.Log.Access)
	}
	if f := c.Log.AccessFlush; f < 0 || f > time.Minute {
		return bad("log.access_flush: %v is not between 0 (each line written at once) and 1m", f)
	}
	if c.Log.AccessFlush > 0 {
		switch {
		case c.Log.Access == "off":
			return bad("log.access_flush: the access log is off (log.access: off)")
		case c.AccessLog != nil:
			return bad("log.access_flush: batches the gateway's own access log, and Config.AccessLog is a logger of yours (batch in its handler)")
		}
	}
	for _, f := range c.PassthroughFields {
		if strings.TrimSpace(f) == "" {
			return bad("passthrough_fields: an empty name")
		}
	}
	for _, name := range sortedKeys(c.Providers) {
		if u := c.Providers[name].BaseURL; u != "" {
			if why := baseURLProblem(u); why != "" {
				return bad("providers.%s.base_url %s", name, why)
			}
		}
	}
	if err := c.checkEndpoints(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.checkNames(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// checkEndpoints refuses openai_compatible entries that would not work: two
// of one name (the second replaced the first), one without a name, without a
// base URL (its own base_url, or providers.<name>.base_url) or with one that
// is not an absolute http(s) URL (every call failed). One named as a built-in
// provider replaces it (Server.Notes says so).
func (c *Config) checkEndpoints() error {
	seen := map[string]int{}
	for i, e := range c.Endpoints {
		at := fmt.Sprintf("openai_compatible[%d]", i)
		if e.Name == "" {
			return fmt.Errorf("%s.name is required: it routes \"name/model\" to the endpoint", at)
		}
		if j, ok := seen[e.Name]; ok {
			return fmt.Errorf("%s.name: %q is openai_compatible[%d]'s name too; give each endpoint a name of its own", at, e.Name, j)
		}
		seen[e.Name] = i
		at += " (" + e.Name + ")"
		setting, base := "base_url", e.BaseURL
		if base == "" {
			setting, base = "providers."+e.Name+".base_url", c.Providers[e.Name].BaseURL
		}
		if base == "" {
			return fmt.Errorf("%s: base_url is required (the URL /chat/completions is appended to, as http://127.0.0.1:8000/v1)", at)
		}
		if why := baseURLProblem(base); why != "" {
			return fmt.Errorf("%s: %s %s", at, setting, why)
		}
	}
	return nil
}

// baseURLProblem says what is wrong with u as a vendor's base URL, or "":
// it must be an absolute http(s) URL with a host. The URL is shown as
// setup.ShownURL shows it: scheme://host/path, or not at all.
func baseURLProblem(u string) string {
	p, err := url.Parse(u)
	// scheme://host/path at most: a key may ride in the user, the password,
	// the query or the fragment.
	shown := "the value is not shown: it may hold a secret"
	if safe, ok := setup.SafeURL(u); ok {
		shown = fmt.Sprintf("got %q", safe)
	}
	switch {
	case strings.TrimSpace(u) != u:
		return "has leading or trailing white space"
	case err != nil:
		return "is not an absolute http:// or https:// URL (as http://127.0.0.1:8000/v1): it does not parse (" + shown + ")"
	case p.Scheme != "http" && p.Scheme != "https":
		return "is not an absolute http:// or https:// URL (as http://127.0.0.1:8000/v1; " + shown + ")"
	case p.Host == "":
		return "has no host (" + shown + ")"
	}
	return ""
}

// isLoopback reports whether host (an IP or a name) is this machine only.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
