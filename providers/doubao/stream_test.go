package doubao

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// drain reads a stream to its end and returns the chunks and the final error
// (nil after a clean io.EOF).
func drain(t *testing.T, src llm.ChunkSource) ([]llm.Chunk, error) {
	t.Helper()
	defer func() { assert.NoError(t, src.Close()) }()
	var out []llm.Chunk
	for {
		c, err := src.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
}

func sse(events ...string) string {
	var b strings.Builder
	for _, e := range events {
		if strings.HasPrefix(e, "{\"error\"") || strings.HasPrefix(e, ":") {
			b.WriteString(e + "\n\n") // bare line or comment
			continue
		}
		b.WriteString("data: " + e + "\n\n")
	}
	return b.String()
}

// Ark's stream, from vendors.md §2, plus the include_usage chunk.
var (
	arkReasoning = `{"choices":[{"delta":{"content":"","reasoning_content":"用户","role":"assistant"},"index":0}],"created":1765713048,"id":"0217657","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":null}`
	arkContent   = `{"choices":[{"delta":{"content":"你","role":"assistant"},"index":0}],"created":1765713048,"id":"0217657","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":null}`
	arkFinish    = `{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":"stop","index":0}],"created":1765713048,"id":"0217657","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":null}`
	arkUsage     = `{"choices":[],"created":1765713048,"id":"0217657","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":{"completion_tokens":5,"prompt_tokens":3,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":2}}}`
)

func streamFrom(t *testing.T, body string) (*vendor, llm.ChunkSource, error) {
	t.Helper()
	v := newVendor(t, 200, map[string]string{"Content-Type": "text/event-stream", "X-Request-Id": "021req"}, body)
	p := newProvider(t, v.URL, nil)
	src, err := p.ChatStream(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
	return v, src, err
}

func TestChatStreamNormalisesArkChunks(t *testing.T) {
	v, src, err := streamFrom(t, sse(arkReasoning, arkContent, arkFinish, arkUsage, "[DONE]"))
	require.NoError(t, err)
	chunks, err := drain(t, src)
	require.NoError(t, err)
	require.Len(t, chunks, 4)

	assert.Equal(t, llm.Chunk{ID: "0217657", Object: "chat.completion.chunk", Created: 1765713048, Model: "doubao-seed-1-6-251015",
		Choices: []llm.ChunkChoice{{Delta: llm.Delta{Role: "assistant", ReasoningContent: "用户"}}}}, chunks[0])
	assert.Equal(t, llm.Delta{Content: "你"}, chunks[1].Choices[0].Delta, "role only on the first delta")
	assert.Equal(t, "", chunks[1].Choices[0].FinishReason, "finish_reason absent until the last chunk")
	assert.Equal(t, llm.ChunkChoice{FinishReason: "stop"}, chunks[2].Choices[0])
	assert.Nil(t, chunks[2].Usage)
	assert.Empty(t, chunks[3].Choices, "the usage-only chunk comes after the finish chunk")
	assert.Equal(t, &llm.Usage{PromptTokens: 3, CompletionTokens: 5, TotalTokens: 8,
		PromptTokensDetails: &llm.PromptTokensDetails{}, CompletionTokensDetails: &llm.CompletionTokensDetails{ReasoningTokens: 2}}, chunks[3].Usage)

	r := v.requests()[0]
	assert.Equal(t, "text/event-stream", r.header.Get("Accept"))
	body := v.lastBody(t)
	assert.Equal(t, true, body["stream"])
	assert.Equal(t, map[string]any{"include_usage": true}, body["stream_options"])

	// Through harbor's Stream, usage is the stream's last word.
	_, src, err = streamFrom(t, sse(arkReasoning, arkContent, arkFinish, arkUsage, "[DONE]"))
	require.NoError(t, err)
	s := llm.NewStream(src)
	var text strings.Builder
	for s.Next() {
		for _, c := range s.Current().Choices {
			text.WriteString(c.Delta.Content)
		}
	}
	require.NoError(t, s.Err())
	assert.Equal(t, "你", text.String())
}

func TestChatStreamRolePerChoiceAndToolCalls(t *testing.T) {
	c0 := `{"choices":[{"delta":{"content":"","role":"assistant","tool_calls":[{"function":{"arguments":"","name":"weather"},"id":"call_1","index":0,"type":"function"}]},"index":0},{"delta":{"content":"b","role":"assistant"},"index":1}],"created":1,"id":"x","model":"m","object":"chat.completion.chunk","usage":null}`
	c1 := `{"choices":[{"delta":{"content":"","role":"assistant","tool_calls":[{"function":{"arguments":"{\"city\":"}}]},"index":0},{"delta":{"content":"c","role":"assistant"},"index":1}],"created":1,"id":"x","model":"m","object":"chat.completion.chunk","usage":null}`
	c2 := `{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":"tool_calls","index":0},{"delta":{"content":"","role":"assistant"},"finish_reason":"length","index":1}],"created":1,"id":"x","model":"m","object":"chat.completion.chunk","usage":null}`
	_, src, err := streamFrom(t, sse(c0, c1, c2, "[DONE]"))
	require.NoError(t, err)
	chunks, err := drain(t, src)
	require.NoError(t, err)
	require.Len(t, chunks, 3)
	assert.Equal(t, "assistant", chunks[0].Choices[0].Delta.Role)
	assert.Equal(t, "assistant", chunks[0].Choices[1].Delta.Role, "each candidate gets its role once")
	assert.Equal(t, []llm.ToolCallDelta{{Index: 0, ID: "call_1", Type: "function", Function: llm.FunctionCallDelta{Name: "weather"}}}, chunks[0].Choices[0].Delta.ToolCalls)
	assert.Equal(t, "", chunks[1].Choices[0].Delta.Role)
	assert.Equal(t, "", chunks[1].Choices[1].Delta.Role)
	assert.Equal(t, []llm.ToolCallDelta{{Function: llm.FunctionCallDelta{Arguments: `{"city":`}}}, chunks[1].Choices[0].Delta.ToolCalls,
		"a missing tool call index defaults to the position")
	assert.Equal(t, "tool_calls", chunks[2].Choices[0].FinishReason)
	assert.Equal(t, "length", chunks[2].Choices[1].FinishReason)
}

func TestChatStreamEnds(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		chunks   int
		kind     error
		code     string
		typ      string
		reqID    string
		msg      string
		notInMsg string
	}{
		{name: "noise lines are skipped", body: sse(": ping", arkContent, ": ping", arkFinish, "[DONE]"), chunks: 2},
		{name: "without the usage chunk", body: sse(arkContent, arkFinish, "[DONE]"), chunks: 2},
		{name: "end of body before [DONE]", body: sse(arkContent, arkFinish, arkUsage), chunks: 3, kind: llm.ErrStreamTruncated},
		{
			name:   "data: error mid-stream",
			body:   sse(arkContent, `{"error":{"code":"InternalServiceError","message":"The service encountered an unexpected internal error. Request id: 021req","param":"","type":"InternalServerError"}}`),
			chunks: 1, kind: llm.ErrServer, code: "InternalServiceError", typ: "InternalServerError", reqID: "021req",
			msg: "unexpected internal error.", notInMsg: "Request id",
		},
		{
			name: "bare error line mid-stream, rate limit",
			body: "data: " + arkContent + "\n\n" +
				`{"error":{"code":"RateLimitExceeded.EndpointTPMExceeded","message":"The Tokens Per Minute (TPM) limit has been exceeded. Request id: 021req","param":"","type":"TooManyRequests"}}` + "\n",
			chunks: 1, kind: llm.ErrRateLimited, code: "RateLimitExceeded.EndpointTPMExceeded", typ: "TooManyRequests", reqID: "021req",
		},
		{
			name:   "moderation mid-stream",
			body:   sse(arkContent, `{"error":{"code":"OutputTextSensitiveContentDetected","message":"The output may contain sensitive information.","param":"","type":"BadRequest"}}`),
			chunks: 1, kind: llm.ErrContentFilter, code: "OutputTextSensitiveContentDetected", typ: "BadRequest", reqID: "021req",
		},
		{
			name:   "mid-stream error with a type alone",
			body:   sse(`{"error":{"message":"busy","type":"ServiceUnavailable"}}`),
			chunks: 0, kind: llm.ErrServer, typ: "ServiceUnavailable", reqID: "021req",
		},
		{
			name:   "mid-stream forbidden",
			body:   sse(`{"error":{"code":"AccountOverdueError","message":"overdue","type":"Forbidden"}}`),
			chunks: 0, kind: llm.ErrInsufficientBalance, code: "AccountOverdueError", typ: "Forbidden", reqID: "021req", msg: "top it up",
		},
		{name: "undecodable chunk", body: sse(`{"choices":"nope"}`), kind: llm.ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, src, err := streamFrom(t, tt.body)
			require.NoError(t, err)
			chunks, err := drain(t, src)
			assert.Len(t, chunks, tt.chunks)
			if tt.kind == nil {
				require.NoError(t, err)
				return
			}
			var e *llm.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.True(t, errors.Is(err, tt.kind), "%v", err)
			assert.Equal(t, Name, e.Provider)
			assert.Equal(t, "doubao-seed-1-6-251015", e.Model)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.typ, e.Type)
			if tt.code != "" || tt.typ != "" {
				assert.Equal(t, tt.reqID, e.RequestID)
				assert.Zero(t, e.StatusCode, "a mid-stream error has no HTTP status")
				assert.False(t, e.Transient, "a stream is never replayed once chunks reached the caller")
			}
			assert.Contains(t, e.Message, tt.msg)
			if tt.notInMsg != "" {
				assert.NotContains(t, e.Message, tt.notInMsg)
			}
			// The stream stays ended.
			_, err = src.Next()
			assert.ErrorIs(t, err, io.EOF)
		})
	}
}

func TestChatStreamHTTPErrors(t *testing.T) {
	// An error status before the stream starts.
	v := newVendor(t, 429, map[string]string{"Retry-After": "2"},
		`{"error":{"code":"RateLimitExceeded.EndpointRPMExceeded","message":"RPM exceeded. Request id: 021abc","param":"","type":"TooManyRequests"}}`)
	p := newProvider(t, v.URL, nil)
	_, err := p.ChatStream(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
	var e *llm.Error
	require.True(t, errors.As(err, &e))
	assert.True(t, errors.Is(err, llm.ErrRateLimited))
	assert.True(t, e.Transient)
	assert.Equal(t, "021abc", e.RequestID)
	assert.Equal(t, "RPM exceeded.", e.Message)

	// A JSON error body with status 200 where a stream was asked for.
	v = newVendor(t, 200, nil, `{"error":{"code":"AccountOverdueError","message":"overdue. Request id: 021abc","param":"","type":"Forbidden"}}`)
	p = newProvider(t, v.URL, nil)
	_, err = p.ChatStream(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
	require.True(t, errors.As(err, &e))
	assert.True(t, errors.Is(err, llm.ErrInsufficientBalance), "%v", err)
	assert.Equal(t, "AccountOverdueError", e.Code)
}
