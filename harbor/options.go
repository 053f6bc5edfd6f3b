package harbor

import (
	"fmt"
	"net/http"
	"time"
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
// Option in order. Per call, Create and Stream apply their Options to a copy; only
// Header and RequestTimeout take effect per call, the rest are client-level.
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

	aliases     map[string]string
	descriptors []Descriptor
}

// Option changes Options.
type Option func(*Options)

// WithAPIKey sets the API key of a provider ("deepseek").
func WithAPIKey(provider, key string) Option {
	return func(o *Options) { o.editProvider(provider, func(c *ProviderConfig) { c.APIKey = key }) }
}

// WithBaseURL points a provider at another endpoint: a proxy, a mock vendor.
func WithBaseURL(provider, url string) Option {
	return func(o *Options) { o.editProvider(provider, func(c *ProviderConfig) { c.BaseURL = url }) }
}

// WithSecretKey sets the second credential of providers that need one: Wenxin v1
// exchanges its API key and secret key for an access token.
func WithSecretKey(provider, secret string) Option {
	return func(o *Options) { o.editProvider(provider, func(c *ProviderConfig) { c.SecretKey = secret }) }
}

// WithAppID sets the application id of providers that take one (Qianfan v2's appid
// header).
func WithAppID(provider, appID string) Option {
	return func(o *Options) { o.editProvider(provider, func(c *ProviderConfig) { c.AppID = appID }) }
}

// WithProviderConfig replaces a provider's whole configuration (keys, base URL,
// provider-specific Options such as deepseek.Options).
func WithProviderConfig(provider string, cfg ProviderConfig) Option {
	return func(o *Options) { o.editProvider(provider, func(c *ProviderConfig) { *c = cfg }) }
}

// WithMaxRetries sets how many times a failed request is retried; 0 disables retries.
func WithMaxRetries(n int) Option { return func(o *Options) { o.MaxRetries = n } }

// WithRetryWait sets the backoff bounds.
func WithRetryWait(min, max time.Duration) Option {
	return func(o *Options) { o.RetryWaitMin, o.RetryWaitMax = min, max }
}

// WithMaxRetryAfter sets the longest Retry-After harbor waits before giving up.
func WithMaxRetryAfter(d time.Duration) Option { return func(o *Options) { o.MaxRetryAfter = d } }

// WithConnectTimeout bounds connect plus TLS handshake.
func WithConnectTimeout(d time.Duration) Option { return func(o *Options) { o.ConnectTimeout = d } }

// WithResponseHeaderTimeout bounds the wait for response headers, per attempt.
func WithResponseHeaderTimeout(d time.Duration) Option {
	return func(o *Options) { o.ResponseHeaderTimeout = d }
}

// WithIdleTimeout bounds the silence between body reads (stream chunks); 0 disables.
func WithIdleTimeout(d time.Duration) Option { return func(o *Options) { o.IdleTimeout = d } }

// WithRequestTimeout bounds a whole call, retries included. Works per call too.
func WithRequestTimeout(d time.Duration) Option { return func(o *Options) { o.RequestTimeout = d } }

// WithHeader adds a header to vendor requests. Works per call too.
func WithHeader(key, value string) Option {
	return func(o *Options) {
		h := make(http.Header, len(o.Header)+1)
		for k, v := range o.Header { // copy: per-call options must not touch the client's map
			h[k] = v
		}
		h.Add(key, value)
		o.Header = h
	}
}

// WithTransport replaces harbor's pooled transport.
func WithTransport(rt http.RoundTripper) Option { return func(o *Options) { o.Transport = rt } }

// WithMaxIdleConnsPerHost sizes the connection pool per vendor host.
func WithMaxIdleConnsPerHost(n int) Option { return func(o *Options) { o.MaxIdleConnsPerHost = n } }

// WithGetenv replaces os.Getenv as the source of environment configuration; tests use
// it to isolate themselves from the machine's keys.
func WithGetenv(getenv func(string) string) Option { return func(o *Options) { o.Getenv = getenv } }

// WithAlias makes name route like target ("fast" -> "deepseek/deepseek-v4-flash").
// The request's model becomes the target's.
func WithAlias(name, target string) Option {
	return func(o *Options) {
		m := make(map[string]string, len(o.aliases)+1)
		for k, v := range o.aliases {
			m[k] = v
		}
		m[name] = target
		o.aliases = m
	}
}

// WithProvider registers a provider of your own (or replaces a built-in one of the
// same name). It is built lazily, like the built-ins.
func WithProvider(d Descriptor) Option {
	return func(o *Options) { o.descriptors = append(o.descriptors[:len(o.descriptors):len(o.descriptors)], d) }
}

// editProvider changes one provider's config on a copy of the map, so that options
// applied per call never write into the client's map.
func (o *Options) editProvider(name string, edit func(*ProviderConfig)) {
	m := make(map[string]ProviderConfig, len(o.Providers)+1)
	for k, v := range o.Providers {
		m[k] = v
	}
	cfg := m[name]
	edit(&cfg)
	m[name] = cfg
	o.Providers = m
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

func (o *Options) validate() error {
	switch {
	case o.MaxRetries < 0:
		return fmt.Errorf("harbor: MaxRetries must be >= 0, got %d", o.MaxRetries)
	case o.RetryWaitMin < 0 || o.RetryWaitMax < o.RetryWaitMin:
		return fmt.Errorf("harbor: retry wait bounds must satisfy 0 <= min <= max, got %v, %v", o.RetryWaitMin, o.RetryWaitMax)
	case o.MaxRetryAfter < 0, o.ConnectTimeout < 0, o.ResponseHeaderTimeout < 0, o.IdleTimeout < 0, o.RequestTimeout < 0:
		return fmt.Errorf("harbor: timeouts must be >= 0")
	case o.MaxIdleConnsPerHost < 0:
		return fmt.Errorf("harbor: MaxIdleConnsPerHost must be >= 0, got %d", o.MaxIdleConnsPerHost)
	}
	for name, target := range o.aliases {
		if name == "" || target == "" {
			return fmt.Errorf("harbor: alias %q -> %q: both names are required", name, target)
		}
	}
	for _, d := range o.descriptors {
		if d.Name == "" || d.New == nil {
			return fmt.Errorf("harbor: a registered provider needs a Name and a New function")
		}
	}
	return nil
}
