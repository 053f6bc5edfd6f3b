package harbor

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/llm"
)

// Defaults, documented here so users can read (and tests can rely on) what New does.
var (
	// DefaultMaxRetries is how many times a failed request is retried (3 attempts in all).
	DefaultMaxRetries = 2
	// DefaultRetryWaitMin and DefaultRetryWaitMax bound the exponential backoff.
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 8 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After harbor will wait. When a vendor
	// asks for more, harbor stops retrying and returns the error with RetryAfter set.
	DefaultMaxRetryAfter = 30 * time.Second
	// DefaultConnectTimeout bounds TCP connect plus TLS handshake.
	DefaultConnectTimeout = 10 * time.Second
	// DefaultResponseHeaderTimeout bounds the wait for response headers after the
	// request is sent. DeepSeek answers headers at once and then streams keep-alives,
	// so this is about dead peers, not slow models.
	DefaultResponseHeaderTimeout = 2 * time.Minute
	// DefaultIdleTimeout is the longest silence tolerated while reading a body (between
	// stream chunks, keep-alives included).
	DefaultIdleTimeout = 3 * time.Minute
	// DefaultMaxIdleConnsPerHost is the pool size per vendor host (Go's default is 2,
	// far too small for concurrent LLM calls).
	DefaultMaxIdleConnsPerHost = 256
)

// Options configure a Client. New starts from the defaults above and applies each
// Option in order. Create and Stream apply their CallOptions (Header,
// RequestTimeout) to a copy for that call only.
type Options struct {
	// Providers holds per-vendor settings keyed by provider name ("deepseek"). Unset
	// fields fall back to the environment (DEEPSEEK_API_KEY, DEEPSEEK_BASE_URL…).
	Providers map[string]ProviderConfig

	MaxRetries    int
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	MaxRetryAfter time.Duration

	ConnectTimeout        time.Duration
	ResponseHeaderTimeout time.Duration
	IdleTimeout           time.Duration // 0 disables
	// RequestTimeout bounds a whole call, all retries included (for a stream: until it
	// is closed). 0, the default, leaves it to the context.
	RequestTimeout time.Duration

	MaxIdleConnsPerHost int
	// Transport replaces harbor's pooled transport (retries still wrap it). Its idle
	// connections are never closed because one request failed.
	Transport http.RoundTripper

	// Header is added to every vendor request.
	Header http.Header

	// Getenv reads configuration from the environment; nil means os.Getenv.
	Getenv func(string) string

	// Cache turns on the response cache (WithCache); nil: off.
	Cache *CacheConfig
	// Limits is admission control (WithLimits); the zero value admits every call.
	Limits Limits
	// Observers receive every call's events (WithObserver).
	Observers []Observer
	// Prices prices every answer (WithPrices); nil: DefaultPrices().
	Prices PriceTable
	// Cleanup runs CleanupMemory in the background (WithAutoCleanup); zero: never.
	Cleanup AutoCleanup
	// Preload names providers New builds at once instead of on first use
	// (WithPreload).
	Preload []string
	// Logger logs every call (WithLogger); nil: no logging.
	Logger *slog.Logger
	// Hedge hedges the first model of every chain (WithHedging); nil: no hedging.
	Hedge *Hedge
	// Breaker gives every provider a circuit breaker (WithCircuitBreaker); nil: none.
	Breaker *CircuitBreaker
	// Fallbacks are the named fallback chains (WithFallback).
	Fallbacks map[string][]string
	// FallbackOn are the error classes that move a chain on (WithFallbackOn);
	// nil: DefaultFallbackOn.
	FallbackOn []error

	cacheMode   cacheMode
	chain       []string // WithFallbackModels: this call's chain after its own model
	traceSource func(context.Context) string
	aliases     map[string]string
	descriptors []Descriptor
	setBy       map[string]string // provider name -> the option that last set its config
}

// An Option configures a Client: pass it to New. Most settings (keys, base URLs,
// retries, the transport) exist per Client only, and their Options do not compile
// as arguments of Create or Stream. The few that also make sense per call
// (WithHeader, WithRequestTimeout) are CallOptions, which are Options too.
type Option interface {
	apply(*Options)
}

// A CallOption configures one call when given to Create or Stream, or every call
// when given to New.
type CallOption interface {
	Option
	callOption()
}

// clientOption is an Option that only New takes.
type clientOption func(*Options)

func (f clientOption) apply(o *Options) { f(o) }

// callOption is an Option that Create and Stream take too.
type callOption func(*Options)

func (f callOption) apply(o *Options) { f(o) }
func (callOption) callOption()        {}

