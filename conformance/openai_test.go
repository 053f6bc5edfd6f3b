package conformance

import (
	"cmp"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/openaicompat"
)

// The generic OpenAI-compatible provider (providers/openaicompat, built into harbor
// as "openai") against mockvendor.OpenAI, plus a user endpoint registered at runtime.

const (
	oaiKey      = "sk-conformance-openai-0123456789"
	oaiMoonKey  = "sk-conformance-moonshot-0123456789"
	oaiChatPath = "/v1/chat/completions"
)

type (
	openaiCase    = vendorCase[mockvendor.OpenAIConfig, *mockvendor.OpenAI]
	openaiOutcome = outcome[*mockvendor.OpenAI]
)

// openaiHarness runs the OpenAI-compatible table: every request is POST
// /v1/chat/completions with the key as a bearer token; the mock never reasons.
var openaiHarness = &harness[mockvendor.OpenAIConfig, *mockvendor.OpenAI]{
	provider: "openai", spec: "openai", base: "/v1", idHeader: "X-Request-Id",
	newMock: func(cfg mockvendor.OpenAIConfig) *mockvendor.OpenAI {
		cfg.APIKey = cmp.Or(cfg.APIKey, oaiKey) // a row's own key: the client's is wrong
		return mockvendor.NewOpenAI(cfg)
	},
	config:     func(p *harbor.ProviderConfig) { p.APIKey = cmp.Or(p.APIKey, oaiKey) },
	wire:       bearerWire[*mockvendor.OpenAI],
	streamSent: openAIStreamSent, createNotSent: openAINoStream,
	verify: func(t *testing.T, c *openaiCase, o *openaiOutcome) {
		if c.err == nil {
			assert.Empty(t, o.Reasoning, "this mock never reasons")
		}
	},
}

// oaiNoCompletion is what the spec says of a 200 answer that is not a completion.
const oaiNoCompletion = "response 200: "

var (
	oaiLookup   = []harbor.Tool{harbor.FunctionTool("lookup", "Look something up", map[string]any{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}}})}
	oaiCallTurn = harbor.Message{Role: harbor.RoleAssistant, ReasoningContent: "I should look it up.",
		ToolCalls: []harbor.ToolCall{{ID: "call_7", Type: "function", Function: harbor.FunctionCall{Name: "lookup", Arguments: `{"query":"harbor"}`}}}}
)

