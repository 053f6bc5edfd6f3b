package structured_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
	"github.com/harborai/harbor-go/structured"
)

// scriptedProvider answers each call with the next of its answers and keeps
// the requests it received.
type scriptedProvider struct {
	name    string
	mu      sync.Mutex
	answers []string
	reqs    []*llm.ChatRequest
}

func (p *scriptedProvider) Name() string { return p.name }

func (p *scriptedProvider) Chat(_ context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := len(p.reqs)
	p.reqs = append(p.reqs, req)
	if i >= len(p.answers) {
		return nil, &llm.Error{Kind: llm.ErrServer, Message: "scriptedProvider: no answer left"}
	}
	return &llm.ChatCompletion{ID: "id", Model: req.Model, RequestID: "req-" + string(rune('a'+i)),
		Choices: []llm.Choice{{Message: llm.AssistantMessage(p.answers[i]), FinishReason: "stop"}},
		Usage: llm.Usage{PromptTokens: 100, CompletionTokens: 20, TotalTokens: 120,
			CompletionTokensDetails: &llm.CompletionTokensDetails{ReasoningTokens: 5}}}, nil
}

func (p *scriptedProvider) ChatStream(context.Context, *llm.ChatRequest, *llm.CallOptions) (llm.ChunkSource, error) {
	return nil, &llm.Error{Kind: llm.ErrInvalidRequest, Message: "no streams"}
}

func (p *scriptedProvider) requests() []*llm.ChatRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*llm.ChatRequest(nil), p.reqs...)
}

