package compat_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
)

// What both SDKs' tests share: the gateway they call, the vendors' scripted
// faults, the outcome each case reports and what it must be.
//
// The gateway is deploy/harbor.example.yaml — what the README tells a user to
// start — served on the mocks by gatewaytest, with three changes:
//
//   - upstream.max_retries 0 and response_header_timeout 1s: one scripted fault
//     is one failed call, and a vendor that does not answer is a 504 within a
//     second (harbor's retries and timeouts have tests of their own);
//   - three keys more, to reach the key-level errors: limited (rpm 1), narrow
//     (models deepseek-*) and broke (a budget of 1e-9 CNY, spent by one call).

// testKeys are the virtual keys the cases call with.
type testKeys struct {
	Example string `json:"example"` // the example config's public key: no limits
	Limited string `json:"limited"` // rpm 1
	Narrow  string `json:"narrow"`  // models: deepseek-*
	Broke   string `json:"broke"`   // budget_cny 1e-9
}

func startGateway(t *testing.T) (*gatewaytest.Gateway, testKeys) {
	t.Helper()
	cfg, err := gateway.LoadConfig("../../deploy/harbor.example.yaml")
	require.NoError(t, err)
	zero := 0
	cfg.Upstream.MaxRetries = &zero
	cfg.Upstream.ResponseHeaderTimeout = time.Second
	keys := testKeys{Example: gateway.ExampleKey}
	for _, k := range []struct {
		key *string
		cfg gateway.KeyConfig
	}{
		{&keys.Limited, gateway.KeyConfig{ID: "limited", RPM: 1}},
		{&keys.Narrow, gateway.KeyConfig{ID: "narrow", Models: []string{"deepseek-*"}}},
		{&keys.Broke, gateway.KeyConfig{ID: "broke", BudgetCNY: 1e-9}},
	} {
		key, sum, err := gateway.NewKey()
		require.NoError(t, err)
		*k.key, k.cfg.SHA256 = key, sum
		cfg.Keys = append(cfg.Keys, k.cfg)
	}
	g := gatewaytest.Start(t, cfg)
	g.Key = keys.Example
	return g, keys
}

// scriptVendors enqueues the vendors' faults. Each mock takes its faults in
// order, one per chat request it receives, so the cases that reach a mock with
// a fault run in this order, and no other case reaches those mocks:
//
//	doubao:  vendor_server_error (500), sdk_retries (500, then an answer), vendor_invalid (422)
//	openai:  structured (a scripted answer), midstream_error (cut after 3 events), vendor_rate_limited (429)
//	qianfan: vendor_timeout (no answer within upstream.response_header_timeout)
//
// deepseek, which answers the other cases, has no faults.
func scriptVendors(g *gatewaytest.Gateway) {
	g.Mock(harbortest.Doubao).Enqueue(harbortest.ServerError(), harbortest.ServerError(), harbortest.Fault{},
		harbortest.InvalidParams("temperature: out of range"))
	g.Mock(harbortest.OpenAI).Enqueue(structuredReply(), harbortest.AbortedStream(3), harbortest.RateLimited(""))
	g.Mock(harbortest.Qianfan).Enqueue(harbortest.Fault{Latency: time.Minute})
}

// cityJSON is the answer to the structured-output case, valid for citySchema.
const cityJSON = `{"city":"Paris","population":2102650,"landmarks":["Eiffel Tower","Louvre"]}`

// citySchema is the structured-output case's schema (openai-node.mjs has the same).
const citySchema = `{
	"type": "object",
	"properties": {
		"city": {"type": "string"},
		"population": {"type": "integer", "minimum": 0},
		"landmarks": {"type": "array", "items": {"type": "string"}}
	},
	"required": ["city", "population", "landmarks"],
	"additionalProperties": false
}`

// structuredReply is the OpenAI mock's answer to the structured-output case,
// in OpenAI's wire format: the mocks of this branch answer every request with
// the same toy text, which is no instance of a schema, so the vendor's answer
// is scripted. What the case tests is the gateway: response_format goes to the
// vendor as the SDK sent it, and the answer comes back as the SDK parses it.
func structuredReply() harbortest.Fault {
	return harbortest.ReplyJSON(200, map[string]any{
		"id": "chatcmpl-compat", "object": "chat.completion", "created": 1767225600, "model": "gpt-4o-mini",
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": cityJSON, "refusal": nil},
		}},
		"usage": map[string]any{"prompt_tokens": 12, "completion_tokens": 20, "total_tokens": 32},
	})
}

