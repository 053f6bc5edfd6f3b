package openaicompat

import (
	"encoding/json"
	"net/http"

	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/llm"
)

// Errors are OpenAI-shaped, {"error":{"message","type","param","code"}}, so
// vendorerr.Status decodes them and classifies them by the HTTP status — or, for
// an error without a telling status (an error event inside a 200 stream, an error
// object in a 200 answer), by OpenAI's vocabulary of codes and types, as for every
// OpenAI-shaped vendor (vendorerr.ErrorStatus); this file refines that.

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

// refine corrects the status-based classification where the error says
// otherwise: an error without an error status gets the class its code or type
// implies (never retryable inside a stream: part of the answer is out), and two
// codes override any status.
func refine(e *llm.Error) *llm.Error {
	if e.StatusCode < 400 {
		if s, ok := vendorerr.ErrorStatus(e.Code, e.Type); ok {
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