// jsonClient is a Client with one scripted provider, "acme", serving acme-*
// models, native json_schema or not, and priced (1 CNY per million tokens in,
// 2 out).
func jsonClient(t *testing.T, native bool, answers ...string) (*harbor.Client, *scriptedProvider) {
	t.Helper()
	p := &scriptedProvider{name: "acme", answers: answers}
	c, err := harbor.New(noEnv(t),
		harbor.WithProvider(harbor.Descriptor{Name: "acme", Prefixes: []string{"acme-"}, JSONSchema: native,
			New: func(llm.Config) (llm.Provider, error) { return p, nil }}),
		harbor.WithPrices(harbor.PriceTable{"acme/acme-1": {Input: 1, Output: 2}}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c, p
}

type invoice struct {
	Customer string     `json:"customer" jsonschema:"the customer's full name"`
	Total    float64    `json:"total"`
	Lines    []lineItem `json:"lines"`
}

type lineItem struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

// withNote has an optional field: its schema is not strict-compatible.
type withNote struct {
	Title string `json:"title"`
	Note  string `json:"note,omitempty"`
}

const goodInvoice = `{"customer":"Li Lei","total":12.5,"lines":[{"sku":"A-1","qty":2}]}`

func invoiceRequest() *harbor.ChatRequest {
	return &harbor.ChatRequest{Model: "acme-1", Messages: []harbor.Message{
		harbor.SystemMessage("You read invoices."),
		harbor.UserMessage("Li Lei bought 2 of A-1, 12.5 in all."),
	}}
}

func TestCreateJSONNativeRequestShape(t *testing.T) {
	c, p := jsonClient(t, true, goodInvoice)
	req := invoiceRequest()
	before, err := json.Marshal(req)
	require.NoError(t, err)

	res, err := structured.CreateJSON[invoice](context.Background(), c, req)
	require.NoError(t, err)
	assert.True(t, res.Native)

	got := p.requests()
	require.Len(t, got, 1)
	rf := got[0].ResponseFormat
	require.NotNil(t, rf)
	assert.Equal(t, "json_schema", rf.Type)
	require.NotNil(t, rf.JSONSchema)
	assert.Equal(t, "invoice", rf.JSONSchema.Name)
	want, err := structured.SchemaFor[invoice]()
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(rf.JSONSchema.Schema))
	strict, ok := rf.JSONSchema.Strict.Get()
	assert.True(t, ok && strict, "every field required: strict is sent")
	assert.Equal(t, req.Messages, got[0].Messages, "native: the messages go out as given")

	after, err := json.Marshal(req)
	require.NoError(t, err)
	assert.JSONEq(t, string(before), string(after), "the caller's request is not changed")
	assert.Nil(t, req.ResponseFormat)
}

func TestCreateJSONNativeNotStrictWithOptionalFields(t *testing.T) {
	c, p := jsonClient(t, true, `{"title":"x"}`)
	res, err := structured.CreateJSON[withNote](context.Background(), c, invoiceRequest())
	require.NoError(t, err)
	assert.Equal(t, withNote{Title: "x"}, res.Value)
	rf := p.requests()[0].ResponseFormat
	assert.Equal(t, "withNote", rf.JSONSchema.Name)
	assert.False(t, rf.JSONSchema.Strict.IsSet(), "an optional field does not fit strict mode: Strict is left unset")
}

func TestCreateJSONEmulatedRequestShape(t *testing.T) {
	c, p := jsonClient(t, false, goodInvoice)
	req := invoiceRequest()
	res, err := structured.CreateJSON[invoice](context.Background(), c, req)
	require.NoError(t, err)
	assert.False(t, res.Native)

	got := p.requests()
	require.Len(t, got, 1)
	assert.Equal(t, &harbor.ResponseFormat{Type: "json_object"}, got[0].ResponseFormat)
	msgs := got[0].Messages
	require.Len(t, msgs, 3)
	assert.Equal(t, req.Messages[0], msgs[0], "the caller's system message stays first")
	assert.Equal(t, harbor.RoleSystem, msgs[1].Role, "the schema goes after the leading system messages")
	assert.Contains(t, msgs[1].Content, "JSON", `DeepSeek's json_object mode wants "json" in the prompt`)
	schema, err := structured.SchemaFor[invoice]()
	require.NoError(t, err)
	assert.Contains(t, msgs[1].Content, string(schema))
	assert.Equal(t, req.Messages[1], msgs[2])
	assert.Len(t, req.Messages, 2, "the caller's messages are not changed")

	// Without a system message of the caller's, the schema comes first.
	c2, p2 := jsonClient(t, false, goodInvoice)
	_, err = structured.CreateJSON[invoice](context.Background(), c2, &harbor.ChatRequest{Model: "acme-1",
		Messages: []harbor.Message{harbor.UserMessage("hi")}})
	require.NoError(t, err)
	msgs = p2.requests()[0].Messages
	require.Len(t, msgs, 2)
	assert.Equal(t, harbor.RoleSystem, msgs[0].Role)
	assert.Equal(t, harbor.RoleUser, msgs[1].Role)
}

func TestCreateJSONValidAnswerDecoded(t *testing.T) {
	c, p := jsonClient(t, true, "```json\n"+goodInvoice+"\n```")
	res, err := structured.CreateJSON[invoice](context.Background(), c, invoiceRequest())
	require.NoError(t, err)
	assert.Equal(t, invoice{Customer: "Li Lei", Total: 12.5, Lines: []lineItem{{SKU: "A-1", Qty: 2}}}, res.Value)
	assert.False(t, res.Repaired)
	assert.Equal(t, "```json\n"+goodInvoice+"\n```", res.Raw, "Raw is the text as written, fence and all")
	require.NotNil(t, res.Completion)
	assert.Equal(t, "acme", res.Completion.Provider)
	assert.Equal(t, 120, res.Usage.TotalTokens)
	assert.InDelta(t, 100*1e-6+20*2e-6, res.Cost.Total, 1e-12)
	assert.Equal(t, res.Completion.Cost, res.Cost)
	assert.Len(t, p.requests(), 1)

	// A pointer to a struct will do as T.
	c3, _ := jsonClient(t, true, goodInvoice)
	pv, err := structured.CreateJSON[*invoice](context.Background(), c3, invoiceRequest())
	require.NoError(t, err)
	require.NotNil(t, pv.Value)
	assert.Equal(t, "Li Lei", pv.Value.Customer)

	// A map with string keys is an object too.
	c2, _ := jsonClient(t, false, `{"a":1,"b":2}`)
	m, err := structured.CreateJSON[map[string]int](context.Background(), c2, invoiceRequest())
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"a": 1, "b": 2}, m.Value)
}

