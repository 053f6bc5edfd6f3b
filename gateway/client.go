package gateway

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
	"github.com/harborai/harbor-go/rediscache"
)

// builtin is what the gateway knows of a built-in provider: the variables its
// credentials and base URL are read from.
type builtin struct {
	name, keyEnv, secretEnv, baseEnv string
}

var builtins = []builtin{
	{deepseek.Name, deepseek.EnvAPIKey, "", deepseek.EnvBaseURL},
	{doubao.Name, doubao.EnvAPIKey, "", doubao.EnvBaseURL},
	{wenxin.Name, wenxin.EnvAPIKey, wenxin.EnvSecretKey, wenxin.EnvBaseURL},
	{qianfan.Name, qianfan.EnvAPIKey, "", qianfan.EnvBaseURL},
	{openaicompat.Name, openaicompat.EnvAPIKey, "", openaicompat.EnvBaseURL},
}

func findBuiltin(name string) (builtin, bool) {
	for _, b := range builtins {
		if b.name == name {
			return b, true
		}
	}
	return builtin{}, false
}

// errorClasses maps the names of harbor.ErrorType to the classes
// WithFallbackOn takes.
var errorClasses = map[string]error{
	"rate_limited":         harbor.ErrRateLimited,
	"queue_full":           harbor.ErrQueueFull,
	"circuit_open":         harbor.ErrCircuitOpen,
	"timeout":              harbor.ErrTimeout,
	"server":               harbor.ErrServer,
	"connection":           harbor.ErrConnection,
	"stream_truncated":     harbor.ErrStreamTruncated,
	"bad_response":         harbor.ErrBadResponse,
	"authentication":       harbor.ErrAuthentication,
	"permission":           harbor.ErrPermission,
	"insufficient_balance": harbor.ErrInsufficientBalance,
	"not_found":            harbor.ErrNotFound,
	"no_credentials":       harbor.ErrNoCredentials,
	"unknown_model":        harbor.ErrUnknownModel,
	"content_filter":       harbor.ErrContentFilter,
	"invalid_request":      harbor.ErrInvalidRequest,
}

// built is what building harbor's client from a Config produced besides the
// client: what must be closed with it.
type built struct {
	client   *harbor.Client
	shared   *rediscache.Cache   // nil without a Redis tier
	redisURL string              // the shared tier's URL
	noRedis  string              // why there is no shared tier though cache.redis_url_env asks for one
	redis    []*rediscache.Cache // every Redis client: the cache's, the shared limits' if another
	closers  []func()
	offered  map[string]bool // providers callers may reach; nil: every one
	mocked   []string
	keyless  []string // notes on the providers called without a key (Server.Notes)
	chains   []string
	observer *observer
}

// offeredProviders is the set of providers a Config offers: those it lists
// (with its endpoints), or nil for "every provider harbor knows".
func (c *Config) offeredProviders() map[string]bool {
	if len(c.Providers) == 0 {
		return nil
	}
	m := map[string]bool{}
	for name := range c.Providers {
		m[name] = true
	}
	for _, e := range c.Endpoints {
		m[e.Name] = true
	}
	return m
}

