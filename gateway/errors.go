package gateway

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// apiError is one error answer: its HTTP status and OpenAI's error object.
type apiError struct {
	status     int
	typ        string // OpenAI's "type"
	code       string // a stable code; "" is null
	param      string // the field at fault; "" is null
	message    string
	retryAfter time.Duration // Retry-After, when > 0
	errorType  string        // for the access log: harbor.ErrorType, or the gateway's own reason
	// final marks an error no retry can change, sent with X-Should-Retry:
	// false: the official OpenAI SDKs obey it before the status, and would
	// otherwise retry a 5xx twice. Only for what the operator must fix (a
	// provider without credentials, the vendor refusing the gateway's
	// account) and the HTTP server's 5xx refusals of a request (501, 505): a
	// 429, a circuit or queue, a vendor's 5xx keep their retries.
	final bool
}

// Error types (OpenAI's "type" field).
const (
	typeInvalidRequest = "invalid_request_error"
	typePermission     = "permission_error"
	typeQuota          = "insufficient_quota"
	typeRateLimit      = "rate_limit_error"
	typeServer         = "server_error"
	typeUpstream       = "upstream_error"
	typeUnavailable    = "service_unavailable_error"
)

// statusClientClosed is what the access log records for a request whose caller
// went away before the answer (nginx's 499); nothing is written to the caller.
const statusClientClosed = 499

func invalid(param, code, msg string) apiError {
	return apiError{status: http.StatusBadRequest, typ: typeInvalidRequest, code: code, param: param, message: msg, errorType: "invalid_request"}
}

