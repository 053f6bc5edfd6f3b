package doubao

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

const testKey = "ark-test-key-0123456789abcdef"

// vendor is an httptest server speaking Ark's wire format: it records what it
// receives and answers with a canned status, headers and body.
type vendor struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         []byte
}

func newVendor(t *testing.T, status int, header map[string]string, body string) *vendor {
	t.Helper()
	v := &vendor{}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		v.mu.Lock()
		v.reqs = append(v.reqs, recorded{r.Method, r.URL.Path, r.Header.Clone(), b})
		v.mu.Unlock()
		for k, val := range header {
			w.Header().Set(k, val)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(v.Close)
	return v
}

func (v *vendor) requests() []recorded {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]recorded(nil), v.reqs...)
}

// lastBody decodes the last request body into a generic map.
func (v *vendor) lastBody(t *testing.T) map[string]any {
	t.Helper()
	reqs := v.requests()
	require.NotEmpty(t, reqs)
	var m map[string]any
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].body, &m))
	return m
}

func newProvider(t *testing.T, baseURL string, opts any) *Provider {
	t.Helper()
	p, err := New(llm.Config{APIKey: testKey, BaseURL: baseURL + "/api/v3", Options: opts, Getenv: func(string) string { return "" }})
	require.NoError(t, err)
	return p
}

func userReq(model string) *llm.ChatRequest {
	return &llm.ChatRequest{Model: model, Messages: []llm.Message{llm.UserMessage("hi")}}
}

func TestNew(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	_, err := New(llm.Config{Getenv: env(nil)})
	require.Error(t, err)
	assert.True(t, errors.Is(err, llm.ErrNoCredentials))
	assert.Contains(t, err.Error(), "ARK_API_KEY")
	assert.Contains(t, err.Error(), `harbor.WithAPIKey("doubao", key)`)

	p, err := New(llm.Config{Getenv: env(map[string]string{EnvAPIKey: "k", EnvBaseURL: "http://proxy.local/v3/"})})
	require.NoError(t, err)
	assert.Equal(t, "doubao", p.Name())

	_, err = New(llm.Config{APIKey: testKey, BaseURL: "ftp://x?key=" + testKey, Getenv: env(nil)})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)

	_, err = New(llm.Config{APIKey: "k", Getenv: env(nil), Options: Options{Endpoints: map[string]string{"bot": ""}}})
	assert.True(t, errors.Is(err, llm.ErrInvalidRequest))

	_, err = New(llm.Config{APIKey: "k", Getenv: env(nil), Options: &Options{Endpoints: map[string]string{"bot": "ep-1"}}})
	assert.NoError(t, err, "*Options is accepted too")
}

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	assert.Equal(t, Name, d.Name)
	assert.Equal(t, []string{"doubao-", "ep-"}, d.Prefixes)
	require.NotNil(t, d.New)
	ids := map[string]bool{}
	for _, m := range d.Models {
		ids[m.ID] = true
		assert.True(t, strings.HasPrefix(m.ID, "doubao-"), "only Doubao's own models are listed: %s", m.ID)
		assert.Equal(t, Name, m.Provider)
	}
	assert.Len(t, d.Models, 16)
	assert.True(t, ids["doubao-seed-1-6-250615"])
	assert.True(t, ids["doubao-1-5-vision-pro-32k-250115"])
	assert.False(t, ids["deepseek-v3-2-251201"], "third-party models on Ark are reached as doubao/<model>")
}

// vendors.md §2's response example.
const completionBody = `{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"message":{"content":"Hello! How can I help you today?","role":"assistant"}}],
 "created":1742631811,"id":"0217426318107460cfa43dc3f3683b1de1c09624ff49085a456ac","model":"doubao-1-5-pro-32k-250115",
 "service_tier":"default","object":"chat.completion",
 "usage":{"completion_tokens":9,"prompt_tokens":19,"total_tokens":28,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`

func TestChat(t *testing.T) {
	v := newVendor(t, 200, map[string]string{"X-Request-Id": "0217426318107460cfa43dc3f3683b1de1c09624ff49085a456ac"}, completionBody)
	p := newProvider(t, v.URL, nil)
	req := userReq("doubao-1-5-pro-32k-250115")
	res, err := p.Chat(context.Background(), req, &llm.CallOptions{Header: http.Header{"X-Client-Request-Id": {"mine-1"}}})
	require.NoError(t, err)

	assert.Equal(t, "0217426318107460cfa43dc3f3683b1de1c09624ff49085a456ac", res.ID)
	assert.Equal(t, "chat.completion", res.Object)
	assert.Equal(t, "doubao-1-5-pro-32k-250115", res.Model)
	assert.Equal(t, "default", res.ServiceTier)
	assert.Equal(t, "0217426318107460cfa43dc3f3683b1de1c09624ff49085a456ac", res.RequestID)
	require.Len(t, res.Choices, 1)
	assert.Equal(t, "Hello! How can I help you today?", res.Choices[0].Message.Content)
	assert.Equal(t, llm.RoleAssistant, res.Choices[0].Message.Role)
	assert.Equal(t, "stop", res.Choices[0].FinishReason)
	assert.Nil(t, res.Choices[0].Logprobs)
	assert.Equal(t, llm.Usage{PromptTokens: 19, CompletionTokens: 9, TotalTokens: 28,
		PromptTokensDetails:     &llm.PromptTokensDetails{},
		CompletionTokensDetails: &llm.CompletionTokensDetails{}}, res.Usage)

	r := v.requests()[0]
	assert.Equal(t, http.MethodPost, r.method)
	assert.Equal(t, "/api/v3/chat/completions", r.path)
	assert.Equal(t, "Bearer "+testKey, r.header.Get("Authorization"))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	assert.Equal(t, "mine-1", r.header.Get("X-Client-Request-Id"), "per-call headers are sent")
	assert.NotEqual(t, "text/event-stream", r.header.Get("Accept"))
}

