package conformance

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/doubao"
)

// Volcengine Ark (Doubao) conformance: shared/vendors.md §2 and Ark's column of §5.

const (
	arkKey      = "ark-conformance-0123456789abcdef"
	arkModel    = "doubao-seed-1-6-251015" // thinks by default
	arkEndpoint = mockvendor.ArkExampleEndpoint
)

// arkNoCompletion is what the spec says of a 200 answer that is not a completion.
const arkNoCompletion = "response 200: "

type (
	arkCase    = vendorCase[mockvendor.ArkConfig, *mockvendor.Ark]
	arkOutcome = outcome[*mockvendor.Ark]
)

// arkHarness runs Ark's table: every request is POST /api/v3/chat/completions with
// the key as a bearer token; X-Request-Id carries the vendor's request id, which an
// error keeps once (not again in its message).
var arkHarness = &harness[mockvendor.ArkConfig, *mockvendor.Ark]{
	provider: "doubao", spec: "ark", base: "/api/v3", idHeader: "X-Request-Id",
	newMock: func(cfg mockvendor.ArkConfig) *mockvendor.Ark {
		cfg.APIKey = cmp.Or(cfg.APIKey, arkKey) // a row's own key: the client's is wrong
		return mockvendor.NewArk(cfg)
	},
	config:     func(p *harbor.ProviderConfig) { p.APIKey = cmp.Or(p.APIKey, arkKey) },
	wire:       bearerWire[*mockvendor.Ark],
	streamSent: openAIStreamSent, createNotSent: openAINoStream,
	verify: func(t *testing.T, c *arkCase, o *arkOutcome) {
		if c.err != nil && c.requestID != "" {
			assert.NotContains(t, o.herr.Message, "Request id:", "the id is not printed twice")
		}
	},
}

var (
	arkThinkOn   = &harbor.Thinking{Type: harbor.ThinkingEnabled}
	arkThinkOff  = &harbor.Thinking{Type: harbor.ThinkingDisabled}
	arkThinkAuto = &harbor.Thinking{Type: llm.ThinkingAuto}
)

func arkReasoning(said string) string { return `The user said "` + said + `". I will answer briefly.` }

func arkWeatherTool() []harbor.Tool {
	return []harbor.Tool{harbor.FunctionTool("get_weather", "Weather", map[string]any{"type": "object"})}
}

