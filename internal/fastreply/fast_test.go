package fastreply_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/llm"
)

// A 2xx answer without choices is an error, never a completion with none: an
// error object keeps its message, type and code, gets the class OpenAI's
// vocabulary gives them (vendorerr), and goes to the provider's refine, which
// sees the body; anything else is ErrBadResponse.
func TestDecodeCompletionWithoutChoices(t *testing.T) {
	fast := func(r *fastreply.Reply) *llm.ChatCompletion { return r.Completion() }
	slow := func(c *testChunk) *llm.ChatCompletion {
		return &llm.ChatCompletion{ID: c.Id, Choices: make([]llm.Choice, len(c.Choices))}
	}
	tests := []struct {
		name, body string
		kind       error // nil: a completion
		code, msg  string
	}{
		{name: "choices", body: `{"id":"c1","choices":[{"index":0,"delta":{"content":"hi"}}]}`},
		{name: "choices, slow path", body: `{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0}]}}]}`},
		{name: "empty object", body: `{}`, kind: llm.ErrBadResponse, msg: "no choices (body starts: {})"},
		{name: "null", body: `null`, kind: llm.ErrBadResponse, msg: "no choices (body starts: null)"},
		{name: "no choices", body: `{"id":"c1","choices":[]}`, kind: llm.ErrBadResponse, msg: "no choices"},
		{name: "error object", body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`,
			kind: llm.ErrInsufficientBalance, code: "insufficient_quota", msg: "You exceeded your current quota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 200, Header: http.Header{"X-Request-Id": {"rid-1"}}, Body: io.NopCloser(strings.NewReader(tt.body))}
			var refined []byte
			refine := func(e *llm.Error, body []byte) *llm.Error {
				refined = append([]byte(nil), body...)
				return e
			}
			res, err := fastreply.DecodeCompletion("p", "m", resp, testSchema.Get("delta"), fast, slow, refine)
			if tt.kind == nil {
				require.NoError(t, err)
				assert.Len(t, res.Choices, 1)
				assert.Nil(t, refined, "refine is for errors only")
				return
			}
			assert.Nil(t, res)
			var e *llm.Error
			require.True(t, errors.As(err, &e), "%T %v", err, err)
			assert.ErrorIs(t, e, tt.kind)
			assert.Equal(t, 200, e.StatusCode)
			assert.Equal(t, "rid-1", e.RequestID)
			assert.Equal(t, "p", e.Provider)
			assert.False(t, e.Transient)
			assert.Equal(t, tt.code, e.Code)
			assert.Contains(t, e.Message, tt.msg)
			assert.Equal(t, tt.body, string(refined), "refine sees the body")
		})
	}
}

// DecodeJSON makes testChunk a Generated type whose decoder always gives up: its
// slow path is encoding/json's.
func (*testChunk) DecodeJSON(*jsonx.Lexer, []byte) bool { return false }
