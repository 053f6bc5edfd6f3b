package wire

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/harborai/harbor-go/llm"
)

// RawJSON turns a tool's parameters (a Go value, or JSON as json.RawMessage,
// []byte or string) into raw JSON, checking that pre-encoded input is valid.
func RawJSON(v any) (json.RawMessage, error) {
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		return json.Marshal(v)
	}
	if !json.Valid(b) {
		return nil, errInvalidJSON
	}
	return json.RawMessage(b), nil
}

var errInvalidJSON = errors.New("not valid JSON")

// EncodeBody marshals a vendor request and merges the caller's ExtraBody into it.
// Failures are the caller's (parameters that cannot be encoded), so they come back
// as ErrInvalidRequest errors naming provider and model.
func EncodeBody(provider, model string, v any, extra map[string]any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, llm.InvalidRequest(provider, model, "", "cannot encode request: %v", err)
	}
	if body, err = MergeExtra(body, extra); err != nil {
		return nil, llm.InvalidRequest(provider, model, "extra_body", "cannot merge ExtraBody: %v", err)
	}
	return body, nil
}

// EncodeBodyWith is EncodeBody with a hand-written encoder: when there is no
// ExtraBody to merge, fast appends v's JSON (the bytes json.Marshal would write) to
// a buffer of size bytes, the caller's estimate; when it reports false, or with
// ExtraBody, EncodeBody does the work.
func EncodeBodyWith(provider, model string, v any, extra map[string]any, size int, fast func([]byte) ([]byte, bool)) ([]byte, error) {
	if len(extra) == 0 {
		if b, ok := fast(make([]byte, 0, size)); ok {
			return b, nil
		}
	}
	return EncodeBody(provider, model, v, extra)
}

// SizeHint estimates a chat request's JSON size from its texts' lengths: the
// parameters take about 200 bytes, and each message's keys some 30 more. The
// estimate errs on the large side (escapes make a text longer), so that the body
// is written without growing the buffer.
func SizeHint(texts int, messages int, stop []string) int {
	n := 192 + texts + 32*messages
	for _, s := range stop {
		n += len(s) + 8
	}
	return n
}

// MergeExtra sets extra's keys at the top level of the encoded body; a key the
// provider also set is overridden. This slow path runs only when ExtraBody is used.
func MergeExtra(body []byte, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		return body, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	for k, v := range extra {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = raw
	}
	return json.Marshal(m)
}

// MentionsJSON reports whether any message mentions "json", which vendors' JSON
// modes require of the prompt.
func MentionsJSON(msgs []llm.Message) bool {
	for i := range msgs {
		if strings.Contains(strings.ToLower(msgs[i].Text()), "json") {
			return true
		}
	}
	return false
}

// Str dereferences an optional string from a generated type.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