// buildClient makes the harbor.Client the Config describes. Only a Redis URL
// that does not parse, a price file that cannot be read, a provider, alias or
// chain that names nothing harbor knows (checkRouting), or options harbor
// refuses fail it; nothing is dialled.
func (c *Config) buildClient(getenv func(string) string) (*built, error) {
	b := &built{observer: &observer{}, offered: c.offeredProviders()}
	fail := func(err error) (*built, error) {
		b.close()
		return nil, err
	}
	opts := []harbor.Option{harbor.WithGetenv(getenv), harbor.WithObserver(b.observer)}

	// Providers: the built-ins listed (or all), their keys from the
	// environment, never from the file.
	var names []string
	if len(c.Providers) == 0 {
		for _, bi := range builtins {
			names = append(names, bi.name)
		}
	} else {
		for name := range c.Providers {
			names = append(names, name)
		}
		sort.Strings(names)
	}
	var needMock []string
	for _, name := range names {
		pc := c.Providers[name]
		cfg := harbor.ProviderConfig{BaseURL: pc.BaseURL, AppID: pc.AppID}
		bi, isBuiltin := findBuiltin(name)
		if isBuiltin && slices.ContainsFunc(c.Endpoints, func(e EndpointConfig) bool { return e.Name == name }) {
			// An openai_compatible endpoint of this name replaces the
			// built-in (registered below): none of the built-in's
			// variables, its mock or its keyless default apply to it.
			bi, isBuiltin = builtin{}, false
		}
		// A program's ClientOptions may set the base URL (harbor.WithBaseURL),
		// which harbor prefers to the variable, and the gateway cannot see
		// which they set: with any, the variable is left to harbor (checked
		// when the provider is built, if it has a key).
		if isBuiltin && pc.BaseURL == "" && len(c.ClientOptions) == 0 && getenv(bi.baseEnv) != "" && baseURLProblem(getenv(bi.baseEnv)) != "" {
			// Checked here, not only when the provider is built: without a key
			// it never is, and the start-up lines would only say the key is
			// missing.
			return fail(fmt.Errorf("provider %s: %s must be an absolute http:// or https:// URL "+
				"(as http://127.0.0.1:8000/v1); the value is not shown", name, bi.baseEnv))
		}
		keyEnv, secretEnv := bi.keyEnv, bi.secretEnv
		var replaced []string // the vendor's own variables a *_env setting replaces
		if pc.APIKeyEnv != "" {
			keyEnv = pc.APIKeyEnv
			cfg.APIKey = getenv(pc.APIKeyEnv)
			replaced = append(replaced, bi.keyEnv)
		}
		if pc.SecretKeyEnv != "" {
			secretEnv = pc.SecretKeyEnv
			cfg.SecretKey = getenv(pc.SecretKeyEnv)
			replaced = append(replaced, bi.secretEnv)
		}
		// A key read here is checked here, so that the error names its
		// variable: harbor.New would name the option it was given in.
		for _, k := range [][2]string{{pc.APIKeyEnv, cfg.APIKey}, {pc.SecretKeyEnv, cfg.SecretKey}} {
			if err := setup.CheckSecret(name, k[0], k[1]); k[1] != "" && err != nil {
				return fail(fmt.Errorf("provider %s: %s", name, err.Message))
			}
		}
		if len(replaced) > 0 {
			// A key left empty because the named variable is not set must not
			// become the key of the vendor's own variable (another account's,
			// perhaps): the provider then has no credentials, and says so.
			cfg.Getenv = func(k string) string {
				if k != "" && slices.Contains(replaced, k) {
					return ""
				}
				return getenv(k)
			}
		}
		if c.Mock && isBuiltin && pc.BaseURL == "" && getenv(bi.baseEnv) == "" &&
			(getenv(keyEnv) == "" || (secretEnv != "" && getenv(secretEnv) == "")) {
			needMock = append(needMock, name)
			continue // the mock's options configure it
		}
		if isBuiltin && name == openaicompat.Name && cfg.APIKey == "" && pc.APIKeyEnv == "" && getenv(keyEnv) == "" {
			if base := cmp.Or(pc.BaseURL, getenv(bi.baseEnv)); base != "" {
				// A base URL of its own and no key: a local server (vLLM,
				// Ollama) that needs none, as the CLI reads it. It is sent no
				// Authorization header.
				e := openaicompat.OpenAI()
				e.KeyOptional = true
				opts = append(opts, harbor.WithProvider(e.Descriptor()))
				b.keyless = append(b.keyless, fmt.Sprintf("%s has no key (%s is not set): its calls go to %s without one, "+
					"as to a local server that needs none", name, keyEnv, redactURL(base)))
			}
		}
		opts = append(opts, harbor.WithProviderConfig(name, cfg))
	}
	probeOpts := []harbor.Option{harbor.WithGetenv(getenv)}
	for i, e := range c.Endpoints {
		ep := openaicompat.Endpoint{Name: e.Name, BaseURL: e.BaseURL, EnvAPIKey: e.APIKeyEnv, Models: e.Models,
			Prefixes: e.Prefixes, Aliases: e.Aliases, KeyOptional: e.KeyOptional, PassThinking: e.PassThinking,
			NoJSONSchema: e.NoJSONSchema}
		if err := ep.Validate(); err != nil {
			return fail(fmt.Errorf("openai_compatible[%d] (%s): %w", i, e.Name, err))
		}
		// A config of its own (empty: the Endpoint's settings stand) makes it
		// "configured", so that HealthCheck reports it before its first call.
		opts = append(opts, harbor.WithProvider(ep.Descriptor()))
		probeOpts = append(probeOpts, harbor.WithProvider(ep.Descriptor()))
		if _, listed := c.Providers[e.Name]; !listed {
			opts = append(opts, harbor.WithProviderConfig(e.Name, harbor.ProviderConfig{}))
		}
	}
	if len(needMock) > 0 {
		if c.MockBackend == nil {
			return fail(fmt.Errorf("mock: true needs Config.MockBackend to start the mock vendors, which package gateway " +
				"does not import: in Go, start the gateway with gatewaytest.New(cfg) (gatewaytest.Start(t, cfg) in a test), " +
				"which sets it, or set Config.MockBackend yourself (harbor serve sets it)"))
		}
		mopts, stop, err := c.MockBackend(needMock)
		if err != nil {
			return fail(fmt.Errorf("starting the mock vendors: %w", err))
		}
		if stop != nil {
			b.closers = append(b.closers, stop)
		}
		b.mocked = needMock
		opts = append(opts, mopts...)
	}

	// Routing.
	for _, name := range sortedKeys(c.Aliases) {
		opts = append(opts, harbor.WithAlias(name, c.Aliases[name]))
	}
	for _, name := range sortedKeys(c.Fallbacks) {
		opts = append(opts, harbor.WithFallback(name, c.Fallbacks[name]...))
		b.chains = append(b.chains, name)
	}
	if len(c.FallbackOn) > 0 {
		var classes []error
		for _, n := range c.FallbackOn {
			cl, ok := errorClasses[n]
			if !ok {
				return fail(fmt.Errorf("fallback_on: %q is not an error class (one of %s)", n, strings.Join(sortedKeys(errorClasses), ", ")))
			}
			classes = append(classes, cl)
		}
		opts = append(opts, harbor.WithFallbackOn(classes...))
	}
	if h := c.Hedge; h != nil {
		opts = append(opts, harbor.WithHedging(harbor.Hedge{After: h.After, Percentile: h.Percentile, MinAfter: h.MinAfter}))
	}

	// The managed stages.
	if cc := c.Cache; cc != nil {
		hc := harbor.CacheConfig{MaxBytes: int64(cc.MaxBytes), TTL: cc.TTL, Namespace: cc.Namespace, SharedTimeout: cc.SharedTimeout,
			SharedLock: cc.SharedLock, SharedLockWait: cc.SharedLockWait}
		url, setting := cc.RedisURL, "cache.redis_url"
		if url == "" && cc.RedisURLEnv != "" {
			setting = envSetting("cache.redis_url_env", cc.RedisURLEnv)
			if url = getenv(cc.RedisURLEnv); url == "" {
				b.noRedis = envUnset("cache.redis_url_env", cc.RedisURLEnv)
			}
		}
		if url != "" {
			shared, err := rediscache.Open(url, rediscache.Options{})
			if err != nil {
				return fail(fmt.Errorf("%s: %w", setting, err))
			}
			b.shared, b.redisURL = shared, url
			b.redis = append(b.redis, shared)
			b.closers = append(b.closers, func() { _ = shared.Close() })
			hc.Shared = shared
		}
		if hc.SharedLock > 0 && hc.Shared == nil {
			if b.noRedis != "" {
				return fail(fmt.Errorf("cache.shared_lock needs the Redis tier: %s", b.noRedis))
			}
			return fail(fmt.Errorf("cache.shared_lock needs the Redis tier (cache.redis_url or redis_url_env)"))
		}
		opts = append(opts, harbor.WithCache(hc))
	}
	if l := c.Limits; l != nil {
		opts = append(opts, harbor.WithLimits(harbor.Limits{MaxConcurrent: l.MaxConcurrent, PerProvider: l.PerProvider,
			DefaultPerProvider: l.DefaultPerProvider, QueueSize: l.QueueSize, MaxConnsPerHost: l.MaxConnsPerHost}))
	}
	if br := c.Breaker; br != nil {
		opts = append(opts, harbor.WithCircuitBreaker(harbor.CircuitBreaker{Failures: br.Failures, Cooldown: br.Cooldown}))
	}
	u := c.Upstream
	if u.MaxRetries != nil {
		opts = append(opts, harbor.WithMaxRetries(*u.MaxRetries))
	}
	if u.RetryWaitMin > 0 || u.RetryWaitMax > 0 {
		lo, hi := u.RetryWaitMin, u.RetryWaitMax
		if lo == 0 {
			lo = harbor.DefaultRetryWaitMin
		}
		if hi == 0 {
			hi = max(lo, harbor.DefaultRetryWaitMax)
		}
		opts = append(opts, harbor.WithRetryWait(lo, hi))
	}
	for _, o := range []struct {
		d   int64
		opt func() harbor.Option
	}{
		{int64(u.MaxRetryAfter), func() harbor.Option { return harbor.WithMaxRetryAfter(u.MaxRetryAfter) }},
		{int64(u.ConnectTimeout), func() harbor.Option { return harbor.WithConnectTimeout(u.ConnectTimeout) }},
		{int64(u.ResponseHeaderTimeout), func() harbor.Option { return harbor.WithResponseHeaderTimeout(u.ResponseHeaderTimeout) }},
		{int64(u.IdleTimeout), func() harbor.Option { return harbor.WithIdleTimeout(u.IdleTimeout) }},
		{int64(u.RequestTimeout), func() harbor.Option { return harbor.WithRequestTimeout(u.RequestTimeout) }},
		{int64(u.MaxIdleConnsPerHost), func() harbor.Option { return harbor.WithMaxIdleConnsPerHost(u.MaxIdleConnsPerHost) }},
	} {
		if o.d != 0 {
			opts = append(opts, o.opt())
		}
	}
	if c.PricesFile != "" {
		t, err := harbor.LoadPriceFile(c.PricesFile)
		if err != nil {
			return fail(fmt.Errorf("prices_file: %w", err))
		}
		opts = append(opts, harbor.WithPrices(harbor.DefaultPrices().Merge(t)))
	}
	if c.Log.Calls {
		opts = append(opts, harbor.WithLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil))))
	}
	opts = append(opts, c.ClientOptions...)

	client, err := harbor.New(opts...)
	if err != nil {
		// When the config is why (a provider, an alias or a chain that
		// routes nowhere), say so in its terms: a client of the providers
		// alone is asked where its names go.
		return fail(c.explainNew(err, append(probeOpts, c.ClientOptions...)))
	}
	b.client = client
	if err := c.checkRouting(client); err != nil {
		return fail(err) // what harbor accepts but the config did not mean (an alias to an alias)
	}
	if err := c.bindOffered(client, names); err != nil {
		return fail(err)
	}
	return b, nil
}

