package conformance

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

const dsKey = "sk-conformance-0123456789abcdef"

func user(s string) []harbor.Message { return []harbor.Message{harbor.UserMessage(s)} }

var thinkingOff = &harbor.Thinking{Type: harbor.ThinkingDisabled}

type (
	deepseekCase    = vendorCase[mockvendor.DeepSeekConfig, *mockvendor.DeepSeek]
	deepseekOutcome = outcome[*mockvendor.DeepSeek]
)

// deepseekHarness runs DeepSeek's table: every request is POST /chat/completions
// with the key as a bearer token.
var deepseekHarness = &harness[mockvendor.DeepSeekConfig, *mockvendor.DeepSeek]{
	provider: "deepseek", spec: "deepseek", idHeader: "X-Request-Id",
	newMock: func(cfg mockvendor.DeepSeekConfig) *mockvendor.DeepSeek {
		cfg.APIKey = cmp.Or(cfg.APIKey, dsKey) // a row's own key: the client's is wrong
		return mockvendor.NewDeepSeek(cfg)
	},
	config:     func(p *harbor.ProviderConfig) { p.APIKey = cmp.Or(p.APIKey, dsKey) },
	wire:       bearerWire[*mockvendor.DeepSeek],
	streamSent: openAIStreamSent, createNotSent: openAINoStream,
}

// dsNoCompletion is what the spec says of a 200 answer that is not a completion.
const dsNoCompletion = "response 200: "

