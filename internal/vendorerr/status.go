package vendorerr

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// openAIError is the common {"error":{message,type,param,code}} body. code may be a
// string or a number depending on the vendor.
type openAIError struct {
	Error *struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Param   json.RawMessage `json:"param"`
		Code    json.RawMessage `json:"code"`
	} `json:"error"`
}

// Status builds the *llm.Error for a non-2xx response whose body is body
// (OpenAI-shaped when the vendor follows it). Secrets are removed from the message.
func Status(provider, model string, resp *http.Response, body []byte, secrets ...string) *llm.Error {
	kind, transient := llm.KindForStatus(resp.StatusCode)
	e := &llm.Error{
		Provider:   provider,
		Model:      model,
		StatusCode: resp.StatusCode,
		RequestID:  RequestID(resp.Header),
		RetryAfter: RetryAfter(resp.Header),
		Kind:       kind,
		Transient:  transient,
	}
	var oe openAIError
	if json.Unmarshal(body, &oe) == nil && oe.Error != nil {
		e.Message = llm.Redact(oe.Error.Message, secrets...)
		e.Type = oe.Error.Type
		e.Code = rawString(oe.Error.Code)
		e.Param = rawString(oe.Error.Param)
		classifyVocabulary(e) // an error object in a 2xx answer: its own words say what it is
	} else {
		e.Message = Snippet(body, secrets...)
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

// Snippet returns at most 200 bytes of an unexpected body, one line, secrets removed,
// for error messages (never the whole body).
func Snippet(body []byte, secrets ...string) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return llm.Redact(s, secrets...)
}

func rawString(r json.RawMessage) string {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	if r[0] == '"' {
		var s string
		if json.Unmarshal(r, &s) == nil {
			return s
		}
	}
	return string(r)
}

// NoChoices is the error for a 2xx answer with no choices in it. When the body
// carries an OpenAI-shaped error object, the error has its message, type and
// code, and the class of its status (ErrBadResponse for a 200) for the provider to
// refine from the vendor's codes, as for a stream answered with such an object
// (wire.NotAStream); otherwise ({}, null, "choices":[]) it is ErrBadResponse.
func NoChoices(provider, model string, resp *http.Response, body []byte, secrets ...string) *llm.Error {
	var oe openAIError
	if json.Unmarshal(body, &oe) == nil && oe.Error != nil {
		return Status(provider, model, resp, body, secrets...)
	}
	msg := "the vendor's answer has no choices"
	if sn := Snippet(body, secrets...); sn != "" {
		msg += " (body starts: " + sn + ")"
	}
	return &llm.Error{Provider: provider, Model: model, StatusCode: resp.StatusCode, RequestID: RequestID(resp.Header),
		Kind: llm.ErrBadResponse, Message: msg}
}

// MidStream turns an OpenAI-shaped error object that arrived inside a 200
// stream into an *llm.Error of Kind ErrServer, keeping the vendor's type and code for
// providers that refine the Kind from them. It is not marked retryable: part of the
// answer may already be with the caller.
func MidStream(provider, model string, h http.Header, data []byte, secrets ...string) *llm.Error {
	e := Status(provider, model, &http.Response{StatusCode: http.StatusInternalServerError, Header: h}, data, secrets...)
	e.StatusCode, e.Transient, e.RetryAfter = 0, false, 0
	classifyVocabulary(e)
	return e
}
