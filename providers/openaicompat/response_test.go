package openaicompat

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func TestChatResponse(t *testing.T) {
	tests := []struct {
		name string
		body string
		want llm.ChatCompletion
	}{
		{
			name: "OpenAI answer",
			body: okCompletion,
			want: llm.ChatCompletion{ID: "chatcmpl-1", Object: "chat.completion", Created: 1700000000, Model: "gpt-4o-mini-2024-07-18",
				SystemFingerprint: "fp_1", ServiceTier: "default",
				Choices: []llm.Choice{{Message: llm.Message{Role: "assistant", Content: "Hello!"}, FinishReason: "stop"}},
				Usage: llm.Usage{PromptTokens: 9, CompletionTokens: 3, TotalTokens: 12, PromptTokensDetails: &llm.PromptTokensDetails{CachedTokens: 2},
					CompletionTokensDetails: &llm.CompletionTokensDetails{ReasoningTokens: 1}}},
		},
		{
			name: "tool call with null content",
			body: `{"id":"c2","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":null,
				"tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],
				"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}`,
			want: llm.ChatCompletion{ID: "c2", Object: "chat.completion", Created: 1, Model: "gpt-4o",
				Choices: []llm.Choice{{Message: llm.Message{Role: "assistant", ToolCalls: []llm.ToolCall{{ID: "call_9", Type: "function",
					Function: llm.FunctionCall{Name: "get_weather", Arguments: `{"city":"Paris"}`}}}}, FinishReason: "tool_calls"}},
				Usage: llm.Usage{PromptTokens: 5, CompletionTokens: 7, TotalTokens: 12}},
		},
		{
			name: "compatible server with reasoning_content, logprobs, no object, unknown finish reason",
			body: `{"id":"c3","created":2,"model":"glm-4.5","choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning_content":"2+2"},
				"logprobs":{"content":[{"token":"4","logprob":-0.1,"bytes":[52],"top_logprobs":[{"token":"5","logprob":-3}]}]},"finish_reason":"sensitive"}],
				"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
			want: llm.ChatCompletion{ID: "c3", Object: "chat.completion", Created: 2, Model: "glm-4.5",
				Choices: []llm.Choice{{Message: llm.Message{Role: "assistant", Content: "4", ReasoningContent: "2+2"}, FinishReason: "sensitive",
					Logprobs: &llm.Logprobs{Content: []llm.TokenLogprob{{Token: "4", Logprob: -0.1, Bytes: []int{52}, TopLogprobs: []llm.TopLogprob{{Token: "5", Logprob: -3}}}}}}},
				Usage: llm.Usage{PromptTokens: 1, CompletionTokens: 2, TotalTokens: 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := serve(t, answer(200, tt.body, "X-Request-Id", "req_123"))
			p := build(t, OpenAI(), f, nil)
			got, err := p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
			require.NoError(t, err)
			tt.want.Provider, tt.want.RequestID = "openai", "req_123"
			assert.Equal(t, &tt.want, got)
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		hdr       []string
		kind      error
		transient bool
		code, typ string
		msg       string
		retry     time.Duration
	}{
		{name: "OpenAI 401 echoing the key", status: 401, kind: llm.ErrAuthentication, code: "invalid_api_key", typ: "invalid_request_error",
			body: `{"error":{"message":"Incorrect API key provided: sk-test-key-123456.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			msg:  "Incorrect API key provided"},
		{name: "OpenAI 429 with Retry-After", status: 429, kind: llm.ErrRateLimited, transient: true, code: "rate_limit_exceeded", typ: "requests",
			body: `{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}`, hdr: []string{"Retry-After", "2"},
			msg: "Rate limit reached", retry: 2 * time.Second},
		{name: "unknown model 404", status: 404, kind: llm.ErrNotFound, code: "model_not_found", typ: "invalid_request_error",
			body: `{"error":{"message":"The model 'gpt-9' does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
			msg:  "does not exist"},
		{name: "OpenAI 429 insufficient_quota is not retryable", status: 429, kind: llm.ErrInsufficientBalance, code: "insufficient_quota", typ: "insufficient_quota",
			body: `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			hdr:  []string{"Retry-After", "20"}, msg: "exceeded your current quota"},
		{name: "Azure content_filter", status: 400, kind: llm.ErrContentFilter, code: "content_filter",
			body: `{"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400}}`, msg: "filtered"},
		{name: "llama.cpp numeric code", status: 400, kind: llm.ErrInvalidRequest, code: "400", typ: "invalid_request_error",
			body: `{"error":{"code":400,"message":"context too long","type":"invalid_request_error"}}`, msg: "context too long"},
		{name: "proxy HTML 502", status: 502, kind: llm.ErrServer, transient: true,
			body: "<html><body>502 Bad Gateway " + strings.Repeat("x", 400) + "</body></html>", msg: "502 Bad Gateway"},
		{name: "503 overloaded", status: 503, kind: llm.ErrServer, transient: true, typ: "server_error",
			body: `{"error":{"message":"The engine is currently overloaded","type":"server_error","param":null,"code":null}}`, msg: "overloaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := serve(t, answer(tt.status, tt.body, append([]string{"X-Request-Id", "req_e"}, tt.hdr...)...))
			p := build(t, OpenAI(), f, nil)
			for _, stream := range []bool{false, true} {
				var err error
				if stream {
					_, err = p.ChatStream(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
				} else {
					_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
				}
				le := asError(t, err)
				assert.True(t, errors.Is(le, tt.kind), "kind %v", le.Kind)
				assert.Equal(t, "openai", le.Provider)
				assert.Equal(t, "gpt-4o", le.Model)
				assert.Equal(t, tt.status, le.StatusCode)
				assert.Equal(t, tt.transient, le.Retryable())
				assert.Equal(t, tt.code, le.Code)
				assert.Equal(t, tt.typ, le.Type)
				assert.Equal(t, "req_e", le.RequestID)
				assert.Equal(t, tt.retry, le.RetryAfter)
				assert.Contains(t, le.Message, tt.msg)
				assert.LessOrEqual(t, len(le.Message), 210, "never the whole body")
				assert.NotContains(t, le.Error(), "sk-test-key-123456")
			}
		})
	}
}

func TestBadResponseAndTransport(t *testing.T) {
	f := serve(t, answer(200, `{"id":`))
	p := build(t, OpenAI(), f, nil)
	_, err := p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	le := asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrBadResponse))
	assert.Equal(t, "openai", le.Provider)

	f.Close()
	_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	le = asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrConnection), "kind %v", le.Kind)
	assert.Equal(t, "gpt-4o", le.Model)
}

func TestListModels(t *testing.T) {
	f := serve(t, answer(200, `{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},{"id":"llama3.1:8b"}]}`))
	p := build(t, Local("ollama", "http://unused"), f, nil)
	models, err := p.ListModels(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []llm.Model{
		{ID: "gpt-4o", Object: "model", Created: 1715367049, OwnedBy: "system", Provider: "ollama"},
		{ID: "llama3.1:8b", Object: "model", Provider: "ollama"},
	}, models)
	s := f.last(t)
	assert.Equal(t, "GET", s.Method)
	assert.Equal(t, "/models", s.Path)
	assert.Equal(t, "Bearer sk-test-key-123456", s.Header.Get("Authorization"))

	f2 := serve(t, answer(404, `{"error":{"message":"not found","type":"invalid_request_error"}}`))
	_, err = build(t, OpenAI(), f2, nil).ListModels(t.Context())
	le := asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrNotFound))
	assert.Equal(t, "openai", le.Provider)
}