var deepseekCases = []deepseekCase{
	{
		name: "plain answer", quirk: "OpenAI-shaped request and response; bearer auth",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/messages/0/role": "user", "/messages/0/content": "hi", "/thinking/type": "disabled"},
		text: "Hello! You said: hi", finish: "stop", requests: 1,
		check: func(t *testing.T, o *deepseekOutcome) {
			assert.Equal(t, "Bearer "+dsKey, o.reqs[0].Header.Get("Authorization"))
			assert.Equal(t, "/chat/completions", o.reqs[0].Path)
			require.NotNil(t, o.Usage)
			assert.Equal(t, o.Usage.PromptTokens, o.Usage.PromptCacheHitTokens+o.Usage.PromptCacheMissTokens, "hit + miss = prompt")
			assert.Equal(t, o.Usage.PromptTokens+o.Usage.CompletionTokens, o.Usage.TotalTokens)
		},
	},
	{
		name: "legacy deepseek-chat", quirk: "retired 2026-07-24: becomes v4-flash without thinking",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-chat", Messages: user("hi")},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/thinking/type": "disabled"},
		text: "Hello! You said: hi", noReasoning: true, finish: "stop", requests: 1,
	},
	{
		name: "legacy deepseek-reasoner", quirk: "retired 2026-07-24: becomes v4-flash with thinking",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-reasoner", Messages: user("hi")},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/thinking/type": "enabled"},
		text: "Hello! You said: hi", reasoning: `The user said "hi". I will answer briefly.`, finish: "stop", requests: 1,
	},
	{
		name: "explicit thinking wins over the alias", quirk: "alias mode is overridable",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-reasoner", Messages: user("hi"), Thinking: thinkingOff},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/thinking/type": "disabled"},
		text: "Hello! You said: hi", requests: 1,
	},
	{
		name: "thinking is the v4 default", quirk: "no thinking field: vendor default (enabled) and reasoning comes back",
		only:    "create",
		req:     harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("why")},
		notSent: []string{"/thinking"},
		text:    "Hello! You said: why", reasoning: `The user said "why". I will answer briefly.`, requests: 1,
	},
	{
		name: "text parts are joined into a string", quirk: "content is a string only (arrays get 422)",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Thinking: thinkingOff, Messages: []harbor.Message{harbor.UserParts(harbor.TextPart("two "), harbor.TextPart("parts"))}},
		sent: map[string]any{"/messages/0/content": "two parts"},
		text: "Hello! You said: two parts", requests: 1,
	},
	{
		name: "image parts are refused before I/O", quirk: "DeepSeek is text-only",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserParts(harbor.ImagePart("https://x/y.png", ""))}},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "temperature 0 is sent", quirk: "zero is a value, not unset",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff, Temperature: harbor.Some(0.0), TopP: harbor.Some(1.0), MaxTokens: harbor.Some(100)},
		sent: map[string]any{"/temperature": 0, "/top_p": 1, "/max_tokens": 100}, requests: 1,
	},
	{
		name: "reasoning_effort passes through", quirk: "reasoning_effort high|max; the vendor maps low/medium to high and xhigh to max itself",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("hi"), ReasoningEffort: "low"},
		sent: map[string]any{"/reasoning_effort": "low"}, requests: 1,
	},
	{
		name: "reasoning_effort outside DeepSeek's values is refused before I/O", quirk: "the vendor 422s an unknown variant",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("hi"), ReasoningEffort: "minimal"},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "seventeen stop sequences are refused before I/O", quirk: "stop: a string or at most 16 strings",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Stop: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"}},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "max_tokens above 393216 is refused before I/O", quirk: "max_tokens up to 393216 on v4",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), MaxTokens: harbor.Some(393217)},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "user_id outside [a-zA-Z0-9_-] is refused before I/O", quirk: "user_id matches [a-zA-Z0-9\\-_]+, ≤512",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), User: "user 42"},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "user becomes user_id", quirk: "top-level user_id, not OpenAI's user",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff, User: "u_42"},
		sent: map[string]any{"/user_id": "u_42"}, notSent: []string{"/user"}, requests: 1,
	},
	{
		name: "extra body passes through", quirk: "vendor fields harbor has no name for",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff, ExtraBody: map[string]any{"frequency_penalty": 0.5}},
		sent: map[string]any{"/frequency_penalty": 0.5}, requests: 1,
	},
	{
		name: "queued blank lines before the JSON body", quirk: "non-streaming responses preceded by blank lines while queued",
		only: "create",
		mock: mockvendor.DeepSeekConfig{QueueBlankLines: 5},
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff},
		text: "Hello! You said: hi", requests: 1,
	},
	{
		name: "stream with keep-alives and reasoning", quirk: ": keep-alive comments; reasoning chunks with content null; usage on the finish chunk",
		mock: mockvendor.DeepSeekConfig{KeepAlives: 3},
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("stream me")},
		only: "stream",
		sent: map[string]any{"/stream": true, "/stream_options/include_usage": true},
		text: "Hello! You said: stream me", reasoning: `The user said "stream me". I will answer briefly.`, finish: "stop", requests: 1,
		check: func(t *testing.T, o *deepseekOutcome) {
			assert.Equal(t, "text/event-stream", o.reqs[0].Header.Get("Accept"))
			require.NotNil(t, o.Usage, "usage is delivered at the end")
			assert.Positive(t, o.Usage.CompletionTokensDetails.ReasoningTokens)
		},
	},
	{
		name: "json_object needs the word json", quirk: `prompt must contain "json" (vendor 400)`,
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("give me an object"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "json_object with json in the prompt", quirk: "response_format json_object",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Thinking: thinkingOff, Messages: user("answer in JSON"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		sent: map[string]any{"/response_format/type": "json_object"}, requests: 1,
	},
	{
		name: "json_object answer is a JSON object", quirk: "response_format json_object: the content is one JSON object (streamed in pieces)",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("the weather in Paris, as JSON"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		finish: "stop", requests: 1, check: jsonObjectAnswer[*mockvendor.DeepSeek],
	},
	{
		name: "json_schema is refused before I/O", quirk: "no json_schema on DeepSeek",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("json"), ResponseFormat: &harbor.ResponseFormat{Type: "json_schema", JSONSchema: &harbor.JSONSchema{Name: "x"}}},
		err:  harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "reasoning eats the budget", quirk: "HTTP 200, content \"\", finish_reason length — not an error",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("think hard"), MaxTokens: harbor.Some(3)},
		text: "", finish: "length", requests: 1,
	},
	{
		name: "insufficient_system_resource passes through", quirk: "DeepSeek-only finish reason",
		only:   "create",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("[[insufficient]]"), Thinking: thinkingOff},
		finish: harbor.FinishReasonInsufficientSystemResource, requests: 1,
	},
	{
		name: "content_filter finish passes through", quirk: "finish_reason content_filter is an answer, not an error",
		only: "create",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("[[content_filter]]"), Thinking: thinkingOff},
		text: "Hello! You said: [[content_filter]]", finish: harbor.FinishReasonContentFilter, requests: 1,
	},
	{
		name: "content_filter finish streamed", quirk: "finish_reason content_filter on the finish chunk, then [DONE]",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("[[content_filter]]"), Thinking: thinkingOff},
		only: "stream", text: "Hello! You said: [[content_filter]]", finish: harbor.FinishReasonContentFilter, requests: 1,
	},
	{
		name: "usage rides on the finish chunk", quirk: "no usage-only chunk: usage on the finish chunk, \"usage\":null (no usage) on the others",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("count me"), Thinking: thinkingOff},
		only: "stream", sent: map[string]any{"/stream_options/include_usage": true},
		text: "Hello! You said: count me", finish: "stop", requests: 1,
		check: func(t *testing.T, o *deepseekOutcome) {
			chunks := o.chunks
			require.Greater(t, len(chunks), 2)
			last := chunks[len(chunks)-1]
			require.Len(t, last.Choices, 1, "the last chunk is the finish chunk, not a choices:[] usage chunk")
			assert.Equal(t, "stop", last.Choices[0].FinishReason)
			require.NotNil(t, last.Usage, "usage on the finish chunk")
			assert.Equal(t, harbor.Usage{PromptTokens: 3, CompletionTokens: 5, TotalTokens: 8, PromptCacheMissTokens: 3,
				PromptTokensDetails: &harbor.PromptTokensDetails{}, CompletionTokensDetails: &harbor.CompletionTokensDetails{}}, *last.Usage)
			for i, c := range chunks[:len(chunks)-1] {
				assert.Nil(t, c.Usage, "chunk %d: usage:null is no usage", i)
				require.Len(t, c.Choices, 1, "chunk %d", i)
				assert.Empty(t, c.Choices[0].FinishReason, "chunk %d", i)
			}
		},
	},
	{
		name: "stream ends after the finish chunk but before [DONE]", quirk: "the end marker is [DONE], not finish_reason or usage",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(6)}, // role, 4 words, finish+usage: 6 events, then no [DONE]
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff},
		only:   "stream", err: harbor.ErrStreamTruncated, requests: 1,
		check: func(t *testing.T, o *deepseekOutcome) {
			assert.Equal(t, "stop", o.Finish, "the finish chunk did arrive")
			assert.NotNil(t, o.Usage, "and its usage")
		},
	},
	{
		name: "tool call streamed", quirk: "tool_calls deltas concatenate by index",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("weather in Paris"), Thinking: thinkingOff, Tools: []harbor.Tool{harbor.FunctionTool("get_weather", "Weather", map[string]any{"type": "object"})}},
		only: "stream", finish: "tool_calls", requests: 1,
		sent: map[string]any{"/tools/0/function/name": "get_weather", "/tools/0/function/parameters/type": "object"},
		check: func(t *testing.T, o *deepseekOutcome) {
			require.Len(t, o.ToolCalls, 1)
			assert.Equal(t, "get_weather", o.ToolCalls[0].Function.Name)
			assert.JSONEq(t, `{"query":"weather in Paris"}`, o.ToolCalls[0].Function.Arguments)
		},
	},
	{
		name: "tool-call arguments follow the tool's schema", quirk: "function.arguments is JSON valid for function.parameters",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("forecast for Paris"), Thinking: thinkingOff, Tools: fmtTools()},
		finish: "tool_calls", requests: 1, check: schemaArgs[*mockvendor.DeepSeek],
	},
	{
		name: "thinking tool turn without reasoning_content is caught before I/O", quirk: "vendor 400s when reasoning_content is not sent back",
		only: "create",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{
			harbor.UserMessage("weather?"),
			{Role: "assistant", ToolCalls: []harbor.ToolCall{{ID: "call_1", Type: "function", Function: harbor.FunctionCall{Name: "w", Arguments: "{}"}}}},
			harbor.ToolMessage("call_1", "sunny"),
		}},
		err: harbor.ErrInvalidRequest, requests: 0,
	},

	// Answers with no choices: an error object is an error, never a completion with
	// none, classified by OpenAI's vocabulary as on every OpenAI-shaped vendor
	// (here type authentication_error), carrying the vendor's message, type and code.
	{
		name: "200 with an error object gets the class it names", quirk: "an error object in a 200 answer is an error, never a completion with no choices, of the class its type names (as on Ark, Qianfan and OpenAI)",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion,
		err: harbor.ErrAuthentication, status: 200, typ: "authentication_error", msgHas: "Authentication Fails", requests: 1,
	},
	{
		name: "200 with an error object in place of a stream", quirk: "the same answer to a stream request: the same error",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion, only: "stream",
		err: harbor.ErrAuthentication, status: 200, typ: "authentication_error", msgHas: "Authentication Fails", requests: 1,
	},
	{
		name: "200 with {} is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{}`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion,
		err: harbor.ErrBadResponse, status: 200, requests: 1,
	},
	{
		name: "200 with null is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `null`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion,
		err: harbor.ErrBadResponse, status: 200, requests: 1,
	},

	// Errors: every documented status maps to a class; transient ones are retried.
	{
		name: "401 bad key", quirk: "authentication_error; key masked by vendor, never echoed by harbor",
		only: "create",
		mock: mockvendor.DeepSeekConfig{APIKey: "sk-the-right-one"},
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrAuthentication, status: 401, typ: "authentication_error", requests: 1,
	},
	{
		name: "402 insufficient balance", quirk: "402 unknown_error",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.InsufficientBalance()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInsufficientBalance, status: 402, typ: "unknown_error", requests: 1,
	},
	{
		name: "422 invalid parameters", quirk: "422 is a client error, not retried",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.InvalidParams("Failed to deserialize the JSON body into the target type")},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInvalidRequest, status: 422, typ: "invalid_request_error", requests: 1,
	},
	{
		name: "429 then success", quirk: "concurrency limit; Retry-After honoured and retried",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.RateLimited("0")},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "429 persistent", quirk: "rate limit surfaces with RetryAfter",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.RateLimited("1"), mockvendor.RateLimited("1"), mockvendor.RateLimited("1")},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrRateLimited, status: 429, typ: "rate_limit_error", requests: 3,
	},
	{
		name: "500 then success", quirk: "server error retried",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.ServerError()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "503 overloaded until retries run out", quirk: "overload is ErrServer",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.Overloaded(), mockvendor.Overloaded(), mockvendor.Overloaded()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrServer, status: 503, typ: "server_error", requests: 3,
	},
	{
		name: "connection reset then success", quirk: "resets are retried before any byte reached the caller",
		only:   "create",
		faults: []mockvendor.Fault{mockvendor.ConnectionReset()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "stream ends without [DONE]", quirk: "a clean close before the end marker is truncation",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(2)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, only: "stream", err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "stream aborted mid-way", quirk: "never retried once bytes reached the caller",
		faults: []mockvendor.Fault{mockvendor.AbortedStream(2)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, only: "stream", err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name:  "retired name sent as-is when aliases are disabled",
		quirk: "400 \"The supported API model names are …, but you passed deepseek-chat.\": the vendor does not know the model, ErrNotFound as OpenAI's 404",
		req:   harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), ExtraBody: map[string]any{"model": "deepseek-chat"}},
		err:   harbor.ErrNotFound, status: 400, typ: "invalid_request_error", param: "model", msgHas: "but you passed deepseek-chat", requests: 1,
	},
	{
		name:  "unknown model name",
		quirk: "400 \"Model Not Exist\" (the mock's and the real API's answer to a name DeepSeek does not serve): ErrNotFound as OpenAI's 404",
		req:   harbor.ChatRequest{Model: "deepseek-v9", Messages: user("hi")},
		err:   harbor.ErrNotFound, status: 400, typ: "invalid_request_error", param: "model", msgHas: "Model Not Exist", requests: 1,
	},
	{
		name: "400 context too long", quirk: "400 \"This model's maximum context length is 131072 tokens…\" (invalid_request_error): not retried",
		only:   "create",
		faults: []mockvendor.Fault{{Status: 400, Message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens (140000 in the messages, 0 in the completion). Please reduce the length of the messages or completion."}},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")},
		err:    harbor.ErrInvalidRequest, status: 400, typ: "invalid_request_error", requests: 1,
	},

	// The same error classes when a stream was asked for: the status comes before any
	// event, so Stream itself fails (and transient ones are retried first).
	{
		name: "401 bad key streamed", quirk: "authentication_error in place of a stream",
		mock: mockvendor.DeepSeekConfig{APIKey: "sk-the-right-one"}, only: "stream",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrAuthentication, status: 401, typ: "authentication_error", requests: 1,
	},
	{
		name: "402 insufficient balance streamed", quirk: "402 in place of a stream, not retried",
		faults: []mockvendor.Fault{mockvendor.InsufficientBalance()}, only: "stream",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInsufficientBalance, status: 402, typ: "unknown_error", requests: 1,
	},
	{
		name: "422 invalid parameters streamed", quirk: "422 in place of a stream, not retried",
		faults: []mockvendor.Fault{mockvendor.InvalidParams("")}, only: "stream",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInvalidRequest, status: 422, typ: "invalid_request_error", requests: 1,
	},
	{
		name: "429 then success streamed", quirk: "a 429 before the stream starts is retried",
		faults: []mockvendor.Fault{mockvendor.RateLimited("0")}, only: "stream",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", finish: "stop", requests: 2,
	},
	{
		name: "429 persistent streamed", quirk: "concurrency limit in place of a stream, after the retries",
		faults: []mockvendor.Fault{mockvendor.RateLimited(""), mockvendor.RateLimited(""), mockvendor.RateLimited("")}, only: "stream",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrRateLimited, status: 429, typ: "rate_limit_error", requests: 3,
	},
	{
		name: "503 overloaded streamed until retries run out", quirk: "overload in place of a stream is ErrServer after the retries",
		faults: []mockvendor.Fault{mockvendor.Overloaded(), mockvendor.Overloaded(), mockvendor.Overloaded()}, only: "stream",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrServer, status: 503, typ: "server_error", requests: 3,
	},
}

