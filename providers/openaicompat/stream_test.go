package openaicompat

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// drain reads a ChunkSource to its end and returns the chunks and the ending error
// (nil for io.EOF).
func drain(t *testing.T, src llm.ChunkSource) ([]llm.Chunk, error) {
	t.Helper()
	defer src.Close()
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

func events(lines ...string) string {
	return "data: " + strings.Join(lines, "\n\ndata: ") + "\n\n"
}

func TestStream(t *testing.T) {
	usage := &llm.Usage{PromptTokens: 9, CompletionTokens: 2, TotalTokens: 11, PromptTokensDetails: &llm.PromptTokensDetails{CachedTokens: 0},
		CompletionTokensDetails: &llm.CompletionTokensDetails{ReasoningTokens: 0}}
	tests := []struct {
		name      string
		body      string
		text      string
		reasoning string
		finish    string
		usage     *llm.Usage
		calls     []llm.ToolCallDelta
		kind      error // ending error's kind; nil for a clean end
	}{
		{
			name: "OpenAI with include_usage: usage on a last chunk without choices",
			body: events(
				`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}`,
				`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null}`,
				`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":null}],"usage":null}`,
				`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}`,
				`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","system_fingerprint":"fp","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`,
				`[DONE]`),
			text: "Hi there", finish: "stop", usage: usage,
		},
		{
			name: "Moonshot: usage on the finish choice",
			body: events(
				`{"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"kimi-k2","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`,
				`{"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"kimi-k2","choices":[{"index":0,"delta":{"content":"你好"},"finish_reason":null}]}`,
				`{"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"kimi-k2","choices":[{"index":0,"delta":{},"finish_reason":"stop","usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}]}`,
				`[DONE]`),
			text: "你好", finish: "stop", usage: &llm.Usage{PromptTokens: 9, CompletionTokens: 2, TotalTokens: 11},
		},
		{
			name: "compatible server: reasoning deltas, keep-alive comments, chunks labelled chat.completion",
			body: ": keep-alive\n\n" + events(
				`{"id":"r","object":"chat.completion","created":1,"model":"qwq-32b","choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"think"},"finish_reason":null}]}`,
				`{"id":"r","object":"chat.completion","created":1,"model":"qwq-32b","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
				`[DONE]`),
			text: "ok", reasoning: "think", finish: "stop", usage: &llm.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3},
		},
		{
			name: "tool call pieces",
			body: events(
				`{"id":"t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}],"usage":null}`,
				`{"id":"t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}],"usage":null}`,
				`{"id":"t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}`,
				`{"id":"t","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
				`[DONE]`),
			finish: "tool_calls", usage: &llm.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3},
			calls: []llm.ToolCallDelta{{Index: 0, ID: "call_1", Type: "function", Function: llm.FunctionCallDelta{Name: "get_weather"}},
				{Index: 0, Function: llm.FunctionCallDelta{Arguments: `{"city":`}}},
		},
		{
			name: "cut before [DONE]",
			body: events(`{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`),
			text: "Hi", kind: llm.ErrStreamTruncated,
		},
		{
			name: "error event mid-stream",
			body: events(`{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}`,
				`{"error":{"message":"The server had an error while processing your request","type":"server_error","param":null,"code":null}}`),
			text: "Hi", kind: llm.ErrServer,
		},
		{
			name: "rate limit event: classified by its type",
			body: events(`{"error":{"message":"Rate limit reached for tokens","type":"tokens","param":null,"code":null}}`),
			kind: llm.ErrRateLimited,
		},
		{
			name: "error event with a numeric code (vLLM, llama.cpp): the code is the status",
			body: events(`{"error":{"message":"This model's maximum context length is 4096 tokens","type":"BadRequestError","param":null,"code":400}}`),
			kind: llm.ErrInvalidRequest,
		},
		{
			name: "error event of a type nobody documents: a server error",
			body: events(`{"error":{"message":"boom","type":"WeirdError","param":null,"code":"weird"}}`),
			kind: llm.ErrServer,
		},
		{
			name: "undecodable event",
			body: events(`{"id":`),
			kind: llm.ErrBadResponse,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := serve(t, sse(tt.body))
			p := build(t, OpenAI(), f, nil)
			src, err := p.ChatStream(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
			require.NoError(t, err)
			chunks, err := drain(t, src)
			if tt.kind != nil {
				le := asError(t, err)
				assert.True(t, errors.Is(le, tt.kind), "kind %v", le.Kind)
				assert.Equal(t, "openai", le.Provider)
				assert.Equal(t, "gpt-4o", le.Model)
			} else {
				require.NoError(t, err)
			}
			var text, reasoning strings.Builder
			var finish string
			var calls []llm.ToolCallDelta
			for i, c := range chunks {
				assert.Equal(t, "chat.completion.chunk", c.Object)
				if i < len(chunks)-1 {
					assert.Nil(t, c.Usage, "usage only on the last chunk")
				}
				for _, ch := range c.Choices {
					text.WriteString(ch.Delta.Content)
					reasoning.WriteString(ch.Delta.ReasoningContent)
					calls = append(calls, ch.Delta.ToolCalls...)
					if ch.FinishReason != "" {
						finish = ch.FinishReason
					}
				}
			}
			assert.Equal(t, tt.text, text.String())
			assert.Equal(t, tt.reasoning, reasoning.String())
			assert.Equal(t, tt.finish, finish)
			assert.Equal(t, tt.calls, calls)
			if tt.kind == nil {
				require.NotEmpty(t, chunks)
				assert.Equal(t, tt.usage, chunks[len(chunks)-1].Usage)
			}
		})
	}
}

func TestStreamRequest(t *testing.T) {
	f := serve(t, sse(events(`[DONE]`)))
	p := build(t, OpenAI(), f, nil)
	src, err := p.ChatStream(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	require.NoError(t, err)
	_, err = drain(t, src)
	require.NoError(t, err)
	s := f.last(t)
	assert.Equal(t, "text/event-stream", s.Header.Get("Accept"))
	assert.JSONEq(t, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`, string(s.Body))
}

func TestStreamAnsweredWithJSON(t *testing.T) {
	f := serve(t, answer(200, `{"error":{"message":"stream not supported for this model","type":"invalid_request_error","code":"unsupported"}}`))
	p := build(t, OpenAI(), f, nil)
	_, err := p.ChatStream(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	le := asError(t, err)
	assert.Equal(t, "unsupported", le.Code)
	assert.Contains(t, le.Message, "stream not supported")
	assert.Equal(t, "openai", le.Provider)
}
