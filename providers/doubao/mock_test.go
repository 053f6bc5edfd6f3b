package doubao

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/llm"
)

// Tests against the shared Ark mock (conformance/mockvendor), which reproduces
// Ark's validation, quirks and faults.

func newMockProvider(t *testing.T, cfg mockvendor.ArkConfig, opts any) (*mockvendor.Ark, *Provider) {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	ark := mockvendor.NewArk(cfg)
	srv := httptest.NewServer(ark)
	t.Cleanup(srv.Close)
	return ark, newProvider(t, srv.URL, opts)
}

func TestMockChat(t *testing.T) {
	ark, p := newMockProvider(t, mockvendor.ArkConfig{}, Options{Endpoints: map[string]string{"support-bot": mockvendor.ArkExampleEndpoint}})
	ctx := context.Background()

	res, err := p.Chat(ctx, userReq("doubao-seed-1-6-251015"), nil)
	require.NoError(t, err)
	assert.Equal(t, "doubao-seed-1-6-251015", res.Model)
	assert.True(t, strings.HasPrefix(res.ID, "021"), res.ID)
	assert.Equal(t, res.ID, res.RequestID, "Ark's X-Request-Id is the completion id")
	assert.Equal(t, "default", res.ServiceTier)
	require.Len(t, res.Choices, 1)
	assert.Equal(t, "Hello! You said: hi", res.Choices[0].Message.Content)
	assert.NotEmpty(t, res.Choices[0].Message.ReasoningContent, "seed-1-6 thinks by default")
	assert.Equal(t, "stop", res.Choices[0].FinishReason)
	assert.Positive(t, res.Usage.CompletionTokensDetails.ReasoningTokens)

	// A named endpoint, with thinking off.
	req := userReq("support-bot")
	req.Thinking = &llm.Thinking{Type: llm.ThinkingDisabled}
	res, err = p.Chat(ctx, req, nil)
	require.NoError(t, err)
	assert.Equal(t, "doubao-seed-1-6-251015", res.Model, "Ark answers with the model behind the endpoint")
	assert.Empty(t, res.Choices[0].Message.ReasoningContent)
	var sent map[string]any
	reqs := ark.Requests()
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &sent))
	assert.Equal(t, mockvendor.ArkExampleEndpoint, sent["model"])

	// auto thinking where Ark offers it.
	req = userReq("doubao-seed-1-6-250615")
	req.Thinking = &llm.Thinking{Type: llm.ThinkingAuto}
	_, err = p.Chat(ctx, req, nil)
	require.NoError(t, err)

	// Parts and every optional field the mock validates.
	req = &llm.ChatRequest{Model: "doubao-seed-1-6-vision-250815", Messages: []llm.Message{
		llm.SystemMessage("be brief"),
		llm.UserParts(llm.TextPart("describe"), llm.ImagePart("https://x/cat.png", "low"),
			llm.ContentPart{Type: llm.PartVideoURL, VideoURL: &llm.MediaURL{URL: "https://x/v.mp4"}},
			llm.ContentPart{Type: llm.PartInputAudio, InputAudio: &llm.InputAudio{Data: "UklGR", Format: "wav"}}),
	}, Temperature: llm.Some(0.0), TopP: llm.Some(1.0), MaxCompletionTokens: llm.Some(65536), Stop: []string{"a", "b", "c", "d"},
		ReasoningEffort: "low", Logprobs: llm.Some(true), TopLogprobs: llm.Some(2),
		ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "x", Schema: json.RawMessage(`{"type":"object"}`)}}}
	res, err = p.Chat(ctx, req, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"answer":"Hello! You said: describe"}`, res.Choices[0].Message.Content, "json_schema {\"type\":\"object\"}: a JSON object")
	assert.NotNil(t, res.Choices[0].Logprobs)
}

func TestMockToolRoundTrip(t *testing.T) {
	_, p := newMockProvider(t, mockvendor.ArkConfig{}, nil)
	ctx := context.Background()
	req := &llm.ChatRequest{Model: "doubao-seed-1-8-251228", Messages: []llm.Message{llm.UserMessage("weather in Beijing")},
		Tools: []llm.Tool{llm.FunctionTool("weather", "gets weather", map[string]any{"type": "object"})}}
	res, err := p.Chat(ctx, req, nil)
	require.NoError(t, err)
	m := res.Choices[0].Message
	assert.Equal(t, "tool_calls", res.Choices[0].FinishReason)
	require.Len(t, m.ToolCalls, 1)
	assert.Equal(t, "weather", m.ToolCalls[0].Function.Name)
	assert.Equal(t, "", m.Content)

	next := *req
	next.Messages = append(append([]llm.Message(nil), req.Messages...), m, llm.ToolMessage(m.ToolCalls[0].ID, "sunny"))
	res, err = p.Chat(ctx, &next, nil)
	require.NoError(t, err)
	assert.Equal(t, "Tool result: sunny", res.Choices[0].Message.Content)
}

func TestMockStream(t *testing.T) {
	_, p := newMockProvider(t, mockvendor.ArkConfig{NoiseLines: 7}, nil)
	req := &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("weather in Beijing")},
		Tools: []llm.Tool{llm.FunctionTool("weather", "", nil)}}
	src, err := p.ChatStream(context.Background(), req, nil)
	require.NoError(t, err)
	chunks, err := drain(t, src)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(chunks), 3)

	var roles, finishes int
	var reasoning, args strings.Builder
	for i, c := range chunks {
		for _, ch := range c.Choices {
			if ch.Delta.Role != "" {
				roles++
				assert.Zero(t, i, "role on the first chunk only")
			}
			if ch.FinishReason != "" {
				finishes++
				assert.Equal(t, "tool_calls", ch.FinishReason)
			}
			reasoning.WriteString(ch.Delta.ReasoningContent)
			for _, tc := range ch.Delta.ToolCalls {
				args.WriteString(tc.Function.Arguments)
			}
		}
		if i < len(chunks)-1 {
			assert.Nil(t, c.Usage, "usage only at the end")
		}
	}
	assert.Equal(t, 1, roles)
	assert.Equal(t, 1, finishes)
	assert.NotEmpty(t, reasoning.String())
	assert.JSONEq(t, `{"query":"weather in Beijing"}`, args.String())
	last := chunks[len(chunks)-1]
	assert.Empty(t, last.Choices)
	require.NotNil(t, last.Usage)
	assert.Positive(t, last.Usage.TotalTokens)
}

func TestMockFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     mockvendor.Fault
		stream    bool
		kind      error
		code      string
		transient bool
		retry     time.Duration
		msg       string
	}{
		{name: "overdue account", fault: mockvendor.ArkOverdue(), kind: llm.ErrInsufficientBalance, code: "AccountOverdueError", msg: "top it up"},
		{name: "moderation", fault: mockvendor.ArkSensitiveContent(), kind: llm.ErrContentFilter, code: "SensitiveContentDetected.SevereViolation"},
		{name: "model not activated", fault: mockvendor.ArkModelNotOpen(), kind: llm.ErrNotFound, code: "ModelNotOpen", msg: "Ark console"},
		{name: "model id not allowed", fault: mockvendor.Fault{Status: 404, Code: "InvalidEndpointOrModel.ModelIDAccessDisabled"},
			kind: llm.ErrNotFound, code: "InvalidEndpointOrModel.ModelIDAccessDisabled", msg: "ep-"},
		{name: "rpm limit", fault: mockvendor.ArkRateLimited("2"), kind: llm.ErrRateLimited, code: "RateLimitExceeded.EndpointRPMExceeded", transient: true, retry: 2 * time.Second},
		{name: "tpm limit on a stream", fault: mockvendor.ArkTPMLimited(""), stream: true, kind: llm.ErrRateLimited, code: "RateLimitExceeded.EndpointTPMExceeded", transient: true},
		{name: "mid-stream error", fault: mockvendor.ArkMidStreamError(2), stream: true, kind: llm.ErrServer, code: "InternalServiceError"},
		{name: "mid-stream rate limit", fault: mockvendor.Fault{ErrorAfter: 1, Code: "RateLimitExceeded.EndpointTPMExceeded"}, stream: true,
			kind: llm.ErrRateLimited, code: "RateLimitExceeded.EndpointTPMExceeded"},
		{name: "truncated stream", fault: mockvendor.Fault{TruncateAfter: 2}, stream: true, kind: llm.ErrStreamTruncated, transient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ark, p := newMockProvider(t, mockvendor.ArkConfig{}, nil)
			ark.Enqueue(tt.fault)
			var err error
			if tt.stream {
				var src llm.ChunkSource
				src, err = p.ChatStream(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
				if err == nil {
					_, err = drain(t, src)
				}
			} else {
				_, err = p.Chat(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
			}
			var e *llm.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.True(t, errors.Is(err, tt.kind), "%v", err)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, tt.transient, e.Transient)
			assert.Equal(t, tt.retry, e.RetryAfter)
			assert.Equal(t, Name, e.Provider)
			assert.Equal(t, "doubao-seed-1-6-251015", e.Model)
			if tt.code != "" {
				assert.True(t, strings.HasPrefix(e.RequestID, "021"), "request id: %q", e.RequestID)
				assert.NotContains(t, e.Message, "Request id:")
			}
			assert.Contains(t, e.Message, tt.msg)
		})
	}
}

func TestMockVendorErrors(t *testing.T) {
	_, p := newMockProvider(t, mockvendor.ArkConfig{}, nil)
	_, err := p.Chat(context.Background(), userReq("doubao-nonexistent-1"), nil)
	var e *llm.Error
	require.True(t, errors.As(err, &e))
	assert.True(t, errors.Is(err, llm.ErrNotFound))
	assert.Equal(t, "InvalidEndpointOrModel.NotFound", e.Code)
	assert.Equal(t, "NotFound", e.Type)

	ark := mockvendor.NewArk(mockvendor.ArkConfig{APIKey: "the-right-key"})
	srv := httptest.NewServer(ark)
	defer srv.Close()
	wrong := newProvider(t, srv.URL, nil)
	_, err = wrong.Chat(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
	assert.True(t, errors.Is(err, llm.ErrAuthentication), "%v", err)
}

func TestMockListModels(t *testing.T) {
	_, p := newMockProvider(t, mockvendor.ArkConfig{}, nil)
	ms, err := p.ListModels(context.Background())
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, m := range ms {
		ids[m.ID] = true
		assert.Equal(t, Name, m.Provider)
	}
	for _, m := range Models() {
		assert.True(t, ids[m.ID], "the mock serves every listed model: %s", m.ID)
	}
}
