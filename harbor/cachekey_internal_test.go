package harbor

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func keyOf(t *testing.T, provider, sent, thinking string, req *ChatRequest) cacheKey {
	t.Helper()
	k, err := newCacheKey(provider, sent, thinking, req)
	require.NoError(t, err)
	return k
}

// Every answer-relevant field of ChatRequest splits the cache: for each exported
// field (found by reflection, so a field added later is covered or fails here),
// changing it alone changes the key.
func TestCacheKeyChangesWithEveryRequestField(t *testing.T) {
	base := func() *ChatRequest {
		return &ChatRequest{Model: "m", Messages: []Message{llm.UserMessage("hi")}}
	}
	k0 := keyOf(t, "p", "m", "", base())

	// A different value for each field; the test fails on a field it has no
	// value for, so new fields must be added here (and considered for the key).
	values := map[string]func(r *ChatRequest){
		"Messages":            func(r *ChatRequest) { r.Messages = []Message{llm.UserMessage("hello")} },
		"Temperature":         func(r *ChatRequest) { r.Temperature = llm.Some(0.5) },
		"TopP":                func(r *ChatRequest) { r.TopP = llm.Some(0.5) },
		"FrequencyPenalty":    func(r *ChatRequest) { r.FrequencyPenalty = llm.Some(0.5) },
		"PresencePenalty":     func(r *ChatRequest) { r.PresencePenalty = llm.Some(0.5) },
		"MaxTokens":           func(r *ChatRequest) { r.MaxTokens = llm.Some(5) },
		"MaxCompletionTokens": func(r *ChatRequest) { r.MaxCompletionTokens = llm.Some(5) },
		"N":                   func(r *ChatRequest) { r.N = llm.Some(2) },
		"Seed":                func(r *ChatRequest) { r.Seed = llm.Some[int64](7) },
		"Stop":                func(r *ChatRequest) { r.Stop = []string{"\n"} },
		"ResponseFormat":      func(r *ChatRequest) { r.ResponseFormat = &ResponseFormat{Type: "json_object"} },
		"Tools":               func(r *ChatRequest) { r.Tools = []Tool{llm.FunctionTool("f", "", nil)} },
		"ToolChoice":          func(r *ChatRequest) { r.ToolChoice = &ToolChoice{Mode: llm.ToolChoiceRequired} },
		"ParallelToolCalls":   func(r *ChatRequest) { r.ParallelToolCalls = llm.Some(false) },
		"Logprobs":            func(r *ChatRequest) { r.Logprobs = llm.Some(true) },
		"TopLogprobs":         func(r *ChatRequest) { r.TopLogprobs = llm.Some(3) },
		"User":                func(r *ChatRequest) { r.User = "u1" },
		"Thinking":            func(r *ChatRequest) { r.Thinking = &Thinking{Type: llm.ThinkingEnabled} },
		"ReasoningEffort":     func(r *ChatRequest) { r.ReasoningEffort = "high" },
		"WebSearch":           func(r *ChatRequest) { r.WebSearch = &WebSearch{Enable: true} },
		"ExtraBody":           func(r *ChatRequest) { r.ExtraBody = map[string]any{"top_k": 3} },
	}
	// Fields that cannot change the answer on their own: Model is the caller's
	// name, replaced by the model sent (tested below).
	notInKey := map[string]bool{"Model": true}

	typ := reflect.TypeFor[ChatRequest]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if notInKey[name] {
			continue
		}
		set, ok := values[name]
		if !assert.True(t, ok, "ChatRequest.%s is new: add a value for it to this test (and make sure it is part of the cache key)", name) {
			continue
		}
		r := base()
		set(r)
		assert.NotEqual(t, k0, keyOf(t, "p", "m", "", r), "changing %s must change the key", name)
	}

	// Nested fields that are easy to miss: message parts, tool calls, a
	// message's name, the JSON schema, tool parameters.
	nested := map[string]func(r *ChatRequest){
		"message parts": func(r *ChatRequest) { r.Messages = []Message{llm.UserParts(llm.TextPart("hi"))} },
		"message image": func(r *ChatRequest) { r.Messages = []Message{llm.UserParts(llm.ImagePart("https://x/y.png", ""))} },
		"message name":  func(r *ChatRequest) { r.Messages[0].Name = "bob" },
		"assistant tool call": func(r *ChatRequest) {
			r.Messages = append(r.Messages, Message{Role: llm.RoleAssistant, ToolCalls: []ToolCall{{ID: "c1", Type: "function", Function: FunctionCall{Name: "f", Arguments: "{}"}}}})
		},
		"tool result": func(r *ChatRequest) { r.Messages = append(r.Messages, llm.ToolMessage("c1", "42")) },
		"reasoning": func(r *ChatRequest) {
			r.Messages = append(r.Messages, Message{Role: llm.RoleAssistant, Content: "a", ReasoningContent: "r"})
		},
		"json schema": func(r *ChatRequest) {
			r.ResponseFormat = &ResponseFormat{Type: "json_schema", JSONSchema: &JSONSchema{Name: "x", Schema: json.RawMessage(`{"type":"object"}`)}}
		},
		"tool params":   func(r *ChatRequest) { r.Tools = []Tool{llm.FunctionTool("f", "", map[string]any{"type": "object"})} },
		"named choice":  func(r *ChatRequest) { r.ToolChoice = &ToolChoice{Function: "f"} },
		"search detail": func(r *ChatRequest) { r.WebSearch = &WebSearch{Enable: true, SearchNum: llm.Some(3)} },
	}
	seen := map[cacheKey]string{k0: "base"}
	for name, set := range nested {
		r := base()
		set(r)
		k := keyOf(t, "p", "m", "", r)
		if prev, dup := seen[k]; dup {
			t.Errorf("%s and %s give the same key", name, prev)
		}
		seen[k] = name
	}

	// The route: provider, the model sent and the thinking mode the name implies.
	assert.NotEqual(t, k0, keyOf(t, "q", "m", "", base()), "provider")
	assert.NotEqual(t, k0, keyOf(t, "p", "m2", "", base()), "model sent")
	assert.NotEqual(t, k0, keyOf(t, "p", "m", llm.ThinkingEnabled, base()), "thinking implied by the name")
	assert.NotEqual(t, keyOf(t, "pm", "", "", base()), keyOf(t, "p", "m", "", base()), "fields are delimited")

	// What cannot change the answer does not split the cache: the caller's name
	// for the model (an alias), and an equal ExtraBody built in another order.
	r := base()
	r.Model = "an-alias"
	assert.Equal(t, k0, keyOf(t, "p", "m", "", r), "the caller's model name is not in the key")
	a, b := base(), base()
	a.ExtraBody = map[string]any{"x": 1, "y": 2}
	b.ExtraBody = map[string]any{"y": 2, "x": 1}
	assert.Equal(t, keyOf(t, "p", "m", "", a), keyOf(t, "p", "m", "", b))
}