func TestCreateJSONRepairTurn(t *testing.T) {
	for _, native := range []bool{true, false} {
		bad := `{"customer":"Li Lei","total":"12.5","lines":[{"sku":"A-1"}],"extra":true}`
		c, p := jsonClient(t, native, bad, goodInvoice)
		res, err := structured.CreateJSON[invoice](context.Background(), c, invoiceRequest())
		require.NoError(t, err)
		assert.True(t, res.Repaired)
		assert.Equal(t, 12.5, res.Value.Total)
		assert.Equal(t, goodInvoice, res.Raw)
		assert.Equal(t, "req-b", res.Completion.RequestID, "Completion is the repair turn's")

		// Usage and cost are those of both turns.
		assert.Equal(t, harbor.Usage{PromptTokens: 200, CompletionTokens: 40, TotalTokens: 240,
			CompletionTokensDetails: &llm.CompletionTokensDetails{ReasoningTokens: 10}}, res.Usage)
		assert.InDelta(t, 2*(100*1e-6+20*2e-6), res.Cost.Total, 1e-12)
		assert.InDelta(t, 2*100*1e-6, res.Cost.Input, 1e-12)
		assert.InDelta(t, 2*20*2e-6, res.Cost.Output, 1e-12)

		got := p.requests()
		require.Len(t, got, 2)
		first, second := got[0], got[1]
		assert.Equal(t, first.ResponseFormat, second.ResponseFormat, "the repair turn asks for the same format")
		n := len(first.Messages)
		require.Len(t, second.Messages, n+2)
		assert.Equal(t, first.Messages, second.Messages[:n], "the repair turn continues the conversation")
		assert.Equal(t, harbor.AssistantMessage(bad), second.Messages[n], "the bad answer goes back as it was")
		fix := second.Messages[n+1]
		assert.Equal(t, harbor.RoleUser, fix.Role)
		for _, want := range []string{"at /total", "at /lines/0", "qty", "extra"} {
			assert.Contains(t, fix.Content, want, "the validator's findings are quoted")
		}
	}
}

func TestCreateJSONInvalidTwiceIsTypedError(t *testing.T) {
	c, p := jsonClient(t, false, `not json at all`, `{"customer":"Li Lei","total":"12.5","lines":null}`)
	res, err := structured.CreateJSON[invoice](context.Background(), c, invoiceRequest())
	require.Error(t, err)
	assert.Nil(t, res)
	assert.Len(t, p.requests(), 2, "one repair turn, never a loop")

	assert.ErrorIs(t, err, harbor.ErrBadResponse)
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "acme", he.Provider)
	assert.Equal(t, "acme-1", he.Model)
	assert.Equal(t, "req-b", he.RequestID)
	assert.False(t, he.Retryable())

	var je *structured.JSONError
	require.ErrorAs(t, err, &je)
	assert.Equal(t, `{"customer":"Li Lei","total":"12.5","lines":null}`, je.Raw)
	require.NotEmpty(t, je.Violations)
	assert.Contains(t, strings.Join(je.Violations, "\n"), "at /total")
	assert.Equal(t, 240, je.Usage.TotalTokens, "both turns were paid for")
	assert.InDelta(t, 2*(100*1e-6+20*2e-6), je.Cost.Total, 1e-12)
	require.NotNil(t, je.Completion)
	assert.Contains(t, err.Error(), "at /total")
	assert.NotContains(t, err.Error(), "Li Lei", "the answer itself stays out of the message")

	// The first answer was no JSON: the repair message says so.
	fix := p.requests()[1].Messages
	assert.Contains(t, fix[len(fix)-1].Content, "not valid JSON")
}

func TestCreateJSONEmptyAnswerRepairTurn(t *testing.T) {
	c, p := jsonClient(t, false, "  ", goodInvoice)
	res, err := structured.CreateJSON[invoice](context.Background(), c, invoiceRequest())
	require.NoError(t, err)
	assert.True(t, res.Repaired)
	msgs := p.requests()[1].Messages
	assert.NotEmpty(t, strings.TrimSpace(msgs[len(msgs)-2].Content), "vendors reject an empty assistant turn")
}

func TestCreateJSONCallErrorsPassThrough(t *testing.T) {
	c, _ := jsonClient(t, true) // no answers: the provider fails
	_, err := structured.CreateJSON[invoice](context.Background(), c, invoiceRequest())
	assert.ErrorIs(t, err, harbor.ErrServer)

	_, err = structured.CreateJSON[invoice](context.Background(), c, &harbor.ChatRequest{Model: "nobody-1",
		Messages: []harbor.Message{harbor.UserMessage("hi")}})
	assert.ErrorIs(t, err, harbor.ErrUnknownModel)

	_, err = structured.CreateJSON[invoice](context.Background(), nil, invoiceRequest())
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
	_, err = structured.CreateJSON[invoice](context.Background(), c, nil)
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
}

