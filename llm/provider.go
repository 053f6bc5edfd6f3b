package llm

import (
	"context"
	"net/http"
)

// Provider adapts one vendor API to harbor's types.
//
// Contract for implementations:
//   - Safe for concurrent use by many goroutines; constructed once per harbor.Client,
//     lazily, on the first request for one of its models.
//   - Chat and ChatStream receive a request the harbor layer has already checked with
//     ChatRequest.Validate; they apply vendor rules on top (reject what the vendor
//     cannot do with an *Error of Kind ErrInvalidRequest before any I/O), translate to
//     the generated client's types, and translate the answer back.
//   - They must not mutate *ChatRequest or anything it points to: callers reuse requests.
//   - Every failure is returned as *Error (Provider and Model set, secrets redacted).
//   - They send requests only through Config.HTTP, which retries and pools
//     connections; they must not retry themselves, except where the vendor protocol
//     demands it (refreshing an expired access token).
//   - ChatStream returns once response headers arrive; the ChunkSource yields chunks
//     normalised to OpenAI's shape with Usage on the last chunk, and io.EOF only after
//     the vendor's end marker (a stream cut short yields ErrStreamTruncated).
type Provider interface {
	Name() string
	Chat(ctx context.Context, req *ChatRequest, call *CallOptions) (*ChatCompletion, error)
	ChatStream(ctx context.Context, req *ChatRequest, call *CallOptions) (ChunkSource, error)
}

// ModelLister is implemented by providers that can list models remotely.
type ModelLister interface {
	ListModels(ctx context.Context) ([]Model, error)
}

// CallOptions are per-call settings the harbor layer passes to a provider.
type CallOptions struct {
	// Header is added to the vendor request (after the provider's own headers).
	Header http.Header
}

// Doer sends an HTTP request. The harbor client hands providers one that retries
// (go-retryablehttp) over a single pooled transport.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// ClassifyingDoer is a Doer that can also retry responses only the vendor's adapter
// can recognise as transient: Wenxin v1 reports "server busy" or "rate limited" as an
// HTTP 200 whose JSON body carries an error_code. harbor's Doer implements it, so such
// retries follow the Client's retry policy (attempts, backoff, deadline, stats) like
// any 429 or 503.
//
// retry is called with every 200 response before it is returned; it may read the
// body, but must then replace resp.Body with an equivalent reader (the caller will
// read it if retry returns false). Returning true discards the response and tries
// again while attempts remain; after the last attempt the response is returned as is.
type ClassifyingDoer interface {
	Doer
	DoClassified(req *http.Request, retry func(resp *http.Response) bool) (*http.Response, error)
}

// Config is what a provider is built from.
type Config struct {
	APIKey    string
	SecretKey string // Wenxin v1's secret key
	BaseURL   string // empty: the vendor's public endpoint
	AppID     string // Qianfan's appid header

	// HTTP sends every vendor request. Never nil when harbor builds a provider.
	HTTP Doer
	// Getenv reads the environment; nil means os.Getenv. Tests inject their own.
	Getenv func(string) string
	// Options holds provider-specific typed options (e.g. deepseek.Options).
	Options any
}

// Descriptor tells harbor's router about a provider without building it: the
// models and prefixes it serves, and how to construct it on first use.
type Descriptor struct {
	Name     string
	Models   []Model  // known model ids, listed locally without network
	Prefixes []string // model-name prefixes this provider claims ("deepseek-")
	New      func(Config) (Provider, error)
}
