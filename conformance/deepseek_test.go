package conformance

import (
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

// dsCase is one row of DeepSeek's conformance table.
type dsCase struct {
	name   string
	quirk  string // what in shared/vendors.md §1/§5 this row pins
	cfg    mockvendor.DeepSeekConfig
	faults []mockvendor.Fault
	req    harbor.ChatRequest
	stream bool
	// offSpec: a scripted answer breaks spec/deepseek.yaml on purpose; the spec
	// must reject it with a violation containing this text (see specChecked).
	offSpec string

	// what harbor must send (JSON pointers into the last request body), and how many
	// HTTP requests the vendor must see (-1: don't check; 0: rejected before I/O)
	sent     map[string]any
	notSent  []string
	requests int

	// what the caller must get: an error of Kind err, with the vendor's HTTP status
	// and OpenAI-shaped error type when set …
	err    error
	status int
	typ    string
	msgHas string
	// … or an answer
	text, reasoning, finish string
	check                   func(t *testing.T, r *result, reqs []mockvendor.RecordedRequest)
	// chunks, for stream rows, sees the chunks as the caller received them.
	chunks func(t *testing.T, chunks []harbor.Chunk)
}

// dsNoCompletion is what the spec says of a 200 answer that is not a completion.
const dsNoCompletion = "response 200: "

var deepseekCases = []dsCase{
	{
		name: "plain answer", quirk: "OpenAI-shaped request and response; bearer auth",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/messages/0/role": "user", "/messages/0/content": "hi", "/thinking/type": "disabled"},
		text: "Hello! You said: hi", finish: "stop", requests: 1,
		check: func(t *testing.T, r *result, reqs []mockvendor.RecordedRequest) {
			assert.Equal(t, "Bearer "+dsKey, reqs[0].Header.Get("Authorization"))
			assert.Equal(t, "/chat/completions", reqs[0].Path)
			require.NotNil(t, r.Usage)
			assert.Equal(t, r.Usage.PromptTokens, r.Usage.PromptCacheHitTokens+r.Usage.PromptCacheMissTokens, "hit + miss = prompt")
			assert.Equal(t, r.Usage.PromptTokens+r.Usage.CompletionTokens, r.Usage.TotalTokens)
		},
	},
	{
		name: "legacy deepseek-chat", quirk: "retired 2026-07-24: becomes v4-flash without thinking",
		req:  harbor.ChatRequest{Model: "deepseek-chat", Messages: user("hi")},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/thinking/type": "disabled"},
		text: "Hello! You said: hi", reasoning: "", finish: "stop", requests: 1,
	},
	{
		name: "legacy deepseek-reasoner", quirk: "retired 2026-07-24: becomes v4-flash with thinking",
		req:  harbor.ChatRequest{Model: "deepseek-reasoner", Messages: user("hi")},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/thinking/type": "enabled"},
		text: "Hello! You said: hi", reasoning: `The user said "hi". I will answer briefly.`, finish: "stop", requests: 1,
	},
	{
		name: "explicit thinking wins over the alias", quirk: "alias mode is overridable",
		req:  harbor.ChatRequest{Model: "deepseek-reasoner", Messages: user("hi"), Thinking: thinkingOff},
		sent: map[string]any{"/model": "deepseek-v4-flash", "/thinking/type": "disabled"},
		text: "Hello! You said: hi", requests: 1,
	},
	{
		name: "thinking is the v4 default", quirk: "no thinking field: vendor default (enabled) and reasoning comes back",
		req:     harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("why")},
		notSent: []string{"/thinking"},
		text:    "Hello! You said: why", reasoning: `The user said "why". I will answer briefly.`, requests: 1,
	},
	{
		name: "text parts are joined into a string", quirk: "content is a string only (arrays get 422)",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Thinking: thinkingOff, Messages: []harbor.Message{harbor.UserParts(harbor.TextPart("two "), harbor.TextPart("parts"))}},
		sent: map[string]any{"/messages/0/content": "two parts"},
		text: "Hello! You said: two parts", requests: 1,
	},
	{
		name: "image parts are refused before I/O", quirk: "DeepSeek is text-only",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserParts(harbor.ImagePart("https://x/y.png", ""))}},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "temperature 0 is sent", quirk: "zero is a value, not unset",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff, Temperature: harbor.Some(0.0), TopP: harbor.Some(1.0), MaxTokens: harbor.Some(100)},
		sent: map[string]any{"/temperature": 0, "/top_p": 1, "/max_tokens": 100}, requests: 1,
	},
	{
		name: "reasoning_effort passes through", quirk: "reasoning_effort high|max; the vendor maps low/medium to high and xhigh to max itself",
		req:  harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("hi"), ReasoningEffort: "low"},
		sent: map[string]any{"/reasoning_effort": "low"}, requests: 1,
	},
	{
		name: "reasoning_effort outside DeepSeek's values is refused before I/O", quirk: "the vendor 422s an unknown variant",
		req: harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("hi"), ReasoningEffort: "minimal"},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "seventeen stop sequences are refused before I/O", quirk: "stop: a string or at most 16 strings",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Stop: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"}},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "max_tokens above 393216 is refused before I/O", quirk: "max_tokens up to 393216 on v4",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), MaxTokens: harbor.Some(393217)},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "user_id outside [a-zA-Z0-9_-] is refused before I/O", quirk: "user_id matches [a-zA-Z0-9\\-_]+, ≤512",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), User: "user 42"},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "user becomes user_id", quirk: "top-level user_id, not OpenAI's user",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff, User: "u_42"},
		sent: map[string]any{"/user_id": "u_42"}, notSent: []string{"/user"}, requests: 1,
	},
	{
		name: "extra body passes through", quirk: "vendor fields harbor has no name for",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff, ExtraBody: map[string]any{"frequency_penalty": 0.5}},
		sent: map[string]any{"/frequency_penalty": 0.5}, requests: 1,
	},
	{
		name: "queued blank lines before the JSON body", quirk: "non-streaming responses preceded by blank lines while queued",
		cfg:  mockvendor.DeepSeekConfig{QueueBlankLines: 5},
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff},
		text: "Hello! You said: hi", requests: 1,
	},
	{
		name: "stream with keep-alives and reasoning", quirk: ": keep-alive comments; reasoning chunks with content null; usage on the finish chunk",
		cfg:    mockvendor.DeepSeekConfig{KeepAlives: 3},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("stream me")},
		stream: true,
		sent:   map[string]any{"/stream": true, "/stream_options/include_usage": true},
		text:   "Hello! You said: stream me", reasoning: `The user said "stream me". I will answer briefly.`, finish: "stop", requests: 1,
		check: func(t *testing.T, r *result, reqs []mockvendor.RecordedRequest) {
			assert.Equal(t, "text/event-stream", reqs[0].Header.Get("Accept"))
			require.NotNil(t, r.Usage, "usage is delivered at the end")
			assert.Positive(t, r.Usage.CompletionTokensDetails.ReasoningTokens)
		},
	},
	{
		name: "json_object needs the word json", quirk: `prompt must contain "json" (vendor 400)`,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("give me an object"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "json_object with json in the prompt", quirk: "response_format json_object",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Thinking: thinkingOff, Messages: user("answer in JSON"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		sent: map[string]any{"/response_format/type": "json_object"}, requests: 1,
	},
	{
		name: "json_schema is refused before I/O", quirk: "no json_schema on DeepSeek",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("json"), ResponseFormat: &harbor.ResponseFormat{Type: "json_schema", JSONSchema: &harbor.JSONSchema{Name: "x"}}},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "reasoning eats the budget", quirk: "HTTP 200, content \"\", finish_reason length — not an error",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("think hard"), MaxTokens: harbor.Some(3)},
		text: "", finish: "length", requests: 1,
	},
	{
		name: "insufficient_system_resource passes through", quirk: "DeepSeek-only finish reason",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("[[insufficient]]"), Thinking: thinkingOff},
		finish: harbor.FinishReasonInsufficientSystemResource, requests: 1,
	},
	{
		name: "content_filter finish passes through", quirk: "finish_reason content_filter is an answer, not an error",
		req:  harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("[[content_filter]]"), Thinking: thinkingOff},
		text: "Hello! You said: [[content_filter]]", finish: harbor.FinishReasonContentFilter, requests: 1,
	},
	{
		name: "content_filter finish streamed", quirk: "finish_reason content_filter on the finish chunk, then [DONE]",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("[[content_filter]]"), Thinking: thinkingOff},
		stream: true, text: "Hello! You said: [[content_filter]]", finish: harbor.FinishReasonContentFilter, requests: 1,
	},
	{
		name: "usage rides on the finish chunk", quirk: "no usage-only chunk: usage on the finish chunk, \"usage\":null (no usage) on the others",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("count me"), Thinking: thinkingOff},
		stream: true, sent: map[string]any{"/stream_options/include_usage": true},
		text: "Hello! You said: count me", finish: "stop", requests: 1,
		chunks: func(t *testing.T, chunks []harbor.Chunk) {
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
		stream: true, err: harbor.ErrStreamTruncated, requests: 1,
		check: func(t *testing.T, r *result, _ []mockvendor.RecordedRequest) {
			require.NotNil(t, r)
			assert.Equal(t, "stop", r.Finish, "the finish chunk did arrive")
			assert.NotNil(t, r.Usage, "and its usage")
		},
	},
	{
		name: "tool call streamed", quirk: "tool_calls deltas concatenate by index",
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("weather in Paris"), Thinking: thinkingOff, Tools: []harbor.Tool{harbor.FunctionTool("get_weather", "Weather", map[string]any{"type": "object"})}},
		stream: true, finish: "tool_calls", requests: 1,
		sent: map[string]any{"/tools/0/function/name": "get_weather", "/tools/0/function/parameters/type": "object"},
		check: func(t *testing.T, r *result, _ []mockvendor.RecordedRequest) {
			require.Len(t, r.ToolCalls, 1)
			assert.Equal(t, "get_weather", r.ToolCalls[0].Function.Name)
			assert.JSONEq(t, `{"query":"weather in Paris"}`, r.ToolCalls[0].Function.Arguments)
		},
	},
	{
		name: "thinking tool turn without reasoning_content is caught before I/O", quirk: "vendor 400s when reasoning_content is not sent back",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{
			harbor.UserMessage("weather?"),
			{Role: "assistant", ToolCalls: []harbor.ToolCall{{ID: "call_1", Type: "function", Function: harbor.FunctionCall{Name: "w", Arguments: "{}"}}}},
			harbor.ToolMessage("call_1", "sunny"),
		}},
		err: harbor.ErrInvalidRequest, requests: 0,
	},

	// Answers with no choices: DeepSeek has no code refinement, so an error object
	// is a bad response that carries the vendor's message, type and code.
	{
		name: "200 with an error object is a bad response carrying it", quirk: "an error object in a 200 answer is an error, never a completion with no choices",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion,
		err: harbor.ErrBadResponse, status: 200, typ: "authentication_error", msgHas: "Authentication Fails", requests: 1,
	},
	{
		name: "200 with an error object in place of a stream", quirk: "the same answer to a stream request: the same error",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion, stream: true,
		err: harbor.ErrBadResponse, status: 200, typ: "authentication_error", msgHas: "Authentication Fails", requests: 1,
	},
	{
		name: "200 with {} is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{}`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion,
		err: harbor.ErrBadResponse, status: 200, requests: 1,
	},
	{
		name: "200 with null is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `null`)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, offSpec: dsNoCompletion,
		err: harbor.ErrBadResponse, status: 200, requests: 1,
	},

	// Errors: every documented status maps to a class; transient ones are retried.
	{
		name: "401 bad key", quirk: "authentication_error; key masked by vendor, never echoed by harbor",
		cfg: mockvendor.DeepSeekConfig{APIKey: "sk-the-right-one"},
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrAuthentication, status: 401, typ: "authentication_error", requests: 1,
	},
	{
		name: "402 insufficient balance", quirk: "402 unknown_error",
		faults: []mockvendor.Fault{mockvendor.InsufficientBalance()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInsufficientBalance, status: 402, typ: "unknown_error", requests: 1,
	},
	{
		name: "422 invalid parameters", quirk: "422 is a client error, not retried",
		faults: []mockvendor.Fault{mockvendor.InvalidParams("Failed to deserialize the JSON body into the target type")},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInvalidRequest, status: 422, typ: "invalid_request_error", requests: 1,
	},
	{
		name: "429 then success", quirk: "concurrency limit; Retry-After honoured and retried",
		faults: []mockvendor.Fault{mockvendor.RateLimited("0")},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "429 persistent", quirk: "rate limit surfaces with RetryAfter",
		faults: []mockvendor.Fault{mockvendor.RateLimited("1"), mockvendor.RateLimited("1"), mockvendor.RateLimited("1")},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrRateLimited, status: 429, typ: "rate_limit_error", requests: 3,
	},
	{
		name: "500 then success", quirk: "server error retried",
		faults: []mockvendor.Fault{mockvendor.ServerError()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "503 overloaded until retries run out", quirk: "overload is ErrServer",
		faults: []mockvendor.Fault{mockvendor.Overloaded(), mockvendor.Overloaded(), mockvendor.Overloaded()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrServer, status: 503, typ: "server_error", requests: 3,
	},
	{
		name: "connection reset then success", quirk: "resets are retried before any byte reached the caller",
		faults: []mockvendor.Fault{mockvendor.ConnectionReset()},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "stream ends without [DONE]", quirk: "a clean close before the end marker is truncation",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(2)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, stream: true, err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "stream aborted mid-way", quirk: "never retried once bytes reached the caller",
		faults: []mockvendor.Fault{mockvendor.AbortedStream(2)},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, stream: true, err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "retired name sent as-is when aliases are disabled", quirk: "vendor's 400 for retired names surfaces as ErrInvalidRequest",
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), ExtraBody: map[string]any{"model": "deepseek-chat"}},
		err: harbor.ErrInvalidRequest, status: 400, typ: "invalid_request_error", requests: 1,
	},
	{
		name: "400 context too long", quirk: "400 \"This model's maximum context length is 131072 tokens…\" (invalid_request_error): not retried",
		faults: []mockvendor.Fault{{Status: 400, Message: "This model's maximum context length is 131072 tokens. However, you requested 140000 tokens (140000 in the messages, 0 in the completion). Please reduce the length of the messages or completion."}},
		req:    harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")},
		err:    harbor.ErrInvalidRequest, status: 400, typ: "invalid_request_error", requests: 1,
	},

	// The same error classes when a stream was asked for: the status comes before any
	// event, so Stream itself fails (and transient ones are retried first).
	{
		name: "401 bad key streamed", quirk: "authentication_error in place of a stream",
		cfg: mockvendor.DeepSeekConfig{APIKey: "sk-the-right-one"}, stream: true,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrAuthentication, status: 401, typ: "authentication_error", requests: 1,
	},
	{
		name: "402 insufficient balance streamed", quirk: "402 in place of a stream, not retried",
		faults: []mockvendor.Fault{mockvendor.InsufficientBalance()}, stream: true,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInsufficientBalance, status: 402, typ: "unknown_error", requests: 1,
	},
	{
		name: "422 invalid parameters streamed", quirk: "422 in place of a stream, not retried",
		faults: []mockvendor.Fault{mockvendor.InvalidParams("")}, stream: true,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrInvalidRequest, status: 422, typ: "invalid_request_error", requests: 1,
	},
	{
		name: "429 then success streamed", quirk: "a 429 before the stream starts is retried",
		faults: []mockvendor.Fault{mockvendor.RateLimited("0")}, stream: true,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}, text: "Hello! You said: hi", finish: "stop", requests: 2,
	},
	{
		name: "429 persistent streamed", quirk: "concurrency limit in place of a stream, after the retries",
		faults: []mockvendor.Fault{mockvendor.RateLimited(""), mockvendor.RateLimited(""), mockvendor.RateLimited("")}, stream: true,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrRateLimited, status: 429, typ: "rate_limit_error", requests: 3,
	},
	{
		name: "503 overloaded streamed until retries run out", quirk: "overload in place of a stream is ErrServer after the retries",
		faults: []mockvendor.Fault{mockvendor.Overloaded(), mockvendor.Overloaded(), mockvendor.Overloaded()}, stream: true,
		req: harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")}, err: harbor.ErrServer, status: 503, typ: "server_error", requests: 3,
	},
}

