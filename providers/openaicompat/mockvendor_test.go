package openaicompat

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/llm"
)

// These tests run the provider against the shared OpenAI-compatible mock, which
// validates requests the way OpenAI does.

const mockKey = "sk-mock-key-0123456789"

func mockProvider(t *testing.T, cfg mockvendor.OpenAIConfig, e Endpoint) (*Provider, *mockvendor.OpenAI) {
	t.Helper()
	m := mockvendor.NewOpenAI(cfg)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	p, err := e.New(llm.Config{APIKey: mockKey, BaseURL: srv.URL + "/v1", HTTP: srv.Client(), Getenv: noEnv})
	require.NoError(t, err)
	return p, m
}

func TestMockOpenAIChatAndStream(t *testing.T) {
	p, m := mockProvider(t, mockvendor.OpenAIConfig{APIKey: mockKey, Models: []string{"gpt-4o-mini"}}, OpenAI())
	req := &llm.ChatRequest{Model: "gpt-4o-mini", Temperature: llm.Some(0.0), Stop: []string{"END"},
		Messages: []llm.Message{llm.SystemMessage("be brief"), llm.UserParts(llm.TextPart("hi"), llm.ImagePart("https://x/a.png", "auto"))}}

	res, err := p.Chat(t.Context(), req, nil)
	require.NoError(t, err)
	require.Len(t, res.Choices, 1)
	assert.Contains(t, res.Choices[0].Message.Content, "hi")
	assert.Equal(t, "stop", res.Choices[0].FinishReason)
	assert.NotZero(t, res.Usage.TotalTokens)
	assert.Equal(t, "openai", res.Provider)

	src, err := p.ChatStream(t.Context(), req, nil)
	require.NoError(t, err)
	chunks, err := drain(t, src)
	require.NoError(t, err)
	var text strings.Builder
	for _, c := range chunks {
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
		}
	}
	assert.Equal(t, res.Choices[0].Message.Content, text.String())
	last := chunks[len(chunks)-1]
	assert.Empty(t, last.Choices, "OpenAI's usage chunk has no choices")
	require.NotNil(t, last.Usage)
	assert.Equal(t, res.Usage.TotalTokens, last.Usage.TotalTokens)

	reqs := m.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v1/chat/completions", reqs[1].Path)
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	assert.Equal(t, map[string]any{"include_usage": true}, body["stream_options"])
}

func TestMockOpenAIToolRoundTrip(t *testing.T) {
	p, _ := mockProvider(t, mockvendor.OpenAIConfig{}, OpenAI())
	tools := []llm.Tool{llm.FunctionTool("search", "Search the web", json.RawMessage(`{"type":"object","properties":{"query":{"type":"string"}}}`))}
	req := &llm.ChatRequest{Model: "gpt-4o", Tools: tools, Messages: []llm.Message{llm.UserMessage("find harbor")}}
	res, err := p.Chat(t.Context(), req, nil)
	require.NoError(t, err)
	msg := res.Choices[0].Message
	require.Len(t, msg.ToolCalls, 1)
	assert.Equal(t, "tool_calls", res.Choices[0].FinishReason)

	// Send the assistant turn back unchanged, then the tool's answer: the mock
	// checks OpenAI's tool-call protocol (content null, ids answered).
	next := &llm.ChatRequest{Model: "gpt-4o", Tools: tools, Messages: []llm.Message{
		llm.UserMessage("find harbor"), msg, llm.ToolMessage(msg.ToolCalls[0].ID, "harbor is an SDK")}}
	res, err = p.Chat(t.Context(), next, nil)
	require.NoError(t, err)
	assert.Contains(t, res.Choices[0].Message.Content, "harbor is an SDK")
}

func TestMockOpenAIErrors(t *testing.T) {
	p, m := mockProvider(t, mockvendor.OpenAIConfig{APIKey: "sk-another-key-999999", Models: []string{"gpt-4o"}}, OpenAI())
	_, err := p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	le := asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrAuthentication))
	assert.Equal(t, "invalid_api_key", le.Code)
	assert.NotContains(t, le.Error(), mockKey)

	p, m = mockProvider(t, mockvendor.OpenAIConfig{Models: []string{"gpt-4o"}}, OpenAI())
	_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-9", Messages: user("hi")}, nil)
	le = asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrNotFound))
	assert.Equal(t, "model_not_found", le.Code)

	m.Enqueue(mockvendor.Fault{Status: 429, RetryAfter: "1"}, mockvendor.OpenAIInsufficientQuota())
	_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	le = asError(t, err)
	assert.True(t, errors.Is(le, llm.ErrRateLimited))
	assert.True(t, le.Retryable())
	_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
	le = asError(t, err)
	assert.Equal(t, "insufficient_quota", le.Code)
	assert.True(t, errors.Is(le, llm.ErrInsufficientBalance))
	assert.False(t, le.Retryable())

	m.Enqueue(mockvendor.Fault{TruncateAfter: 2}, mockvendor.Fault{ErrorAfter: 2})
	for _, kind := range []error{llm.ErrStreamTruncated, llm.ErrServer} {
		src, err := p.ChatStream(t.Context(), &llm.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, nil)
		require.NoError(t, err)
		_, err = drain(t, src)
		le = asError(t, err)
		assert.True(t, errors.Is(le, kind), "want %v, got %v", kind, le.Kind)
		assert.Equal(t, "gpt-4o", le.Model)
	}

	models, err := p.ListModels(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []llm.Model{{ID: "gpt-4o", Object: "model", Created: 1700000000, OwnedBy: "system", Provider: "openai"}}, models)
}