func TestCreateJSONRejectsFormatSettings(t *testing.T) {
	cases := map[string]func(r *harbor.ChatRequest){
		"response_format": func(r *harbor.ChatRequest) { r.ResponseFormat = &harbor.ResponseFormat{Type: "json_object"} },
		"tools": func(r *harbor.ChatRequest) {
			r.Tools = []harbor.Tool{harbor.FunctionTool("f", "", json.RawMessage(`{"type":"object"}`))}
		},
		"tool_choice": func(r *harbor.ChatRequest) { r.ToolChoice = &harbor.ToolChoice{Mode: harbor.ToolChoiceNone} },
		"n":           func(r *harbor.ChatRequest) { r.N = harbor.Some(2) },
		"extra_body":  func(r *harbor.ChatRequest) { r.ExtraBody = map[string]any{"response_format": "text"} },
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			c, p := jsonClient(t, true, goodInvoice)
			req := invoiceRequest()
			set(req)
			_, err := structured.CreateJSON[invoice](context.Background(), c, req)
			assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
			var he *harbor.Error
			require.ErrorAs(t, err, &he)
			assert.NotEmpty(t, he.Param)
			assert.Empty(t, p.requests(), "rejected before any I/O")
		})
	}
}

// Types JSON Schema cannot express, each with the field its error must name.
type (
	withChan struct {
		Name  string `json:"name"`
		Ready chan int
	}
	withFunc struct {
		Items []struct {
			Hook func() `json:"hook"`
		} `json:"items"`
	}
	withComplex   struct{ Z complex128 }
	withIntKeys   struct{ ByID map[int]string }
	withInterface struct {
		R interface{ Read([]byte) (int, error) }
	}
	node struct {
		Name string `json:"name"`
		Kids []node `json:"kids"`
	}
	linked struct{ Next *linked }
	named  struct {
		inner `json:"inner"`
	}
	inner  struct{ X int }
	keyTag struct {
		A string `json:"a" jsonschema:"description=the a"`
	}
	deepOK  struct{ V [][][][][][][][][]int }   // 1 + 9 levels: MaxJSONDepth
	tooDeep struct{ V [][][][][][][][][][]int } // 1 + 10 levels
)

func TestSchemaForRejectsBadTypesBeforeIO(t *testing.T) {
	check := func(t *testing.T, err error, param, reason string) {
		t.Helper()
		require.Error(t, err)
		assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
		var he *harbor.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, param, he.Param)
		assert.Contains(t, he.Error(), param, "the message names the field")
		assert.Contains(t, he.Error(), reason)
	}
	cases := []struct {
		name          string
		schema        func() error
		create        func(*harbor.Client) error
		param, reason string
	}{
		{"chan", errOf(structured.SchemaFor[withChan]), createOf[withChan], "withChan.Ready", "chan int"},
		{"func", errOf(structured.SchemaFor[withFunc]), createOf[withFunc], "withFunc.Items[].Hook", "func()"},
		{"complex", errOf(structured.SchemaFor[withComplex]), createOf[withComplex], "withComplex.Z", "complex128"},
		{"int keys", errOf(structured.SchemaFor[withIntKeys]), createOf[withIntKeys], "withIntKeys.ByID", "map key type int"},
		{"interface", errOf(structured.SchemaFor[withInterface]), createOf[withInterface], "withInterface.R", "has methods"},
		{"cycle", errOf(structured.SchemaFor[node]), createOf[node], "node.Kids[]", "contains itself"},
		{"pointer cycle", errOf(structured.SchemaFor[linked]), createOf[linked], "linked.Next", "contains itself"},
		{"named embedded", errOf(structured.SchemaFor[named]), createOf[named], "named.inner", "json name"},
		{"jsonschema key tag", errOf(structured.SchemaFor[keyTag]), createOf[keyTag], "keyTag.A", "description=the a"},
		{"too deep", errOf(structured.SchemaFor[tooDeep]), createOf[tooDeep], "tooDeep.V[][][][][][][][][]", "MaxJSONDepth (10"},
		{"not an object", errOf(structured.SchemaFor[[]invoice]), createOf[[]invoice], "[]structured_test.invoice", "struct or a map"},
		{"string", errOf(structured.SchemaFor[string]), createOf[string], "string", "struct or a map"},
		{"time", errOf(structured.SchemaFor[*time.Time]), createOf[*time.Time], "Time", "a string in JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.schema(), tc.param, tc.reason)
			c, p := jsonClient(t, true, goodInvoice)
			check(t, tc.create(c), tc.param, tc.reason)
			assert.Empty(t, p.requests(), "rejected before any I/O")
			check(t, tc.create(c), tc.param, tc.reason) // the cached verdict, a fresh *Error
		})
	}
}

