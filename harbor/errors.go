package harbor

import "github.com/harborai/harbor-go/llm"

// Error classes. Every *Error harbor returns matches exactly one of them with
// errors.Is (its Kind), so callers branch without knowing vendor codes:
//
//	var e *harbor.Error
//	switch {
//	case errors.Is(err, harbor.ErrCanceled):
//		// the caller gave up: nothing to report
//	case errors.Is(err, harbor.ErrAuthentication), errors.Is(err, harbor.ErrNoCredentials):
//		// fix the key
//	case errors.As(err, &e) && e.Retryable():
//		// try again later, after e.RetryAfter when the vendor set it
//	}
//
// Calls the caller stopped follow one rule: a cancelled context is ErrCanceled and
// the *Error also matches context.Canceled; an expired deadline (the context's or
// WithRequestTimeout's) is ErrTimeout and matches context.DeadlineExceeded; a
// Stream the caller closed reports ErrStreamClosed from Err, whether Close came
// before Next or while Next was blocked in another goroutine. In Stats,
// ErrCanceled and ErrStreamClosed count as Canceled, not as Failures; a timeout
// is a failure.
var (
	// ErrUnknownModel: no provider serves the model name (Create, Stream, Route), or
	// ListRemoteModels names no known provider. The message lists the providers.
	ErrUnknownModel = llm.ErrUnknownModel
	// ErrNoCredentials: the provider the model routes to needs an API key (Wenxin v1:
	// a key and a secret key) and none was given as an option or found in its
	// environment variable. Returned by every call that needs the provider until a
	// key is found (New does not look).
	ErrNoCredentials = llm.ErrNoCredentials
	// ErrQueueFull: admission control (WithLimits) found every slot of a limit
	// busy and its wait queue full; the call was not sent. Retryable: try again
	// later, or raise Limits.QueueSize to let calls wait.
	ErrQueueFull = llm.ErrQueueFull
	// ErrCanceled: the caller cancelled the call's context, before or during the
	// call (or while a Stream was being read). The *Error also matches
	// context.Canceled. Not counted as a failure in Stats.
	ErrCanceled = llm.ErrCanceled
	// ErrStreamClosed: Stream.Err after the caller closed the stream before its
	// end, by a Next after Close or by Close while Next was blocked. Not counted as
	// a failure in Stats.
	ErrStreamClosed = llm.ErrStreamClosed
	// ErrInvalidRequest: the request or a setting is invalid, before any I/O (New's
	// options, a nil context or request, ChatRequest.Validate, a field the vendor
	// cannot honour) or as judged by the vendor (HTTP 400/422). Param names the
	// field or option. Fix the request; retrying will not help.
	ErrInvalidRequest = llm.ErrInvalidRequest
	// ErrAuthentication: the vendor rejected the credentials (HTTP 401, a bad or
	// expired key).
	ErrAuthentication = llm.ErrAuthentication
	// ErrPermission: the credentials are valid but not allowed this call (HTTP 403,
	// model not opened for the account, a parameter the account may not use).
	ErrPermission = llm.ErrPermission
	// ErrInsufficientBalance: the account is out of credit or overdue (HTTP 402,
	// OpenAI's insufficient_quota, Ark's AccountOverdueError); not retried.
	ErrInsufficientBalance = llm.ErrInsufficientBalance
	// ErrNotFound: the vendor does not know the model or endpoint (HTTP 404, Ark's
	// InvalidEndpointOrModel, a model not activated, Wenxin's 336005, Qianfan v2's
	// 400 invalid_model, DeepSeek's 400 "The supported API model names are …").
	ErrNotFound = llm.ErrNotFound
	// ErrRateLimited: a rate or concurrency limit was hit (HTTP 429 or the vendor's
	// code) and harbor's retries did not get through; Error.RetryAfter says how
	// long the vendor asked to wait. Counted in Stats.RateLimited.
	ErrRateLimited = llm.ErrRateLimited
	// ErrContentFilter: the vendor refused the input or the output on content
	// grounds (a moderation error code).
	ErrContentFilter = llm.ErrContentFilter
	// ErrServer: the vendor failed or is overloaded (HTTP 5xx, or a vendor error
	// code that says so) after harbor's retries.
	ErrServer = llm.ErrServer
	// ErrTimeout: a timeout expired: connect, response headers, idle (no byte of a
	// body within WithIdleTimeout), WithRequestTimeout, or the context's deadline
	// (then the *Error also matches context.DeadlineExceeded). Counted as a failure.
	ErrTimeout = llm.ErrTimeout
	// ErrConnection: the connection failed or was reset (DNS, refused, TLS, reset)
	// after harbor's retries.
	ErrConnection = llm.ErrConnection
	// ErrStreamTruncated: a response body ended early: a stream before the vendor's
	// end marker (a cut connection, a proxy timeout), or a body shorter than
	// announced. A stream's chunks read so far are valid; the answer is incomplete.
	ErrStreamTruncated = llm.ErrStreamTruncated
	// ErrBadResponse: the vendor answered something harbor cannot decode (not JSON,
	// an unexpected shape, an HTTP status harbor does not classify), or a 200 with
	// no choices ({}, null, an error object that names no other class).
	// structured.CreateJSON returns it too when the answer still does not match
	// the requested type's JSON Schema after the repair turn: the *Error's Err is
	// then a *structured.JSONError with the answer and the violations.
	ErrBadResponse = llm.ErrBadResponse
	// ErrCircuitOpen: the provider failed CircuitBreaker.Failures times in a row
	// and its breaker is open: calls fail at once, without being sent, until the
	// cool-down ends (RetryAfter says when) and a probe call succeeds. A fallback
	// chain moves past such a provider at once. See WithCircuitBreaker.
	ErrCircuitOpen = llm.ErrCircuitOpen
)
