package doubao

import (
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// Ark's error body is OpenAI-shaped, {"error":{"code","message","param","type"}}, so
// vendorerr.Status decodes it; this file refines the result. Ark's HTTP status alone
// misleads in places (an overdue account is a 403, a moderation refusal a 400), its
// type is the HTTP reason token rather than an OpenAI class, and its message ends with
// "Request id: <id>".

// codeRule is how an error whose vendor code matches is refined: its kind (nil:
// keep the kind the status gave) and a hint appended to the message, saying what to
// do about it. The rules are consulted in order; the first match wins. (A switch
// rather than a table, so that nothing is built at package init.)
func codeRule(code string) (kind error, hint string, ok bool) {
	switch {
	case code == "AccountOverdueError":
		return llm.ErrInsufficientBalance, "the Volcengine account is in arrears: top it up in the Volcengine console", true
	// SensitiveContentDetected(.SevereViolation/.Violence), InputTextSensitiveContentDetected,
	// InputImageSensitiveContentDetected and their output-side siblings.
	case strings.Contains(code, "SensitiveContentDetected"):
		return llm.ErrContentFilter, "", true
	case code == "InvalidEndpointOrModel.ModelIDAccessDisabled":
		return llm.ErrNotFound, "this account must call models through an endpoint id: create an inference endpoint in the Ark console and send its id (ep-…) as the model, or name it in doubao.Options.Endpoints", true
	case strings.HasPrefix(code, "InvalidEndpointOrModel."):
		return llm.ErrNotFound, "check the model id or endpoint id and the region of the base URL; some accounts must use an endpoint id (ep-…) instead of a model id", true
	case code == "ModelNotOpen":
		return llm.ErrNotFound, "activate the model for this account in the Ark console first", true
	case code == "InvalidEndpoint.ClosedEndpoint":
		return nil, "the endpoint is closed: re-enable it in the Ark console", true
	case strings.HasPrefix(code, "RateLimitExceeded."):
		return llm.ErrRateLimited, "", true
	case code == "AuthenticationError":
		return llm.ErrAuthentication, "", true
	case code == "AccessDenied":
		return llm.ErrPermission, "", true
	case strings.HasPrefix(code, "OperationDenied."):
		return llm.ErrPermission, "", true
	case strings.HasPrefix(code, "MissingParameter"), strings.HasPrefix(code, "InvalidParameter"):
		return llm.ErrInvalidRequest, "", true
	}
	return nil, "", false
}

// typeStatus maps Ark's error type, the HTTP reason token, back to its status. Errors
// inside a 200 stream have no status of their own; the type says which one the
// same failure carries as an HTTP error.
func typeStatus(typ string) (int, bool) {
	switch typ {
	case "BadRequest":
		return 400, true
	case "Unauthorized":
		return 401, true
	case "Forbidden":
		return 403, true
	case "NotFound":
		return 404, true
	case "RequestTimeout":
		return 408, true
	case "TooManyRequests":
		return 429, true
	case "InternalServerError":
		return 500, true
	case "ServiceUnavailable":
		return 503, true
	}
	return 0, false
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
		if s, ok := typeStatus(e.Type); ok {
			e.Kind, e.Transient = llm.KindForStatus(s)
			e.Transient = e.Transient && !midStream
		}
	}
	if kind, hint, ok := codeRule(e.Code); ok {
		if kind != nil {
			e.Kind = kind
			if !midStream { // a failed stream is never retried (see vendorerr.MidStream)
				e.Transient = kind == llm.ErrRateLimited
			}
		}
		if hint != "" {
			e.Message = strings.TrimRight(e.Message, " ")
			e.Message = withRequestIDLast(e.Message, "Hint: "+hint+".")
		}
	}
	e.RequestID, e.Message = requestID(e.RequestID, e.Message)
	return e
}

// classifyBody is classify for an error found inside a 200 answer: an error
// object where the completion or the stream should be (fastreply.DecodeCompletion,
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
