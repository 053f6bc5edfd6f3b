package llm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sentinels. Every *Error wraps exactly one class sentinel (its Kind), so callers can
// branch with errors.Is(err, llm.ErrRateLimited) without knowing vendor codes.
//
// The rule for calls that stop because the caller stopped them: a cancelled context
// is ErrCanceled (and the *Error also matches context.Canceled, its cause); an
// expired deadline — the context's or WithRequestTimeout's — is ErrTimeout (and
// matches context.DeadlineExceeded); a Stream closed by the caller reports
// ErrStreamClosed from Err, whether Close came before Next or while Next was
// blocked. In harbor's Stats, ErrCanceled and ErrStreamClosed count as Canceled,
// not as Failures; a timeout is a failure.
var (
	// ErrUnknownModel: no provider serves the model name.
	ErrUnknownModel = errors.New("unknown model")
	// ErrNoCredentials: the provider needs an API key (or key pair) and has none.
	ErrNoCredentials = errors.New("no credentials")
	// ErrQueueFull: a configured concurrency limit (harbor.WithLimits) had no free
	// slot and its wait queue was full; the call was not sent.
	ErrQueueFull = errors.New("queue full")
	// ErrStreamClosed: the caller closed the stream before it ended (Next after
	// Close, or Close while Next was waiting).
	ErrStreamClosed = errors.New("stream closed")
	// ErrCanceled: the caller cancelled the call's context. The *Error also matches
	// context.Canceled.
	ErrCanceled = errors.New("canceled")

	// ErrInvalidRequest: the request is malformed or unsupported (caught locally or by the vendor).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrAuthentication: the vendor rejected the credentials.
	ErrAuthentication = errors.New("authentication failed")
	// ErrPermission: authenticated but not allowed (model not opened, account overdue…).
	ErrPermission = errors.New("permission denied")
	// ErrInsufficientBalance: the account is out of credit.
	ErrInsufficientBalance = errors.New("insufficient balance")
	// ErrNotFound: the vendor does not know the model or endpoint.
	ErrNotFound = errors.New("not found")
	// ErrRateLimited: rate or concurrency limit hit; see Error.RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrContentFilter: the vendor refused the content.
	ErrContentFilter = errors.New("content filtered")
	// ErrServer: the vendor failed or is overloaded (5xx).
	ErrServer = errors.New("vendor server error")
	// ErrTimeout: a connect, header, idle or total timeout expired, or the
	// context's deadline passed. The *Error also matches context.DeadlineExceeded
	// when that was the cause.
	ErrTimeout = errors.New("timeout")
	// ErrConnection: the connection failed or was reset.
	ErrConnection = errors.New("connection error")
	// ErrStreamTruncated: a stream ended before the vendor's end marker.
	ErrStreamTruncated = errors.New("stream truncated")
	// ErrBadResponse: the vendor answered something harbor cannot decode, or a 2xx
	// answer with no choices and no error object that names another class.
	ErrBadResponse = errors.New("bad response")
	// ErrCircuitOpen: the provider's circuit breaker is open after consecutive
	// failures; the call was not sent (harbor.WithCircuitBreaker).
	ErrCircuitOpen = errors.New("circuit open")
)

// Error is the one error type harbor returns for a failed call. Find it with
// errors.As; classify it with errors.Is against the sentinels above.
//
// Error() never contains an API key, an access token or a request body: vendor
// messages are scrubbed with Redact when the error is built.
type Error struct {
	Provider   string // "deepseek"
	Model      string // the model asked for
	StatusCode int    // HTTP status, 0 when no response arrived
	Code       string // vendor's error code ("AuthenticationError", "110"…)
	Type       string // vendor's error type ("rate_limit_error"…)
	Param      string // offending parameter, when the vendor names one
	Message    string // human-readable, scrubbed of secrets
	RequestID  string // vendor request id, when sent
	TraceID    string // the call's trace id (harbor.ContextWithTraceID), also sent to the vendor

	// RetryAfter is how long the vendor asked us to wait (429/503), 0 when unknown.
	RetryAfter time.Duration
	// Transient reports whether the same request may succeed later (rate limits,
	// overload, resets, timeouts). harbor has already retried such errors as far as
	// its retry policy allows before returning one.
	Transient bool

	// Kind is the class sentinel (ErrRateLimited…); never nil on errors harbor builds.
	Kind error
	// Err is the underlying cause (a net error, context.DeadlineExceeded…), if any.
	Err error
}

// Error formats the error on one line.
func (e *Error) Error() string {
	if e == nil {
		return "harbor: <nil *Error>"
	}
	var b strings.Builder
	b.WriteString("harbor: ")
	if e.Provider != "" {
		b.WriteString(e.Provider)
		if e.Model != "" {
			b.WriteString(" ")
			b.WriteString(e.Model)
		}
		b.WriteString(": ")
	}
	if e.StatusCode != 0 {
		b.WriteString("HTTP ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		b.WriteString(" ")
	}
	switch {
	case e.Code != "" && e.Type != "" && e.Code != e.Type:
		b.WriteString(e.Type + "/" + e.Code + ": ")
	case e.Code != "":
		b.WriteString(e.Code + ": ")
	case e.Type != "":
		b.WriteString(e.Type + ": ")
	}
	msg := e.Message
	if msg == "" && e.Kind != nil {
		msg = e.Kind.Error()
	}
	b.WriteString(msg)
	if e.Err != nil && !strings.Contains(msg, e.Err.Error()) {
		b.WriteString(": ")
		b.WriteString(Redact(e.Err.Error()))
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request id " + e.RequestID + "]")
	}
	return b.String()
}

// Unwrap exposes the class sentinel and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	switch {
	case e.Kind != nil && e.Err != nil:
		return []error{e.Kind, e.Err}
	case e.Kind != nil:
		return []error{e.Kind}
	case e.Err != nil:
		return []error{e.Err}
	}
	return nil
}

// Retryable reports whether retrying the same request later may succeed.
func (e *Error) Retryable() bool { return e.Transient }

// HTTPStatusCode returns the vendor's HTTP status, or 0 if no response arrived.
func (e *Error) HTTPStatusCode() int { return e.StatusCode }

// KindForStatus classifies an HTTP status the way most OpenAI-style vendors use it,
// and says whether it is transient. Providers refine it with vendor codes.
func KindForStatus(status int) (kind error, transient bool) {
	switch {
	case status == 400 || status == 422:
		return ErrInvalidRequest, false
	case status == 401:
		return ErrAuthentication, false
	case status == 402:
		return ErrInsufficientBalance, false
	case status == 403:
		return ErrPermission, false
	case status == 404:
		return ErrNotFound, false
	case status == 408:
		return ErrTimeout, true
	case status == 429:
		return ErrRateLimited, true
	case status >= 500:
		return ErrServer, status != 501
	default:
		return ErrBadResponse, false
	}
}

// Canceled builds the *Error for a call whose context the caller cancelled; cause is
// what the cancellation surfaced as (context.Canceled, or a wrapper of it).
func Canceled(provider, model string, cause error) *Error {
	return &Error{Provider: provider, Model: model, Kind: ErrCanceled, Err: cause,
		Message: "the call was cancelled by its context"}
}

// InvalidRequest builds the *Error returned for a request rejected before any I/O.
func InvalidRequest(provider, model, param, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Provider: provider, Model: model, Param: param, Message: msg, Kind: ErrInvalidRequest}
}
