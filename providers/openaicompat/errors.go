package openaicompat

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/harborai/harbor-go/llm"
)

// Errors are OpenAI-shaped, {"error":{"message","type","param","code"}}, so
// vendorerr.Status decodes them and classifies them by the HTTP status; this file
// refines that. An error without a telling status — an error event inside a 200
// stream, or an error object in a 200 answer — is classified by its code, else its
// type, as the same error is when it comes with its usual status.

// finalQuota is the endpoint's retry rule (Descriptor.Retry): it tells harbor's
// retry policy that OpenAI's 429 insufficient_quota is
// final: the status says "wait and retry", but waiting will not refill the
// account, so retrying only burns the caller's deadline. Other responses are left
// to the policy; only 429 bodies are read (and put back).
func finalQuota(resp *http.Response) llm.RetryVerdict {
	if resp.StatusCode != http.StatusTooManyRequests {
		return llm.RetryByPolicy
	}
	b, _ := llm.PeekBody(resp, 64<<10)
	var body struct {
		Error struct {
			Code any    `json:"code"`
			Type string `json:"type"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && (body.Error.Code == "insufficient_quota" || body.Error.Type == "insufficient_quota") {
		return llm.RetryNever
	}
	return llm.RetryByPolicy
}

// codeStatus is the HTTP status OpenAI sends each error code with. (Switches
// rather than maps here, so that nothing is built at package init.)
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
	case "rate_limit_exceeded", "insufficient_quota":
		return http.StatusTooManyRequests, true
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
	case "rate_limit_error", "insufficient_quota":
		return http.StatusTooManyRequests, true
	case "server_error", "api_error":
		return http.StatusInternalServerError, true
	}
	return 0, false
}

// errorStatus is the status the error's code or type implies: a known code, a
// numeric code that is an HTTP error status (llama.cpp, vLLM), else a known type.
func errorStatus(code, typ string) (int, bool) {
	if s, ok := codeStatus(code); ok {
		return s, true
	}
	if n, err := strconv.Atoi(code); err == nil && n >= 400 && n <= 599 {
		return n, true
	}
	return typeStatus(typ)
}

// refine corrects the status-based classification where the error says
// otherwise: an error without an error status gets the class its code or type
// implies (never retryable inside a stream: part of the answer is out), and two
// codes override any status.
func refine(e *llm.Error) *llm.Error {
	if e.StatusCode < 400 {
		if s, ok := errorStatus(e.Code, e.Type); ok {
			e.Kind, e.Transient = llm.KindForStatus(s)
			e.Transient = e.Transient && e.StatusCode != 0 // 0: inside a stream
		}
	}
	switch {
	case e.Code == "insufficient_quota" || e.Type == "insufficient_quota": // a 429 that no amount of waiting fixes
		e.Kind, e.Transient, e.RetryAfter = llm.ErrInsufficientBalance, false, 0
	case e.Code == "content_filter": // Azure OpenAI's refusal of a prompt, as a 400
		e.Kind, e.Transient = llm.ErrContentFilter, false
	}
	return e
}

// refineBody is refine for an error found inside a 200 answer: an error event in
// a stream (wire.Stream.Refine), an error object where the completion or the
// stream should be (fastreply.DecodeCompletion, wire.NotAStream).
func refineBody(e *llm.Error, _ []byte) *llm.Error { return refine(e) }
