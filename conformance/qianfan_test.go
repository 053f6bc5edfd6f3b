package conformance

import (
	"cmp"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/qianfan"
)

// Baidu Qianfan v2 (shared/vendors.md §4 and its column of §5) against
// mockvendor.QianfanV2, through harbor's built-in "qianfan" provider.

const (
	qf2Key   = "bce-v3/ALTAK-conformance/0123456789abcdef"
	qf2AppID = "app-conformance-7"
)

// qf2ID is the shape of Qianfan's ids ("as-" + 10 lower-case alphanumerics), on
// completions and at the top level of error bodies.
const qf2ID = `^as-[0-9a-z]{10}$`

// qf2NoCompletion is what the spec says of a 200 answer that is not a completion.
const qf2NoCompletion = "response 200: "

type (
	qianfanCase    = vendorCase[mockvendor.QianfanV2Config, *mockvendor.QianfanV2]
	qianfanOutcome = outcome[*mockvendor.QianfanV2]
)

// qianfanHarness runs Qianfan v2's table: every request is POST
// <base>/chat/completions with the bce-v3 key as a bearer token and the appid header
// exactly when one is configured; completion ids keep their as- prefix.
var qianfanHarness = &harness[mockvendor.QianfanV2Config, *mockvendor.QianfanV2]{
	provider: "qianfan", spec: "qianfan-v2", base: "/v2", idHeader: "X-Request-Id",
	newMock: func(cfg mockvendor.QianfanV2Config) *mockvendor.QianfanV2 {
		if cfg.Now == nil {
			cfg.Now = func() time.Time { return time.Unix(1766977481, 0) }
		}
		cfg.APIKey = cmp.Or(cfg.APIKey, qf2Key) // a row's own key: the client's is wrong
		return mockvendor.NewQianfanV2(cfg)
	},
	config: func(p *harbor.ProviderConfig) { p.APIKey = cmp.Or(p.APIKey, qf2Key) },
	wire: func(t *testing.T, o *qianfanOutcome, i int, r mockvendor.RecordedRequest) bool {
		if o.cfg.AppID != "" {
			assert.Equal(t, o.cfg.AppID, r.Header.Get("appid"), "request %d", i)
		} else {
			assert.Empty(t, r.Header.Values("appid"), "request %d: no appid header without ProviderConfig.AppID", i)
		}
		return bearerWire(t, o, i, r)
	},
	streamSent: openAIStreamSent, createNotSent: openAINoStream,
	verify: func(t *testing.T, c *qianfanCase, o *qianfanOutcome) {
		if c.err == nil && o.completion != nil {
			assert.Regexp(t, qf2ID, o.completion.ID, "completion ids keep the as- prefix")
		}
	},
}

var qf2Weather = []harbor.Tool{harbor.FunctionTool("get_weather", "Weather of a city", map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}})}

// qf2CallTurn is an assistant turn that called get_weather, as Qianfan returned it.
var qf2CallTurn = harbor.Message{Role: harbor.RoleAssistant, ToolCalls: []harbor.ToolCall{{ID: "call_1", Type: "function", Function: harbor.FunctionCall{Name: "get_weather", Arguments: `{"city":"Beijing"}`}}}}

func qf2Msgs(ms ...harbor.Message) []harbor.Message { return ms }