var arkCases = []arkCase{
	// --- model ids and endpoint ids ---
	{
		name: "model id", quirk: "model id sent as-is; bearer auth; OpenAI-shaped answer with reasoning (seed-1-6 thinks by default)",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		sent: map[string]any{"/model": arkModel, "/messages/0/role": "user", "/messages/0/content": "hi"}, notSent: []string{"/thinking"},
		text: "Hello! You said: hi", reasoning: arkReasoning("hi"), finish: "stop", model: arkModel, requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			assert.Regexp(t, `^021\d{13}[0-9a-f]{37}$`, o.id, "Ark ids are long hex strings starting 021")
			if !o.stream {
				assert.Equal(t, o.lastVendorID(t), o.completion.RequestID, "request id from X-Request-Id")
			}
			require.NotNil(t, o.Usage)
			assert.Equal(t, o.Usage.PromptTokens+o.Usage.CompletionTokens, o.Usage.TotalTokens)
			assert.Positive(t, o.Usage.CompletionTokensDetails.ReasoningTokens)
		},
	},
	{
		name: "endpoint id", quirk: "an ep-… id is routed to doubao, sent as-is, and the response names the resolved model",
		req:  harbor.ChatRequest{Model: arkEndpoint, Messages: user("hi")},
		sent: map[string]any{"/model": arkEndpoint},
		text: "Hello! You said: hi", model: arkModel, requests: 1,
	},
	{
		name: "endpoint id in vendor/model form", quirk: "doubao/ep-… is the same endpoint",
		req:  harbor.ChatRequest{Model: "doubao/" + arkEndpoint, Messages: user("hi")},
		sent: map[string]any{"/model": arkEndpoint},
		text: "Hello! You said: hi", model: arkModel, requests: 1,
	},
	{
		name: "named endpoint", quirk: "doubao.Options.Endpoints: a memorable name is sent as its ep-… id",
		client: harbor.ProviderConfig{Options: doubao.Options{Endpoints: map[string]string{"support-bot": "ep-20250101000000-abcde"}}},
		mock:   mockvendor.ArkConfig{Endpoints: map[string]string{"ep-20250101000000-abcde": "doubao-1-5-pro-32k-250115"}},
		req:    harbor.ChatRequest{Model: "doubao/support-bot", Messages: user("hi")},
		sent:   map[string]any{"/model": "ep-20250101000000-abcde"},
		text:   "Hello! You said: hi", noReasoning: true, model: "doubao-1-5-pro-32k-250115", requests: 1,
	},
	{
		name: "third-party model hosted on Ark", quirk: "doubao/deepseek-v3-2-251201 drops the provider prefix; thinking off by default there",
		req:  harbor.ChatRequest{Model: "doubao/deepseek-v3-2-251201", Messages: user("hi")},
		sent: map[string]any{"/model": "deepseek-v3-2-251201"},
		text: "Hello! You said: hi", noReasoning: true, model: "deepseek-v3-2-251201", requests: 1,
	},
	{
		name: "unknown endpoint id", quirk: "404 InvalidEndpointOrModel.NotFound -> ErrNotFound, with a hint",
		req: harbor.ChatRequest{Model: "ep-20990101000000-zzzzz", Messages: user("hi")},
		err: harbor.ErrNotFound, code: "InvalidEndpointOrModel.NotFound", typ: "NotFound", status: 404, requestID: fromHeader,
		msgHas: "endpoint id (ep-…)", requests: 1,
	},
	{
		name: "model id access disabled", quirk: "404 InvalidEndpointOrModel.ModelIDAccessDisabled -> ErrNotFound, hint to use an endpoint id",
		faults: []mockvendor.Fault{{Status: 404, Code: "InvalidEndpointOrModel.ModelIDAccessDisabled"}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrNotFound, code: "InvalidEndpointOrModel.ModelIDAccessDisabled", typ: "NotFound", status: 404, requestID: fromHeader,
		msgHas: "create an inference endpoint", requests: 1,
	},
	{
		name: "model not open", quirk: "404 ModelNotOpen -> ErrNotFound, hint to activate it",
		faults: []mockvendor.Fault{mockvendor.ArkModelNotOpen()},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrNotFound, code: "ModelNotOpen", typ: "NotFound", status: 404, requestID: fromHeader,
		msgHas: "activate the model", requests: 1,
	},

	// --- content: string or parts ---
	{
		name: "text and image parts", quirk: "content as parts: text + image_url with detail pass through unchanged",
		req: harbor.ChatRequest{Model: "doubao-seed-1-6-vision-250815", Thinking: arkThinkOff, Messages: []harbor.Message{
			harbor.UserParts(harbor.TextPart("describe"), harbor.ImagePart("https://example.com/cat.png", "high")),
		}},
		sent: map[string]any{
			"/messages/0/content/0/type": "text", "/messages/0/content/0/text": "describe",
			"/messages/0/content/1/type": "image_url", "/messages/0/content/1/image_url/url": "https://example.com/cat.png",
			"/messages/0/content/1/image_url/detail": "high",
		},
		text: "Hello! You said: describe", requests: 1,
	},
	{
		name: "image part without detail", quirk: "detail is optional: not sent when unset",
		req: harbor.ChatRequest{Model: "doubao-seed-1-6-vision-250815", Thinking: arkThinkOff, Messages: []harbor.Message{
			harbor.UserParts(harbor.ImagePart("data:image/png;base64,iVBORw0KGgo=", ""), harbor.TextPart("what is it")),
		}},
		sent:    map[string]any{"/messages/0/content/0/image_url/url": "data:image/png;base64,iVBORw0KGgo="},
		notSent: []string{"/messages/0/content/0/image_url/detail"},
		text:    "Hello! You said: what is it", requests: 1,
	},
	{
		name: "video and audio parts", quirk: "video_url and input_audio parts",
		req: harbor.ChatRequest{Model: "doubao-seed-1-6-vision-250815", Thinking: arkThinkOff, Messages: []harbor.Message{
			harbor.UserParts(harbor.TextPart("listen"),
				harbor.ContentPart{Type: "video_url", VideoURL: &harbor.MediaURL{URL: "https://example.com/v.mp4"}},
				harbor.ContentPart{Type: "input_audio", InputAudio: &harbor.InputAudio{Data: "UklGRg==", Format: "wav"}}),
		}},
		sent: map[string]any{
			"/messages/0/content/1/video_url/url": "https://example.com/v.mp4",
			"/messages/0/content/2/input_audio":   map[string]any{"data": "UklGRg==", "format": "wav"},
		},
		text: "Hello! You said: listen", requests: 1,
	},
	{
		name: "image detail outside high/low/auto", quirk: "detail high|low|auto only: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: []harbor.Message{harbor.UserParts(harbor.ImagePart("https://x/y.png", "ultra"))}},
		err: harbor.ErrInvalidRequest, param: "messages", msgHas: "high, low or auto", requests: 0,
	},
	{
		name: "video part with detail", quirk: "video_url has no detail on Ark: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: []harbor.Message{harbor.UserParts(
			harbor.ContentPart{Type: "video_url", VideoURL: &harbor.MediaURL{URL: "https://x/v.mp4", Detail: "high"}})}},
		err: harbor.ErrInvalidRequest, param: "messages", requests: 0,
	},

	// --- thinking and reasoning_effort ---
	{
		name: "thinking enabled", quirk: "thinking {type: enabled}; reasoning_content comes back",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("why"), Thinking: arkThinkOn},
		sent: map[string]any{"/thinking": map[string]any{"type": "enabled"}},
		text: "Hello! You said: why", reasoning: arkReasoning("why"), requests: 1,
	},
	{
		name: "thinking disabled", quirk: "thinking {type: disabled} turns seed-1-6's default off",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("why"), Thinking: arkThinkOff},
		sent: map[string]any{"/thinking/type": "disabled"},
		text: "Hello! You said: why", noReasoning: true, requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			require.NotNil(t, o.Usage)
			if d := o.Usage.CompletionTokensDetails; d != nil {
				assert.Zero(t, d.ReasoningTokens)
			}
		},
	},
	{
		name: "thinking enabled on a third-party model", quirk: "deepseek-v3-2 on Ark defaults off and is switchable",
		req:       harbor.ChatRequest{Model: "doubao/deepseek-v3-2-251201", Messages: user("why"), Thinking: arkThinkOn},
		sent:      map[string]any{"/thinking/type": "enabled"},
		reasoning: arkReasoning("why"), requests: 1,
	},
	{
		name: "thinking auto on doubao-seed-1-6-250615", quirk: "auto exists on that one model and is sent",
		req:  harbor.ChatRequest{Model: "doubao-seed-1-6-250615", Messages: user("why"), Thinking: arkThinkAuto},
		sent: map[string]any{"/thinking/type": "auto"},
		text: "Hello! You said: why", reasoning: arkReasoning("why"), model: "doubao-seed-1-6-250615", requests: 1,
	},
	{
		name: "thinking auto on another model", quirk: "auto only on doubao-seed-1-6-250615: rejected before I/O",
		req: harbor.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: user("why"), Thinking: arkThinkAuto},
		err: harbor.ErrInvalidRequest, param: "thinking", msgHas: "doubao-seed-1-6-250615", requests: 0,
	},
	{
		name: "thinking auto on a seed-2-0 model", quirk: "auto only on doubao-seed-1-6-250615: rejected before I/O",
		req: harbor.ChatRequest{Model: "doubao-seed-2-0-pro-260215", Messages: user("why"), Thinking: arkThinkAuto},
		err: harbor.ErrInvalidRequest, param: "thinking", requests: 0,
	},
	{
		name: "thinking auto on an endpoint id", quirk: "an ep-… hides its model, so Ark judges auto (vendor 400 InvalidParameter)",
		req:  harbor.ChatRequest{Model: arkEndpoint, Messages: user("why"), Thinking: arkThinkAuto},
		sent: map[string]any{"/thinking/type": "auto", "/model": arkEndpoint},
		err:  harbor.ErrInvalidRequest, code: "InvalidParameter", typ: "BadRequest", param: "thinking.type", status: 400, requestID: fromHeader, requests: 1,
	},
	{
		name: "reasoning_effort high", quirk: "reasoning_effort minimal|low|medium|high is sent",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("why"), ReasoningEffort: "high"},
		sent: map[string]any{"/reasoning_effort": "high"}, notSent: []string{"/thinking"},
		reasoning: arkReasoning("why"), requests: 1,
	},
	{
		name: "reasoning_effort minimal", quirk: "minimal means no thinking on switchable models",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("why"), ReasoningEffort: "minimal"},
		sent: map[string]any{"/reasoning_effort": "minimal"},
		text: "Hello! You said: why", noReasoning: true, requests: 1,
	},
	{
		name: "reasoning_effort max", quirk: "not one of Ark's four values: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("why"), ReasoningEffort: "max"},
		err: harbor.ErrInvalidRequest, param: "reasoning_effort", requests: 0,
	},
	{
		name: "reasoning_content sent back on a tool turn", quirk: "assistant turns carry reasoning_content and tool_calls; content \"\" not null",
		req: harbor.ChatRequest{Model: arkModel, Tools: arkWeatherTool(), Messages: []harbor.Message{
			harbor.UserMessage("weather?"),
			{Role: "assistant", ReasoningContent: "I need the weather tool.", ToolCalls: []harbor.ToolCall{{ID: "call_1", Type: "function", Function: harbor.FunctionCall{Name: "get_weather", Arguments: "{}"}}}},
			harbor.ToolMessage("call_1", "sunny"),
		}},
		sent: map[string]any{
			"/messages/1/reasoning_content": "I need the weather tool.", "/messages/1/content": "",
			"/messages/1/tool_calls/0/id": "call_1", "/messages/2/tool_call_id": "call_1",
		},
		text: "Tool result: sunny", finish: "stop", requests: 1,
	},

	// --- budgets and other limits ---
	{
		name: "max_tokens and max_completion_tokens together", quirk: "max_tokens xor max_completion_tokens: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi"), MaxTokens: harbor.Some(100), MaxCompletionTokens: harbor.Some(200)},
		err: harbor.ErrInvalidRequest, param: "max_completion_tokens", msgHas: "not both", requests: 0,
	},
	{
		name: "max_tokens caps the answer only", quirk: "max_tokens (answer only) sent as max_tokens; reasoning is free",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("tell me a story"), MaxTokens: harbor.Some(3)},
		sent: map[string]any{"/max_tokens": 3}, notSent: []string{"/max_completion_tokens"},
		text: "Hello! You said:", reasoning: arkReasoning("tell me a story"), finish: "length", requests: 1,
	},
	{
		name: "max_completion_tokens caps reasoning too", quirk: "max_completion_tokens (answer + CoT) sent under its own name",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("tell me a story"), MaxCompletionTokens: harbor.Some(3)},
		sent: map[string]any{"/max_completion_tokens": 3}, notSent: []string{"/max_tokens"},
		text: "", finish: "length", requests: 1,
		check: func(t *testing.T, o *arkOutcome) { assert.NotEmpty(t, o.Reasoning, "the budget went to reasoning") },
	},
	{
		name: "max_completion_tokens above 65536", quirk: "0–65536: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi"), MaxCompletionTokens: harbor.Some(70000)},
		err: harbor.ErrInvalidRequest, param: "max_completion_tokens", requests: 0,
	},
	{
		name: "five stop sequences", quirk: "stop ≤4: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi"), Stop: []string{"a", "b", "c", "d", "e"}},
		err: harbor.ErrInvalidRequest, param: "stop", requests: 0,
	},
	{
		name: "four stop sequences and zero temperature", quirk: "stop ≤4 sent; temperature 0 is a value",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("hi"), Thinking: arkThinkOff, Stop: []string{"a", "b", "c", "d"}, Temperature: harbor.Some(0.0), TopP: harbor.Some(0.7)},
		sent: map[string]any{"/stop": []string{"a", "b", "c", "d"}, "/temperature": 0, "/top_p": 0.7},
		text: "Hello! You said: hi", requests: 1,
	},
	{
		name: "seed", quirk: "Ark has no seed: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi"), Seed: harbor.Some(int64(7))},
		err: harbor.ErrInvalidRequest, param: "seed", requests: 0,
	},
	{
		name: "web_search", quirk: "Baidu-only option: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi"), WebSearch: &harbor.WebSearch{Enable: true}},
		err: harbor.ErrInvalidRequest, param: "web_search", requests: 0,
	},
	{
		name: "strict function tool", quirk: "Ark's function tools have no strict flag: rejected before I/O",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi"), Tools: []harbor.Tool{{Type: "function",
			Function: harbor.FunctionDefinition{Name: "f", Strict: harbor.Some(true)}}}},
		err: harbor.ErrInvalidRequest, param: "tools", requests: 0,
	},
	{
		name: "json_schema response format", quirk: "response_format text|json_object|json_schema{name,schema,strict}",
		req: harbor.ChatRequest{Model: arkModel, Thinking: arkThinkOff, Messages: user("an object please"), ResponseFormat: &harbor.ResponseFormat{Type: "json_schema",
			JSONSchema: &harbor.JSONSchema{Name: "obj", Strict: harbor.Some(true), Schema: []byte(`{"type":"object"}`)}}},
		sent: map[string]any{"/response_format/type": "json_schema", "/response_format/json_schema/name": "obj",
			"/response_format/json_schema/strict": true, "/response_format/json_schema/schema/type": "object"},
		requests: 1,
	},
	{
		name: "json_object answer is a JSON object", quirk: "response_format json_object: the content is one JSON object (streamed in pieces)",
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("the weather in Paris"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		finish: "stop", requests: 1, check: jsonObjectAnswer[*mockvendor.Ark],
	},
	{
		name: "json_schema answer is valid for the schema", quirk: "response_format json_schema: the content is an instance of json_schema.schema",
		req:    harbor.ChatRequest{Model: arkModel, Thinking: arkThinkOff, Messages: user("the weather in Paris"), ResponseFormat: fmtJSONSchema()},
		sent:   map[string]any{"/response_format/json_schema/schema/$defs/hour/type": "object"},
		finish: "stop", requests: 1, check: schemaAnswer[*mockvendor.Ark],
	},
	{
		name: "extra body passes through", quirk: "service_tier and other Ark-only fields via ExtraBody",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("hi"), ExtraBody: map[string]any{"service_tier": "auto", "repetition_penalty": 1.05}},
		sent: map[string]any{"/service_tier": "auto", "/repetition_penalty": 1.05}, requests: 1,
	},
	{
		name: "vendor-side invalid parameter", quirk: "400 InvalidParameter with param: ErrInvalidRequest, not retried",
		req:     harbor.ChatRequest{Model: arkModel, Messages: user("hi"), ExtraBody: map[string]any{"service_tier": "premium"}},
		offSpec: `"/service_tier": value is not one of the allowed values`,
		err:     harbor.ErrInvalidRequest, code: "InvalidParameter", typ: "BadRequest", param: "service_tier", status: 400, requestID: fromHeader, requests: 1,
	},
	{
		name: "closed endpoint", quirk: "400 InvalidEndpoint.ClosedEndpoint keeps ErrInvalidRequest, with a hint",
		faults: []mockvendor.Fault{{Status: 400, Code: "InvalidEndpoint.ClosedEndpoint"}},
		req:    harbor.ChatRequest{Model: arkEndpoint, Messages: user("hi")},
		err:    harbor.ErrInvalidRequest, code: "InvalidEndpoint.ClosedEndpoint", typ: "BadRequest", status: 400,
		msgHas: "re-enable it", requests: 1,
	},

	// --- tools ---
	{
		name: "tool call", quirk: "tools/tool_choice; tool-call turns have content \"\"; deltas concatenate by index",
		req: harbor.ChatRequest{Model: arkModel, Thinking: arkThinkOff, Messages: user("weather in Paris"), Tools: arkWeatherTool(), ToolChoice: &harbor.ToolChoice{Function: "get_weather"}},
		sent: map[string]any{"/tools/0/type": "function", "/tools/0/function/name": "get_weather", "/tools/0/function/parameters/type": "object",
			"/tool_choice": map[string]any{"type": "function", "function": map[string]any{"name": "get_weather"}}},
		text: "", finish: "tool_calls", requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			require.Len(t, o.ToolCalls, 1)
			assert.Equal(t, "get_weather", o.ToolCalls[0].Function.Name)
			assert.Equal(t, "function", o.ToolCalls[0].Type)
			assert.NotEmpty(t, o.ToolCalls[0].ID)
			assert.JSONEq(t, `{"query":"weather in Paris"}`, o.ToolCalls[0].Function.Arguments)
		},
	},
	{
		name: "tool-call arguments follow the tool's schema", quirk: "function.arguments is JSON valid for function.parameters",
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("forecast for Paris"), Tools: fmtTools()},
		finish: "tool_calls", requests: 1, check: schemaArgs[*mockvendor.Ark],
	},

	// --- streams ---
	{
		name: "role repeated on every delta", quirk: "Ark repeats role:assistant on every chunk; the caller sees it on the first only",
		only: "stream",
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("a few words please")},
		text: "Hello! You said: a few words please", reasoning: arkReasoning("a few words please"), requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			require.Greater(t, len(o.chunks), 3)
			require.NotEmpty(t, o.chunks[0].Choices)
			assert.Equal(t, "assistant", o.chunks[0].Choices[0].Delta.Role, "first delta names the role")
			for i, c := range o.chunks[1:] {
				for _, ch := range c.Choices {
					assert.Empty(t, ch.Delta.Role, "chunk %d repeats the role", i+1)
				}
			}
		},
	},
	{
		name: "finish_reason absent until the last choice chunk", quirk: "finish_reason key only on the last chunk: \"\" before, then exactly one",
		only:   "stream",
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("a few words please")},
		finish: "stop", requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			var finishes []int
			last := -1
			for i, c := range o.chunks {
				for _, ch := range c.Choices {
					last = i
					if ch.FinishReason != "" {
						finishes = append(finishes, i)
					}
				}
			}
			require.Len(t, finishes, 1, "one finish")
			assert.Equal(t, last, finishes[0], "finish on the last chunk with choices")
		},
	},
	{
		name: "include_usage extra chunk", quirk: "include_usage always asked; usage arrives on a last choices:[] chunk, none before",
		only:     "stream",
		req:      harbor.ChatRequest{Model: arkModel, Messages: user("count me")},
		sent:     map[string]any{"/stream": true, "/stream_options": map[string]any{"include_usage": true}},
		requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			require.NotEmpty(t, o.chunks)
			lastChunk := o.chunks[len(o.chunks)-1]
			assert.Empty(t, lastChunk.Choices, "usage chunk has no choices")
			require.NotNil(t, lastChunk.Usage, "usage on the last chunk")
			for i, c := range o.chunks[:len(o.chunks)-1] {
				assert.Nil(t, c.Usage, "chunk %d: usage:null is no usage", i)
			}
			u := lastChunk.Usage
			assert.Positive(t, u.PromptTokens)
			assert.Equal(t, u.PromptTokens+u.CompletionTokens, u.TotalTokens)
			require.NotNil(t, u.CompletionTokensDetails)
			assert.Positive(t, u.CompletionTokensDetails.ReasoningTokens)
		},
	},
	{
		name: "chunk_include_usage via extra body", quirk: "Ark-only cumulative usage on every chunk; the final totals still last",
		only: "stream",
		req: harbor.ChatRequest{Model: arkModel, Messages: user("count me"),
			ExtraBody: map[string]any{"stream_options": map[string]any{"include_usage": true, "chunk_include_usage": true}}},
		sent:     map[string]any{"/stream_options/chunk_include_usage": true, "/stream_options/include_usage": true},
		text:     "Hello! You said: count me",
		requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			prev := 0
			for i, c := range o.chunks {
				require.NotNil(t, c.Usage, "chunk %d carries usage", i)
				assert.GreaterOrEqual(t, c.Usage.CompletionTokens, prev, "cumulative")
				prev = c.Usage.CompletionTokens
			}
			assert.Equal(t, o.Usage, o.chunks[len(o.chunks)-1].Usage)
		},
	},
	{
		name: "300 noise lines before the first event", quirk: "SDK tolerates ≤300 non-data lines (: ping, event: ping)",
		only: "stream",
		mock: mockvendor.ArkConfig{NoiseLines: 300},
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		text: "Hello! You said: hi", reasoning: arkReasoning("hi"), finish: "stop", requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			assert.Equal(t, "assistant", o.chunks[0].Choices[0].Delta.Role, "noise does not become a chunk")
		},
	},
	{
		name: "reasoning chunks with empty content", quirk: "reasoning arrives as delta.reasoning_content with content \"\"",
		only: "stream",
		req:  harbor.ChatRequest{Model: "doubao-seed-1-6-thinking-250715", Messages: user("think")},
		text: "Hello! You said: think", reasoning: arkReasoning("think"), requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			require.NotEmpty(t, o.chunks[0].Choices)
			assert.NotEmpty(t, o.chunks[0].Choices[0].Delta.ReasoningContent)
			assert.Empty(t, o.chunks[0].Choices[0].Delta.Content)
		},
	},
	{
		name: "stream ends without [DONE]", quirk: "a clean close before the end marker is truncation",
		only: "stream", faults: []mockvendor.Fault{mockvendor.TruncatedStream(2)},
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "stream ends after the usage chunk but before [DONE]", quirk: "the end marker is [DONE], not finish_reason or the usage chunk",
		only: "stream", faults: []mockvendor.Fault{mockvendor.TruncatedStream(6)}, // 4 words, finish, usage: 6 events, then no [DONE]
		req: harbor.ChatRequest{Model: arkModel, Thinking: arkThinkOff, Messages: user("hi")},
		err: harbor.ErrStreamTruncated, requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			assert.Equal(t, "Hello! You said: hi", o.Text, "every word arrived")
			assert.Equal(t, "stop", o.Finish, "the finish chunk did arrive")
			assert.NotNil(t, o.Usage, "and the usage chunk")
		},
	},
	{
		name: "stream aborted mid-body", quirk: "never retried once bytes reached the caller",
		only: "stream", faults: []mockvendor.Fault{mockvendor.AbortedStream(2)},
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "mid-stream error event", quirk: `data: {"error":…} ends the stream: code and type kept, kind from the type, request id, not retried`,
		only: "stream", faults: []mockvendor.Fault{mockvendor.ArkMidStreamError(2)},
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err: harbor.ErrServer, code: "InternalServiceError", typ: "InternalServerError", status: noStatus, requestID: fromHeader, requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			var he *harbor.Error
			require.ErrorAs(t, o.err, &he)
			assert.False(t, he.Transient, "part of the answer already reached the caller")
			assert.Len(t, o.chunks, 2, "the chunks before the error were delivered")
		},
	},
	{
		name: "mid-stream rate limit", quirk: "dotted RateLimitExceeded.* code inside a stream -> ErrRateLimited, not retried",
		only: "stream", faults: []mockvendor.Fault{{ErrorAfter: 1, Code: "RateLimitExceeded.EndpointTPMExceeded"}},
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err: harbor.ErrRateLimited, code: "RateLimitExceeded.EndpointTPMExceeded", typ: "TooManyRequests", status: noStatus, requestID: fromHeader, requests: 1,
	},
	{
		name: "mid-stream output moderation", quirk: "SensitiveContentDetected inside a stream -> ErrContentFilter",
		only: "stream", faults: []mockvendor.Fault{{ErrorAfter: 3, Code: "SensitiveContentDetected.Violence"}},
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err: harbor.ErrContentFilter, code: "SensitiveContentDetected.Violence", typ: "BadRequest", status: noStatus, requestID: fromHeader, requests: 1,
	},
	{
		name: "mid-stream error kind read from its type", quirk: "a stream error has no status: its CamelCase type (BadRequest) stands for one",
		only: "stream", faults: []mockvendor.Fault{{ErrorAfter: 1, Code: "InvalidEndpoint.ClosedEndpoint"}},
		req: harbor.ChatRequest{Model: arkEndpoint, Messages: user("hi")},
		err: harbor.ErrInvalidRequest, code: "InvalidEndpoint.ClosedEndpoint", typ: "BadRequest", status: noStatus, requestID: fromHeader,
		msgHas: "re-enable it", requests: 1,
	},
	{
		name: "content_filter finish", quirk: "finish_reason content_filter (with moderation_hit_type) is an answer, not an error",
		req:    harbor.ChatRequest{Model: arkModel, Thinking: arkThinkOff, Messages: user("[[content_filter]]")},
		finish: "content_filter", requests: 1,
	},

	// --- error classes ---
	{
		name: "401 bad key", quirk: "401 AuthenticationError / Unauthorized; the key never appears",
		mock: mockvendor.ArkConfig{APIKey: "ark-the-right-one"},
		req:  harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:  harbor.ErrAuthentication, code: "AuthenticationError", typ: "Unauthorized", status: 401, requestID: fromHeader, requests: 1,
	},
	{
		name: "403 account overdue", quirk: "AccountOverdueError (a 403) -> ErrInsufficientBalance, not retried",
		faults: []mockvendor.Fault{mockvendor.ArkOverdue(), {}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrInsufficientBalance, code: "AccountOverdueError", typ: "Forbidden", status: 403, requestID: fromHeader,
		msgHas: "top it up", requests: 1,
	},
	{
		name: "403 access denied", quirk: "AccessDenied -> ErrPermission",
		faults: []mockvendor.Fault{{Status: 403, Code: "AccessDenied"}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrPermission, code: "AccessDenied", typ: "Forbidden", status: 403, requestID: fromHeader, requests: 1,
	},
	{
		name: "400 sensitive content", quirk: "SensitiveContentDetected.SevereViolation (a 400) -> ErrContentFilter",
		faults: []mockvendor.Fault{mockvendor.ArkSensitiveContent()},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrContentFilter, code: "SensitiveContentDetected.SevereViolation", typ: "BadRequest", status: 400, requestID: fromHeader, requests: 1,
	},
	{
		name: "400 input image sensitive", quirk: "InputImageSensitiveContentDetected -> ErrContentFilter",
		faults: []mockvendor.Fault{{Status: 400, Code: "InputImageSensitiveContentDetected"}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrContentFilter, code: "InputImageSensitiveContentDetected", typ: "BadRequest", status: 400, requests: 1,
	},
	{
		name: "400 input text sensitive", quirk: "InputTextSensitiveContentDetected -> ErrContentFilter, not retried",
		faults: []mockvendor.Fault{{Status: 400, Code: "InputTextSensitiveContentDetected"}, {}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrContentFilter, code: "InputTextSensitiveContentDetected", typ: "BadRequest", status: 400, requestID: fromHeader, requests: 1,
	},
	{
		name: "400 missing parameter", quirk: "MissingParameter (a 400) -> ErrInvalidRequest, not retried",
		faults: []mockvendor.Fault{{Status: 400, Code: "MissingParameter"}, {}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrInvalidRequest, code: "MissingParameter", typ: "BadRequest", status: 400, requestID: fromHeader, requests: 1,
	},
	{
		name: "429 then success", quirk: "RateLimitExceeded.EndpointRPMExceeded is retried",
		faults: []mockvendor.Fault{mockvendor.ArkRateLimited("")},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		text:   "Hello! You said: hi", requests: 2,
	},
	{
		name: "429 Retry-After honoured", quirk: "Retry-After (seconds) is waited before the retry",
		faults: []mockvendor.Fault{mockvendor.ArkTPMLimited("1")},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		text:   "Hello! You said: hi", requests: 2,
		minElapsed: 900 * time.Millisecond, // waited for Retry-After, not the 1–2ms backoff
	},
	{
		name: "429 persistent", quirk: "RateLimitExceeded.* -> ErrRateLimited after the retries; dotted code and CamelCase type kept",
		faults: []mockvendor.Fault{mockvendor.ArkRateLimited(""), mockvendor.ArkRateLimited(""), {Status: 429, Code: "RateLimitExceeded.FoundationModelRPMExceeded"}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrRateLimited, code: "RateLimitExceeded.FoundationModelRPMExceeded", typ: "TooManyRequests", status: 429, requestID: fromHeader, requests: 3,
		check: func(t *testing.T, o *arkOutcome) {
			var he *harbor.Error
			require.ErrorAs(t, o.err, &he)
			assert.True(t, he.Transient)
			assert.Contains(t, he.Error(), "TooManyRequests/RateLimitExceeded.FoundationModelRPMExceeded")
		},
	},
	{
		name: "429 Retry-After beyond the cap", quirk: "a wait longer than MaxRetryAfter is not retried; RetryAfter surfaces",
		faults: []mockvendor.Fault{mockvendor.ArkRateLimited("120")},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrRateLimited, code: "RateLimitExceeded.EndpointRPMExceeded", typ: "TooManyRequests", status: 429, requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			var he *harbor.Error
			require.ErrorAs(t, o.err, &he)
			assert.Equal(t, 120*time.Second, he.RetryAfter)
		},
	},
	{
		name: "500 then success", quirk: "server error retried",
		faults: []mockvendor.Fault{{Status: 500}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		text:   "Hello! You said: hi", requests: 2,
	},
	{
		name: "503 until retries run out", quirk: "overload is ErrServer after the retries",
		faults: []mockvendor.Fault{{Status: 503}, {Status: 503}, {Status: 503}},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrServer, code: "ServiceUnavailable", typ: "ServiceUnavailable", status: 503, requestID: fromHeader, requests: 3,
	},
	{
		name: "connection reset then success", quirk: "resets are retried before any byte reached the caller",
		faults: []mockvendor.Fault{mockvendor.ConnectionReset()},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		text:   "Hello! You said: hi", requests: 2,
	},

	// --- answers with no choices ---
	{
		name: "200 with an error object gets the class it names", quirk: "an error object in a 200 answer is classified by its type and code, as with its status",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"code":"RateLimitExceeded.EndpointRPMExceeded","message":"The request has exceeded the RPM limit of the endpoint.","param":"","type":"TooManyRequests"}}`)},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")}, offSpec: arkNoCompletion,
		err: harbor.ErrRateLimited, code: "RateLimitExceeded.EndpointRPMExceeded", typ: "TooManyRequests", status: 200,
		msgHas: "RPM limit", requests: 1,
	},
	{
		name: "200 with {} is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{}`)},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")}, offSpec: arkNoCompletion,
		err: harbor.ErrBadResponse, requests: 1,
	},
	{
		name: "200 with null is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `null`)},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")}, offSpec: arkNoCompletion,
		err: harbor.ErrBadResponse, requests: 1,
	},

	// --- request ids ---
	{
		name: "request id from the message suffix", quirk: `no X-Request-Id header: the id comes from "… Request id: <id>"`,
		stripRequestID: true, faults: []mockvendor.Fault{mockvendor.ArkModelNotOpen()},
		req: harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err: harbor.ErrNotFound, code: "ModelNotOpen", status: 404, requestID: fromHeader, requests: 1,
	},
	{
		name: "client request id echoed", quirk: "X-Client-Request-Id is echoed; it becomes the RequestID and the vendor's id stays in the message",
		stripRequestID: true, opts: []harbor.CallOption{harbor.WithHeader("X-Client-Request-Id", "trace-42")},
		faults: []mockvendor.Fault{mockvendor.ArkOverdue()},
		req:    harbor.ChatRequest{Model: arkModel, Messages: user("hi")},
		err:    harbor.ErrInsufficientBalance, status: 403, requests: 1,
		check: func(t *testing.T, o *arkOutcome) {
			assert.Equal(t, "trace-42", o.reqs[0].Header.Get("X-Client-Request-Id"))
			var he *harbor.Error
			require.ErrorAs(t, o.err, &he)
			assert.Equal(t, "trace-42", he.RequestID)
			assert.Contains(t, he.Message, "Request id: "+o.lastVendorID(t), "both ids are kept")
		},
	},
}

