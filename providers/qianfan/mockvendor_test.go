package qianfan_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/qianfan"
)

const mockKey = "bce-v3/ALTAK-mockkey/0123456789abcdef"

func newMock(t *testing.T, cfg mockvendor.QianfanV2Config, appID string) (*mockvendor.QianfanV2, llm.Provider) {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Unix(1766977481, 0) }
	}
	m := mockvendor.NewQianfanV2(cfg)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	p, err := qianfan.New(llm.Config{APIKey: mockKey, AppID: appID, BaseURL: srv.URL + "/v2", HTTP: http.DefaultClient, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	return m, p
}

func ask(model, text string) *llm.ChatRequest {
	return &llm.ChatRequest{Model: model, Messages: []llm.Message{llm.UserMessage(text)}}
}

func collect(t *testing.T, src llm.ChunkSource) ([]llm.Chunk, error) {
	t.Helper()
	s := llm.NewStream(src)
	defer s.Close()
	var out []llm.Chunk
	for c, err := range s.All() {
		if err != nil {
			return out, err
		}
		out = append(out, c)
	}
	return out, nil
}

func TestMockChat(t *testing.T) {
	m, p := newMock(t, mockvendor.QianfanV2Config{APIKey: mockKey, AppID: "app-9"}, "app-9")
	res, err := p.Chat(context.Background(), &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{llm.SystemMessage("be brief"), llm.UserMessage("hello there")}},
		&llm.CallOptions{Header: http.Header{"X-Request-Id": {"my-rid"}}})
	require.NoError(t, err)
	assert.Regexp(t, `^as-`, res.ID)
	assert.Equal(t, "my-rid", res.RequestID, "the vendor echoes X-Request-Id")
	assert.Equal(t, "Hello! You said: hello there", res.Choices[0].Message.Content)
	assert.Equal(t, llm.FinishReasonStop, res.Choices[0].FinishReason, "ERNIE's normal is stop")
	assert.Equal(t, llm.Usage{PromptTokens: 6, CompletionTokens: 5, TotalTokens: 11}, res.Usage)

	reqs := m.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v2/chat/completions", reqs[0].Path)
	assert.Equal(t, "app-9", reqs[0].Header.Get("appid"))
}

func TestMockReasoningAndWebSearch(t *testing.T) {
	_, p := newMock(t, mockvendor.QianfanV2Config{}, "")
	req := ask("ernie-x1-32k", "weather today")
	req.WebSearch = &llm.WebSearch{Enable: true, EnableTrace: true, SearchNum: llm.Some(3)}
	res, err := p.Chat(context.Background(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, `The user said "weather today". I will answer briefly.`, res.Choices[0].Message.ReasoningContent)
	require.Len(t, res.SearchResults, 3)
	assert.Equal(t, llm.SearchResult{Index: 1, URL: "https://example.com/search/1?q=weather+today", Title: "Result 1 for weather today"}, res.SearchResults[0])
}

func TestMockToolLoop(t *testing.T) {
	_, p := newMock(t, mockvendor.QianfanV2Config{}, "")
	req := ask("ernie-4.0-8k", "weather")
	req.Tools = []llm.Tool{llm.FunctionTool("lookup", "look it up", map[string]any{"type": "object"})}
	res, err := p.Chat(context.Background(), req, nil)
	require.NoError(t, err)
	c := res.Choices[0]
	require.Equal(t, llm.FinishReasonToolCalls, c.FinishReason)
	require.Len(t, c.Message.ToolCalls, 1)

	next := *req
	next.Messages = append([]llm.Message{}, req.Messages...)
	next.Messages = append(next.Messages, c.Message, llm.ToolMessage(c.Message.ToolCalls[0].ID, "sunny"))
	res, err = p.Chat(context.Background(), &next, nil)
	require.NoError(t, err)
	assert.Equal(t, "Tool result: sunny", res.Choices[0].Message.Content)
}

func TestMockStream(t *testing.T) {
	_, p := newMock(t, mockvendor.QianfanV2Config{KeepAlives: 2}, "")
	src, err := p.ChatStream(context.Background(), ask("ernie-4.0-8k", "hello there"), nil)
	require.NoError(t, err)
	chunks, err := collect(t, src)
	require.NoError(t, err)
	require.NotEmpty(t, chunks)
	var text string
	for i, c := range chunks {
		assert.Equal(t, "chat.completion.chunk", c.Object)
		for _, ch := range c.Choices {
			text += ch.Delta.Content
		}
		if i < len(chunks)-1 {
			assert.Nil(t, c.Usage, "usage only on the last chunk")
		}
	}
	assert.Equal(t, "Hello! You said: hello there", text)
	last := chunks[len(chunks)-1]
	assert.Equal(t, llm.FinishReasonStop, last.Choices[0].FinishReason)
	require.NotNil(t, last.Usage)
	assert.Equal(t, llm.Usage{PromptTokens: 3, CompletionTokens: 5, TotalTokens: 8}, *last.Usage)
}

func TestMockErrors(t *testing.T) {
	cases := []struct {
		name  string
		cfg   mockvendor.QianfanV2Config
		appID string
		fault *mockvendor.Fault
		req   *llm.ChatRequest
		kind  error
		code  string
	}{
		{"wrong key", mockvendor.QianfanV2Config{APIKey: "bce-v3/ALTAK-other/1"}, "", nil, ask("ernie-4.0-8k", "hi"), llm.ErrAuthentication, "access_denied"},
		{"wrong appid", mockvendor.QianfanV2Config{AppID: "app-1"}, "app-2", nil, ask("ernie-4.0-8k", "hi"), llm.ErrPermission, "no_parameter_permission"},
		{"unknown model", mockvendor.QianfanV2Config{}, "", nil, ask("ernie-9.9-1k", "hi"), llm.ErrNotFound, "invalid_model"},
		{"rpm", mockvendor.QianfanV2Config{}, "", ptr(mockvendor.QianfanV2RateLimited("1")), ask("ernie-4.0-8k", "hi"), llm.ErrRateLimited, "rpm_rate_limit_exceeded"},
		{"tpm", mockvendor.QianfanV2Config{}, "", ptr(mockvendor.QianfanV2TPMLimited()), ask("ernie-4.0-8k", "hi"), llm.ErrRateLimited, "tpm_rate_limit_exceeded"},
		{"server", mockvendor.QianfanV2Config{}, "", ptr(mockvendor.ServerError()), ask("ernie-4.0-8k", "hi"), llm.ErrServer, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, p := newMock(t, tc.cfg, tc.appID)
			if tc.fault != nil {
				m.Enqueue(*tc.fault)
			}
			_, err := p.Chat(context.Background(), tc.req, nil)
			var e *llm.Error
			require.ErrorAs(t, err, &e)
			assert.ErrorIs(t, err, tc.kind)
			if tc.code != "" {
				assert.Equal(t, tc.code, e.Code)
			}
			assert.Regexp(t, `^as-`, e.RequestID, "the body's top-level id")
			assert.NotContains(t, e.Error(), "mockkey")
		})
	}
}