var qianfanCases = []qianfanCase{
	// Auth and routing.
	{
		name: "bearer bce-v3 key and appid header", quirk: "Authorization: Bearer bce-v3/…; optional appid header picks the application",
		mock:   mockvendor.QianfanV2Config{APIKey: qf2Key, AppID: qf2AppID},
		client: harbor.ProviderConfig{AppID: qf2AppID},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		sent:   map[string]any{"/model": "ernie-4.0-8k", "/messages/0/role": "user", "/messages/0/content": "hi"},
		text:   "Hello! You said: hi", finish: "stop", noReasoning: true, requests: 1, requestID: qf2ID,
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Equal(t, "POST", o.reqs[0].Method)
			assert.Equal(t, "/v2/chat/completions", o.reqs[0].Path)
			assert.Equal(t, "Bearer "+qf2Key, o.reqs[0].Header.Get("Authorization"))
			assert.Equal(t, qf2AppID, o.reqs[0].Header.Get("appid"))
			require.NotNil(t, o.Usage)
			assert.Equal(t, harbor.Usage{PromptTokens: 2, CompletionTokens: 4, TotalTokens: 6}, *o.Usage)
			if o.completion != nil {
				assert.Equal(t, "qianfan", o.completion.Provider)
				assert.Equal(t, o.completion.ID, o.completion.RequestID, "without X-Request-Id the as- id is the request id")
			}
		},
	},
	{
		name: "no appid configured sends no appid header", quirk: "appid is optional",
		req:  harbor.ChatRequest{Model: "ernie-speed-8k", Messages: user("hi")},
		text: "Hello! You said: hi", requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			_, ok := o.reqs[0].Header["Appid"]
			assert.False(t, ok, "no appid header without ProviderConfig.AppID")
		},
	},
	{
		name: "qianfan/<model> reaches hosted DeepSeek", quirk: "non-ERNIE models Baidu hosts; finish_reason already stop",
		req:  harbor.ChatRequest{Model: "qianfan/deepseek-v3", Messages: user("hi")},
		sent: map[string]any{"/model": "deepseek-v3"},
		text: "Hello! You said: hi", finish: "stop", requests: 1,
	},
	{
		name: "X-Request-Id is echoed and wins", quirk: "optional X-Request-Id header is echoed by the vendor",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		opts: []harbor.CallOption{harbor.WithHeader("X-Request-Id", "rid-conformance-1")},
		only: "create", requests: 1, requestID: "^rid-conformance-1$",
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Equal(t, "rid-conformance-1", o.reqs[0].Header.Get("X-Request-Id"))
		},
	},

	// Strict alternation, checked before I/O.
	{
		name: "system then user is accepted", quirk: "first message user or system",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.SystemMessage("be brief"), harbor.UserMessage("hi"))},
		sent: map[string]any{"/messages/0/role": "system", "/messages/1/role": "user"},
		text: "Hello! You said: hi", requests: 1,
	},
	{
		name: "first message assistant is refused before I/O", quirk: "first message user or system",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.AssistantMessage("hello"), harbor.UserMessage("hi"))},
		err: harbor.ErrInvalidRequest, msgHas: "first message", requests: 0,
	},
	{
		name: "system message after the first is refused before I/O", quirk: "system only first",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.UserMessage("hi"), harbor.AssistantMessage("yes"), harbor.SystemMessage("be brief"), harbor.UserMessage("again"))},
		err: harbor.ErrInvalidRequest, msgHas: "system", requests: 0,
	},
	{
		name: "two user turns in a row are refused before I/O", quirk: "strict alternation",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.UserMessage("one"), harbor.UserMessage("two"))},
		err: harbor.ErrInvalidRequest, msgHas: "alternate", requests: 0,
	},
	{
		name: "two assistant turns in a row are refused before I/O", quirk: "strict alternation",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.UserMessage("one"), harbor.AssistantMessage("a"), harbor.AssistantMessage("b"), harbor.UserMessage("two"))},
		err: harbor.ErrInvalidRequest, msgHas: "alternate", requests: 0,
	},
	{
		name: "last message assistant is refused before I/O", quirk: "last user or tool",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.UserMessage("hi"), harbor.AssistantMessage("hello"))},
		err: harbor.ErrInvalidRequest, msgHas: "last message", requests: 0,
	},
	{
		name: "alternating history is accepted", quirk: "strict alternation",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.SystemMessage("s"), harbor.UserMessage("one"),
			harbor.AssistantMessage("a"), harbor.UserMessage("two"))},
		text: "Hello! You said: two", requests: 1,
	},
	{
		name: "trailing tool result is accepted on ernie-4.0", quirk: "last user or tool",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Tools: qf2Weather, Messages: qf2Msgs(harbor.UserMessage("weather in Beijing"), qf2CallTurn, harbor.ToolMessage("call_1", "sunny"))},
		sent: map[string]any{"/messages/1/role": "assistant", "/messages/1/tool_calls/0/id": "call_1", "/messages/2/role": "tool", "/messages/2/tool_call_id": "call_1", "/messages/2/content": "sunny"},
		text: "Tool result: sunny", finish: "stop", requests: 1,
	},
	{
		name: "trailing tool result is refused on ernie-4.5 before I/O", quirk: "ERNIE 4.5: last message must be user",
		req: harbor.ChatRequest{Model: "ernie-4.5-turbo-32k", Tools: qf2Weather, Messages: qf2Msgs(harbor.UserMessage("weather in Beijing"), qf2CallTurn, harbor.ToolMessage("call_1", "sunny"))},
		err: harbor.ErrInvalidRequest, msgHas: "ernie-4.5-turbo-32k", requests: 0,
	},
	{
		name: "trailing tool result is refused on ernie-x1-turbo before I/O", quirk: "X1 Turbo: last message must be user",
		req: harbor.ChatRequest{Model: "ernie-x1-turbo-32k", Tools: qf2Weather, Messages: qf2Msgs(harbor.UserMessage("weather in Beijing"), qf2CallTurn, harbor.ToolMessage("call_1", "sunny"))},
		err: harbor.ErrInvalidRequest, msgHas: "ernie-x1-turbo-32k", requests: 0,
	},
	{
		name: "LooseMessageOrder lets the vendor judge", quirk: "vendor-side 400 invalid_messages with top-level id",
		client: harbor.ProviderConfig{Options: qianfan.Options{LooseMessageOrder: true}},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: qf2Msgs(harbor.UserMessage("one"), harbor.UserMessage("two"))},
		err:    harbor.ErrInvalidRequest, code: "invalid_messages", typ: "invalid_request_error", requestID: qf2ID, requests: 1,
	},

	// Parameters.
	{
		name: "four stops of twenty characters are sent", quirk: "stop ≤4 × ≤20 characters (characters, not bytes)",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"),
			Stop: []string{"END", "这是一个二十个字符长的停止序列用于测试限", "abcdefghijklmnopqrst", "。"}},
		sent:     map[string]any{"/stop": []string{"END", "这是一个二十个字符长的停止序列用于测试限", "abcdefghijklmnopqrst", "。"}},
		requests: 1,
	},
	{
		name: "five stops are refused before I/O", quirk: "stop ≤4",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), Stop: []string{"a", "b", "c", "d", "e"}},
		err: harbor.ErrInvalidRequest, msgHas: "stop", requests: 0,
	},
	{
		name: "a 21-character stop is refused before I/O", quirk: "stop strings ≤20 characters",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), Stop: []string{"abcdefghijklmnopqrstu"}},
		err: harbor.ErrInvalidRequest, msgHas: "stop", requests: 0,
	},
	{
		name: "max_tokens is sent as max_completion_tokens", quirk: "v2 takes max_completion_tokens (max_tokens unconfirmed)",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("tell me a long story"), MaxTokens: harbor.Some(3)},
		sent: map[string]any{"/max_completion_tokens": 3}, notSent: []string{"/max_tokens"},
		text: "Hello! You said:", finish: "length", requests: 1,
	},
	{
		name: "thinking is refused before I/O", quirk: "v2 has no thinking switch: pick a thinking model",
		req: harbor.ChatRequest{Model: "ernie-x1-32k", Messages: user("hi"), Thinking: thinkingOff},
		err: harbor.ErrInvalidRequest, requests: 0,
	},
	{
		name: "temperature and top_p are sent", quirk: "OpenAI-style sampling fields",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), Temperature: harbor.Some(0.5), TopP: harbor.Some(0.7), Seed: harbor.Some(int64(42))},
		sent: map[string]any{"/temperature": 0.5, "/top_p": 0.7, "/seed": 42}, requests: 1,
	},

	// web_search.
	{
		name: "web_search is sent and search_results come back", quirk: "web_search {enable, search_num…}; top-level search_results",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("weather today"),
			WebSearch: &harbor.WebSearch{Enable: true, EnableCitation: true, SearchNum: harbor.Some(3)}},
		sent:     map[string]any{"/web_search/enable": true, "/web_search/enable_citation": true, "/web_search/search_num": 3},
		notSent:  []string{"/web_search/enable_trace"},
		text:     "Hello! You said: weather today",
		requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			if o.completion == nil { // streamed: the sources ride on one chunk
				var got []harbor.SearchResult
				for _, c := range o.chunks {
					got = append(got, c.SearchResults...)
				}
				require.Len(t, got, 3)
				assert.Equal(t, "https://example.com/search/1?q=weather+today", got[0].URL)
				return
			}
			require.Len(t, o.completion.SearchResults, 3)
			assert.Equal(t, harbor.SearchResult{Index: 1, URL: "https://example.com/search/1?q=weather+today", Title: "Result 1 for weather today"}, o.completion.SearchResults[0])
			assert.Equal(t, 3, o.completion.SearchResults[2].Index)
		},
	},
	{
		name: "web_search off is sent as an explicit false", quirk: "web_search.enable false",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), WebSearch: &harbor.WebSearch{}},
		sent: map[string]any{"/web_search/enable": false}, requests: 1, only: "create",
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Empty(t, o.completion.SearchResults)
		},
	},
	{
		name: "search_num 0 is refused before I/O", quirk: "search_num 1–28",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), WebSearch: &harbor.WebSearch{Enable: true, SearchNum: harbor.Some(0)}},
		err: harbor.ErrInvalidRequest, msgHas: "search_num", requests: 0,
	},
	{
		name: "search_num 29 is refused before I/O", quirk: "search_num 1–28",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), WebSearch: &harbor.WebSearch{Enable: true, SearchNum: harbor.Some(29)}},
		err: harbor.ErrInvalidRequest, msgHas: "search_num", requests: 0,
	},
	{
		name: "search_num 28 is sent", quirk: "search_num 1–28 (upper bound inclusive)",
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi"), WebSearch: &harbor.WebSearch{Enable: true, SearchNum: harbor.Some(28)}},
		sent: map[string]any{"/web_search/search_num": 28}, requests: 1, only: "create",
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Len(t, o.completion.SearchResults, 28)
		},
	},

	// Responses.
	{
		name: "finish_reason normal becomes stop", quirk: "ERNIE's finish_reason normal",
		req:    harbor.ChatRequest{Model: "ernie-3.5-8k", Messages: user("hello")},
		finish: "stop", text: "Hello! You said: hello", requests: 1,
	},
	{
		name: "reasoning_content on ernie-x1", quirk: "message.reasoning_content / delta.reasoning_content on thinking models",
		req:  harbor.ChatRequest{Model: "ernie-x1-32k", Messages: user("why")},
		text: "Hello! You said: why", reasoning: `The user said "why". I will answer briefly.`, finish: "stop", requests: 1,
		notSent: []string{"/thinking"},
		check: func(t *testing.T, o *qianfanOutcome) {
			require.NotNil(t, o.Usage)
			assert.Equal(t, 4+8, o.Usage.CompletionTokens, "reasoning words count toward completion_tokens")
		},
	},
	{
		name: "reasoning_content on ernie-x1-turbo", quirk: "thinking models: ernie-x1*",
		req:  harbor.ChatRequest{Model: "ernie-x1-turbo-32k", Messages: user("why")},
		text: "Hello! You said: why", reasoning: `The user said "why". I will answer briefly.`, finish: "stop", requests: 1,
	},
	{
		name: "content filter finish", quirk: "flag/ban_round choices end with content_filter",
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("[[content_filter]]")},
		finish: "content_filter", requests: 1,
	},
	{
		name: "tool call", quirk: "OpenAI-style tools and tool_calls",
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("weather in Beijing"), Tools: qf2Weather},
		sent:   map[string]any{"/tools/0/type": "function", "/tools/0/function/name": "get_weather", "/tools/0/function/parameters/type": "object"},
		finish: "tool_calls", requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			require.Len(t, o.ToolCalls, 1)
			assert.Equal(t, "get_weather", o.ToolCalls[0].Function.Name)
			assert.Equal(t, "function", o.ToolCalls[0].Type)
			assert.NotEmpty(t, o.ToolCalls[0].ID)
			assert.JSONEq(t, `{"city":"weather in Beijing"}`, o.ToolCalls[0].Function.Arguments)
		},
	},
	{
		name: "tool-call arguments follow the tool's schema", quirk: "function.arguments is JSON valid for function.parameters",
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("forecast for Beijing"), Tools: fmtTools()},
		finish: "tool_calls", requests: 1, check: schemaArgs[*mockvendor.QianfanV2],
	},
	{
		name: "json_object answer is a JSON object", quirk: "response_format {type: json_object}: the content is one JSON object (streamed in pieces)",
		req:      harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("the weather in Beijing"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		sent:     map[string]any{"/response_format/type": "json_object"},
		requests: 1, check: jsonObjectAnswer[*mockvendor.QianfanV2],
	},
	{
		name: "json_schema answer is valid for the schema", quirk: "response_format {type: json_schema, json_schema}: the content is an instance of its schema",
		req:      harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("the weather in Beijing"), ResponseFormat: fmtJSONSchema()},
		sent:     map[string]any{"/response_format/type": "json_schema", "/response_format/json_schema/name": "forecast"},
		requests: 1, check: schemaAnswer[*mockvendor.QianfanV2],
	},

	// Streams.
	{
		name: "stream with keep-alives, event lines and usage last", quirk: ": keep-alive and event: noise; usage on the last chunk; [DONE]",
		mock: mockvendor.QianfanV2Config{KeepAlives: 3},
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("stream me")},
		only: "stream",
		sent: map[string]any{"/stream": true, "/stream_options/include_usage": true},
		text: "Hello! You said: stream me", finish: "stop", requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Equal(t, "text/event-stream", o.reqs[0].Header.Get("Accept"))
			require.NotEmpty(t, o.chunks)
			for i, c := range o.chunks {
				assert.Equal(t, "chat.completion.chunk", c.Object)
				assert.Regexp(t, qf2ID, c.ID)
				if i < len(o.chunks)-1 {
					assert.Nil(t, c.Usage, "chunk %d: usage only on the last chunk", i)
				}
			}
			last := o.chunks[len(o.chunks)-1]
			require.NotNil(t, last.Usage, "usage arrives on the last chunk")
			assert.Equal(t, harbor.Usage{PromptTokens: 3, CompletionTokens: 5, TotalTokens: 8}, *last.Usage)
			require.Len(t, last.Choices, 1)
			assert.Equal(t, "stop", last.Choices[0].FinishReason, "the finish chunk carries the usage")
		},
	},
	{
		name: "stream ends without [DONE]", quirk: "a clean close before [DONE] is truncation",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(2)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, only: "stream",
		err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "stream ends after the finish chunk but before [DONE]", quirk: "the end marker is [DONE], not finish_reason",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(6)}, // role, 4 words, finish: 6 chunks, then no [DONE]
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, only: "stream",
		err: harbor.ErrStreamTruncated, requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Equal(t, "stop", o.Finish, "the finish chunk did arrive")
		},
	},
	{
		name: "stream aborted mid-body", quirk: "never retried once bytes reached the caller",
		faults: []mockvendor.Fault{mockvendor.AbortedStream(2)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, only: "stream",
		err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "mid-stream error event", quirk: `data: {"error":{…},"id":…} ends the stream`,
		faults: []mockvendor.Fault{mockvendor.QianfanV2StreamError(2)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, only: "stream",
		err: harbor.ErrServer, code: "internal_error", typ: "server_error", requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.Equal(t, 2, o.Chunks, "the chunks before the error reached the caller")
		},
	},
	{
		name: "mid-stream error event carries the top-level id", quirk: "error bodies with top-level id -> RequestID",
		faults: []mockvendor.Fault{mockvendor.QianfanV2StreamError(2)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, only: "stream",
		err: harbor.ErrServer, requestID: qf2ID, requests: 1,
	},
	{
		name: "mid-stream rate limit is ErrRateLimited and not retried", quirk: "tpm_rate_limit_exceeded inside a stream",
		faults: []mockvendor.Fault{{ErrorAfter: 2, Code: qianfan.CodeTPMRateLimitExceeded}},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, only: "stream",
		err: harbor.ErrRateLimited, code: "tpm_rate_limit_exceeded", requests: 1,
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.False(t, o.herr.Retryable(), "part of the answer is out: not retryable")
		},
	},

	// Answers with no choices.
	{
		name: "200 with an error object gets the class of its code", quirk: "an error object in a 200 answer is classified by its code, keeping the top-level id",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"code":"tpm_rate_limit_exceeded","message":"TPM limit reached","type":"rate_limit_exceeded"},"id":"as-200error"}`)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, offSpec: qf2NoCompletion,
		err: harbor.ErrRateLimited, code: "tpm_rate_limit_exceeded", typ: "rate_limit_exceeded", requestID: "^as-200error$", msgHas: "TPM limit", requests: 1,
	},
	{
		name: "200 with {} is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{}`)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, offSpec: qf2NoCompletion,
		err: harbor.ErrBadResponse, requests: 1,
	},
	{
		name: "200 with null is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `null`)},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, offSpec: qf2NoCompletion,
		err: harbor.ErrBadResponse, requests: 1,
	},

	// Errors: every documented code maps to a class; transient ones are retried.
	{
		name: "401 access_denied", quirk: "401 access_denied: bad or missing key",
		mock: mockvendor.QianfanV2Config{APIKey: "bce-v3/ALTAK-the-right-one/ffff"},
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:  harbor.ErrAuthentication, code: "access_denied", typ: "access_denied", requestID: qf2ID, requests: 1,
	},
	{
		name: "401 no_parameter_permission for a foreign appid", quirk: "no_parameter_permission: valid key, not allowed",
		mock:   mockvendor.QianfanV2Config{APIKey: qf2Key, AppID: qf2AppID},
		client: harbor.ProviderConfig{AppID: "app-someone-else"},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrPermission, code: "no_parameter_permission", requestID: qf2ID, requests: 1,
	},
	{
		name: "401 no_parameter_permission without the appid", quirk: "appid header required by the application",
		mock: mockvendor.QianfanV2Config{APIKey: qf2Key, AppID: qf2AppID},
		req:  harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:  harbor.ErrPermission, code: "no_parameter_permission", requests: 1,
	},
	{
		name: "400 invalid_model", quirk: "invalid_model with top-level id: the vendor does not know the model, ErrNotFound as OpenAI's 404; hint about lower-case v2 names",
		req: harbor.ChatRequest{Model: "ernie-9.9-8k", Messages: user("hi")},
		err: harbor.ErrNotFound, status: 400, code: "invalid_model", typ: "invalid_request_error", param: "model", requestID: qf2ID, msgHas: "lower-case", requests: 1,
	},
	{
		name: "400 tokens_too_long", quirk: "tokens_too_long with a hint",
		req: harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user(strings.Repeat("word ", 9000))},
		err: harbor.ErrInvalidRequest, code: "tokens_too_long", requestID: qf2ID, msgHas: "input limit", requests: 1,
	},
	{
		name: "error id in the body vs X-Request-Id", quirk: "the header wins over the body's top-level id",
		req:  harbor.ChatRequest{Model: "ernie-9.9-8k", Messages: user("hi")},
		opts: []harbor.CallOption{harbor.WithHeader("X-Request-Id", "rid-conformance-2")},
		err:  harbor.ErrNotFound, code: "invalid_model", requestID: "^rid-conformance-2$", requests: 1,
	},
	{
		name: "429 rpm then success", quirk: "rpm_rate_limit_exceeded retried",
		faults: []mockvendor.Fault{mockvendor.QianfanV2RateLimited("")},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "429 tpm then success", quirk: "tpm_rate_limit_exceeded retried like any 429",
		faults: []mockvendor.Fault{mockvendor.QianfanV2TPMLimited()},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "429 Retry-After honoured", quirk: "Retry-After is waited before the retry",
		faults: []mockvendor.Fault{mockvendor.QianfanV2RateLimited("1")},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
		minElapsed: 900 * time.Millisecond,
	},
	{
		name: "429 Retry-After beyond the cap is returned", quirk: "a pause longer than MaxRetryAfter is not waited",
		faults: []mockvendor.Fault{mockvendor.QianfanV2RateLimited("120")},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrRateLimited, code: "rpm_rate_limit_exceeded", typ: "rate_limit_exceeded", retryAfter: 120 * time.Second, requests: 1,
	},
	{
		name: "429 persistent", quirk: "rate limit surfaces after the retries",
		faults: []mockvendor.Fault{mockvendor.QianfanV2RateLimited(""), mockvendor.QianfanV2TPMLimited(), mockvendor.QianfanV2RateLimited("")},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrRateLimited, code: "rpm_rate_limit_exceeded", requestID: qf2ID, requests: 3,
		check: func(t *testing.T, o *qianfanOutcome) {
			assert.True(t, o.herr.Retryable())
		},
	},
	{
		name: "500 then success", quirk: "server error retried",
		faults: []mockvendor.Fault{mockvendor.ServerError()},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "503 until retries run out", quirk: "overload is ErrServer",
		faults: []mockvendor.Fault{mockvendor.Overloaded(), mockvendor.Overloaded(), mockvendor.Overloaded()},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrServer, typ: "server_error", requestID: qf2ID, requests: 3,
	},
	{
		name: "connection reset then success", quirk: "resets retried before any byte reached the caller",
		faults: []mockvendor.Fault{mockvendor.ConnectionReset()},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "402 is a balance error", quirk: "no balance code documented for v2: classified by status",
		faults: []mockvendor.Fault{{Status: 402}},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrInsufficientBalance, requestID: qf2ID, requests: 1,
	},
	{
		name: "403 access_denied is a permission error", quirk: "403 (account overdue or not allowed)",
		faults: []mockvendor.Fault{{Status: 403}},
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrPermission, code: "access_denied", requests: 1,
	},
	{
		name: "404 for a wrong base path", quirk: "only /v2/chat/completions exists",
		client: harbor.ProviderConfig{BaseURL: "/v3"}, // a path on the mock
		req:    harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")},
		err:    harbor.ErrNotFound, requestID: qf2ID, requests: 1,
	},
}

