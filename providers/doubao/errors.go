package doubao

import (
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// Ark's error body is OpenAI-shaped, {"error":{"code","message","param","type"}}, so
// wire.StatusError decodes it; this file refines the result. Ark's HTTP status alone
// misleads in places (an overdue account is a 403, a moderation refusal a 400), its
// type is the HTTP reason token rather than an OpenAI class, and its message ends with
// "Request id: <id>".

// codeRule refines the errors whose vendor code matches.
type codeRule struct {
	code  string
	match func(code, pattern string) bool
	kind  error  // nil: keep the kind the status gave
	hint  string // appended to the message: what to do about it
}

var (
	exact    = func(code, p string) bool { return code == p }
	prefix   = strings.HasPrefix
	contains = strings.Contains
)

// codeRules is consulted in order; the first match wins.
var codeRules = [...]codeRule{
	{"AccountOverdueError", exact, llm.ErrInsufficientBalance,
		"the Volcengine account is in arrears: top it up in the Volcengine console"},
	// SensitiveContentDetected(.SevereViolation/.Violence), InputTextSensitiveContentDetected,
	// InputImageSensitiveContentDetected and their output-side siblings.
	{"SensitiveContentDetected", contains, llm.ErrContentFilter, ""},
	{"InvalidEndpointOrModel.ModelIDAccessDisabled", exact, llm.ErrNotFound,
		"this account must call models through an endpoint id: create an inference endpoint in the Ark console and send its id (ep-…) as the model, or name it in doubao.Options.Endpoints"},
	{"InvalidEndpointOrModel.", prefix, llm.ErrNotFound,
		"check the model id or endpoint id and the region of the base URL; some accounts must use an endpoint id (ep-…) instead of a model id"},
	{"ModelNotOpen", exact, llm.ErrNotFound,
		"activate the model for this account in the Ark console first"},
	{"InvalidEndpoint.ClosedEndpoint", exact, nil,
		"the endpoint is closed: re-enable it in the Ark console"},
	{"RateLimitExceeded.", prefix, llm.ErrRateLimited, ""},
	{"AuthenticationError", exact, llm.ErrAuthentication, ""},
	{"AccessDenied", exact, llm.ErrPermission, ""},
	{"OperationDenied.", prefix, llm.ErrPermission, ""},
	{"MissingParameter", prefix, llm.ErrInvalidRequest, ""},
	{"InvalidParameter", prefix, llm.ErrInvalidRequest, ""},
}

// typeStatus maps Ark's error type, the HTTP reason token, back to its status. Errors
// inside a 200 stream have no status of their own; the type says which one the
// same failure carries as an HTTP error.
var typeStatus = map[string]int{
	"BadRequest":          400,
	"Unauthorized":        401,
	"Forbidden":           403,
	"NotFound":            404,
	"RequestTimeout":      408,
	"TooManyRequests":     429,
	"InternalServerError": 500,
	"ServiceUnavailable":  503,
}

const requestIDMarker = "Request id:"

// classify refines an error built from an Ark error body (HTTP or mid-stream) and
// returns it. Errors without a vendor code or type pass unchanged.
func classify(e *llm.Error) *llm.Error {
	if e == nil || e.Code == "" && e.Type == "" {
		return e
	}
	// Mid-stream errors have no status; an error object answered with 200 where a
	// stream was asked for has a meaningless one. The type names the real one.
	midStream := e.StatusCode == 0
	if e.StatusCode < 400 {
		if s, ok := typeStatus[e.Type]; ok {
			e.Kind, e.Transient = llm.KindForStatus(s)
			e.Transient = e.Transient && !midStream
		}
	}
	for i := range codeRules {
		r := &codeRules[i]
		if !r.match(e.Code, r.code) {
			continue
		}
		if r.kind != nil {
			e.Kind = r.kind
			if !midStream { // a failed stream is never retried (see wire.MidStreamError)
				e.Transient = r.kind == llm.ErrRateLimited
			}
		}
		if r.hint != "" {
			e.Message = strings.TrimRight(e.Message, " ")
			e.Message = withRequestIDLast(e.Message, "Hint: "+r.hint+".")
		}
		break
	}
	e.RequestID, e.Message = requestID(e.RequestID, e.Message)
	return e
}

// classifyBody is classify for an error found inside a 200 answer: an error
// object where the completion or the stream should be (wire.DecodeCompletion,
// wire.NotAStream).
func classifyBody(e *llm.Error, _ []byte) *llm.Error { return classify(e) }

// withRequestIDLast inserts extra before the message's trailing "Request id: …".
func withRequestIDLast(msg, extra string) string {
	i := strings.LastIndex(msg, requestIDMarker)
	if i < 0 {
		return msg + " " + extra
	}
	return strings.TrimRight(msg[:i], " ") + " " + extra + " " + msg[i:]
}

// requestID returns the request id (the header's, else the one at the end of the
// message) and the message without its "Request id: <id>" suffix when that id is
// the one returned, since llm.Error prints the id already.
func requestID(header, msg string) (string, string) {
	i := strings.LastIndex(msg, requestIDMarker)
	if i < 0 {
		return header, msg
	}
	id := strings.TrimRight(strings.TrimSpace(msg[i+len(requestIDMarker):]), ".")
	if id == "" || strings.ContainsAny(id, " \t\n") {
		return header, msg
	}
	if header != "" && header != id {
		return header, msg // keep both: the header may be the caller's X-Client-Request-Id echo
	}
	return id, strings.TrimRight(msg[:i], " ")
}
