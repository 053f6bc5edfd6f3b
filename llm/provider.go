package llm

import (
	"context"
	"net/http"
)

// Provider adapts one vendor API to harbor's types. The built-in vendors implement
// it in providers/<vendor>; to add your own, implement it in your module and register
// a Descriptor with harbor.WithProvider (or Client.Register). Everything such an
// implementation needs is exported here (Error, InvalidRequest, KindForStatus,
// Redact, Doer, RetryRule, PeekBody); the helpers the built-ins share live in an
// internal package and are not available outside this module.
//
// Contract for implementations:
//   - Safe for concurrent use by many goroutines; constructed once per harbor.Client,
//     lazily, on first use (a request for one of its models, or ListRemoteModels);
//     a failed construction is tried again on the next use.
//   - Chat and ChatStream receive a request the harbor layer has already checked with
//     ChatRequest.Validate; they apply vendor rules on top (reject what the vendor
//     cannot do with an *Error of Kind ErrInvalidRequest before any I/O), translate to
//     the vendor's wire format (the built-ins use the clients in generated/), and
//     translate the answer back.
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
	// Header is set on the vendor request after the provider's own headers: a
	// name given here replaces the provider's values of that name.
	Header http.Header
	// Traceparent, when set, is sent as the W3C traceparent header of the call
	// (one value; harbor builds it per call, see harbor.ContextWithTraceID).
	Traceparent []string
}

// Doer sends an HTTP request. The harbor client hands providers one that retries
// (go-retryablehttp) over a single pooled transport.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// RetryRule is a provider's say on retrying responses that only it can read:
// Wenxin v1 reports "server busy" as an HTTP 200 whose JSON body carries an
// error_code (retry it), and OpenAI's 429 insufficient_quota is final however long
// one waits (do not). A provider states its rule once, in Descriptor.Retry; harbor
// builds it into the provider's Doer when it binds the provider, so such decisions
// go through the Client's retry machinery (attempts, backoff, deadline, stats) like
// any 429 or 503.
//
// The rule is called with every response (not with transport errors) before the
// status-based policy. To look at the body it calls PeekBody, which puts the bytes
// back, since the response may be returned to the caller; it must not read the
// body otherwise, nor read event streams. RetryNow discards the response and tries
// again while attempts remain (after the last attempt the response is returned as
// is); RetryNever returns it at once; RetryByPolicy leaves the decision to the
// status-based policy.
type RetryRule func(resp *http.Response) RetryVerdict

// RetryVerdict is a provider's say on retrying one response; see RetryRule.
type RetryVerdict uint8

const (
	RetryByPolicy RetryVerdict = iota // the Client's policy decides, by status and Retry-After
	RetryNow                          // a transient failure the status does not show
	RetryNever                        // final, whatever the status says
)

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

	// Rewrite, when set, tells what the provider sends for a model name routed to
	// it: the vendor's model id, and the thinking mode the name implies ("" when it
	// implies none). DeepSeek's retired names are the example: "deepseek-reasoner"
	// goes out as deepseek-v4-flash with thinking enabled. options is the
	// Config.Options the provider will be built with (they may change the
	// mapping); Rewrite must be cheap, do no I/O and agree with what the provider
	// sends. nil means the name is sent as it is. harbor.Client.Route reports it.
	Rewrite func(options any, model string) (sent, thinking string)

	// Check, when set, checks a configuration of the provider without building
	// it: no I/O, no environment (those are New's, on first use). harbor.New calls
	// it for every provider its options configure and for every descriptor given
	// to WithProvider, so that a mistake — Options of another provider's type, an
	// endpoint that can never work — is reported by New, not by the first call.
	Check func(cfg Config) error

	// Retry, when set, overrules the Client's status-based retry policy for the
	// responses the provider can read better (see RetryRule). harbor wraps it into
	// the Doer it hands the provider in Config.HTTP, once, when it binds it.
	Retry RetryRule

	// JSONSchema reports that the provider accepts ResponseFormat
	// {Type: "json_schema"} and sends it to its vendor (the built-ins doubao,
	// qianfan and openai do; deepseek and wenxin take text and json_object only).
	// structured.CreateJSON reads it to choose how to ask for typed output: natively
	// as json_schema when true, and when false by emulation — json_object mode
	// with the schema in a system message — so a provider that leaves it false
	// must accept json_object. A provider of your own sets it itself; the zero
	// value (false) is the safe choice for a vendor that only knows json_object.
	JSONSchema bool
}