// fromHarbor maps an error of harbor.Client to the answer the caller gets. The
// class decides the status; vendor-side refusals of the gateway's own
// credentials are the gateway's problem, not the caller's, so they are 502
// with a fixed message (the vendor's might quote part of a vendor key).
// Failures between the gateway and the vendor (502 upstream_error, 504) get
// the gateway's own words too, from upstreamFailure: harbor's message for them
// is net/http's, which names the vendor's URL. The whole error goes to the
// access log instead (observer, logLine).
func fromHarbor(err error) apiError {
	var he *harbor.Error
	errors.As(err, &he)
	msg, param, retry := "", "", time.Duration(0)
	if he != nil {
		msg, param, retry = he.Message, he.Param, he.RetryAfter
		if msg == "" && he.Kind != nil {
			msg = he.Kind.Error()
		}
		if he.Provider != "" {
			msg = he.Provider + ": " + msg
		}
	}
	if msg == "" {
		msg = "the call failed"
	}
	et := harbor.ErrorType(err)
	e := apiError{errorType: et, message: msg, param: param}
	switch {
	case errors.Is(err, harbor.ErrCanceled), errors.Is(err, harbor.ErrStreamClosed):
		e.status, e.typ, e.code = statusClientClosed, typeInvalidRequest, "client_closed"
	case errors.Is(err, harbor.ErrUnknownModel):
		e.status, e.typ, e.code, e.param = http.StatusNotFound, typeInvalidRequest, "model_not_found", "model"
		if he != nil && he.Model != "" { // harbor's message points a Go caller to Client.Models()
			e.message = fmt.Sprintf("the model %q does not exist on this gateway; GET /v1/models lists them", he.Model)
		}
	case errors.Is(err, harbor.ErrNotFound):
		e.status, e.typ, e.code, e.param = http.StatusNotFound, typeInvalidRequest, "model_not_found", "model"

	case errors.Is(err, harbor.ErrInvalidRequest):
		e.status, e.typ, e.code = http.StatusBadRequest, typeInvalidRequest, "invalid_value"
	case errors.Is(err, harbor.ErrContentFilter):
		e.status, e.typ, e.code = http.StatusBadRequest, typeInvalidRequest, "content_filter"
	case errors.Is(err, harbor.ErrRateLimited):
		e.status, e.typ, e.code = http.StatusTooManyRequests, typeRateLimit, "upstream_rate_limited"
		e.retryAfter = max(retry, time.Second)
	case errors.Is(err, harbor.ErrQueueFull):
		e.status, e.typ, e.code = http.StatusServiceUnavailable, typeUnavailable, "queue_full"
		e.retryAfter = max(retry, time.Second)
		// harbor's message counts the slots and the queue, the gateway's
		// capacity: the log line keeps it, the caller needs what to do.
		e.message, e.param = providerOf(he)+"this gateway is at its limit of calls at once and its queue is full; retry in the seconds Retry-After gives", ""
	case errors.Is(err, harbor.ErrCircuitOpen):
		e.status, e.typ, e.code = http.StatusServiceUnavailable, typeUnavailable, "circuit_open"
		e.retryAfter = max(retry, time.Second)
	case errors.Is(err, harbor.ErrNoCredentials):
		e.status, e.typ, e.code, e.final = http.StatusServiceUnavailable, typeUnavailable, "provider_not_configured", true
		e.message, e.param = providerOf(he)+"the provider of this model has no credentials on this gateway", ""
	case errors.Is(err, harbor.ErrTimeout):
		e.status, e.typ, e.code = http.StatusGatewayTimeout, typeUpstream, "upstream_timeout"
		e.message, e.param = providerOf(he)+upstreamFailure(he, err), ""
	case errors.Is(err, harbor.ErrAuthentication):
		e.status, e.typ, e.code, e.final = http.StatusBadGateway, typeUpstream, "upstream_authentication", true
		e.message, e.param = providerOf(he)+"the vendor refused this gateway's credentials", ""
	case errors.Is(err, harbor.ErrPermission):
		e.status, e.typ, e.code, e.final = http.StatusBadGateway, typeUpstream, "upstream_permission", true
		e.message, e.param = providerOf(he)+"the vendor does not allow this gateway's account this call", ""
	case errors.Is(err, harbor.ErrInsufficientBalance):
		e.status, e.typ, e.code, e.final = http.StatusBadGateway, typeUpstream, "upstream_insufficient_balance", true
		e.message, e.param = providerOf(he)+"this gateway's vendor account is out of credit", ""
	case errors.Is(err, harbor.ErrServer), errors.Is(err, harbor.ErrConnection),
		errors.Is(err, harbor.ErrStreamTruncated), errors.Is(err, harbor.ErrBadResponse):
		e.status, e.typ, e.code = http.StatusBadGateway, typeUpstream, "upstream_error"
		e.message, e.param = providerOf(he)+upstreamFailure(he, err), ""
	default:
		e.status, e.typ, e.code = http.StatusInternalServerError, typeServer, "internal_error"
		e.message, e.param = "internal error", ""
	}
	return e
}

// callError is the answer to a call harbor failed with err: fromHarbor's,
// but a provider whose configuration is malformed (a key with a pasted
// newline set after the start, when the provider had none) is the gateway's
// fault, not the caller's bad request: 503 provider_not_configured, final, as
// for a provider without credentials, without the variable's name (that is
// for the operator: x's access log line has the whole error).
func (s *Server) callError(x *exchange, err error) apiError {
	e := fromHarbor(err)
	if he := (*harbor.Error)(nil); errors.As(err, &he) && he.Code == wenxin.CodeNoEndpoint && he.Provider == wenxin.Name &&
		he.StatusCode == 0 && errors.Is(err, harbor.ErrNotFound) {
		// Wenxin has no endpoint for the model, found before anything was
		// sent: harbor's message tells a Go program which option maps one.
		// The caller's name is the caller's unknown model; one reached
		// through an alias or a chain is the operator's, and its target is
		// not the caller's to see.
		e.message, e.errorType = fmt.Sprintf("the model %q is not available on this gateway", x.model), "not_found"
		if x.model == he.Model || x.model == he.Provider+"/"+he.Model {
			e.message = fmt.Sprintf("the model %q does not exist on this gateway; GET /v1/models lists them", x.model)
			e.errorType = "unknown_model"
		}
	}
	if e.status == http.StatusBadRequest && s.misconfigured(err) {
		var he *harbor.Error
		errors.As(err, &he)
		x.mu.Lock()
		if x.cause == nil {
			x.cause = err
		}
		x.mu.Unlock()
		e.status, e.typ, e.code, e.final = http.StatusServiceUnavailable, typeUnavailable, "provider_not_configured", true
		e.message, e.param = providerOf(he)+"the provider of this model is not configured correctly on this gateway", ""
		e.errorType = "provider_misconfigured"
	}
	return e
}