func errOf(f func() (json.RawMessage, error)) func() error {
	return func() error { _, err := f(); return err }
}

func createOf[T any](c *harbor.Client) error {
	_, err := structured.CreateJSON[T](context.Background(), c, invoiceRequest())
	return err
}

func TestSchemaForDepthLimit(t *testing.T) {
	s, err := structured.SchemaFor[deepOK]()
	require.NoError(t, err, "exactly MaxJSONDepth levels is fine")
	assert.NotEmpty(t, s)
	_, err = structured.SchemaFor[tooDeep]()
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
}

func TestSchemaForShape(t *testing.T) {
	s, err := structured.SchemaFor[invoice]()
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(s, &doc))
	assert.Equal(t, "object", doc["type"])
	assert.Equal(t, false, doc["additionalProperties"])
	assert.ElementsMatch(t, []any{"customer", "total", "lines"}, doc["required"])
	props := doc["properties"].(map[string]any)
	assert.Equal(t, "the customer's full name", props["customer"].(map[string]any)["description"])

	s, err = structured.SchemaFor[withNote]()
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(s, &doc))
	assert.Equal(t, []any{"title"}, doc["required"], "omitempty fields are optional")

	// SchemaFor returns a copy: changing it changes nothing.
	s[0] = 'X'
	again, err := structured.SchemaFor[withNote]()
	require.NoError(t, err)
	assert.Equal(t, byte('{'), again[0])
}

func TestCreateJSONConcurrentFirstUse(t *testing.T) {
	type fresh struct { // a type no other test used: its schema is built under the race
		A string `json:"a"`
	}
	vendor := &replayProvider{answers: []string{`{"a":"x"}`}}
	c, err := harbor.New(noEnv(t), harbor.WithProvider(harbor.Descriptor{Name: "replay", Prefixes: []string{"replay-"},
		New: func(llm.Config) (llm.Provider, error) { return vendor, nil }}))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := structured.CreateJSON[fresh](context.Background(), c, &harbor.ChatRequest{Model: "replay-1",
				Messages: []harbor.Message{harbor.UserMessage("a?")}})
			if assert.NoError(t, err) {
				assert.Equal(t, "x", res.Value.A)
			}
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 16, vendor.n.Load())
}

func TestJSONErrorMessage(t *testing.T) {
	e := &structured.JSONError{Violations: []string{"a", "b", "c", "d"}}
	assert.Equal(t, "the answer does not match the JSON schema after a repair turn (4 violation(s)): a; b; c; …", e.Error())
	assert.True(t, errors.As(error(e), new(*structured.JSONError)))
}

func TestJSONSchemaCapabilityOfBuiltins(t *testing.T) {
	for name, want := range map[string]bool{"deepseek": false, "wenxin": false, "doubao": true, "qianfan": true, "openai": true} {
		d, ok := builtinDescriptor(name)
		require.True(t, ok, name)
		assert.Equal(t, want, d.JSONSchema, name)
	}
	assert.True(t, openaicompat.Qwen().Descriptor().JSONSchema)
	assert.False(t, openaicompat.Moonshot().Descriptor().JSONSchema, "json_object only: emulated")
	assert.False(t, openaicompat.Zhipu().Descriptor().JSONSchema, "json_object only: emulated")
	assert.True(t, openaicompat.Local("ollama", "http://127.0.0.1:11434/v1").Descriptor().JSONSchema)
}

func builtinDescriptor(name string) (harbor.Descriptor, bool) {
	switch name {
	case "deepseek":
		return deepseek.Descriptor(), true
	case "wenxin":
		return wenxin.Descriptor(), true
	case "doubao":
		return doubao.Descriptor(), true
	case "qianfan":
		return qianfan.Descriptor(), true
	case "openai":
		return openaicompat.Descriptor(), true
	}
	return harbor.Descriptor{}, false
}

// noEnv keeps the machine's keys out of a test's client.
func noEnv(t *testing.T) harbor.Option {
	return harbor.WithGetenv(func(string) string { return "" })
}