func TestDeepSeek(t *testing.T) { runTable(t, deepseekHarness, deepseekCases) }

// TestDeepSeekToolLoopWithThinking runs the documented multi-turn flow: the model
// calls a tool in thinking mode, the caller sends back the assistant message as
// returned (reasoning_content included) plus the tool result, and the vendor accepts it.
func TestDeepSeekToolLoopWithThinking(t *testing.T) {
	m, c := deepseekHarness.client(t)
	ctx := context.Background()
	req := &harbor.ChatRequest{Model: "deepseek-reasoner", Messages: user("weather in Paris"),
		Tools: []harbor.Tool{harbor.FunctionTool("get_weather", "", nil)}}
	r1, err := create(ctx, c, req)
	require.NoError(t, err)
	require.Equal(t, "tool_calls", r1.Finish)
	require.NotEmpty(t, r1.Message.ReasoningContent)
	req.Messages = append(req.Messages, r1.Message, harbor.ToolMessage(r1.ToolCalls[0].ID, "sunny, 21°C"))
	r2, err := create(ctx, c, req)
	require.NoError(t, err)
	assert.Equal(t, "Tool result: sunny, 21°C", r2.Text)
	body := sentBody(t, m.Requests(), 1)
	assertSent(t, body, map[string]any{
		"/messages/1/role":              "assistant",
		"/messages/1/reasoning_content": r1.Message.ReasoningContent,
		"/messages/1/tool_calls/0/id":   r1.ToolCalls[0].ID,
		"/messages/2/tool_call_id":      r1.ToolCalls[0].ID,
		"/messages/2/content":           "sunny, 21°C",
		"/tools/0/function/name":        "get_weather",
		"/thinking/type":                "enabled",
	}, []string{"/messages/1/content"})
}