func TestQianfan(t *testing.T) { runTable(t, qianfanHarness, qianfanCases) }

// TestQianfanToolRoundTrip runs the tool loop end to end, Create and Stream: the
// model calls get_weather, the caller sends back the assistant turn as returned plus
// the tool result, and the strict alternation (assistant-with-calls, tool, then
// answer) passes harbor's check and the vendor's.
func TestQianfanToolRoundTrip(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(map[bool]string{false: "create", true: "stream"}[streaming], func(t *testing.T) {
			m, c := qianfanHarness.client(t)

			req := &harbor.ChatRequest{Model: "ernie-4.0-turbo-8k", Tools: qf2Weather, Messages: user("weather in Beijing")}
			r1 := call(ctxT(t), c, req, streaming)
			require.NoError(t, r1.err)
			require.Equal(t, "tool_calls", r1.Finish)
			require.Len(t, r1.ToolCalls, 1)
			turn := harbor.Message{Role: harbor.RoleAssistant, Content: r1.Text, ToolCalls: r1.ToolCalls}
			if !streaming {
				turn = r1.Message
			}
			req.Messages = append(req.Messages, turn, harbor.ToolMessage(r1.ToolCalls[0].ID, "sunny, 21°C"))
			r2 := call(ctxT(t), c, req, streaming)
			require.NoError(t, r2.err)
			assert.Equal(t, "Tool result: sunny, 21°C", r2.Text)
			assert.Equal(t, "stop", r2.Finish, "normal is stop")

			reqs := m.Requests()
			require.Len(t, reqs, 2)
			assertSent(t, sentBody(t, reqs, 1), map[string]any{
				"/messages/1/role":                       "assistant",
				"/messages/1/tool_calls/0/id":            r1.ToolCalls[0].ID,
				"/messages/1/tool_calls/0/type":          "function",
				"/messages/1/tool_calls/0/function":      map[string]any{"name": "get_weather", "arguments": r1.ToolCalls[0].Function.Arguments},
				"/messages/2/role":                       "tool",
				"/messages/2/tool_call_id":               r1.ToolCalls[0].ID,
				"/messages/2/content":                    "sunny, 21°C",
				"/tools/0/function/name":                 "get_weather",
				"/tools/0/function/parameters/type":      "object",
				"/messages/0/content":                    "weather in Beijing",
				"/messages/1/tool_calls/0/function/name": "get_weather",
			}, nil)
		})
	}
}

// TestQianfanErrorsAreHarborErrors pins the rest of a vendor 400 as the caller sees
// it: status, the model asked for, and not retryable.
func TestQianfanErrorsAreHarborErrors(t *testing.T) {
	_, c := qianfanHarness.client(t)
	_, err := c.Chat.Completions.Create(ctxT(t), &harbor.ChatRequest{Model: "ernie-9.9-8k", Messages: user("hi")})
	var he *harbor.Error
	require.True(t, errors.As(err, &he))
	assert.Equal(t, 400, he.HTTPStatusCode())
	assert.Equal(t, "ernie-9.9-8k", he.Model)
	assert.False(t, he.Retryable())
}