// bindOffered builds each provider the gateway offers (names, and the
// endpoints) now, so that a setting that is there but malformed — a key with
// a pasted newline, a base URL without its scheme — stops the start with the
// variable's name, rather than answering every call to the provider with the
// operator's error. A provider without its keys is no error: it answers 503
// provider_not_configured, and harbor serve names it at start.
func (c *Config) bindOffered(client *harbor.Client, names []string) error {
	for _, name := range names {
		if err := client.Bind(name); err != nil && !errors.Is(err, harbor.ErrNoCredentials) {
			return bindProblem("provider "+name, "providers."+name, c.Providers[name], err)
		}
	}
	for i, e := range c.Endpoints {
		if err := client.Bind(e.Name); err != nil && !errors.Is(err, harbor.ErrNoCredentials) {
			return bindProblem(fmt.Sprintf("openai_compatible[%d] (%s)", i, e.Name), fmt.Sprintf("openai_compatible[%d]", i),
				c.Providers[e.Name], err)
		}
	}
	return nil
}

// bindProblem is the start-up error of a provider that could not be built
// (where names it), in the config's terms: harbor names the setting it was
// given (APIKey for the key the gateway read from api_key_env) or the
// variable it read. A value is never shown: a malformed one may be a key.
func bindProblem(where, setting string, pc ProviderConfig, err error) error {
	var he *harbor.Error
	if !errors.As(err, &he) || he.Message == "" {
		return fmt.Errorf("%s: %w", where, err)
	}
	msg := he.Message
	if he.Param != "" && strings.HasPrefix(msg, he.Param) {
		source := he.Param
		switch {
		case he.Param == "APIKey" && pc.APIKeyEnv != "":
			source = pc.APIKeyEnv
		case he.Param == "SecretKey" && pc.SecretKeyEnv != "":
			source = pc.SecretKeyEnv
		case he.Param == "AppID":
			source = setting + ".app_id"
		case he.Param == "BaseURL", he.Param == "the default base URL":
			source = setting + ".base_url"
		}
		msg = source + msg[len(he.Param):]
	}
	if i := strings.Index(msg, ", got "); i >= 0 { // a base URL's error quotes it
		msg = msg[:i] + "; the value is not shown"
	}
	return fmt.Errorf("%s: %s", where, msg)
}

// redactURL is u as notes show it: scheme://host/path (setup.SafeURL), or
// not at all.
func redactURL(u string) string {
	if safe, ok := setup.SafeURL(u); ok {
		return safe
	}
	return "(a base URL without scheme://host, not shown)"
}

// envUnset says that setting, a *_env one, names variable name, which is not
// set (or empty): an error that only said the value is missing would send the
// reader to a config that has the setting.
func envUnset(setting, name string) string {
	return fmt.Sprintf("%s names %s, which is not set", setting, name)
}

// envSetting names a value read from variable name, which setting (a *_env
// one) names, for an error about the value: cache.redis_url_env (REDIS_URL).
func envSetting(setting, name string) string {
	return fmt.Sprintf("%s (%s)", setting, name)
}

func (b *built) close() {
	if b.client != nil {
		_ = b.client.Close()
	}
	for _, f := range slices.Backward(b.closers) {
		f()
	}
	b.closers = nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