// TestDeepSeekStreamClosedWhileQueued covers what the mock cannot produce (its stream
// cuts count data events, so none can fall before the first): DeepSeek closes a
// stream whose inference has not started within 10 minutes, after nothing but
// ": keep-alive" comments. A stub server sends those, then ends the body cleanly.
func TestDeepSeekStreamClosedWhileQueued(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		for range 3 {
			fmt.Fprint(w, ": keep-alive\n\n")
		}
	}))
	defer srv.Close()
	c := harbor.Must(harbor.New(harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithAPIKey("deepseek", dsKey), harbor.WithBaseURL("deepseek", srv.URL), harbor.WithRetryWait(0, 0)))
	a := call(ctxT(t), c, &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, true)
	wantErr(t, a.err, harbor.ErrStreamTruncated)
	assert.NotContains(t, a.err.Error(), dsKey)
	assert.Empty(t, a.chunks, "keep-alives are not chunks")
	assert.Empty(t, a.Text)
	assert.Equal(t, int32(1), hits.Load(), "the stream had started: not retried")
}

// TestDeepSeekBalanceAndModels covers the two management endpoints of the spec.
func TestDeepSeekBalanceAndModels(t *testing.T) {
	_, p := deepseekHarness.start(t, mockvendor.DeepSeekConfig{}, harbor.ProviderConfig{})
	c := deepseekHarness.newClient(t, p, nil)
	models, err := c.ListRemoteModels(context.Background(), "deepseek")
	require.NoError(t, err)
	require.NotEmpty(t, models)
	assert.Equal(t, "deepseek-v4-flash", models[0].ID)

	prov, err := deepseekProvider(p.BaseURL)
	require.NoError(t, err)
	b, err := prov.Balance(context.Background())
	require.NoError(t, err)
	assert.True(t, b.IsAvailable)
	assert.Equal(t, "59.40", b.Infos[0].Total, "amounts stay decimal strings")
}

var _ llm.Provider = (*deepseekProviderT)(nil)
