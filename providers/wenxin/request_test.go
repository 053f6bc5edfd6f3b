package wenxin

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func weather() llm.Tool {
	return llm.FunctionTool("get_weather", "Weather of a city", json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`))
}

func callWeather() llm.Message {
	return llm.Message{Role: llm.RoleAssistant, ReasoningContent: "need the weather",
		ToolCalls: []llm.ToolCall{{ID: "call_1", Type: "function", Function: llm.FunctionCall{Name: "get_weather", Arguments: `{"city":"北京"}`}}}}
}

// Every request rule of shared/vendors.md §3, checked on the body sent (or the error
// returned before any I/O).
func TestEncode(t *testing.T) {
	u, a := llm.UserMessage, llm.AssistantMessage
	tests := []struct {
		name string
		opts Options
		req  *llm.ChatRequest
		want string // JSON body, compared exactly (keys and values)
		ep   string // endpoint, when not completions_pro
		err  string // substring of the error; param checked via errParam
		kind error  // the error's class; nil: ErrInvalidRequest
	}{
		{name: "minimal: no model field, string content",
			req:  userReq("ERNIE-4.0-8K"),
			want: `{"messages":[{"role":"user","content":"你好"}]}`},
		{name: "leading system messages become top-level system, joined with newlines",
			req:  userReq("ernie-4.0-8k", llm.SystemMessage("be brief"), llm.SystemMessage("answer in English"), u("hi")),
			want: `{"system":"be brief\nanswer in English","messages":[{"role":"user","content":"hi"}]}`},
		{name: "system message after the start is rejected",
			req: userReq("ernie-4.0-8k", u("hi"), a("hello"), llm.SystemMessage("late"), u("x")),
			err: "messages[2]: Wenxin takes system messages only at the start"},
		{name: "only system messages",
			req: userReq("ernie-4.0-8k", llm.SystemMessage("s")),
			err: "at least one user message"},
		{name: "even count (ends with assistant)",
			req: userReq("ernie-4.0-8k", u("hi"), a("hello")),
			err: "messages[1]: the conversation ends with an assistant turn"},
		{name: "must start with user",
			req: userReq("ernie-4.0-8k", a("hello"), u("hi"), a("x")),
			err: "messages[0]: a user turn was expected"},
		{name: "two user turns in a row",
			req: userReq("ernie-4.0-8k", u("a"), u("b"), u("c")),
			err: "messages[1]: an assistant turn was expected"},
		{name: "alternating history",
			req:  userReq("ernie-3.5-8k", u("a"), a("b"), u("c")),
			ep:   "completions",
			want: `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"}]}`},
		{name: "empty user content",
			req: userReq("ernie-4.0-8k", u("")),
			err: "empty user messages"},
		{name: "text parts are joined",
			req:  userReq("ernie-4.0-8k", llm.UserParts(llm.TextPart("a"), llm.TextPart("b"))),
			want: `{"messages":[{"role":"user","content":"ab"}]}`},
		{name: "image parts are rejected",
			req: userReq("ernie-4.0-8k", llm.UserParts(llm.TextPart("what is this"), llm.ImagePart("https://x/y.png", ""))),
			err: "text only, not image_url parts"},
		{name: "temperature 0 is sent as the smallest positive value",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Temperature: llm.Some(0.0)},
			want: `{"messages":[{"role":"user","content":"hi"}],"temperature":0.0001}`},
		{name: "temperature 1 and top_p pass through",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Temperature: llm.Some(1.0), TopP: llm.Some(0.0)},
			want: `{"messages":[{"role":"user","content":"hi"}],"temperature":1,"top_p":0}`},
		{name: "temperature above 1",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Temperature: llm.Some(1.2)},
			err: "temperature in (0, 1]"},
		{name: "max_tokens becomes max_output_tokens",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, MaxTokens: llm.Some(2048)},
			want: `{"messages":[{"role":"user","content":"hi"}],"max_output_tokens":2048}`},
		{name: "max_completion_tokens becomes max_output_tokens",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, MaxCompletionTokens: llm.Some(2)},
			want: `{"messages":[{"role":"user","content":"hi"}],"max_output_tokens":2}`},
		{name: "max_tokens below 2",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, MaxTokens: llm.Some(1)},
			err: "between 2 and 2048, got 1"},
		{name: "max_tokens above 2048",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, MaxTokens: llm.Some(2049)},
			err: "between 2 and 2048, got 2049"},
		{name: "ERNIE-Speed-128K allows 4096",
			req:  &llm.ChatRequest{Model: "ERNIE-Speed-128K", Messages: []llm.Message{u("hi")}, MaxTokens: llm.Some(4096)},
			ep:   "ernie-speed-128k",
			want: `{"messages":[{"role":"user","content":"hi"}],"max_output_tokens":4096}`},
		{name: "ERNIE-Speed-128K stops at 4096",
			req: &llm.ChatRequest{Model: "ERNIE-Speed-128K", Messages: []llm.Message{u("hi")}, MaxTokens: llm.Some(4097)},
			err: "between 2 and 4096"},
		{name: "a user endpoint has no known ceiling",
			opts: Options{Endpoints: map[string]string{"my-ernie": "/my_deploy/"}},
			req:  &llm.ChatRequest{Model: "My-ERNIE", Messages: []llm.Message{u("hi")}, MaxTokens: llm.Some(8000)},
			ep:   "my_deploy",
			want: `{"messages":[{"role":"user","content":"hi"}],"max_output_tokens":8000}`},
		{name: "response_format is a plain string",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, ResponseFormat: &llm.ResponseFormat{Type: "json_object"}},
			want: `{"messages":[{"role":"user","content":"hi"}],"response_format":"json_object"}`},
		{name: "json_schema is rejected",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")},
				ResponseFormat: &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "x"}}},
			err: "text and json_object only"},
		{name: "stop: 4 items of up to 20 characters (runes, not bytes)",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Stop: []string{"a", "b", "c", strings.Repeat("停", 20)}},
			want: `{"messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","` + strings.Repeat("停", 20) + `"]}`},
		{name: "stop: 5 items",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Stop: []string{"a", "b", "c", "d", "e"}},
			err: "at most 4 stop sequences"},
		{name: "stop: 21 characters",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Stop: []string{strings.Repeat("x", 21)}},
			err: "stop[0]: Wenxin's stop sequences are at most 20 characters"},
		{name: "user becomes user_id",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, User: "u-42"},
			want: `{"messages":[{"role":"user","content":"hi"}],"user_id":"u-42"}`},
		{name: "frequency_penalty is rejected, pointing at penalty_score",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, FrequencyPenalty: llm.Some(0.5)},
			err: "penalty_score"},
		{name: "presence_penalty is rejected",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, PresencePenalty: llm.Some(0.0)},
			err: "no frequency_penalty or presence_penalty"},
		{name: "penalty_score from Options",
			opts: Options{PenaltyScore: 1.5},
			req:  userReq("ernie-4.0-8k"),
			want: `{"messages":[{"role":"user","content":"你好"}],"penalty_score":1.5}`},
		{name: "ExtraBody is merged and wins",
			opts: Options{PenaltyScore: 1.5},
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Temperature: llm.Some(0.0),
				ExtraBody: map[string]any{"penalty_score": 2.0, "temperature": 0.01}},
			want: `{"messages":[{"role":"user","content":"hi"}],"penalty_score":2,"temperature":0.01}`},
		{name: "n > 1", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, N: llm.Some(2)}, err: "n=2"},
		{name: "n = 1 is fine", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, N: llm.Some(1)},
			want: `{"messages":[{"role":"user","content":"hi"}]}`},
		{name: "seed", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Seed: llm.Some[int64](1)}, err: "seed"},
		{name: "logprobs", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Logprobs: llm.Some(true)}, err: "logprobs"},
		{name: "thinking", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Thinking: &llm.Thinking{Type: llm.ThinkingEnabled}}, err: "thinking"},
		{name: "reasoning_effort", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, ReasoningEffort: "high"}, err: "reasoning_effort"},
		{name: "parallel_tool_calls", req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, ParallelToolCalls: llm.Some(true)}, err: "one function per turn"},
		{name: "web search maps to disable_search, enable_citation, enable_trace",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")},
				WebSearch: &llm.WebSearch{Enable: true, EnableCitation: true, EnableTrace: true}},
			want: `{"messages":[{"role":"user","content":"hi"}],"disable_search":false,"enable_citation":true,"enable_trace":true}`},
		{name: "web search disabled",
			req:  &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, WebSearch: &llm.WebSearch{}},
			want: `{"messages":[{"role":"user","content":"hi"}],"disable_search":true}`},
		{name: "web search options v1 lacks",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, WebSearch: &llm.WebSearch{Enable: true, SearchNum: llm.Some(5)}},
			err: "Qianfan v2 options"},
		{name: "tools become functions; the tool result becomes a function turn named after the call",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Tools: []llm.Tool{weather()},
				Messages: []llm.Message{u("天气?"), callWeather(), llm.ToolMessage("call_1", `{"temp":20}`)}},
			want: `{"messages":[{"role":"user","content":"天气?"},` +
				`{"role":"assistant","content":"","function_call":{"name":"get_weather","arguments":"{\"city\":\"北京\"}","thoughts":"need the weather"}},` +
				`{"role":"function","name":"get_weather","content":"{\"temp\":20}"}],` +
				`"functions":[{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]}`},
		{name: "tool result must answer the call just before it",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Tools: []llm.Tool{weather()},
				Messages: []llm.Message{u("天气?"), callWeather(), llm.ToolMessage("call_other", `{}`)}},
			err: "messages[2]: tool_call_id \"call_other\" does not match"},
		{name: "tool result in an assistant slot",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Tools: []llm.Tool{weather()},
				Messages: []llm.Message{u("天气?"), llm.ToolMessage("call_1", `{}`), u("x")}},
			err: "messages[1]: a tool result must directly follow"},
		{name: "two tool calls in one turn",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi"), {Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{
				{ID: "a", Type: "function", Function: llm.FunctionCall{Name: "f"}}, {ID: "b", Type: "function", Function: llm.FunctionCall{Name: "g"}}}}, u("x")}},
			err: "one function per turn"},
		{name: "named tool_choice",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Tools: []llm.Tool{llm.FunctionTool("f", "", nil)},
				ToolChoice: &llm.ToolChoice{Function: "f"}},
			want: `{"messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f"}],"tool_choice":{"type":"function","function":{"name":"f"}}}`},
		{name: "required with one tool names it",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Tools: []llm.Tool{llm.FunctionTool("f", "", nil)},
				ToolChoice: &llm.ToolChoice{Mode: llm.ToolChoiceRequired}},
			want: `{"messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f"}],"tool_choice":{"type":"function","function":{"name":"f"}}}`},
		{name: "required with two tools",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Tools: []llm.Tool{llm.FunctionTool("f", "", nil), llm.FunctionTool("g", "", nil)},
				ToolChoice: &llm.ToolChoice{Mode: llm.ToolChoiceRequired}},
			err: "name the one to call"},
		{name: "none withholds the functions",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Tools: []llm.Tool{llm.FunctionTool("f", "", nil)},
				ToolChoice: &llm.ToolChoice{Mode: llm.ToolChoiceNone}},
			want: `{"messages":[{"role":"user","content":"hi"}]}`},
		{name: "invalid tool parameters",
			req: &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{u("hi")}, Tools: []llm.Tool{llm.FunctionTool("f", "", json.RawMessage(`{`))}},
			err: "tools[0].function.parameters"},
		{name: "unknown model says how to add an endpoint",
			req: userReq("ERNIE-Made-Up"),
			err: "wenxin.Options{Endpoints:", kind: llm.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config("http://unused.invalid")
			cfg.Options = tt.opts
			p := newProvider(t, cfg)
			before := deepCopy(t, tt.req)
			ep, body, err := p.encode(tt.req, false)
			assert.True(t, reflect.DeepEqual(before, tt.req), "encode must not mutate the request")
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				var le *llm.Error
				require.True(t, errors.As(err, &le))
				kind := tt.kind
				if kind == nil {
					kind = llm.ErrInvalidRequest
				}
				assert.True(t, errors.Is(err, kind), "%v", le.Kind)
				assert.Equal(t, Name, le.Provider)
				assert.Equal(t, tt.req.Model, le.Model)
				return
			}
			require.NoError(t, err)
			want := tt.ep
			if want == "" {
				want = "completions_pro"
			}
			assert.Equal(t, want, ep)
			assert.JSONEq(t, tt.want, string(body))
		})
	}
}