var openaiCases = []openaiCase{
	{
		name: "plain answer", quirk: "OpenAI request and response; Bearer auth; /v1/chat/completions",
		mock: mockvendor.OpenAIConfig{APIKey: oaiKey, Models: []string{"gpt-4o-mini"}},
		req:  harbor.ChatRequest{Model: "gpt-4o-mini", Messages: oaiMsgs(harbor.SystemMessage("be brief"), harbor.UserMessage("hi")), Temperature: harbor.Some(0.0)},
		sent: map[string]any{"/model": "gpt-4o-mini", "/messages/0/role": "system", "/messages/1/content": "hi", "/temperature": 0},
		text: "Hello! You said: hi", finish: "stop", requests: 1,
		check: func(t *testing.T, o *openaiOutcome) {
			assert.Equal(t, "POST", o.reqs[0].Method)
			assert.Equal(t, oaiChatPath, o.reqs[0].Path)
			assert.Equal(t, "Bearer "+oaiKey, o.reqs[0].Header.Get("Authorization"))
			require.NotNil(t, o.Usage)
			assert.Equal(t, harbor.Usage{PromptTokens: 5, CompletionTokens: 4, TotalTokens: 9,
				PromptTokensDetails: &harbor.PromptTokensDetails{}, CompletionTokensDetails: &harbor.CompletionTokensDetails{}}, *o.Usage)
			if o.completion != nil {
				assert.Equal(t, "openai", o.completion.Provider)
				assert.True(t, strings.HasPrefix(o.completion.ID, "chatcmpl-"))
				assert.Equal(t, "fp_mock_openai", o.completion.SystemFingerprint)
			}
		},
	},
	{
		name: "stream with the include_usage usage chunk", quirk: "stream_options.include_usage always asked; usage on a last chunk with no choices",
		req:  harbor.ChatRequest{Model: "gpt-4o", Messages: user("stream me")},
		only: "stream",
		sent: map[string]any{"/stream": true, "/stream_options": map[string]any{"include_usage": true}},
		text: "Hello! You said: stream me", finish: "stop", requests: 1,
		check: func(t *testing.T, o *openaiOutcome) {
			assert.Equal(t, "text/event-stream", o.reqs[0].Header.Get("Accept"))
			require.GreaterOrEqual(t, len(o.chunks), 2)
			for i, c := range o.chunks[:len(o.chunks)-1] {
				assert.Nil(t, c.Usage, "chunk %d: usage is null until the usage chunk", i)
				assert.Equal(t, "chat.completion.chunk", c.Object)
			}
			last := o.chunks[len(o.chunks)-1]
			assert.Empty(t, last.Choices, "the usage chunk has no choices")
			require.NotNil(t, last.Usage)
			assert.Equal(t, 3, last.Usage.PromptTokens)
			assert.Equal(t, 5, last.Usage.CompletionTokens)
			assert.Equal(t, 8, last.Usage.TotalTokens)
			assert.Equal(t, "stop", o.chunks[len(o.chunks)-2].Choices[0].FinishReason, "finish comes before the usage chunk")
		},
	},
	{
		name: "stop is always an array", quirk: "stop sent as an array, which every server accepts",
		req:  harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi"), Stop: []string{"END"}, MaxTokens: harbor.Some(50), User: "u_42"},
		sent: map[string]any{"/stop": []string{"END"}, "/max_tokens": 50, "/user": "u_42"}, notSent: []string{"/max_completion_tokens"},
		requests: 1,
	},
	{
		name: "max_completion_tokens is not converted", quirk: "max_tokens and max_completion_tokens sent as set",
		req:  harbor.ChatRequest{Model: "gpt-4o", Messages: user("tell me a long story"), MaxCompletionTokens: harbor.Some(3)},
		sent: map[string]any{"/max_completion_tokens": 3}, notSent: []string{"/max_tokens"},
		text: "Hello! You said:", finish: "length", requests: 1,
	},
	{
		name: "reasoning_effort passes through", quirk: "the server judges reasoning_effort values",
		req:  harbor.ChatRequest{Model: "o4-mini", Messages: user("hi"), ReasoningEffort: "low"},
		sent: map[string]any{"/reasoning_effort": "low"}, notSent: []string{"/thinking"}, requests: 1,
	},

	// Tools.
	{
		name: "tool call", quirk: "tools and tool_calls; content null on a tool turn",
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("find harbor"), Tools: oaiLookup},
		sent:   map[string]any{"/tools/0/type": "function", "/tools/0/function/name": "lookup", "/tools/0/function/parameters/type": "object"},
		finish: "tool_calls", requests: 1,
		check: func(t *testing.T, o *openaiOutcome) {
			require.Len(t, o.ToolCalls, 1)
			assert.Equal(t, "lookup", o.ToolCalls[0].Function.Name)
			assert.Equal(t, "function", o.ToolCalls[0].Type)
			assert.NotEmpty(t, o.ToolCalls[0].ID)
			assert.JSONEq(t, `{"query":"find harbor"}`, o.ToolCalls[0].Function.Arguments)
			assert.Empty(t, o.Text)
		},
	},
	{
		name: "tool-call arguments follow the tool's schema", quirk: "function.arguments is JSON valid for function.parameters",
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("forecast for Paris"), Tools: fmtTools()},
		finish: "tool_calls", requests: 1, check: schemaArgs[*mockvendor.OpenAI],
	},
	{
		name: "json_object answer is a JSON object", quirk: "response_format json_object (the prompt says json): the content is one JSON object",
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("the weather in Paris, as JSON"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		finish: "stop", requests: 1, check: jsonObjectAnswer[*mockvendor.OpenAI],
	},
	{
		name: "json_schema answer is valid for the schema", quirk: "response_format json_schema {name, strict, schema}: the content is an instance of the schema",
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("the weather in Paris"), ResponseFormat: fmtJSONSchema()},
		sent:   map[string]any{"/response_format/type": "json_schema", "/response_format/json_schema/name": "forecast", "/response_format/json_schema/strict": true},
		finish: "stop", requests: 1, check: schemaAnswer[*mockvendor.OpenAI],
	},
	{
		name: "tool result turn", quirk: "assistant tool turn without content; reasoning_content dropped (OpenAI rejects it on input)",
		req: harbor.ChatRequest{Model: "gpt-4o", Tools: oaiLookup, Messages: oaiMsgs(harbor.UserMessage("find harbor"), oaiCallTurn, harbor.ToolMessage("call_7", "an SDK"))},
		sent: map[string]any{"/messages/1/role": "assistant", "/messages/1/tool_calls/0/id": "call_7", "/messages/1/tool_calls/0/function/name": "lookup",
			"/messages/2/role": "tool", "/messages/2/tool_call_id": "call_7", "/messages/2/content": "an SDK"},
		notSent: []string{"/messages/1/content", "/messages/1/reasoning_content"},
		text:    "Tool result: an SDK", finish: "stop", requests: 1,
	},

	// Content parts.
	{
		name: "text, image and audio parts pass through", quirk: "content parts limited to OpenAI's text, image_url and input_audio",
		req: harbor.ChatRequest{Model: "gpt-4o", Messages: oaiMsgs(harbor.UserParts(harbor.TextPart("describe"), harbor.ImagePart("https://example.com/cat.png", "low"),
			harbor.ContentPart{Type: "input_audio", InputAudio: &harbor.InputAudio{Data: "UklGRg==", Format: "wav"}}))},
		sent: map[string]any{
			"/messages/0/content/0": map[string]any{"type": "text", "text": "describe"},
			"/messages/0/content/1": map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://example.com/cat.png", "detail": "low"}},
			"/messages/0/content/2": map[string]any{"type": "input_audio", "input_audio": map[string]any{"data": "UklGRg==", "format": "wav"}},
		},
		text: "Hello! You said: describe", requests: 1,
	},
	{
		name: "video parts are refused before I/O", quirk: "no video_url in OpenAI's chat API: a clear error, no request",
		req: harbor.ChatRequest{Model: "gpt-4o", Messages: oaiMsgs(harbor.UserParts(harbor.TextPart("watch"),
			harbor.ContentPart{Type: "video_url", VideoURL: &harbor.MediaURL{URL: "https://example.com/v.mp4"}}))},
		err: harbor.ErrInvalidRequest, msgHas: "video_url", requests: 0,
	},

	// Thinking and other non-OpenAI fields.
	{
		name: "thinking is refused before I/O", quirk: "OpenAI has no thinking switch",
		req: harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi"), Thinking: &harbor.Thinking{Type: harbor.ThinkingEnabled}},
		err: harbor.ErrInvalidRequest, msgHas: "PassThinking", requests: 0,
	},
	{
		name: "thinking is sent with PassThinking", quirk: "Endpoint.PassThinking: {\"thinking\":{\"type\":…}} and reasoning_content sent back",
		register: &openaicompat.Endpoint{Name: "glmlike", Prefixes: []string{"glmx-"}, PassThinking: true},
		mock:     mockvendor.OpenAIConfig{Models: []string{"glmx-4"}}, // the mock stands in for a GLM-like server
		req: harbor.ChatRequest{Model: "glmx-4", Thinking: &harbor.Thinking{Type: harbor.ThinkingEnabled}, Tools: oaiLookup,
			Messages: oaiMsgs(harbor.UserMessage("find harbor"), oaiCallTurn, harbor.ToolMessage("call_7", "an SDK"))},
		sent: map[string]any{"/model": "glmx-4", "/thinking/type": "enabled", "/messages/1/reasoning_content": "I should look it up."},
		text: "Tool result: an SDK", requests: 1,
		check: func(t *testing.T, o *openaiOutcome) {
			if o.completion != nil {
				assert.Equal(t, "glmlike", o.completion.Provider)
			}
		},
	},
	{
		name: "web_search is refused before I/O", quirk: "web_search is Baidu's, not OpenAI's",
		req: harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi"), WebSearch: &harbor.WebSearch{Enable: true}},
		err: harbor.ErrInvalidRequest, msgHas: "web_search", requests: 0,
	},
	{
		name: "content_filter finish passes through", quirk: "finish_reason content_filter is an answer, not an error",
		req:  harbor.ChatRequest{Model: "gpt-4o", Messages: user("[[content_filter]]")},
		text: "Hello! You said: [[content_filter]]", finish: harbor.FinishReasonContentFilter, requests: 1,
	},
	{
		name: "extra body passes through", quirk: "server fields harbor has no name for",
		req:  harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi"), ExtraBody: map[string]any{"service_tier": "flex"}},
		sent: map[string]any{"/service_tier": "flex"}, requests: 1,
	},

	// Errors.
	{
		name: "401 bad key", quirk: "invalid_api_key; the vendor masks the key, harbor never echoes it",
		mock: mockvendor.OpenAIConfig{APIKey: "sk-the-right-one-0000000000"},
		req:  harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")},
		err:  harbor.ErrAuthentication, code: "invalid_api_key", typ: "invalid_request_error", retryable: no, requests: 1,
	},
	{
		name: "404 model_not_found", quirk: "unknown model is a 404 on OpenAI",
		mock: mockvendor.OpenAIConfig{Models: []string{"gpt-4o"}},
		req:  harbor.ChatRequest{Model: "gpt-4.1", Messages: user("hi")},
		err:  harbor.ErrNotFound, code: "model_not_found", typ: "invalid_request_error", msgHas: "gpt-4.1", requests: 1,
	},
	{
		name: "unknown model is a 404 by default", quirk: "the mock serves OpenAI's models only: another is 404 model_not_found -> ErrNotFound, not retried",
		req: harbor.ChatRequest{Model: "gpt-4o-2024-05-13-nonexistent", Messages: user("hi")},
		err: harbor.ErrNotFound, status: 404, code: "model_not_found", typ: "invalid_request_error", msgHas: "The model `gpt-4o-2024-05-13-nonexistent` does not exist",
		retryable: no, requests: 1,
	},
	{
		name: "400 vendor-side validation", quirk: "json_object without the word json: the server's 400",
		req: harbor.ChatRequest{Model: "gpt-4o", Messages: user("give me an object"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		err: harbor.ErrInvalidRequest, typ: "invalid_request_error", msgHas: "json", requests: 1,
	},
	{
		name: "400 content_filter code is a content filter error", quirk: "a content_filter code (Azure OpenAI's prompt refusal, a 400) -> ErrContentFilter, not retried",
		faults: []mockvendor.Fault{{Status: 400, Code: "content_filter", Message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."}, {}},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")},
		err:    harbor.ErrContentFilter, code: "content_filter", typ: "invalid_request_error", msgHas: "content management policy", retryable: no, requests: 1,
	},
	{
		name: "429 insufficient_quota is a balance error", quirk: "429 insufficient_quota -> ErrInsufficientBalance, not retryable",
		faults: []mockvendor.Fault{mockvendor.OpenAIInsufficientQuota(), mockvendor.OpenAIInsufficientQuota(), mockvendor.OpenAIInsufficientQuota()},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")},
		err:    harbor.ErrInsufficientBalance, code: "insufficient_quota", typ: "insufficient_quota", retryable: no, requests: -1,
	},
	{
		name: "429 insufficient_quota is not retried", quirk: "waiting will not refill the account: one request only",
		faults: []mockvendor.Fault{mockvendor.OpenAIInsufficientQuota(), mockvendor.OpenAIInsufficientQuota(), mockvendor.OpenAIInsufficientQuota()},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")},
		err:    harbor.ErrInsufficientBalance, code: "insufficient_quota", requests: 1,
	},
	{
		name: "429 then success", quirk: "rate limit retried",
		faults: []mockvendor.Fault{mockvendor.RateLimited("")},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "429 Retry-After honoured", quirk: "Retry-After waited before the retry",
		faults: []mockvendor.Fault{mockvendor.RateLimited("1")},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
		minElapsed: 900 * time.Millisecond,
	},
	{
		name: "429 persistent", quirk: "rate_limit_exceeded surfaces after the retries",
		faults: []mockvendor.Fault{mockvendor.RateLimited(""), mockvendor.RateLimited(""), mockvendor.RateLimited("")},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")},
		err:    harbor.ErrRateLimited, code: "rate_limit_exceeded", typ: "requests", retryable: yes, requests: 3,
	},
	{
		name: "500 then success", quirk: "server error retried",
		faults: []mockvendor.Fault{mockvendor.ServerError()},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, text: "Hello! You said: hi", requests: 2,
	},
	{
		name: "503 until retries run out", quirk: "overload is ErrServer",
		faults: []mockvendor.Fault{mockvendor.Overloaded(), mockvendor.Overloaded(), mockvendor.Overloaded()},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")},
		err:    harbor.ErrServer, code: "server_error", typ: "server_error", requests: 3,
	},

	// Answers with no choices.
	{
		name: "200 with an error object gets the class of its code", quirk: "a proxy's 200 {\"error\":{…}} is the error it names (here insufficient_quota), not an empty answer",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`)},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, offSpec: oaiNoCompletion,
		err: harbor.ErrInsufficientBalance, code: "insufficient_quota", typ: "insufficient_quota", msgHas: "exceeded your current quota", retryable: no, requests: 1,
	},
	{
		name: "200 with {} is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{}`)},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, offSpec: oaiNoCompletion,
		err: harbor.ErrBadResponse, retryable: no, requests: 1,
	},
	{
		name: "200 with null is a bad response", quirk: "an answer without choices is an error, never a completion with none",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `null`)},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, offSpec: oaiNoCompletion,
		err: harbor.ErrBadResponse, retryable: no, requests: 1,
	},

	// Streams that do not end well.
	{
		name: "stream ends without [DONE]", quirk: "a clean close before [DONE] is truncation",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(2)},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "stream ends after the usage chunk but before [DONE]", quirk: "the end marker is [DONE]",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(7)}, // role, 4 words, finish, usage; then no [DONE]
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrStreamTruncated, requests: 1,
		check: func(t *testing.T, o *openaiOutcome) {
			assert.NotNil(t, o.Usage, "the usage chunk did arrive")
		},
	},
	{
		name: "stream aborted mid-body", quirk: "never retried once bytes reached the caller",
		faults: []mockvendor.Fault{mockvendor.AbortedStream(2)},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrStreamTruncated, requests: 1,
	},
	{
		name: "mid-stream error event", quirk: `data: {"error":{…}} ends the stream`,
		faults: []mockvendor.Fault{{ErrorAfter: 2}},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrServer, code: "server_error", typ: "server_error", retryable: no, requests: 1,
	},
	{
		name: "mid-stream insufficient_quota is a balance error", quirk: "an error event is classified by its code, as the same error with its status",
		faults: []mockvendor.Fault{{ErrorAfter: 2, Code: "insufficient_quota"}},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrInsufficientBalance, code: "insufficient_quota", typ: "insufficient_quota", retryable: no, requests: 1,
	},
	{
		name: "mid-stream content_filter is a content filter error", quirk: "an error event is classified by its code, as the same error with its status",
		faults: []mockvendor.Fault{{ErrorAfter: 2, Code: "content_filter", Message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."}},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrContentFilter, code: "content_filter", msgHas: "content management policy", retryable: no, requests: 1,
	},
	{
		name: "mid-stream rate limit is ErrRateLimited and not retried", quirk: "an error event is classified by its code; part of the answer is out, so not retryable",
		faults: []mockvendor.Fault{{ErrorAfter: 2, Code: "rate_limit_exceeded"}},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrRateLimited, code: "rate_limit_exceeded", retryable: no, requests: 1,
	},
	{
		name: "mid-stream context_length_exceeded is an invalid request", quirk: "an error event is classified by its code, as the same error with its status",
		faults: []mockvendor.Fault{{ErrorAfter: 1, Code: "context_length_exceeded"}},
		req:    harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}, only: "stream",
		err: harbor.ErrInvalidRequest, code: "context_length_exceeded", retryable: no, requests: 1,
	},
}

