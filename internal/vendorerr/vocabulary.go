package vendorerr

import (
	"net/http"
	"strconv"

	"github.com/harborai/harbor-go/llm"
)

// OpenAI's error vocabulary — the codes and types OpenAI sends, and the names
// other compatible servers use — gives an error that arrived without an error
// status (an error object inside a 200 answer or a stream) its class, the same
// for every OpenAI-shaped vendor. A provider's own codes refine it afterwards.
// (Switches rather than maps, so that nothing is built at package init.)

// codeStatus is the HTTP status an error code implies.
func codeStatus(code string) (int, bool) {
	switch code {
	case "invalid_api_key":
		return http.StatusUnauthorized, true
	case "context_length_exceeded":
		return http.StatusBadRequest, true
	case "content_filter": // Azure OpenAI
		return http.StatusBadRequest, true
	case "model_not_found":
		return http.StatusNotFound, true
	case "rate_limit_exceeded":
		return http.StatusTooManyRequests, true
	case "insufficient_quota": // OpenAI sends it as a 429, but no waiting refills the account
		return http.StatusPaymentRequired, true
	case "server_error":
		return http.StatusInternalServerError, true
	}
	return 0, false
}

// typeStatus is the HTTP status of each error type: OpenAI's, and the names other
// compatible servers use.
func typeStatus(typ string) (int, bool) {
	switch typ {
	case "invalid_request_error":
		return http.StatusBadRequest, true
	case "authentication_error":
		return http.StatusUnauthorized, true
	case "permission_error":
		return http.StatusForbidden, true
	case "not_found_error":
		return http.StatusNotFound, true
	case "requests", "tokens": // OpenAI's rate limit types: what was exceeded
		return http.StatusTooManyRequests, true
	case "rate_limit_error":
		return http.StatusTooManyRequests, true
	case "insufficient_quota":
		return http.StatusPaymentRequired, true
	case "server_error", "api_error":
		return http.StatusInternalServerError, true
	}
	return 0, false
}

// ErrorStatus is the status the error's code or type implies: a known code, a
// numeric code that is an HTTP error status (llama.cpp, vLLM), else a known type.
func ErrorStatus(code, typ string) (int, bool) {
	if s, ok := codeStatus(code); ok {
		return s, true
	}
	if n, err := strconv.Atoi(code); err == nil && n >= 400 && n <= 599 {
		return n, true
	}
	return typeStatus(typ)
}

// classifyVocabulary gives e, which arrived without an error status (a 2xx, or
// 0 inside a stream), the class its code or type implies, when it has one of
// OpenAI's. Inside a stream it is never retryable: part of the answer is out.
func classifyVocabulary(e *llm.Error) {
	if e.StatusCode >= 400 {
		return
	}
	if s, ok := ErrorStatus(e.Code, e.Type); ok {
		e.Kind, e.Transient = llm.KindForStatus(s)
		e.Transient = e.Transient && e.StatusCode != 0
	}
}