func TestEncodeStreamFlag(t *testing.T) {
	p := newProvider(t, config("http://unused.invalid"))
	_, body, err := p.encode(userReq("ernie-4.0-8k"), true)
	require.NoError(t, err)
	assert.JSONEq(t, `{"messages":[{"role":"user","content":"你好"}],"stream":true}`, string(body))
}

// deepCopy keeps a comparable copy of req, Parts and ExtraBody included.
func deepCopy(t *testing.T, req *llm.ChatRequest) *llm.ChatRequest {
	t.Helper()
	cp := *req
	cp.Messages = make([]llm.Message, len(req.Messages))
	for i, m := range req.Messages {
		m.Parts = append([]llm.ContentPart(nil), m.Parts...)
		m.ToolCalls = append([]llm.ToolCall(nil), m.ToolCalls...)
		cp.Messages[i] = m
	}
	cp.Stop = append([]string(nil), req.Stop...)
	cp.Tools = append([]llm.Tool(nil), req.Tools...)
	if req.ExtraBody != nil {
		cp.ExtraBody = map[string]any{}
		for k, v := range req.ExtraBody {
			cp.ExtraBody[k] = v
		}
	}
	if req.Stop == nil {
		cp.Stop = nil
	}
	if req.Tools == nil {
		cp.Tools = nil
	}
	for i := range cp.Messages {
		if req.Messages[i].Parts == nil {
			cp.Messages[i].Parts = nil
		}
		if req.Messages[i].ToolCalls == nil {
			cp.Messages[i].ToolCalls = nil
		}
	}
	return &cp
}

