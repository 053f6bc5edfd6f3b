package doubao

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// encoded returns the body p would send for req, as generic JSON.
func encoded(t *testing.T, p *Provider, req *llm.ChatRequest, stream bool) map[string]any {
	t.Helper()
	b, err := p.encode(req, stream)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}

func TestEncode(t *testing.T) {
	p := newProvider(t, "http://unused", Options{Endpoints: map[string]string{"support-bot": "ep-20240607092512-c5wnh"}})
	tests := []struct {
		name   string
		req    *llm.ChatRequest
		stream bool
		want   map[string]string // top-level key -> expected JSON
		absent []string
	}{
		{
			name:   "plain request sends only what is set",
			req:    userReq("doubao-seed-1-6-251015"),
			want:   map[string]string{"model": `"doubao-seed-1-6-251015"`, "messages": `[{"role":"user","content":"hi"}]`},
			absent: []string{"stream", "stream_options", "thinking", "max_tokens", "temperature", "tools", "service_tier"},
		},
		{
			name: "an Options.Endpoints name is sent as its endpoint id",
			req:  userReq("support-bot"),
			want: map[string]string{"model": `"ep-20240607092512-c5wnh"`},
		},
		{
			name:   "streams always ask for include_usage",
			req:    userReq("doubao-seed-1-6-251015"),
			stream: true,
			want:   map[string]string{"stream": `true`, "stream_options": `{"include_usage":true}`},
		},
		{
			name: "optional scalars, zero values included",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				Temperature: llm.Some(0.0), TopP: llm.Some(0.7), FrequencyPenalty: llm.Some(0.0), PresencePenalty: llm.Some(-1.0),
				MaxCompletionTokens: llm.Some(65536), N: llm.Some(2), Logprobs: llm.Some(true), TopLogprobs: llm.Some(0),
				ParallelToolCalls: llm.Some(false), Stop: []string{"a", "b", "c", "d"}, User: "u-1"},
			want: map[string]string{"temperature": `0`, "top_p": `0.7`, "frequency_penalty": `0`, "presence_penalty": `-1`,
				"max_completion_tokens": `65536`, "n": `2`, "logprobs": `true`, "top_logprobs": `0`,
				"parallel_tool_calls": `false`, "stop": `["a","b","c","d"]`, "user": `"u-1"`},
			absent: []string{"max_tokens"},
		},
		{
			name: "thinking and reasoning_effort",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				Thinking: &llm.Thinking{Type: llm.ThinkingDisabled}, ReasoningEffort: "minimal", MaxTokens: llm.Some(100)},
			want: map[string]string{"thinking": `{"type":"disabled"}`, "reasoning_effort": `"minimal"`, "max_tokens": `100`},
		},
		{
			name: "thinking auto on doubao-seed-1-6-250615",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-250615", Messages: []llm.Message{llm.UserMessage("hi")},
				Thinking: &llm.Thinking{Type: llm.ThinkingAuto}},
			want: map[string]string{"thinking": `{"type":"auto"}`},
		},
		{
			name: "thinking auto on an endpoint id is left to Ark",
			req: &llm.ChatRequest{Model: "support-bot", Messages: []llm.Message{llm.UserMessage("hi")},
				Thinking: &llm.Thinking{Type: llm.ThinkingAuto}},
			want: map[string]string{"thinking": `{"type":"auto"}`, "model": `"ep-20240607092512-c5wnh"`},
		},
		{
			name: "content parts pass through",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-vision-250815", Messages: []llm.Message{llm.UserParts(
				llm.TextPart("what is this?"),
				llm.ImagePart("https://x/cat.png", "high"),
				llm.ImagePart("data:image/png;base64,AAAA", ""),
				llm.ContentPart{Type: llm.PartVideoURL, VideoURL: &llm.MediaURL{URL: "https://x/v.mp4"}},
				llm.ContentPart{Type: llm.PartInputAudio, InputAudio: &llm.InputAudio{Data: "UklGR", Format: "wav"}},
			)}},
			want: map[string]string{"messages": `[{"role":"user","content":[
				{"type":"text","text":"what is this?"},
				{"type":"image_url","image_url":{"url":"https://x/cat.png","detail":"high"}},
				{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
				{"type":"video_url","video_url":{"url":"https://x/v.mp4"}},
				{"type":"input_audio","input_audio":{"data":"UklGR","format":"wav"}}]}]`},
		},
		{
			name: "tool-call history: content \"\", reasoning_content and tool_calls sent back",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{
				llm.SystemMessage("be brief"),
				llm.UserMessage("weather?"),
				{Role: llm.RoleAssistant, ReasoningContent: "need the tool", ToolCalls: []llm.ToolCall{{ID: "call_1", Type: "function",
					Function: llm.FunctionCall{Name: "weather", Arguments: `{"city":"Beijing"}`}}}},
				llm.ToolMessage("call_1", "sunny"),
			}},
			want: map[string]string{"messages": `[
				{"role":"system","content":"be brief"},
				{"role":"user","content":"weather?"},
				{"role":"assistant","content":"","reasoning_content":"need the tool","tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Beijing\"}"}}]},
				{"role":"tool","content":"sunny","tool_call_id":"call_1"}]`},
		},
		{
			name: "tools and a named tool_choice",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				Tools:      []llm.Tool{llm.FunctionTool("weather", "gets weather", json.RawMessage(`{"type":"object"}`)), llm.FunctionTool("noop", "", nil)},
				ToolChoice: &llm.ToolChoice{Function: "weather"}},
			want: map[string]string{
				"tools":       `[{"type":"function","function":{"name":"weather","description":"gets weather","parameters":{"type":"object"}}},{"type":"function","function":{"name":"noop"}}]`,
				"tool_choice": `{"type":"function","function":{"name":"weather"}}`,
			},
		},
		{
			name: "tool_choice mode",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				Tools: []llm.Tool{llm.FunctionTool("noop", "", nil)}, ToolChoice: &llm.ToolChoice{Mode: llm.ToolChoiceRequired}},
			want: map[string]string{"tool_choice": `"required"`},
		},
		{
			name: "json_schema response format",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "answer", Description: "d",
					Schema: json.RawMessage(`{"type":"object"}`), Strict: llm.Some(true)}}},
			want: map[string]string{"response_format": `{"type":"json_schema","json_schema":{"name":"answer","description":"d","schema":{"type":"object"},"strict":true}}`},
		},
		{
			name: "json_object response format",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				ResponseFormat: &llm.ResponseFormat{Type: "json_object"}},
			want: map[string]string{"response_format": `{"type":"json_object"}`},
		},
		{
			name: "ExtraBody reaches the top level and wins",
			req: &llm.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: []llm.Message{llm.UserMessage("hi")},
				ExtraBody: map[string]any{"service_tier": "auto", "logit_bias": map[string]int{"1": -100}, "stream_options": map[string]bool{"include_usage": true, "chunk_include_usage": true}}},
			stream: true,
			want: map[string]string{"service_tier": `"auto"`, "logit_bias": `{"1":-100}`,
				"stream_options": `{"include_usage":true,"chunk_include_usage":true}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := encoded(t, p, tt.req, tt.stream)
			for k, want := range tt.want {
				assert.Equal(t, jsonOf(t, want), got[k], k)
			}
			for _, k := range tt.absent {
				assert.NotContains(t, got, k)
			}
		})
	}
}

func TestEncodeRejectsBeforeIO(t *testing.T) {
	v := newVendor(t, 200, nil, completionBody)
	p := newProvider(t, v.URL, Options{Endpoints: map[string]string{"bot": "doubao-seed-1-6-251015"}})
	with := func(f func(r *llm.ChatRequest)) *llm.ChatRequest {
		r := userReq("doubao-seed-1-6-251015")
		f(r)
		return r
	}
	tests := []struct {
		name, param, msg string
		req              *llm.ChatRequest
	}{
		{"web search is Baidu's", "web_search", "Baidu", with(func(r *llm.ChatRequest) { r.WebSearch = &llm.WebSearch{Enable: true} })},
		{"seed", "seed", "seed", with(func(r *llm.ChatRequest) { r.Seed = llm.Some[int64](1) })},
		{"five stop sequences", "stop", "at most 4", with(func(r *llm.ChatRequest) { r.Stop = []string{"a", "b", "c", "d", "e"} })},
		{"max_tokens and max_completion_tokens", "max_completion_tokens", "not both", with(func(r *llm.ChatRequest) {
			r.MaxTokens, r.MaxCompletionTokens = llm.Some(10), llm.Some(10)
		})},
		{"max_completion_tokens over 65536", "max_completion_tokens", "65536", with(func(r *llm.ChatRequest) { r.MaxCompletionTokens = llm.Some(65537) })},
		{"thinking auto on another model", "thinking", "doubao-seed-1-6-250615", with(func(r *llm.ChatRequest) { r.Thinking = &llm.Thinking{Type: llm.ThinkingAuto} })},
		{"thinking auto on a name mapped to another model", "thinking", "doubao-seed-1-6-250615", with(func(r *llm.ChatRequest) {
			r.Model, r.Thinking = "bot", &llm.Thinking{Type: llm.ThinkingAuto}
		})},
		{"reasoning_effort max", "reasoning_effort", "minimal, low, medium or high", with(func(r *llm.ChatRequest) { r.ReasoningEffort = "max" })},
		{"strict function tools", "tools", "strict", with(func(r *llm.ChatRequest) {
			tool := llm.FunctionTool("f", "", nil)
			tool.Function.Strict = llm.Some(true)
			r.Tools = []llm.Tool{tool}
		})},
		{"invalid tool parameters", "tools", "JSON", with(func(r *llm.ChatRequest) { r.Tools = []llm.Tool{llm.FunctionTool("f", "", json.RawMessage(`{`))} })},
		{"image detail", "messages", "messages[0].content[1]: image_url.detail", with(func(r *llm.ChatRequest) {
			r.Messages = []llm.Message{llm.UserParts(llm.TextPart("x"), llm.ImagePart("https://x/a.png", "ultra"))}
		})},
		{"video detail", "messages", "video_url has no detail", with(func(r *llm.ChatRequest) {
			r.Messages = []llm.Message{llm.UserParts(llm.ContentPart{Type: llm.PartVideoURL, VideoURL: &llm.MediaURL{URL: "https://x/v.mp4", Detail: "low"}})}
		})},
		{"invalid json_schema schema", "response_format", "schema", with(func(r *llm.ChatRequest) {
			r.ResponseFormat = &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "n", Schema: json.RawMessage(`{`)}}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, stream := range []bool{false, true} {
				var err error
				if stream {
					_, err = p.ChatStream(context.Background(), tt.req, nil)
				} else {
					_, err = p.Chat(context.Background(), tt.req, nil)
				}
				var e *llm.Error
				require.True(t, errors.As(err, &e), "%v", err)
				assert.True(t, errors.Is(err, llm.ErrInvalidRequest))
				assert.Equal(t, Name, e.Provider)
				assert.Equal(t, tt.req.Model, e.Model, "errors name the model asked for")
				assert.Equal(t, tt.param, e.Param)
				assert.Contains(t, e.Message, tt.msg)
			}
		})
	}
	assert.Empty(t, v.requests(), "nothing was sent")
}

func TestEncodeDoesNotMutateRequest(t *testing.T) {
	p := newProvider(t, "http://unused", Options{Endpoints: map[string]string{"bot": "ep-1"}})
	req := &llm.ChatRequest{Model: "bot", Messages: []llm.Message{
		llm.UserParts(llm.TextPart("x"), llm.ImagePart("https://x/a.png", "low")),
		{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c", Type: "function", Function: llm.FunctionCall{Name: "f", Arguments: "{}"}}}},
		llm.ToolMessage("c", "ok"),
	}, Tools: []llm.Tool{llm.FunctionTool("f", "", map[string]any{"type": "object"})}, Stop: []string{"x"},
		Thinking: &llm.Thinking{Type: llm.ThinkingEnabled}, ExtraBody: map[string]any{"service_tier": "auto"}}
	before, err := json.Marshal(req)
	require.NoError(t, err)
	_, err = p.encode(req, true)
	require.NoError(t, err)
	after, err := json.Marshal(req)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after))
	assert.Equal(t, "bot", req.Model)
	assert.Equal(t, map[string]any{"service_tier": "auto"}, req.ExtraBody)
}