func TestDeepSeek(t *testing.T) {
	for _, tc := range deepseekCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			key := dsKey
			if cfg.APIKey == "" {
				cfg.APIKey = dsKey
			} else {
				key = dsKey // deliberately the wrong key
			}
			m := mockvendor.NewDeepSeek(cfg)
			m.Enqueue(tc.faults...)
			srv, err := mockvendor.Listen("127.0.0.1:0", m)
			require.NoError(t, err)
			defer srv.Close()
			c := harbor.Must(harbor.New(
				harbor.WithGetenv(func(string) string { return "" }),
				harbor.WithAPIKey("deepseek", key),
				harbor.WithBaseURL("deepseek", srv.URL()),
				harbor.WithRetryWait(0, 0),
				harbor.WithTransport(specChecked(t, "deepseek", nil, offSpecs(tc.offSpec)...)),
			))
			req := tc.req
			var (
				r      *result
				chunks []harbor.Chunk
			)
			if tc.stream {
				r, chunks, err = dsStream(ctxT(t), c, &req)
			} else {
				r, err = create(ctxT(t), c, &req)
			}
			reqs := m.Requests()
			if tc.requests >= 0 {
				assert.Len(t, reqs, tc.requests, "requests the vendor saw")
			}
			for i, rr := range reqs { // what every DeepSeek chat request looks like
				assert.Equal(t, http.MethodPost, rr.Method, "request %d", i)
				assert.Equal(t, "/chat/completions", rr.Path, "request %d", i)
				assert.Equal(t, "Bearer "+key, rr.Header.Get("Authorization"), "request %d", i)
				if tc.stream {
					assert.Equal(t, "text/event-stream", rr.Header.Get("Accept"), "request %d", i)
				}
			}
			if tc.err != nil {
				wantErr(t, err, tc.err)
				assert.NotContains(t, err.Error(), key, "keys never appear in errors")
				var he *harbor.Error
				require.ErrorAs(t, err, &he)
				assert.Equal(t, "deepseek", he.Provider)
				if tc.status != 0 {
					assert.Equal(t, tc.status, he.HTTPStatusCode(), "Error.StatusCode")
				}
				if tc.typ != "" {
					assert.Equal(t, tc.typ, he.Type, "Error.Type (OpenAI-shaped body)")
				}
				if tc.msgHas != "" {
					assert.Contains(t, he.Message, tc.msgHas)
				}
			} else {
				require.NoError(t, err)
				if tc.text != "" || tc.finish == "length" {
					assert.Equal(t, tc.text, r.Text)
				}
				if tc.reasoning != "" || tc.name == "legacy deepseek-chat" {
					assert.Equal(t, tc.reasoning, r.Reasoning)
				}
				if tc.finish != "" {
					assert.Equal(t, tc.finish, r.Finish)
				}
			}
			if len(tc.sent) > 0 || len(tc.notSent) > 0 {
				assertSent(t, sentBody(t, reqs, len(reqs)-1), tc.sent, tc.notSent)
			}
			if tc.check != nil {
				tc.check(t, r, reqs)
			}
			if tc.chunks != nil {
				require.True(t, tc.stream, "chunks is for stream rows")
				tc.chunks(t, chunks)
			}
		})
	}
}