// outcome is what one case reports: the fields of a success, or error. The
// Node script prints it as JSON; the Go SDK's test fills it in.
type outcome struct {
	// A completion (plain, stream_helper, structured, sdk_retries).
	Object       string `json:"object"`
	Model        string `json:"model"`
	Content      string `json:"content"`
	FinishReason string `json:"finish_reason"`
	TotalTokens  int    `json:"total_tokens"`
	RequestID    string `json:"request_id"`
	// A stream read chunk by chunk.
	Chunks            int      `json:"chunks"`
	Objects           []string `json:"objects"`
	UsageChunks       int      `json:"usage_chunks"`
	UsageChunkChoices *int     `json:"usage_chunk_choices"`
	// A tool call, and the answer of the turn that returns its result.
	Tool             string          `json:"tool"`
	ToolArgs         json.RawMessage `json:"tool_args"`
	NextFinishReason string          `json:"next_finish_reason"`
	// Structured output, as the SDK parsed it.
	Parsed json.RawMessage `json:"parsed"`
	// Models.
	Models    []string `json:"models"`
	Retrieved string   `json:"retrieved"`
	// A "provider/model" id retrieved, as the SDK sends its slash.
	RetrievedSlashed string `json:"retrieved_slashed"`
	// The HTTP requests the SDK made for a case run with its retries on.
	Requests int `json:"requests"`

	Error *sdkError `json:"error"`
}

// sdkError is an error as the SDK raised it.
type sdkError struct {
	// Classes are the SDK's error types it is, most specific first: the Node
	// SDK's classes ("RateLimitError", "APIError"); for openai-go, "*openai.Error"
	// or "*ssestream.StreamError".
	Classes    []string `json:"classes"`
	Status     int      `json:"status"`
	Type       string   `json:"type"`
	Code       string   `json:"code"`
	Param      string   `json:"param"`
	RetryAfter string   `json:"retry_after"`
	Message    string   `json:"message"`
}

// wantError is an error case: the gateway's answer and the SDK class that
// must carry it (Node's; openai-go has one type, *openai.Error, for all).
type wantError struct {
	status      int
	typ, code   string
	param       string
	nodeClass   string
	retryAfter  bool
	messageHint string // a part of the message
}

// errorCases are the error classes of the README's gateway Errors table, each as the
// SDKs see it. wrong_type is Node's only (openai-go's temperature is a float).
var errorCases = map[string]wantError{
	"bad_key":                 {401, "invalid_request_error", "invalid_api_key", "", "AuthenticationError", false, "not a key of this gateway"},
	"model_not_allowed":       {403, "permission_error", "model_not_allowed", "model", "PermissionDeniedError", false, "(narrow) may not use"},
	"unknown_model":           {404, "invalid_request_error", "model_not_found", "model", "NotFoundError", false, "no-such-model"},
	"invalid_temperature":     {400, "invalid_request_error", "invalid_value", "temperature", "BadRequestError", false, "temperature"},
	"wrong_type":              {400, "invalid_request_error", "invalid_type", "temperature", "BadRequestError", false, "temperature must be a number"},
	"budget_exceeded":         {402, "insufficient_quota", "budget_exceeded", "", "APIError", false, "(broke) has spent its budget"},
	"key_rate_limited":        {429, "rate_limit_error", "rate_limit_exceeded", "", "RateLimitError", true, "(limited) is over its requests per minute"},
	"too_large":               {413, "invalid_request_error", "request_too_large", "", "APIError", false, "larger than"},
	"provider_not_configured": {503, "service_unavailable_error", "provider_not_configured", "", "InternalServerError", false, "no credentials"},
	"not_configured_retried":  {503, "service_unavailable_error", "provider_not_configured", "", "InternalServerError", false, "no credentials"},
	"vendor_server_error":     {502, "upstream_error", "upstream_error", "", "InternalServerError", false, "doubao"},
	"vendor_invalid":          {400, "invalid_request_error", "invalid_value", "", "BadRequestError", false, "doubao"},
	"vendor_timeout":          {504, "upstream_error", "upstream_timeout", "", "InternalServerError", false, "qianfan"},
	"vendor_rate_limited":     {429, "rate_limit_error", "upstream_rate_limited", "", "RateLimitError", true, "openai"},
}