// WithAPIKey sets the API key of a provider ("deepseek"). New rejects a provider
// name that no built-in or WithProvider descriptor has, and a key with control
// characters.
func WithAPIKey(provider, key string) Option {
	return clientOption(func(o *Options) { o.editProvider(provider, "WithAPIKey", func(c *ProviderConfig) { c.APIKey = key }) })
}

// WithBaseURL points a provider at another endpoint: a proxy, a mock vendor. New
// rejects a URL that is not an absolute http(s) URL.
func WithBaseURL(provider, url string) Option {
	return clientOption(func(o *Options) { o.editProvider(provider, "WithBaseURL", func(c *ProviderConfig) { c.BaseURL = url }) })
}

// WithSecretKey sets the second credential of providers that need one: Wenxin v1
// exchanges its API key and secret key for an access token.
func WithSecretKey(provider, secret string) Option {
	return clientOption(func(o *Options) {
		o.editProvider(provider, "WithSecretKey", func(c *ProviderConfig) { c.SecretKey = secret })
	})
}

// WithAppID sets the application id of providers that take one (Qianfan v2's appid
// header).
func WithAppID(provider, appID string) Option {
	return clientOption(func(o *Options) { o.editProvider(provider, "WithAppID", func(c *ProviderConfig) { c.AppID = appID }) })
}

// WithProviderConfig replaces a provider's whole configuration (keys, base URL,
// provider-specific Options such as deepseek.Options).
func WithProviderConfig(provider string, cfg ProviderConfig) Option {
	return clientOption(func(o *Options) { o.editProvider(provider, "WithProviderConfig", func(c *ProviderConfig) { *c = cfg }) })
}

// WithMaxRetries sets how many times a failed request is retried; 0 disables retries.
func WithMaxRetries(n int) Option { return clientOption(func(o *Options) { o.MaxRetries = n }) }

// WithRetryWait sets the backoff bounds.
func WithRetryWait(min, max time.Duration) Option {
	return clientOption(func(o *Options) { o.RetryWaitMin, o.RetryWaitMax = min, max })
}

// WithMaxRetryAfter sets the longest Retry-After harbor waits before giving up.
func WithMaxRetryAfter(d time.Duration) Option {
	return clientOption(func(o *Options) { o.MaxRetryAfter = d })
}

// WithConnectTimeout bounds connect plus TLS handshake.
func WithConnectTimeout(d time.Duration) Option {
	return clientOption(func(o *Options) { o.ConnectTimeout = d })
}

// WithResponseHeaderTimeout bounds the wait for response headers, per attempt.
func WithResponseHeaderTimeout(d time.Duration) Option {
	return clientOption(func(o *Options) { o.ResponseHeaderTimeout = d })
}

// WithIdleTimeout bounds the silence between body reads (stream chunks); 0 disables.
func WithIdleTimeout(d time.Duration) Option {
	return clientOption(func(o *Options) { o.IdleTimeout = d })
}

// WithRequestTimeout bounds a whole call, retries included (a stream: until it is
// closed). Given to New it applies to every call; given to Create or Stream, to that
// call. Its expiry is an ErrTimeout.
func WithRequestTimeout(d time.Duration) CallOption {
	return callOption(func(o *Options) { o.RequestTimeout = d })
}

// WithHeader adds a header to vendor requests: to every request given to New, to
// one call given to Create or Stream. It may replace harbor's own headers, such as
// User-Agent. Invalid names or values (control characters) are an
// ErrInvalidRequest.
func WithHeader(key, value string) CallOption {
	return callOption(func(o *Options) {
		h := make(http.Header, len(o.Header)+1)
		for k, v := range o.Header { // copy: per-call options must not touch the client's map
			h[k] = v
		}
		h.Add(key, value)
		o.Header = h
	})
}

// WithTransport replaces harbor's pooled transport. harbor's own speaks
// HTTP/1.1 with keep-alive and handles each call on the calling goroutine (see
// the package doc's "What happens on a call"); for HTTP/2, or a transport
// tuned otherwise, give a *http.Transport here; WithMaxIdleConnsPerHost,
// WithConnectTimeout, WithResponseHeaderTimeout and Limits.MaxConnsPerHost do
// not reach it: set their equivalents on it.
func WithTransport(rt http.RoundTripper) Option {
	return clientOption(func(o *Options) { o.Transport = rt })
}

// WithMaxIdleConnsPerHost sizes the connection pool per vendor host.
func WithMaxIdleConnsPerHost(n int) Option {
	return clientOption(func(o *Options) { o.MaxIdleConnsPerHost = n })
}

