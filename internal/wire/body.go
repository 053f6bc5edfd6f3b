package wire

import (
	"encoding/json"

	"github.com/harborai/harbor-go/llm"
)

// encodeBody marshals a vendor request and merges the caller's ExtraBody into it.
// Failures are the caller's (parameters that cannot be encoded), so they come back
// as ErrInvalidRequest errors naming provider and model.
func encodeBody(provider, model string, v any, extra map[string]any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, llm.InvalidRequest(provider, model, "", "cannot encode request: %v", err)
	}
	if body, err = mergeExtra(body, extra); err != nil {
		return nil, llm.InvalidRequest(provider, model, "extra_body", "cannot merge ExtraBody: %v", err)
	}
	return body, nil
}

// EncodeBodyWith encodes a vendor request as encodeBody does, with the request's
// generated encoder (AppendJSON, passed as fast): when there is no
// ExtraBody to merge, fast appends v's JSON (the bytes json.Marshal would write) to
// a buffer of size bytes, the caller's estimate; when it reports false, or with
// ExtraBody, encodeBody does the work.
func EncodeBodyWith(provider, model string, v any, extra map[string]any, size int, fast func([]byte) ([]byte, bool)) ([]byte, error) {
	if len(extra) == 0 {
		if b, ok := fast(make([]byte, 0, size)); ok {
			return b, nil
		}
	}
	return encodeBody(provider, model, v, extra)
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

// mergeExtra sets extra's keys at the top level of the encoded body; a key the
// provider also set is overridden. This slow path runs only when ExtraBody is used.
func mergeExtra(body []byte, extra map[string]any) ([]byte, error) {
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