func TestMockStreamFaults(t *testing.T) {
	cases := []struct {
		name  string
		fault mockvendor.Fault
		kind  error
	}{
		{"error event", mockvendor.QianfanV2StreamError(2), llm.ErrServer},
		{"truncated", mockvendor.TruncatedStream(2), llm.ErrStreamTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, p := newMock(t, mockvendor.QianfanV2Config{}, "")
			m.Enqueue(tc.fault)
			src, err := p.ChatStream(context.Background(), ask("ernie-4.0-8k", "tell me a long story please"), nil)
			require.NoError(t, err)
			chunks, err := collect(t, src)
			assert.Len(t, chunks, 2)
			assert.ErrorIs(t, err, tc.kind)
			assert.False(t, errors.Is(err, io.EOF))
		})
	}
}

func TestMockListModels(t *testing.T) {
	_, p := newMock(t, mockvendor.QianfanV2Config{}, "")
	ms, err := p.(llm.ModelLister).ListModels(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	assert.Equal(t, "ernie-4.0-8k", ms[0].ID)
	assert.Equal(t, qianfan.Name, ms[0].Provider)
}

// The wire body the provider builds passes the mock's own validation for a full
// request (every mapped field at once).
func TestMockAcceptsFullRequest(t *testing.T) {
	m, p := newMock(t, mockvendor.QianfanV2Config{}, "")
	req := &llm.ChatRequest{
		Model:            "ernie-4.0-8k",
		Messages:         []llm.Message{llm.SystemMessage("sys"), llm.UserMessage("a json answer please")},
		Temperature:      llm.Some(0.5),
		TopP:             llm.Some(0.7),
		MaxTokens:        llm.Some(100),
		Seed:             llm.Some[int64](7),
		Stop:             []string{"END"},
		User:             "u-1",
		FrequencyPenalty: llm.Some(0.1),
		PresencePenalty:  llm.Some(0.1),
		ResponseFormat:   &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "x", Schema: json.RawMessage(`{"type":"object"}`)}},
		WebSearch:        &llm.WebSearch{Enable: true, SearchNum: llm.Some(2), ReferenceNum: llm.Some(1)},
		ExtraBody:        map[string]any{"penalty_score": 1.5, "metadata": map[string]string{"k": "v"}},
	}
	_, err := p.Chat(context.Background(), req, nil)
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(m.Requests()[0].Body, &body))
	assert.Equal(t, float64(100), body["max_completion_tokens"])
	assert.Equal(t, 1.5, body["penalty_score"])
}

func ptr[T any](v T) *T { return &v }
