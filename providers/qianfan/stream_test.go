package qianfan

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// drain reads a ChunkSource to its end.
func drain(t *testing.T, src llm.ChunkSource) ([]llm.Chunk, error) {
	t.Helper()
	defer src.Close()
	var out []llm.Chunk
	for {
		c, err := src.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		out = append(out, c)
	}
}

const sse = "text/event-stream"

func TestStream(t *testing.T) {
	body := ": keep-alive\n\n" +
		"event: message\n" +
		`data: {"id":"as-s1","object":"chat.completion.chunk","created":1,"model":"ernie-x1-32k","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning_content":"hmm"},"finish_reason":null,"flag":0}],"usage":null}` + "\n\n" +
		": keep-alive\n\n" +
		"event: ping\n\n" +
		`data: {"id":"as-s1","object":"chat.completion","created":1,"model":"ernie-x1-32k","choices":[{"index":0,"delta":{"content":"你好"},"finish_reason":null,"flag":0}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}` + "\n\n" +
		`data: {"id":"as-s1","object":"chat.completion.chunk","created":1,"model":"ernie-x1-32k","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}` + "\n\n" +
		"event: message\n" +
		`data: {"id":"as-s1","object":"chat.completion.chunk","created":1,"model":"ernie-x1-32k","choices":[{"index":0,"delta":{"content":""},"finish_reason":"normal","flag":0}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}` + "\n\n" +
		"data: [DONE]\n\n"
	v := newVendor(t, 200, body, map[string]string{"Content-Type": sse})
	p := newProvider(t, v.URL, func(c *llm.Config) { c.AppID = "app-s" })
	src, err := p.ChatStream(context.Background(), userReq("ernie-x1-32k", "hi"), nil)
	require.NoError(t, err)
	chunks, err := drain(t, src)
	require.NoError(t, err)
	require.Len(t, chunks, 4, "keep-alives and event lines are noise")

	for _, c := range chunks {
		assert.Equal(t, "chat.completion.chunk", c.Object, "chat.completion is normalised")
		assert.Equal(t, "as-s1", c.ID)
		assert.Equal(t, "ernie-x1-32k", c.Model)
	}
	assert.Equal(t, llm.Delta{Role: llm.RoleAssistant, ReasoningContent: "hmm"}, chunks[0].Choices[0].Delta)
	assert.Equal(t, "你好", chunks[1].Choices[0].Delta.Content)
	assert.Nil(t, chunks[1].Usage, "zero placeholder usage is dropped")
	assert.Equal(t, []llm.ToolCallDelta{{Index: 0, ID: "c1", Type: "function", Function: llm.FunctionCallDelta{Name: "f", Arguments: "{}"}}}, chunks[2].Choices[0].Delta.ToolCalls)
	last := chunks[3]
	assert.Equal(t, llm.FinishReasonStop, last.Choices[0].FinishReason, "normal -> stop")
	require.NotNil(t, last.Usage, "usage on the last chunk")
	assert.Equal(t, llm.Usage{PromptTokens: 5, CompletionTokens: 7, TotalTokens: 12}, *last.Usage)
	for _, c := range chunks[:3] {
		assert.Nil(t, c.Usage)
		assert.Empty(t, c.Choices[0].FinishReason)
	}

	got := v.requests()[0]
	assert.Equal(t, "text/event-stream", got.Header.Get("Accept"))
	assert.Equal(t, "app-s", got.Header.Get("appid"))
	assert.Equal(t, true, got.Body["stream"])
	assert.Equal(t, map[string]any{"include_usage": true}, got.Body["stream_options"])
}

func TestStreamEnds(t *testing.T) {
	chunk := `data: {"id":"as-s2","object":"chat.completion.chunk","created":1,"model":"ernie-4.0-8k","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}` + "\n\n"
	cases := []struct {
		name   string
		body   string
		ctype  string
		kind   error  // nil: clean end
		code   string // vendor code of the error
		chunks int
		atOpen bool // the error comes from ChatStream itself
	}{
		{"clean", chunk + "data: [DONE]\n\n", sse, nil, "", 1, false},
		{"truncated before [DONE]", chunk, sse, llm.ErrStreamTruncated, "", 1, false},
		{"mid-stream error event", chunk + `data: {"error":{"code":"internal_error","message":"boom","type":"server_error"},"id":"as-s2"}` + "\n\n", sse, llm.ErrServer, "internal_error", 1, false},
		{"mid-stream rate limit", chunk + `data: {"error":{"code":"tpm_rate_limit_exceeded","message":"slow","type":"rate_limit_exceeded"},"id":"as-s2"}` + "\n\n", sse, llm.ErrRateLimited, "tpm_rate_limit_exceeded", 1, false},
		{"undecodable chunk", "data: {not json\n\n", sse, llm.ErrBadResponse, "", 0, false},
		{"JSON error instead of a stream", `{"error":{"code":"invalid_argument","message":"Invalid Argument","type":"invalid_request_error"},"id":"as-s3"}`, "application/json", llm.ErrInvalidRequest, "invalid_argument", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newVendor(t, 200, tc.body, map[string]string{"Content-Type": tc.ctype})
			src, err := newProvider(t, v.URL, nil).ChatStream(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
			if tc.atOpen {
				e := asError(t, err)
				assert.ErrorIs(t, err, tc.kind)
				assert.Equal(t, tc.code, e.Code)
				assert.Equal(t, "ernie-4.0-8k", e.Model)
				return
			}
			require.NoError(t, err)
			chunks, err := drain(t, src)
			assert.Len(t, chunks, tc.chunks)
			if tc.kind == nil {
				assert.NoError(t, err)
				return
			}
			e := asError(t, err)
			assert.ErrorIs(t, err, tc.kind)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, "ernie-4.0-8k", e.Model)
			if tc.code != "" {
				assert.False(t, e.Transient, "a vendor error event is never retried: chunks reached the caller")
			}
		})
	}
}
