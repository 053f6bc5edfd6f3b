package qianfan

import (
	"encoding/json"
	"strconv"

	"github.com/harborai/harbor-go/llm"
)

// Qianfan v2 error codes (vendors.md §4).
const (
	CodeMalformedJSON         = "malformed_json"
	CodeInvalidModel          = "invalid_model"
	CodeInvalidMessages       = "invalid_messages"
	CodeCharactersTooLong     = "characters_too_long"
	CodeTokensTooLong         = "tokens_too_long"
	CodeInvalidArgument       = "invalid_argument"
	CodeAccessDenied          = "access_denied"
	CodeNoParameterPermission = "no_parameter_permission"
	CodeRPMRateLimitExceeded  = "rpm_rate_limit_exceeded"
	CodeTPMRateLimitExceeded  = "tpm_rate_limit_exceeded"
)

// refine adds what the status alone does not say. body, when given, is the error
// body, whose top-level "id" is the request id when no X-Request-Id header came.
func refine(e *llm.Error, body []byte) *llm.Error {
	if e.RequestID == "" && len(body) > 0 {
		var top struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &top) == nil {
			e.RequestID = top.ID
		}
	}
	switch e.Code {
	case CodeInvalidModel:
		// The vendor does not know the model: say which name to fix.
		e.Message = withHint(e.Message, "Qianfan v2 does not know model "+strconv.Quote(e.Model)+
			" or it is not enabled for this account; v2 model names are lower-case (ernie-4.0-8k), the upper-case ones are v1 (wenxin)")
	case CodeCharactersTooLong, CodeTokensTooLong:
		e.Message = withHint(e.Message, "the conversation is longer than the model's input limit; drop early turns or pick a longer-context model")
	}
	switch kind, known := codeKind(e.Code); {
	case e.Code == CodeInvalidModel:
		// A 400, but what OpenAI's 404 model_not_found says: ErrNotFound, so
		// that callers and the gateway (404 model_not_found) see every
		// vendor's unknown model alike.
		e.Kind, e.Transient = llm.ErrNotFound, false
		if e.Param == "" {
			e.Param = "model"
		}
	case e.Code == CodeNoParameterPermission:
		// The key is valid; the account may not use a parameter (or the appid).
		e.Kind, e.Transient = llm.ErrPermission, false
	case e.Code == CodeRPMRateLimitExceeded || e.Code == CodeTPMRateLimitExceeded:
		// A mid-stream error (status 0) is never retried: part of the answer is out.
		e.Kind, e.Transient = llm.ErrRateLimited, e.StatusCode != 0
	case known && e.StatusCode < 300:
		// An error object in a 200 answer or inside a stream: the status says
		// nothing, the code does.
		e.Kind, e.Transient = kind, false
	}
	return e
}

// codeKind classifies the documented codes for errors that arrive without a
// telling HTTP status. (A switch rather than a map, so that nothing is built at
// package init.)
func codeKind(code string) (error, bool) {
	switch code {
	case CodeMalformedJSON, CodeInvalidMessages, CodeCharactersTooLong, CodeTokensTooLong, CodeInvalidArgument:
		return llm.ErrInvalidRequest, true
	case CodeInvalidModel:
		return llm.ErrNotFound, true
	case CodeAccessDenied:
		return llm.ErrAuthentication, true
	case CodeNoParameterPermission:
		return llm.ErrPermission, true
	case CodeRPMRateLimitExceeded, CodeTPMRateLimitExceeded:
		return llm.ErrRateLimited, true
	}
	return nil, false
}

func withHint(msg, hint string) string {
	if msg == "" {
		return hint
	}
	return msg + " (" + hint + ")"
}