func TestArk(t *testing.T) { runTable(t, arkHarness, arkCases) }

// TestArkToolLoopWithThinking runs the documented multi-turn flow: a thinking model
// calls a tool, the caller sends back the assistant message as returned (content ""
// and reasoning_content included) with the tool result, and the vendor accepts it.
func TestArkToolLoopWithThinking(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", streaming), func(t *testing.T) {
			m, c := arkHarness.client(t)
			req := &harbor.ChatRequest{Model: arkModel, Messages: user("weather in Paris"), Tools: arkWeatherTool()}
			o1 := call(ctxT(t), c, req, streaming)
			require.NoError(t, o1.err)
			require.Equal(t, "tool_calls", o1.Finish)
			require.Len(t, o1.ToolCalls, 1)
			require.NotEmpty(t, o1.Reasoning)
			assistant := harbor.Message{Role: harbor.RoleAssistant, Content: o1.Text, ReasoningContent: o1.Reasoning, ToolCalls: o1.ToolCalls}
			req.Messages = append(req.Messages, assistant, harbor.ToolMessage(o1.ToolCalls[0].ID, "sunny, 21°C"))

			o2 := call(ctxT(t), c, req, false)
			require.NoError(t, o2.err)
			assert.Equal(t, "Tool result: sunny, 21°C", o2.Text)
			assertSent(t, sentBody(t, m.Requests(), 1), map[string]any{
				"/messages/1/role":                       "assistant",
				"/messages/1/content":                    "",
				"/messages/1/reasoning_content":          o1.Reasoning,
				"/messages/1/tool_calls/0/id":            o1.ToolCalls[0].ID,
				"/messages/1/tool_calls/0/function/name": "get_weather",
				"/messages/2/role":                       "tool",
				"/messages/2/tool_call_id":               o1.ToolCalls[0].ID,
				"/messages/2/content":                    "sunny, 21°C",
			}, nil)
		})
	}
}