// retriedCases are the error cases run with the SDK's retries on (2, the
// default), and the requests it must make: the 503 provider_not_configured
// is permanent, and its X-Should-Retry: false, which the official SDKs obey
// before the status, makes it one (found by a new-user trial: the Node SDK
// made 3, over 1.3 s).
var retriedCases = map[string]int{"not_configured_retried": 1}

// goOnly and nodeOnly are the error cases one SDK's test runs.
var (
	goOnly   = map[string]bool{}
	nodeOnly = map[string]bool{"wrong_type": true}
)

var traceID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkOutcomes asserts every case's outcome; node says whose they are (the
// Node SDK's error classes are checked; openai-go has one error type).
func checkOutcomes(t *testing.T, g *gatewaytest.Gateway, got map[string]outcome, node bool) {
	t.Helper()
	success := func(name string) outcome {
		t.Helper()
		o, ok := got[name]
		require.True(t, ok, "case %s did not run", name)
		if o.Error != nil {
			t.Errorf("%s: %+v", name, *o.Error)
		}
		return o
	}

	o := success("models")
	assert.Subset(t, o.Models, []string{"deepseek-v4-flash", "doubao-seed-1-6-251015", "gpt-4o-mini", "fast", "smart"}, "models")
	assert.Equal(t, "fast", o.Retrieved, "models: retrieve")
	assert.Equal(t, "deepseek/deepseek-v4-pro", o.RetrievedSlashed, "models: retrieve a provider/model id")

	o = success("plain")
	assert.Equal(t, "chat.completion", o.Object, "plain")
	assert.Equal(t, "Hello! You said: hi", o.Content, "plain")
	assert.Equal(t, "stop", o.FinishReason, "plain")
	assert.Positive(t, o.TotalTokens, "plain")
	assert.Regexp(t, traceID, o.RequestID, "plain: the SDK's request id is the gateway's X-Request-Id")

	o = success("stream")
	assert.Equal(t, "Hello! You said: hi there", o.Content, "stream")
	assert.Equal(t, []string{"chat.completion.chunk"}, o.Objects, "stream")
	assert.GreaterOrEqual(t, o.Chunks, 4, "stream")
	assert.Equal(t, "stop", o.FinishReason, "stream")
	assert.Equal(t, 1, o.UsageChunks, "stream: one usage chunk")
	if assert.NotNil(t, o.UsageChunkChoices, "stream") {
		assert.Zero(t, *o.UsageChunkChoices, "stream: the usage chunk has no choices")
	}
	assert.Positive(t, o.TotalTokens, "stream")

	o = success("stream_helper")
	assert.Equal(t, "Hello! You said: assemble me", o.Content, "stream_helper")
	assert.Equal(t, "stop", o.FinishReason, "stream_helper")
	assert.Positive(t, o.TotalTokens, "stream_helper")

	for _, name := range []string{"tools", "tools_stream"} {
		o = success(name)
		assert.Equal(t, "tool_calls", o.FinishReason, name)
		assert.Equal(t, "lookup", o.Tool, name)
		var args struct {
			Query *string `json:"query"`
		}
		if assert.NoError(t, json.Unmarshal(o.ToolArgs, &args), "%s: %s", name, o.ToolArgs) {
			assert.NotNil(t, args.Query, "%s: the arguments have the required query: %s", name, o.ToolArgs)
		}
	}
	o = success("tools")
	assert.NotEmpty(t, o.Content, "tools: the answer after the tool's result")
	assert.Equal(t, "stop", o.NextFinishReason, "tools")

	o = success("structured")
	assert.Equal(t, "stop", o.FinishReason, "structured")
	assert.JSONEq(t, cityJSON, o.Content, "structured")
	checkSchema(t, o.Parsed)
	checkResponseFormatSent(t, g)

	if !node {
		// openai-go only: an assistant turn with tool calls sent back without
		// its reasoning_content (ToParam drops it; the Node SDK sends the
		// message back as it came), which DeepSeek's thinking mode requires:
		// the gateway puts back the reasoning it answered the call with.
		o = success("tools_reasoning_restored")
		assert.Equal(t, "stop", o.FinishReason, "tools_reasoning_restored: the second turn is answered")
	}

	o = success("sdk_retries")
	assert.Equal(t, "Hello! You said: the vendor fails once", o.Content, "sdk_retries: the SDK retried the 502")

	o, ok := got["midstream_error"]
	require.True(t, ok, "case midstream_error did not run")
	assert.Positive(t, o.Chunks, "midstream_error: chunks before the error")
	if assert.NotNil(t, o.Error, "midstream_error: the SDK raised the stream's error event") {
		assert.Equal(t, "upstream_error", o.Error.Type, "midstream_error")
		assert.Equal(t, "upstream_error", o.Error.Code, "midstream_error")
		if node {
			assert.Equal(t, []string{"APIError"}, o.Error.Classes, "midstream_error")
		} else {
			assert.Equal(t, []string{"*ssestream.StreamError"}, o.Error.Classes, "midstream_error")
		}
	}

	for name, want := range errorCases {
		o, ok := got[name]
		if node && goOnly[name] || !node && nodeOnly[name] {
			continue
		}
		if !assert.True(t, ok, "case %s did not run", name) {
			continue
		}
		if !assert.NotNil(t, o.Error, "%s: no error: %+v", name, o) {
			continue
		}
		e := o.Error
		assert.Equal(t, want.status, e.Status, "%s: status (%s)", name, e.Message)
		assert.Equal(t, want.typ, e.Type, "%s: type", name)
		assert.Equal(t, want.code, e.Code, "%s: code", name)
		assert.Equal(t, want.param, e.Param, "%s: param", name)
		assert.Contains(t, e.Message, want.messageHint, "%s: message", name)
		if want.retryAfter {
			assert.Regexp(t, `^[1-9][0-9]*$`, e.RetryAfter, "%s: Retry-After", name)
		}
		if n, ok := retriedCases[name]; ok {
			assert.Equal(t, n, o.Requests, "%s: the requests the SDK made, its retries on", name)
		}
		if node {
			require.NotEmpty(t, e.Classes, name)
			assert.Equal(t, want.nodeClass, e.Classes[0], "%s: the SDK's error class", name)
			assert.Equal(t, "APIError", e.Classes[len(e.Classes)-1], "%s: every one is an APIError", name)
		} else {
			assert.Equal(t, []string{"*openai.Error"}, e.Classes, name)
		}
	}
	for name := range got {
		if _, known := errorCases[name]; !known && !strings.Contains(successCases, " "+name+" ") {
			t.Errorf("case %s is not checked", name)
		}
	}
}