// WithGetenv replaces os.Getenv as the source of environment configuration; tests use
// it to isolate themselves from the machine's keys.
func WithGetenv(getenv func(string) string) Option {
	return clientOption(func(o *Options) { o.Getenv = getenv })
}

// WithAlias makes name route like target ("fast" -> "deepseek/deepseek-v4-flash").
// The request's model becomes the target's. New fails when no provider serves
// target.
func WithAlias(name, target string) Option {
	return clientOption(func(o *Options) {
		if o.aliases == nil {
			o.aliases = make(map[string]string, 1)
		}
		o.aliases[name] = target // in place: see editProvider
	})
}

// WithProvider registers a provider of your own (or replaces a built-in one of the
// same name). It is built lazily, like the built-ins; its name is known to
// WithAPIKey and the other per-provider options.
func WithProvider(d Descriptor) Option {
	return clientOption(func(o *Options) {
		o.descriptors = append(o.descriptors[:len(o.descriptors):len(o.descriptors)], d)
	})
}

// editProvider changes one provider's config in place and records which option
// did it, for New's errors. In place is safe: client options are applied once, by
// New, to the Client's own Options, and the per-call copy Create makes is only
// touched by CallOptions, which do not edit providers.
func (o *Options) editProvider(name, option string, edit func(*ProviderConfig)) {
	if o.Providers == nil {
		o.Providers = make(map[string]ProviderConfig, 1)
		o.setBy = make(map[string]string, 1)
	}
	cfg := o.Providers[name]
	edit(&cfg)
	o.Providers[name] = cfg
	o.setBy[name] = option
}

func defaultOptions() Options {
	return Options{
		MaxRetries:            DefaultMaxRetries,
		RetryWaitMin:          DefaultRetryWaitMin,
		RetryWaitMax:          DefaultRetryWaitMax,
		MaxRetryAfter:         DefaultMaxRetryAfter,
		ConnectTimeout:        DefaultConnectTimeout,
		ResponseHeaderTimeout: DefaultResponseHeaderTimeout,
		IdleTimeout:           DefaultIdleTimeout,
		MaxIdleConnsPerHost:   DefaultMaxIdleConnsPerHost,
	}
}

// invalidOption is the error New (or a call, for its CallOptions) returns for a
// bad setting; param names the option or field.
func invalidOption(param, format string, args ...any) *Error {
	return llm.InvalidRequest("", "", param, format, args...)
}

func (o *Options) validate() error {
	switch {
	case o.MaxRetries < 0:
		return invalidOption("WithMaxRetries", "WithMaxRetries: MaxRetries must be >= 0, got %d", o.MaxRetries)
	case o.RetryWaitMin < 0 || o.RetryWaitMax < o.RetryWaitMin:
		return invalidOption("WithRetryWait", "WithRetryWait: retry wait bounds must satisfy 0 <= min <= max, got %v, %v", o.RetryWaitMin, o.RetryWaitMax)
	case o.MaxRetryAfter < 0:
		return invalidOption("WithMaxRetryAfter", "WithMaxRetryAfter: MaxRetryAfter must be >= 0, got %v", o.MaxRetryAfter)
	case o.ConnectTimeout < 0:
		return invalidOption("WithConnectTimeout", "WithConnectTimeout: ConnectTimeout must be >= 0, got %v", o.ConnectTimeout)
	case o.ResponseHeaderTimeout < 0:
		return invalidOption("WithResponseHeaderTimeout", "WithResponseHeaderTimeout: ResponseHeaderTimeout must be >= 0, got %v", o.ResponseHeaderTimeout)
	case o.IdleTimeout < 0:
		return invalidOption("WithIdleTimeout", "WithIdleTimeout: IdleTimeout must be >= 0, got %v", o.IdleTimeout)
	case o.MaxIdleConnsPerHost < 0:
		return invalidOption("WithMaxIdleConnsPerHost", "WithMaxIdleConnsPerHost: MaxIdleConnsPerHost must be >= 0, got %d", o.MaxIdleConnsPerHost)
	}
	if err := o.validateCall(); err != nil {
		return err
	}
	if o.Cache != nil {
		if err := o.Cache.validate(); err != nil {
			return err
		}
	}
	if err := o.Limits.validate(); err != nil {
		return err
	}
	for i, ob := range o.Observers {
		if ob == nil {
			return invalidOption("WithObserver", "WithObserver: observer %d of %d is nil", i+1, len(o.Observers))
		}
	}
	if err := o.Prices.validate(); err != nil {
		return err
	}
	if err := o.Cleanup.validate(); err != nil {
		return err
	}
	if o.Hedge != nil {
		if err := o.Hedge.validate(); err != nil {
			return err
		}
	}
	if o.Breaker != nil {
		if err := o.Breaker.validate(); err != nil {
			return err
		}
	}
	if err := o.validateFallbacks(); err != nil {
		return err
	}
	for name, target := range o.aliases {
		if name == "" || target == "" {
			return invalidOption("WithAlias", "WithAlias(%q, %q): both names are required", name, target)
		}
	}
	for _, d := range o.descriptors {
		if d.Name == "" || d.New == nil {
			return invalidOption("WithProvider", "WithProvider: a provider needs a Name and a New function")
		}
		if strings.ContainsRune(d.Name, '/') {
			return invalidOption("WithProvider", "WithProvider: provider name %q must not contain \"/\"", d.Name)
		}
		if d.Check != nil {
			if err := d.Check(o.Providers[d.Name]); err != nil {
				return err
			}
		}
	}
	return o.validateProviders()
}