func TestChatToolCallsReasoningAndModeration(t *testing.T) {
	body := `{"choices":[{"finish_reason":"tool_calls","index":0,"logprobs":{"content":[{"token":"a","logprob":-0.5,"bytes":[97],"top_logprobs":[{"token":"b","logprob":-1.5}]}]},
	  "moderation_hit_type":"violence",
	  "message":{"content":"","reasoning_content":"need weather","role":"assistant",
	    "tool_calls":[{"function":{"arguments":"{\"city\":\"Beijing\"}","name":"weather"},"id":"call_1","type":"function"}]}}],
	 "created":1,"id":"021x","model":"doubao-seed-1-6-251015","service_tier":"default","object":"chat.completion",
	 "usage":{"completion_tokens":30,"prompt_tokens":10,"total_tokens":40,"prompt_tokens_details":{"cached_tokens":4,"provisioned_tokens":0},
	   "completion_tokens_details":{"reasoning_tokens":20,"provisioned_tokens":0}}}`
	v := newVendor(t, 200, nil, body)
	p := newProvider(t, v.URL, nil)
	res, err := p.Chat(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
	require.NoError(t, err)
	m := res.Choices[0].Message
	assert.Equal(t, "", m.Content, "Ark's tool-call turns have content \"\"")
	assert.Equal(t, "need weather", m.ReasoningContent)
	assert.Equal(t, []llm.ToolCall{{ID: "call_1", Type: "function", Function: llm.FunctionCall{Name: "weather", Arguments: `{"city":"Beijing"}`}}}, m.ToolCalls)
	assert.Equal(t, "tool_calls", res.Choices[0].FinishReason)
	assert.Equal(t, &llm.Logprobs{Content: []llm.TokenLogprob{{Token: "a", Logprob: -0.5, Bytes: []int{97},
		TopLogprobs: []llm.TopLogprob{{Token: "b", Logprob: -1.5}}}}}, res.Choices[0].Logprobs)
	assert.Equal(t, 4, res.Usage.PromptTokensDetails.CachedTokens)
	assert.Equal(t, 20, res.Usage.CompletionTokensDetails.ReasoningTokens)
	assert.Empty(t, res.RequestID, "no request id header")
}

func TestChatBadJSON(t *testing.T) {
	v := newVendor(t, 200, nil, `<html>oops</html>`)
	p := newProvider(t, v.URL, nil)
	_, err := p.Chat(context.Background(), userReq("doubao-seed-1-6-251015"), nil)
	var e *llm.Error
	require.True(t, errors.As(err, &e))
	assert.True(t, errors.Is(err, llm.ErrBadResponse))
	assert.Equal(t, Name, e.Provider)
	assert.Equal(t, "doubao-seed-1-6-251015", e.Model)
}

func TestListModels(t *testing.T) {
	v := newVendor(t, 200, nil, `{"object":"list","data":[{"id":"doubao-seed-1-6-251015","object":"model","owned_by":"volcengine"},{"id":"glm-4-7-251222","created":1}]}`)
	p := newProvider(t, v.URL, nil)
	ms, err := p.ListModels(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []llm.Model{
		{ID: "doubao-seed-1-6-251015", Object: "model", OwnedBy: "volcengine", Provider: Name},
		{ID: "glm-4-7-251222", Object: "model", Created: 1, Provider: Name},
	}, ms)
	r := v.requests()[0]
	assert.Equal(t, http.MethodGet, r.method)
	assert.Equal(t, "/api/v3/models", r.path)
	assert.Equal(t, "Bearer "+testKey, r.header.Get("Authorization"))
}

func TestListModelsUnsupported(t *testing.T) {
	for _, body := range []string{
		`{"error":{"code":"NotFound","message":"The requested path /api/v3/models was not found. Request id: 021abc","param":"","type":"NotFound"}}`,
		`404 page not found`,
	} {
		v := newVendor(t, 404, nil, body)
		p := newProvider(t, v.URL, nil)
		_, err := p.ListModels(context.Background())
		var e *llm.Error
		require.True(t, errors.As(err, &e))
		assert.True(t, errors.Is(err, llm.ErrNotFound))
		assert.Equal(t, 404, e.StatusCode)
		assert.Equal(t, Name, e.Provider)
		assert.Contains(t, e.Message, "does not list models")
	}
}