// misconfigured reports whether err is the error building its provider fails
// with: harbor returns it from the call that needed the provider, in the
// class of a bad request (the setting is invalid), with no vendor status.
// Building it again (no I/O; a provider built returns at once) tells.
func (s *Server) misconfigured(err error) bool {
	var he, be *harbor.Error
	if !errors.As(err, &he) || he.Provider == "" || he.StatusCode != 0 || !errors.Is(err, harbor.ErrInvalidRequest) {
		return false
	}
	return errors.As(s.client.Bind(he.Provider), &be) && be.Param == he.Param && be.Message == he.Message
}

// upstreamFailure says what went wrong between the gateway and the vendor,
// from the error's class, the vendor's HTTP status and the network cause —
// never from harbor's message: a transport error's text is net/http's
// (`Post "https://vendor/v1/chat/completions": dial tcp 10.0.0.7:443: connect:
// connection refused`), and a broken stream's names both ends' host:port. The
// vendor's address is deployment detail (an account path, an internal proxy)
// that the gateway's callers must not see, and a 5xx page or body may carry the
// same; the caller gets the class and the cause, the access log the rest.
func upstreamFailure(he *harbor.Error, err error) string {
	status := 0
	if he != nil {
		status = he.StatusCode
	}
	answered := func(how string) string {
		return fmt.Sprintf("the vendor answered %sHTTP %d %s", how, status, http.StatusText(status))
	}
	switch {
	case errors.Is(err, harbor.ErrTimeout):
		if status != 0 {
			return answered("")
		}
		return "timed out waiting for the vendor"
	case errors.Is(err, harbor.ErrServer):
		if status != 0 {
			return answered("")
		}
		return "the vendor sent an error in the middle of its answer"
	case errors.Is(err, harbor.ErrStreamTruncated):
		return "the vendor's answer ended before it was complete"
	case errors.Is(err, harbor.ErrBadResponse):
		if status != 0 && status/100 != 2 {
			return answered("an unexpected ")
		}
		return "the vendor's answer could not be decoded"
	}
	if cause := netCause(err); cause != "" {
		return "the connection to the vendor failed (" + cause + ")"
	}
	return "the connection to the vendor failed"
}

// netCause names the network cause of err in a few words — "connection
// refused", "timeout" — never its addresses; "" when none is known.
func netCause(err error) string {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var alert tls.AlertError
	var header tls.RecordHeaderError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &dns):
		return "host name not resolved"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case errors.As(err, &cert), errors.As(err, &alert), errors.As(err, &header):
		return "TLS handshake failed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return ""
}

func providerOf(he *harbor.Error) string {
	if he == nil || he.Provider == "" {
		return ""
	}
	return he.Provider + ": "
}

// body is the error's JSON body, OpenAI's shape (generated from spec/harbor.yaml).
func (e apiError) body() []byte {
	var r harborapi.ErrorResponse
	r.Error.Message, r.Error.Type = e.message, e.typ
	if e.code != "" {
		r.Error.Code = &e.code
	}
	if e.param != "" {
		r.Error.Param = &e.param
	}
	b, _ := json.Marshal(r) // strings only: cannot fail
	return b
}

// retryAfterSeconds is the Retry-After value: whole seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}
