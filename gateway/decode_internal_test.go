package gateway

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/gateway/wire"
)

// decode answers as it did with encoding/json alone: the same request, the
// same error, whether fastreq reads the body or gives up on it (the bodies of
// TestMalformedRequests, then requests it reads).
func TestDecodeAsEncodingJSON(t *testing.T) {
	var s Server
	for _, body := range []string{
		``, "  \n", `model=deepseek`, `{"model":"deepseek-v4-flash","messages":[`, `{"model":"deepseek-v4-flash"} x`, `[]`, `"hi"`,
		`{"model":"deepseek-v4-flash","temperature":"hot","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"deepseek-v4-flash","max_tokens":1.5,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"deepseek-v4-flash","messages":"hi"}`,
		`{"model":"deepseek-v4-flash","stream":"yes","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":5,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":5}]}`,
		`{"model":"deepseek-v4-flash","tool_choice":{"type":"function"},"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"deepseek-v4-flash","messages":[{"role":"robot","content":"hi"}]}`,
		"{\"model\":\"deepseek-v4-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
		`{"model":"deepseek-v4-flash","x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"stop":"x"}`,
		`{"model":"deepseek-v4-flash","Messages":[{"role":"user","content":"hi"}]}`,
		`null`,
	} {
		var got, want wire.ChatCompletionRequest
		gotErr, gotBad := s.decode([]byte(body), &got)
		var wantErr apiError
		wantBad := len(bytes.TrimSpace([]byte(body))) == 0
		if wantBad {
			wantErr = invalid("", "invalid_json", "the request body is empty; it must be a JSON chat completion request")
		} else if err := json.Unmarshal([]byte(body), &want); err != nil {
			wantErr, wantBad = decodeError(err), true
		}
		what := body[:min(len(body), 80)]
		assert.Equal(t, wantBad, gotBad, what)
		assert.Equal(t, wantErr, gotErr, what)
		assert.Equal(t, want, got, what)
	}
}