// TestArkStreamErrorLines covers mid-stream error events the mock does not produce:
// the bare {"error":…} line (no "data:" field) Ark may send, and an error whose
// dotted code alone names its class (no type). A stub server sends one chunk, then
// the line.
func TestArkStreamErrorLines(t *testing.T) {
	const first = `{"choices":[{"delta":{"content":"你","role":"assistant"},"index":0}],"created":1765713048,"id":"0217657130480000000000000000000000000000000000000000a","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion.chunk","usage":null}`
	const rid = "0217657130480000000000000000000000000000000000000000b"
	for _, tc := range []struct {
		name, line string
		kind       error
		code, typ  string
	}{
		{"bare error line", `{"error":{"code":"RateLimitExceeded.EndpointTPMExceeded","message":"The Tokens Per Minute (TPM) limit of the associated endpoint for your account has been exceeded. Request id: ` + rid + `","param":"","type":"TooManyRequests"}}`,
			harbor.ErrRateLimited, "RateLimitExceeded.EndpointTPMExceeded", "TooManyRequests"},
		{"dotted code without type", `data: {"error":{"code":"RateLimitExceeded.EndpointRPMExceeded","message":"RPM exceeded. Request id: ` + rid + `","param":""}}`,
			harbor.ErrRateLimited, "RateLimitExceeded.EndpointRPMExceeded", ""},
		{"overdue without type", `data: {"error":{"code":"AccountOverdueError","message":"overdue. Request id: ` + rid + `"}}`,
			harbor.ErrInsufficientBalance, "AccountOverdueError", ""},
		{"model not open without type", `data: {"error":{"code":"ModelNotOpen","message":"not open. Request id: ` + rid + `"}}`,
			harbor.ErrNotFound, "ModelNotOpen", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "data: %s\n\n%s\n\n", first, tc.line)
			}))
			defer srv.Close()
			c := arkHarness.newClient(t, harbor.ProviderConfig{APIKey: arkKey, BaseURL: srv.URL + "/api/v3"}, nil)
			o := call(ctxT(t), c, &harbor.ChatRequest{Model: arkModel, Messages: user("hi")}, true)
			require.Len(t, o.chunks, 1)
			assert.Equal(t, "你", o.Text)
			wantErr(t, o.err, tc.kind)
			var he *harbor.Error
			require.True(t, errors.As(o.err, &he))
			assert.Equal(t, tc.code, he.Code)
			assert.Equal(t, tc.typ, he.Type)
			assert.Equal(t, rid, he.RequestID, "from the message suffix")
			assert.NotContains(t, he.Message, "Request id:")
			assert.False(t, he.Transient, "a failed stream is not retried")
		})
	}
}

// TestArkListModels covers GET /models (whose existence on Ark is unconfirmed): the
// mock serves it, with the bearer key, and harbor lists the models as doubao's.
func TestArkListModels(t *testing.T) {
	m, c := arkHarness.client(t)
	models, err := c.ListRemoteModels(ctxT(t), "doubao")
	require.NoError(t, err)
	require.NotEmpty(t, models)
	assert.Equal(t, "doubao-seed-2-0-pro-260215", models[0].ID)
	assert.Equal(t, "doubao", models[0].Provider)
	reqs := m.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/api/v3/models", reqs[0].Path)
	assert.Equal(t, "Bearer "+arkKey, reqs[0].Header.Get("Authorization"))
}