// The shared tier's key is the namespace and a hex digest: no prompt, no secret.
func TestSharedKeyIsADigest(t *testing.T) {
	r := &ChatRequest{Model: "m", Messages: []Message{llm.UserMessage("my secret prompt sk-123")}}
	s := keyOf(t, "p", "m", "", r).shared("ns")
	assert.Regexp(t, `^ns:[0-9a-f]{64}$`, s)
}

// Every leaf of a request — every string, number and bool reachable through its
// messages, parts, tool calls, tools, formats and options, found by reflection
// — changes the key when it alone changes. A field added anywhere in the
// request that the key writer forgets fails here.
func TestCacheKeyCoversEveryLeaf(t *testing.T) {
	var req ChatRequest
	fill(reflect.ValueOf(&req).Elem(), 0)
	for i := range req.Messages {
		req.Messages[i].Parts = nil // with parts, Content is not sent (nor keyed): parts are checked below
	}
	k0 := keyOf(t, "p", "m", "", &req)
	var walk func(v reflect.Value, path string)
	// (k0 is reassigned below for the second request: walk reads it then.)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if f.IsExported() && !(path == "ChatRequest" && f.Name == "Model") {
					walk(v.Field(i), path+"."+f.Name)
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), path+"[]")
			}
		case reflect.String:
			old := v.String()
			v.SetString(old + "!")
			assert.NotEqual(t, k0, keyOf(t, "p", "m", "", &req), "changing %s must change the key", path)
			v.SetString(old)
		case reflect.Int, reflect.Int64:
			old := v.Int()
			v.SetInt(old + 1)
			assert.NotEqual(t, k0, keyOf(t, "p", "m", "", &req), "changing %s must change the key", path)
			v.SetInt(old)
		case reflect.Bool:
			v.SetBool(!v.Bool())
			assert.NotEqual(t, k0, keyOf(t, "p", "m", "", &req), "changing %s must change the key", path)
			v.SetBool(!v.Bool())
		}
	}
	walk(reflect.ValueOf(&req).Elem(), "ChatRequest")

	// A message with parts: every leaf of its parts is keyed (Content is not sent).
	var pm Message
	fill(reflect.ValueOf(&pm).Elem(), 0)
	req.Messages = []Message{pm}
	k0 = keyOf(t, "p", "m", "", &req)
	for i := range req.Messages[0].Parts {
		walk(reflect.ValueOf(&req.Messages[0].Parts[i]).Elem(), "Parts[]")
	}
}
