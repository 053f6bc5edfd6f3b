// Package harbor is one fast, OpenAI-style Go API over the LLM vendors used in China —
// DeepSeek today; Doubao (Volcengine Ark), Wenxin/ERNIE (Baidu Qianfan v1 and v2) and
// any OpenAI-compatible endpoint as they land.
//
//	client := harbor.Must(harbor.New())               // keys from the environment
//	res, err := client.Chat.Completions.Create(ctx, &harbor.ChatRequest{
//		Model:    "deepseek-v4-flash",
//		Messages: []harbor.Message{harbor.UserMessage("Hello")},
//	})
//
// # What happens on a call
//
// New does no I/O and builds no provider. A request is validated (a clear *Error
// before any I/O), routed by model name to a provider — exact names, aliases, the
// "vendor/model" form, then prefixes — and the provider is built on first use, once.
// The provider translates the request to the vendor's generated client (see
// generated/), which sends it through one pooled http.Transport wrapped by
// go-retryablehttp: 429/5xx and connection failures are retried with backoff,
// Retry-After is honoured up to Options.MaxRetryAfter, the context deadline covers
// every attempt, and nothing is retried once a stream's first byte reached you.
//
// # Errors
//
// Every failure is a *Error (errors.As), classified by a sentinel (errors.Is):
// ErrRateLimited, ErrAuthentication, ErrInvalidRequest… Error messages never carry
// API keys or request bodies.
//
// # Streams
//
// Stream returns a pull-style *Stream (Next/Current/Err/Close, or All for
// range-over-func). Vendor quirks — DeepSeek's keep-alive comments, usage on the
// finish chunk — are normalised: the last chunk carries the usage.
package harbor
