// Package harbor is one fast, OpenAI-style Go API over the LLM vendors used in
// China. Five vendors are built in, each a provider picked by the model name:
//
//   - deepseek: DeepSeek (deepseek-v4-flash, deepseek-v4-pro, and the retired
//     deepseek-chat and deepseek-reasoner); key in DEEPSEEK_API_KEY.
//   - doubao: Doubao on Volcengine Ark (doubao-…, ep-… endpoint ids); ARK_API_KEY.
//   - qianfan: Baidu Qianfan v2, the OpenAI-style ERNIE API (ernie-…);
//     QIANFAN_API_KEY.
//   - wenxin: Baidu Wenxin/ERNIE on Qianfan v1 (ERNIE-…); WENXIN_API_KEY and
//     WENXIN_SECRET_KEY.
//   - openai: OpenAI (gpt-…, o3…); OPENAI_API_KEY, and OPENAI_BASE_URL for another
//     OpenAI-compatible server. providers/openaicompat adds more such endpoints
//     (presets Qwen, Moonshot, Zhipu, Local, or an Endpoint of your own):
//     harbor.WithProvider(openaicompat.Qwen().Descriptor()).
//
// Each vendor's base URL can be changed with WithBaseURL or its *_BASE_URL
// variable. A first call:
//
//	client := harbor.Must(harbor.New()) // keys from the environment
//	res, err := client.Chat.Completions.Create(ctx, &harbor.ChatRequest{
//		Model:    "deepseek-v4-flash",
//		Messages: []harbor.Message{harbor.UserMessage("Hello")},
//	})
//	if err != nil { … }
//	fmt.Println(res.Choices[0].Message.Content)
//
// # Types: aliases of package llm
//
// ChatRequest, Message, ChatCompletion, Chunk, Stream, Error and the other request,
// response and error types are declared in package llm and are aliases here
// (harbor.ChatRequest and llm.ChatRequest are one type). The split is for the
// providers: llm is the leaf vocabulary that harbor and every providers/<vendor>
// share, and harbor imports the built-in providers, so the types cannot live in
// harbor without an import cycle. Users import harbor only: each alias carries its
// own doc comment naming its fields and methods (go doc harbor.ChatRequest,
// go doc harbor.Stream, go doc harbor.Error), and every constant, error class and
// constructor a caller needs is re-exported. Package llm matters only to someone
// writing a Provider.
//
// # Options
//
// New takes Options and checks them all before returning: an unknown provider
// name, a base URL that is not an absolute http(s) URL, a key with control
// characters or an alias to nothing is an ErrInvalidRequest naming the option.
// Most options exist per Client only (WithAPIKey, WithBaseURL, WithMaxRetries,
// WithTransport, WithAlias, WithProvider…) and do not compile as arguments of
// Create or Stream. The few that make sense per call are CallOptions, valid both
// for New (every call) and for one call:
//
//	res, err := client.Chat.Completions.Create(ctx, req,
//		harbor.WithHeader("X-Trace-Id", id),
//		harbor.WithRequestTimeout(30*time.Second))
//
// Requests carry the User-Agent UserAgent() returns,
// "harbor-go/<Version> (go<version>; <os>/<arch>)"; WithHeader("User-Agent", …)
// replaces it.
//
// # Routing
//
// A model name is resolved in this order: the Client's aliases (WithAlias) and
// the providers' model ids, then the "vendor/model" form ("deepseek/deepseek-v4-pro"),
// then the providers' name prefixes ("ernie-" is qianfan, "ERNIE-" wenxin).
// Client.Route tells, without I/O, where a name goes: a Route with the Provider,
// the Model id that goes on the wire (after aliases and the provider's own
// rewriting: "deepseek-reasoner" is sent as deepseek-v4-flash) and the Thinking
// mode the name implies. Client.Models lists every known model, offline.
//
// # What happens on a call
//
// New does no I/O and builds no provider. A request is validated (a clear *Error
// before any I/O), routed by model name, and the provider is built on first use,
// once. The provider applies its vendor's rules and translates the request to the
// vendor's wire format, which goes out through one pooled transport
// (internal/h1: HTTP/1.1 keep-alive, the request written and the answer read on
// the calling goroutine, about half the CPU of net/http's Transport per call;
// on Linux its sockets read and write with raw system calls, internal/rawconn,
// which spare the Go runtime's monitor thread a wake-up per call in a process
// that idles between calls; net/http's for proxied requests; yours with WithTransport) wrapped by
// go-retryablehttp: 429/5xx and connection failures are retried with backoff
// (an answer's X-Should-Retry header, true or false, overrules its status),
// Retry-After is honoured up to WithMaxRetryAfter, the context deadline covers
// every attempt, and nothing is retried once a stream's first byte reached you.
// Client.Stats counts requests, failures, cancellations, retries and open streams.
//
// # Errors
//
// Every failure is a *Error (errors.As), classified by exactly one sentinel
// (errors.Is): ErrRateLimited, ErrAuthentication, ErrInvalidRequest… A cancelled
// context is ErrCanceled (also context.Canceled), an expired deadline ErrTimeout
// (also context.DeadlineExceeded). Error messages never carry API keys or request
// bodies.
//
// # Streams
//
// Stream returns a pull-style *Stream (Next/Current/Err/Close, or All for
// range-over-func); Close may be called from any goroutine. Vendor quirks —
// DeepSeek's keep-alive comments, usage on the finish chunk — are normalised: the
// last chunk carries the usage. NewStream and StreamOf build fake streams for
// tests; package conformance/harbortest runs mock vendors for tests of whole calls.
//
// # Structured output
//
// Package structured asks for an answer shaped as a Go type and returns it
// decoded and validated (structured.CreateJSON[T]); it is a package of its own so
// that programs that do not use it do not pay its JSON Schema validator's start-up
// (several milliseconds of package initialisation).
//
// # Many requests at once
//
// Completions.Batch sends a slice of requests through the same Client, at most
// BatchOptions.Concurrency at a time, and returns their results in input order,
// each with its own completion or error; BatchOptions.Progress hears of every item
// as it finishes. Cancelling the context stops new requests from starting and
// gives each of them an ErrCanceled result: no item is lost.
package harbor