func TestEndpoints(t *testing.T) {
	p := newProvider(t, config("http://unused.invalid"))
	for model, ep := range map[string]string{
		"ERNIE-4.0-8K": "completions_pro", "ernie-4.0-8k": "completions_pro", "Ernie-4.0-8K": "completions_pro",
		"ernie-3.5-8k": "completions", "ernie-speed-8k": "ernie_speed", "ERNIE-Speed-8K": "ernie_speed",
		"ernie-lite-8k": "ernie-lite-8k", "ernie-lite-8k-0922": "eb-instant", "ERNIE-Lite-8K-0922": "eb-instant",
		"ernie-character-8k": "ernie-char-8k", "ernie-char-8k": "ernie-char-8k", "ERNIE-Function-8K": "ernie-func-8k",
		"ernie-speed-pro-128k": "ernie-speed-pro-128k", "ERNIE-4.0-Turbo-128K": "ernie-4.0-turbo-128k",
	} {
		got, err := p.endpoint(model)
		require.NoError(t, err, model)
		assert.Equal(t, ep, got, model)
	}
	// Every model the router is told about has an endpoint.
	for _, m := range Descriptor().Models {
		_, err := p.endpoint(m.ID)
		assert.NoError(t, err, m.ID)
		assert.Equal(t, Name, m.Provider)
	}
	// Options.Endpoints adds and overrides; DefaultEndpoints hands out copies.
	d := DefaultEndpoints()
	d["ernie-4.0-8k"] = "changed"
	assert.Equal(t, "completions_pro", DefaultEndpoints()["ernie-4.0-8k"])
	cfg := config("http://unused.invalid")
	cfg.Options = Options{Endpoints: map[string]string{"ERNIE-4.0-8K": "my_pro", "team-bot": "abc123"}}
	p = newProvider(t, cfg)
	got, _ := p.endpoint("ernie-4.0-8k")
	assert.Equal(t, "my_pro", got)
	got, _ = p.endpoint("Team-Bot")
	assert.Equal(t, "abc123", got)
}

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	assert.Equal(t, Name, d.Name)
	assert.Equal(t, []string{"ERNIE-"}, d.Prefixes)
	var ids []string
	for _, m := range d.Models {
		ids = append(ids, m.ID)
		assert.True(t, strings.HasPrefix(m.ID, "ERNIE-"), "only Baidu's official names: %s", m.ID)
	}
	assert.Contains(t, ids, "ERNIE-4.0-8K")
	assert.Contains(t, ids, "ERNIE-Speed-128K")
	assert.NotContains(t, ids, "ernie-4.0-8k", "lower-case names are Qianfan v2's")
	assert.NotNil(t, d.New)
}
