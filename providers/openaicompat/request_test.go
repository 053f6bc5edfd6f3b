package openaicompat

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func user(text string) []llm.Message { return []llm.Message{llm.UserMessage(text)} }

func TestRequestBody(t *testing.T) {
	tests := []struct {
		name string
		e    Endpoint
		req  llm.ChatRequest
		want string // the whole JSON body expected
	}{
		{
			name: "minimal",
			req:  llm.ChatRequest{Model: "gpt-4o-mini", Messages: user("hi")},
			want: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`,
		},
		{
			name: "zero values are sent, stop is an array, both token caps pass as set",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("hi"), Temperature: llm.Some(0.0), TopP: llm.Some(1.0),
				FrequencyPenalty: llm.Some(0.0), PresencePenalty: llm.Some(-1.5), MaxTokens: llm.Some(10), MaxCompletionTokens: llm.Some(20),
				N: llm.Some(2), Seed: llm.Some(int64(0)), Stop: []string{"\n"}, Logprobs: llm.Some(true), TopLogprobs: llm.Some(0),
				User: "u-1", ParallelToolCalls: llm.Some(false), ReasoningEffort: "minimal"},
			want: `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":0,"top_p":1,"frequency_penalty":0,
				"presence_penalty":-1.5,"max_tokens":10,"max_completion_tokens":20,"n":2,"seed":0,"stop":["\n"],"logprobs":true,
				"top_logprobs":0,"user":"u-1","parallel_tool_calls":false,"reasoning_effort":"minimal"}`,
		},
		{
			name: "multi-part content, system, tool round trip",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: []llm.Message{
				llm.SystemMessage("be brief"),
				{Role: llm.RoleUser, Name: "ann", Parts: []llm.ContentPart{llm.TextPart("what is this?"), llm.ImagePart("https://x/cat.png", "low"),
					{Type: llm.PartInputAudio, InputAudio: &llm.InputAudio{Data: "UklGRg==", Format: "wav"}}}},
				{Role: llm.RoleAssistant, ReasoningContent: "let me look", ToolCalls: []llm.ToolCall{{ID: "call_1", Type: "function", Function: llm.FunctionCall{Name: "look", Arguments: `{"q":1}`}}}},
				llm.ToolMessage("call_1", "a cat"),
			}},
			want: `{"model":"gpt-4o","messages":[
				{"role":"system","content":"be brief"},
				{"role":"user","name":"ann","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://x/cat.png","detail":"low"}},
					{"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]},
				{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"look","arguments":"{\"q\":1}"}}]},
				{"role":"tool","content":"a cat","tool_call_id":"call_1"}]}`,
		},
		{
			name: "tools, named tool choice, json_schema",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("weather?"),
				Tools:          []llm.Tool{llm.FunctionTool("get_weather", "Weather now", json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`))},
				ToolChoice:     &llm.ToolChoice{Function: "get_weather"},
				ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "w", Description: "d", Schema: json.RawMessage(`{"type":"object"}`), Strict: llm.Some(true)}}},
			want: `{"model":"gpt-4o","messages":[{"role":"user","content":"weather?"}],
				"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
				"tool_choice":{"type":"function","function":{"name":"get_weather"}},
				"response_format":{"type":"json_schema","json_schema":{"name":"w","description":"d","schema":{"type":"object"},"strict":true}}}`,
		},
		{
			name: "tool choice mode, json_object, ExtraBody overrides and adds",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("json please"), Tools: []llm.Tool{llm.FunctionTool("f", "", nil)},
				ToolChoice: &llm.ToolChoice{Mode: "required"}, ResponseFormat: &llm.ResponseFormat{Type: "json_object"},
				ExtraBody: map[string]any{"service_tier": "flex", "model": "gpt-4o-2024-08-06"}},
			want: `{"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"json please"}],"tools":[{"type":"function","function":{"name":"f"}}],
				"tool_choice":"required","response_format":{"type":"json_object"},"service_tier":"flex"}`,
		},
		{
			name: "alias is rewritten to the server's model",
			e:    Endpoint{Aliases: map[string]string{"fast": "qwen-turbo"}},
			req:  llm.ChatRequest{Model: "fast", Messages: user("hi")},
			want: `{"model":"qwen-turbo","messages":[{"role":"user","content":"hi"}]}`,
		},
		{
			name: "PassThinking sends thinking and reasoning_content",
			e:    Endpoint{PassThinking: true},
			req: llm.ChatRequest{Model: "glm-4.5", Thinking: &llm.Thinking{Type: llm.ThinkingDisabled}, Messages: []llm.Message{
				llm.UserMessage("hi"), {Role: llm.RoleAssistant, Content: "hello", ReasoningContent: "greet back"}, llm.UserMessage("again")}},
			want: `{"model":"glm-4.5","thinking":{"type":"disabled"},"messages":[{"role":"user","content":"hi"},
				{"role":"assistant","content":"hello","reasoning_content":"greet back"},{"role":"user","content":"again"}]}`,
		},
		{
			name: "reasoning_content is not sent back to OpenAI",
			req: llm.ChatRequest{Model: "o3", Messages: []llm.Message{
				llm.UserMessage("hi"), {Role: llm.RoleAssistant, Content: "hello", ReasoningContent: "greet back"}, llm.UserMessage("again")}},
			want: `{"model":"o3","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"again"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := serve(t, answer(200, okCompletion))
			e := tt.e
			e.Name, e.BaseURL = "test", "http://unused"
			p := build(t, e, f, nil)
			before := clone(t, &tt.req)
			_, err := p.Chat(t.Context(), &tt.req, nil)
			require.NoError(t, err)
			s := f.last(t)
			assert.Equal(t, http.MethodPost, s.Method)
			assert.Equal(t, "/chat/completions", s.Path)
			assert.Equal(t, "application/json", s.Header.Get("Content-Type"))
			assert.JSONEq(t, tt.want, string(s.Body))
			assert.True(t, reflect.DeepEqual(before, tt.req), "the request is not mutated")
		})
	}
}

// clone copies a request deeply enough (its slices and ExtraBody) that a provider
// writing into any of them would make the copy differ.
func clone(t *testing.T, r *llm.ChatRequest) llm.ChatRequest {
	t.Helper()
	c := *r
	c.Messages = append([]llm.Message(nil), r.Messages...)
	for i := range c.Messages {
		c.Messages[i].Parts = append([]llm.ContentPart(nil), r.Messages[i].Parts...)
		c.Messages[i].ToolCalls = append([]llm.ToolCall(nil), r.Messages[i].ToolCalls...)
		if len(r.Messages[i].Parts) == 0 {
			c.Messages[i].Parts = nil
		}
		if len(r.Messages[i].ToolCalls) == 0 {
			c.Messages[i].ToolCalls = nil
		}
	}
	if r.Stop != nil {
		c.Stop = append([]string(nil), r.Stop...)
	}
	if r.Tools != nil {
		c.Tools = append([]llm.Tool(nil), r.Tools...)
	}
	if r.ExtraBody != nil {
		c.ExtraBody = map[string]any{}
		for k, v := range r.ExtraBody {
			c.ExtraBody[k] = v
		}
	}
	return c
}

func TestRejectedBeforeIO(t *testing.T) {
	tests := []struct {
		name, param, msg string
		e                Endpoint
		req              llm.ChatRequest
	}{
		{name: "web search", param: "web_search", msg: "no web_search",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("news?"), WebSearch: &llm.WebSearch{Enable: true}}},
		{name: "thinking without PassThinking", param: "thinking", msg: "set Endpoint.PassThinking",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("hi"), Thinking: &llm.Thinking{Type: llm.ThinkingEnabled}}},
		{name: "web search even with PassThinking", param: "web_search", e: Endpoint{PassThinking: true},
			req: llm.ChatRequest{Model: "glm-4.5", Messages: user("hi"), WebSearch: &llm.WebSearch{Enable: true}}},
		{name: "video part", param: "messages", msg: "not video_url",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: []llm.Message{llm.UserParts(llm.ContentPart{Type: llm.PartVideoURL, VideoURL: &llm.MediaURL{URL: "https://x/v.mp4"}})}}},
		{name: "image outside a user turn", param: "messages", msg: "only user turns may carry image_url parts",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: []llm.Message{{Role: llm.RoleSystem, Parts: []llm.ContentPart{llm.ImagePart("https://x/a.png", "")}}, llm.UserMessage("hi")}}},
		{name: "bad tool parameters", param: "tools", msg: "not valid JSON",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("hi"), Tools: []llm.Tool{llm.FunctionTool("f", "", json.RawMessage(`{"type":`))}}},
		{name: "bad json schema", param: "response_format", msg: "not valid JSON",
			req: llm.ChatRequest{Model: "gpt-4o", Messages: user("hi"), ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "x", Schema: json.RawMessage(`{`)}}}},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tt.name+map[bool]string{false: "/chat", true: "/stream"}[stream], func(t *testing.T) {
				f := serve(t, answer(200, okCompletion))
				e := tt.e
				e.Name, e.BaseURL = "test", "http://unused"
				p := build(t, e, f, nil)
				var err error
				if stream {
					_, err = p.ChatStream(t.Context(), &tt.req, nil)
				} else {
					_, err = p.Chat(t.Context(), &tt.req, nil)
				}
				le := asError(t, err)
				assert.True(t, errors.Is(le, llm.ErrInvalidRequest))
				assert.Equal(t, "test", le.Provider)
				assert.Equal(t, tt.req.Model, le.Model)
				assert.Equal(t, tt.param, le.Param)
				assert.Contains(t, le.Message, tt.msg)
				assert.Empty(t, f.requests(), "rejected before any I/O")
			})
		}
	}
}

func TestHeaders(t *testing.T) {
	f := serve(t, answer(200, okCompletion))
	e := Endpoint{Name: "corp", BaseURL: "http://unused", Header: http.Header{"x-team": {"search"}, "X-Both": {"endpoint"}}}
	p := build(t, e, f, Options{Organization: "org-1", Project: "proj-1", Header: http.Header{"X-Both": {"options"}}})
	call := &llm.CallOptions{Header: http.Header{"X-Call": {"1"}, "X-Team": {"call"}}}
	_, err := p.Chat(t.Context(), &llm.ChatRequest{Model: "m", Messages: user("hi")}, call)
	require.NoError(t, err)
	h := f.last(t).Header
	assert.Equal(t, "Bearer sk-test-key-123456", h.Get("Authorization"))
	assert.Equal(t, []string{"call"}, h.Values("X-Team"), "a per-call header replaces the endpoint's of that name")
	assert.Equal(t, []string{"options"}, h.Values("X-Both"), "Options.Header replaces the Endpoint's")
	assert.Equal(t, "org-1", h.Get("OpenAI-Organization"))
	assert.Equal(t, "proj-1", h.Get("OpenAI-Project"))
	assert.Equal(t, "1", h.Get("X-Call"))

	// A header named Authorization replaces the Bearer one (gateways with their own scheme).
	f2 := serve(t, answer(200, okCompletion))
	p = build(t, Endpoint{Name: "gw", BaseURL: "http://unused", Header: http.Header{"Authorization": {"Token abc"}}}, f2, &Options{Project: "p2"})
	_, err = p.Chat(t.Context(), &llm.ChatRequest{Model: "m", Messages: user("hi")}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"Token abc"}, f2.last(t).Header.Values("Authorization"))
	assert.Equal(t, "p2", f2.last(t).Header.Get("OpenAI-Project"), "*Options works too")
}