func TestOpenAI(t *testing.T) { runTable(t, openaiHarness, openaiCases) }

func oaiMsgs(ms ...harbor.Message) []harbor.Message { return ms }

// TestOpenAIToolRoundTrip runs the tool loop end to end as Create and as Stream: the
// assistant turn goes back as returned (content null), then the tool result.
func TestOpenAIToolRoundTrip(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(map[bool]string{false: "create", true: "stream"}[streaming], func(t *testing.T) {
			m, c := openaiHarness.client(t)

			req := &harbor.ChatRequest{Model: "gpt-4.1", Tools: oaiLookup, ToolChoice: &harbor.ToolChoice{Function: "lookup"}, Messages: user("find harbor")}
			r1 := call(ctxT(t), c, req, streaming)
			require.NoError(t, r1.err)
			require.Equal(t, "tool_calls", r1.Finish)
			require.Len(t, r1.ToolCalls, 1)
			turn := harbor.Message{Role: harbor.RoleAssistant, ToolCalls: r1.ToolCalls}
			if !streaming {
				turn = r1.Message
			}
			req.ToolChoice = nil
			req.Messages = append(req.Messages, turn, harbor.ToolMessage(r1.ToolCalls[0].ID, "harbor is an SDK"))
			r2 := call(ctxT(t), c, req, streaming)
			require.NoError(t, r2.err)
			assert.Equal(t, "Tool result: harbor is an SDK", r2.Text)
			assert.Equal(t, "stop", r2.Finish)

			reqs := m.Requests()
			require.Len(t, reqs, 2)
			assertSent(t, sentBody(t, reqs, 0), map[string]any{"/tool_choice": map[string]any{"type": "function", "function": map[string]any{"name": "lookup"}}}, nil)
			assertSent(t, sentBody(t, reqs, 1), map[string]any{
				"/messages/1/role":                  "assistant",
				"/messages/1/tool_calls/0/id":       r1.ToolCalls[0].ID,
				"/messages/1/tool_calls/0/function": map[string]any{"name": "lookup", "arguments": r1.ToolCalls[0].Function.Arguments},
				"/messages/2/tool_call_id":          r1.ToolCalls[0].ID,
				"/messages/2/content":               "harbor is an SDK",
			}, []string{"/messages/1/content", "/tool_choice"})
		})
	}
}

