package mockvendor

import (
	"net/http"
	"sync"
	"time"
)

// Fault is one injected failure. Enqueue faults on a mock; each chat request
// consumes the next one (FIFO). The zero Fault injects nothing, which is
// useful to let a request through between two failing ones.
//
// When several fields are set they combine in this order: Latency first,
// then Reset, else Reply, else Status, else the mock's own answer — with
// Content's text, when set — cut by the stream cuts (TruncateAfter,
// AbortAfter, StallAfter), which only affect streaming responses.
type Fault struct {
	// Content, when non-empty, answers the request normally — validated,
	// authenticated, in the vendor's wire format, streamed or not — but with
	// this text as the answer instead of the toy model's: no tool call, the
	// vendor's normal finish reason, usage counting its toy tokens. It
	// scripts the answers the toy model never gives, such as invalid JSON
	// for a response_format request
	// (Fault{Content: `{"name": "harbor"`}), to test a client's repair turn
	// with the vendor's real framing around it. The reasoning of a thinking
	// model is unchanged.
	Content string
	// Reply, when non-nil, answers with this canned raw response instead
	// of the mock's own (see [Reply]): the request is recorded but neither
	// validated nor authenticated, and Status, Code, Message, RetryAfter,
	// ErrorCode and ErrorAfter are ignored. Latency and Reset still apply
	// first, and TruncateAfter, AbortAfter and StallAfter cut a scripted stream. It
	// rides in the fault queue so that scripted answers and failures keep
	// one order, and so that every mock supports it without code of its own.
	Reply *Reply
	// Status, when non-zero, answers with this HTTP status and the vendor's
	// documented error body for it, without validating the request.
	// Statuses outside 400–599 are answered as 500, since anything else
	// would not be an error response.
	Status int
	// Message overrides the vendor's default error message for Status.
	Message string
	// RetryAfter, when non-empty, is sent as the Retry-After header with a
	// Status fault (DeepSeek itself never sends one; this tests clients that
	// honour it).
	RetryAfter string
	// Reset hijacks the connection and closes it (with an RST where the
	// platform allows) before any response byte, so the client sees a
	// transport error rather than an HTTP status. Where the connection
	// cannot be hijacked (HTTP/2, a ResponseRecorder) the response is
	// aborted as for AbortAfter.
	Reset bool
	// TruncateAfter, if positive, ends a streaming body cleanly after this
	// many data events, without "data: [DONE]". The terminating [DONE] is
	// itself the last event, so a value equal to the number of JSON chunks
	// delivers the finish chunk but no [DONE]; a larger value has no effect.
	TruncateAfter int
	// AbortAfter, if positive, breaks the connection after this many data
	// events (counted as for TruncateAfter), so the client reads an
	// unexpected EOF mid-body. It works by panicking with
	// http.ErrAbortHandler, which net/http servers (and httptest) turn into
	// a silent connection close; a caller invoking ServeHTTP by hand with a
	// ResponseRecorder must recover it or avoid this fault.
	AbortAfter int
	// StallAfter, if positive, stops a stream after this many data events
	// (counted as for TruncateAfter) without ending it: the connection stays
	// open and nothing more is sent until the client goes away or the mock
	// is closed, so the client's next read blocks. Use it to test what a
	// client does with a vendor that stops mid-answer: its timeouts, or a
	// stream closed from another goroutine. Non-streaming requests are
	// unaffected.
	StallAfter int
	// Code overrides the vendor error code sent with Status, for vendors
	// whose codes are finer than the status (Ark's
	// "RateLimitExceeded.EndpointTPMExceeded", Qianfan v2's
	// "tpm_rate_limit_exceeded"). Empty means the mock's default for Status.
	Code string
	// ErrorCode, when non-zero, makes vendors that report errors inside an
	// HTTP 200 body (Qianfan v1) answer {"error_code":ErrorCode,"error_msg":…}
	// — also in place of a requested stream. Mocks of vendors without such
	// bodies ignore it.
	ErrorCode int
	// ErrorAfter, if positive, ends a stream after this many data events
	// with the vendor's mid-stream error event (for example Ark's
	// data: {"error":{…}}) instead of the rest of the answer. Non-streaming
	// requests are unaffected.
	ErrorAfter int
	// Latency is an extra delay before the response headers, on top of the
	// mock's configured latency. It ends early if the request's context is
	// cancelled.
	Latency time.Duration
}

// RateLimited is DeepSeek's 429 for exceeding the account's concurrency
// limit. retryAfter, if non-empty, is sent as Retry-After.
func RateLimited(retryAfter string) Fault {
	return Fault{Status: 429, RetryAfter: retryAfter}
}

// ServerError is a 500 with the vendor's server_error body.
func ServerError() Fault { return Fault{Status: 500} }

// Overloaded is DeepSeek's 503 "Server overloaded, please try again later.".
func Overloaded() Fault { return Fault{Status: 503} }

// InsufficientBalance is DeepSeek's 402 "Insufficient Balance".
func InsufficientBalance() Fault { return Fault{Status: 402} }

// Unauthorized is a 401 authentication failure, regardless of the key sent.
func Unauthorized() Fault { return Fault{Status: 401} }

// InvalidParams is a 422 deserialization failure whose message ends in msg
// (the vendor's default detail when msg is empty).
func InvalidParams(msg string) Fault {
	f := Fault{Status: 422}
	if msg != "" {
		f.Message = deserializePrefix + msg
	}
	return f
}

// ConnectionReset drops the connection without any response.
func ConnectionReset() Fault { return Fault{Reset: true} }

// TruncatedStream ends a stream cleanly, without [DONE], after afterEvents
// data events. Non-streaming requests are unaffected.
func TruncatedStream(afterEvents int) Fault { return Fault{TruncateAfter: afterEvents} }

// AbortedStream breaks a stream's connection after afterEvents data events.
// Non-streaming requests are unaffected.
func AbortedStream(afterEvents int) Fault { return Fault{AbortAfter: afterEvents} }

// StalledStream stops sending a stream after afterEvents data events and holds
// the connection open until the client goes away. Non-streaming requests are
// unaffected.
func StalledStream(afterEvents int) Fault { return Fault{StallAfter: afterEvents} }

// faultQueue is a mock's FIFO of injected faults; it is safe for concurrent
// use.
type faultQueue struct {
	mu     sync.Mutex
	faults []Fault
}

func (q *faultQueue) push(f []Fault) {
	q.mu.Lock()
	q.faults = append(q.faults, f...)
	q.mu.Unlock()
}

// next pops the oldest fault; the zero Fault when none is queued.
func (q *faultQueue) next() Fault {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.faults) == 0 {
		return Fault{}
	}
	f := q.faults[0]
	q.faults = q.faults[1:]
	if len(q.faults) == 0 {
		q.faults = nil // release the backing array
	}
	return f
}

func (q *faultQueue) clear() {
	q.mu.Lock()
	q.faults = nil
	q.mu.Unlock()
}

// faultStatus is the status a Status fault answers with: f.Status, or 500
// when that is not an error status, as Fault documents.
func faultStatus(f Fault) int {
	if f.Status < 400 || f.Status > 599 {
		return http.StatusInternalServerError
	}
	return f.Status
}

// setRetryAfter sends a fault's RetryAfter, if any, as Retry-After.
func setRetryAfter(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
}