// dsStream runs a Stream call like the harness's stream, also keeping the chunks as
// the caller received them. On a failed read r holds what arrived before it.
func dsStream(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest) (*result, []harbor.Chunk, error) {
	s, err := c.Chat.Completions.Stream(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	var (
		chunks []harbor.Chunk
		serr   error
	)
	for chunk, err := range s.All() {
		if err != nil {
			serr = err
			break
		}
		chunks = append(chunks, chunk)
	}
	r := wxFold(chunks) // the fold every table uses (wenxin_test.go)
	return &r, chunks, serr
}

// TestDeepSeekToolLoopWithThinking runs the documented multi-turn flow: the model
// calls a tool in thinking mode, the caller sends back the assistant message as
// returned (reasoning_content included) plus the tool result, and the vendor accepts it.
func TestDeepSeekToolLoopWithThinking(t *testing.T) {
	m, _, c := startDeepSeek(t)
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
	r, chunks, err := dsStream(ctxT(t), c, &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi")})
	wantErr(t, err, harbor.ErrStreamTruncated)
	assert.NotContains(t, err.Error(), dsKey)
	assert.Empty(t, chunks, "keep-alives are not chunks")
	require.NotNil(t, r)
	assert.Empty(t, r.Text)
	assert.Equal(t, int32(1), hits.Load(), "the stream had started: not retried")
}

// TestDeepSeekBalanceAndModels covers the two management endpoints of the spec.
func TestDeepSeekBalanceAndModels(t *testing.T) {
	_, srv, c := startDeepSeek(t)
	models, err := c.ListRemoteModels(context.Background(), "deepseek")
	require.NoError(t, err)
	require.NotEmpty(t, models)
	assert.Equal(t, "deepseek-v4-flash", models[0].ID)

	p, err := deepseekProvider(srv.URL())
	require.NoError(t, err)
	b, err := p.Balance(context.Background())
	require.NoError(t, err)
	assert.True(t, b.IsAvailable)
	assert.Equal(t, "59.40", b.Infos[0].Total, "amounts stay decimal strings")
}

// startDeepSeek serves a mock DeepSeek (key dsKey) for one test and returns a
// harbor client pointed at it.
func startDeepSeek(t *testing.T) (*mockvendor.DeepSeek, *mockvendor.Server, *harbor.Client) {
	t.Helper()
	m := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: dsKey})
	srv, err := mockvendor.Listen("127.0.0.1:0", m)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	c := harbor.Must(harbor.New(harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithAPIKey("deepseek", dsKey), harbor.WithBaseURL("deepseek", srv.URL()),
		harbor.WithTransport(specChecked(t, "deepseek", nil))))
	return m, srv, c
}

var _ llm.Provider = (*deepseekProviderT)(nil)