const successCases = " models plain stream stream_helper tools tools_stream structured sdk_retries midstream_error tools_reasoning_restored "

// checkSchema validates the SDK's parsed answer against citySchema.
func checkSchema(t *testing.T, parsed json.RawMessage) {
	t.Helper()
	schema, err := jsonschema.UnmarshalJSON(strings.NewReader(citySchema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("city.json", schema))
	sch, err := c.Compile("city.json")
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(parsed)))
	if !assert.NoError(t, err, "structured: parsed %s", parsed) {
		return
	}
	assert.NoError(t, sch.Validate(v), "structured: parsed %s", parsed)
}

// checkResponseFormatSent checks that the vendor got response_format as the
// SDK sent it: json_schema, its name, strict and the schema.
func checkResponseFormatSent(t *testing.T, g *gatewaytest.Gateway) {
	t.Helper()
	for _, r := range g.Mock(harbortest.OpenAI).ChatRequests() {
		var body struct {
			ResponseFormat *struct {
				Type       string `json:"type"`
				JSONSchema struct {
					Name   string          `json:"name"`
					Strict *bool           `json:"strict"`
					Schema json.RawMessage `json:"schema"`
				} `json:"json_schema"`
			} `json:"response_format"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &body))
		if body.ResponseFormat == nil {
			continue
		}
		rf := body.ResponseFormat
		assert.Equal(t, "json_schema", rf.Type)
		assert.Equal(t, "city", rf.JSONSchema.Name)
		assert.Equal(t, true, rf.JSONSchema.Strict != nil && *rf.JSONSchema.Strict, "strict")
		assert.JSONEq(t, citySchema, string(rf.JSONSchema.Schema))
		return
	}
	t.Errorf("structured: no request with response_format reached the vendor")
}

// describe is a short form of the outcomes for a failing test's log.
func describe(got map[string]outcome) string {
	b, _ := json.MarshalIndent(got, "", "  ")
	return fmt.Sprintf("%s", b)
}