// validateCall checks what may also be set per call.
func (o *Options) validateCall() error {
	if o.RequestTimeout < 0 {
		return invalidOption("WithRequestTimeout", "WithRequestTimeout: RequestTimeout must be >= 0, got %v", o.RequestTimeout)
	}
	for k, vs := range o.Header {
		if !validHeaderName(k) {
			return invalidOption("WithHeader", "WithHeader: %q is not a valid header name", k)
		}
		for _, v := range vs {
			if !validHeaderValue(v) {
				return invalidOption("WithHeader", "WithHeader(%q, …): the value contains a control character", k)
			}
		}
	}
	return nil
}

// validateProviders checks per-provider settings: every name must be a provider the
// Client knows, and what is set must be usable. Environment values are checked by
// the providers on first use, with the same words, naming the variable.
func (o *Options) validateProviders() error {
	if len(o.Providers) == 0 {
		return nil
	}
	for _, name := range sortedKeys(o.Providers) {
		if !o.knowsProvider(name) {
			opt := o.setBy[name] + fmt.Sprintf("(%q, …)", name)
			return invalidOption(opt, "%s: provider %q is not registered (known: %s); register your own with WithProvider",
				opt, name, strings.Join(o.providerNames(), ", "))
		}
		cfg := o.Providers[name]
		// The checks allocate nothing for good values; the error, naming the
		// option, is built only for a bad one.
		for _, s := range [...]struct{ field, v string }{{"APIKey", cfg.APIKey}, {"SecretKey", cfg.SecretKey}, {"AppID", cfg.AppID}} {
			if setup.CheckSecret(name, "", s.v) != nil {
				return setup.CheckSecret(name, o.source(name, s.field), s.v)
			}
		}
		if cfg.BaseURL != "" {
			if err := setup.CheckBaseURL(name, "", cfg.BaseURL); err != nil {
				return setup.CheckBaseURL(name, o.source(name, "BaseURL"), cfg.BaseURL, cfg.APIKey, cfg.SecretKey)
			}
		}
		if d := o.descriptor(name); d.Check != nil && !o.hasDescriptor(name) { // WithProvider's: checked in validate
			if err := d.Check(cfg); err != nil {
				return err
			}
		}
	}
	return nil
}

// descriptor returns the descriptor a provider name stands for: the last one given
// to WithProvider, else the built-in's.
func (o *Options) descriptor(name string) Descriptor {
	for i := len(o.descriptors) - 1; i >= 0; i-- {
		if o.descriptors[i].Name == name {
			return o.descriptors[i]
		}
	}
	d, _ := builtinDescriptor(name)
	return d
}

func (o *Options) hasDescriptor(name string) bool {
	for _, d := range o.descriptors {
		if d.Name == name {
			return true
		}
	}
	return false
}

// source names the option that set a provider's field, as users wrote it:
// WithAPIKey("deepseek", …), or WithProviderConfig("deepseek", …).APIKey.
func (o *Options) source(provider, field string) string {
	by := o.setBy[provider]
	if by == "WithProviderConfig" {
		return fmt.Sprintf("WithProviderConfig(%q, …).%s", provider, field)
	}
	return fmt.Sprintf("With%s(%q, …)", field, provider) // WithAPIKey, WithBaseURL…: the option is named after the field
}

func (o *Options) knowsProvider(name string) bool {
	if o.hasDescriptor(name) {
		return true
	}
	for _, b := range builtinNames {
		if b == name {
			return true
		}
	}
	return false
}

func (o *Options) providerNames() []string {
	names := append([]string(nil), builtinNames[:]...)
	for _, d := range o.descriptors {
		if !slices.Contains(names, d.Name) {
			names = append(names, d.Name)
		}
	}
	return names
}

// validHeaderName reports whether k is an HTTP token (RFC 9110 5.1).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v has no control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