// TestOpenAIListModels covers GET /v1/models, the first thing typed clients ask: the
// mock lists the models it serves, among them every model harbor's openai provider
// names, each of which it answers; harbor lists them as openai's.
func TestOpenAIListModels(t *testing.T) {
	m, c := openaiHarness.client(t)
	models, err := c.ListRemoteModels(ctxT(t), "openai")
	require.NoError(t, err)
	require.NotEmpty(t, models)
	var ids []string
	for _, md := range models {
		ids = append(ids, md.ID)
		assert.Equal(t, "openai", md.Provider)
		assert.Equal(t, "model", md.Object)
	}
	assert.Subset(t, ids, openaicompat.OpenAI().Models, "every model the provider names is served")
	assert.Subset(t, ids, []string{"gpt-4o", "gpt-4o-mini"})
	reqs := m.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/v1/models", reqs[0].Path)
	assert.Equal(t, "Bearer "+oaiKey, reqs[0].Header.Get("Authorization"))

	for _, id := range ids {
		res, err := c.Chat.Completions.Create(ctxT(t), &harbor.ChatRequest{Model: id, Messages: user("hi")})
		require.NoError(t, err, id)
		assert.Equal(t, id, res.Model)
	}
}

// TestOpenAIRegisteredEndpoint registers a user endpoint at runtime and calls it by
// prefix, by alias and in the "moonshot/…" form: the request carries the server's
// model name, the endpoint's key and base URL, and only the providers actually
// called are bound.
func TestOpenAIRegisteredEndpoint(t *testing.T) {
	openai, c := openaiHarness.client(t)
	moon := mockvendor.NewOpenAI(mockvendor.OpenAIConfig{APIKey: oaiMoonKey, Models: []string{"kimi-k2", "kimi-latest", "moonshot-v1-8k"}})
	mSrv, err := mockvendor.Listen("127.0.0.1:0", moon)
	require.NoError(t, err)
	defer mSrv.Close()
	ctx := ctxT(t)

	assert.Empty(t, c.BoundProviders(), "binding is lazy")
	_, err = c.Chat.Completions.Create(ctx, &harbor.ChatRequest{Model: "kimi-k2", Messages: user("hi")})
	require.ErrorIs(t, err, harbor.ErrUnknownModel, "no provider claims kimi- yet")
	assert.Empty(t, c.BoundProviders(), "an unknown model binds nothing")

	require.NoError(t, c.Register(openaicompat.Endpoint{
		Name:     "moonshot",
		BaseURL:  mSrv.URL() + "/v1",
		APIKey:   oaiMoonKey,
		Prefixes: []string{"kimi-"},
		Aliases:  map[string]string{"fast": "kimi-k2"},
	}.Descriptor()))
	assert.Empty(t, c.BoundProviders(), "registering binds nothing")

	calls := []struct {
		model, sent string
	}{
		{"kimi-k2", "kimi-k2"},                        // by prefix
		{"kimi-latest", "kimi-latest"},                // by prefix, another name
		{"fast", "kimi-k2"},                           // by alias: the server's name is sent
		{"moonshot/kimi-latest", "kimi-latest"},       // "name/model": the prefix is stripped
		{"moonshot/fast", "kimi-k2"},                  // "name/alias" still resolves the alias
		{"moonshot/moonshot-v1-8k", "moonshot-v1-8k"}, // a name no prefix claims
	}
	n := 0
	for _, mc := range calls {
		for _, streaming := range []bool{false, true} {
			o := call(ctx, c, &harbor.ChatRequest{Model: mc.model, Messages: user("hi")}, streaming)
			require.NoError(t, o.err, "%s (stream %v)", mc.model, streaming)
			assert.Equal(t, "Hello! You said: hi", o.Text)
			n++
			reqs := moon.Requests()
			require.Len(t, reqs, n)
			last := reqs[n-1]
			assert.Equal(t, oaiChatPath, last.Path)
			assert.Equal(t, "Bearer "+oaiMoonKey, last.Header.Get("Authorization"), "the endpoint's own key")
			assertSent(t, sentBody(t, reqs, n-1), map[string]any{"/model": mc.sent}, nil)
			if o.completion != nil {
				assert.Equal(t, "moonshot", o.completion.Provider)
			}
		}
	}
	assert.Empty(t, openai.Requests(), "nothing reached the built-in openai endpoint")
	assert.Equal(t, []string{"moonshot"}, c.BoundProviders(), "only the providers actually called are bound")

	// A model the endpoint does not claim goes to the built-in, which is bound then.
	_, err = c.Chat.Completions.Create(ctx, &harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")})
	require.NoError(t, err)
	assert.Len(t, openai.Requests(), 1)
	assert.ElementsMatch(t, []string{"openai", "moonshot"}, c.BoundProviders())
}
