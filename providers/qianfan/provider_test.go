package qianfan

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
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

const testKey = "bce-v3/ALTAK-testkey123/abcdef0123456789"

// captured is one request the fake vendor received.
type captured struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

// vendor is an httptest server that answers every request with a canned status,
// headers and body, and records what it received.
type vendor struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []captured
	status int
	header map[string]string
	body   string
}

func newVendor(t *testing.T, status int, body string, header map[string]string) *vendor {
	t.Helper()
	v := &vendor{status: status, body: body, header: header}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := captured{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
		if len(raw) > 0 {
			require.NoError(t, json.Unmarshal(raw, &c.Body))
		}
		v.mu.Lock()
		v.reqs = append(v.reqs, c)
		v.mu.Unlock()
		for k, val := range v.header {
			w.Header().Set(k, val)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(v.status)
		_, _ = io.WriteString(w, v.body)
	}))
	t.Cleanup(v.Close)
	return v
}

func (v *vendor) requests() []captured {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]captured(nil), v.reqs...)
}

func noEnv(string) string { return "" }

func newProvider(t *testing.T, url string, mod func(*llm.Config)) *Provider {
	t.Helper()
	cfg := llm.Config{APIKey: testKey, BaseURL: url + "/v2", HTTP: http.DefaultClient, Getenv: noEnv}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	require.NoError(t, err)
	return p
}

func userReq(model, text string) *llm.ChatRequest {
	return &llm.ChatRequest{Model: model, Messages: []llm.Message{llm.UserMessage(text)}}
}

func asError(t *testing.T, err error) *llm.Error {
	t.Helper()
	var e *llm.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, Name, e.Provider)
	return e
}

func TestNew(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	_, err := New(llm.Config{Getenv: noEnv})
	e := asError(t, err)
	assert.ErrorIs(t, err, llm.ErrNoCredentials)
	assert.Contains(t, e.Message, EnvAPIKey)
	assert.Contains(t, e.Message, `harbor.WithAPIKey("qianfan", key)`)

	cases := []struct {
		name      string
		cfg       llm.Config
		wantAppID string
	}{
		{"env key, no appid", llm.Config{Getenv: env(map[string]string{EnvAPIKey: testKey})}, ""},
		{"env appid", llm.Config{Getenv: env(map[string]string{EnvAPIKey: testKey, EnvAppID: "app-env"})}, "app-env"},
		{"config appid wins over env", llm.Config{AppID: "app-cfg", Getenv: env(map[string]string{EnvAPIKey: testKey, EnvAppID: "app-env"})}, "app-cfg"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newVendor(t, 200, completionBody, nil)
			tc.cfg.BaseURL = v.URL + "/v2"
			p, err := New(tc.cfg)
			require.NoError(t, err)
			_, err = p.Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
			require.NoError(t, err)
			got := v.requests()[0]
			assert.Equal(t, "Bearer "+testKey, got.Header.Get("Authorization"))
			assert.Equal(t, tc.wantAppID, got.Header.Get("appid"))
			_, present := got.Header["Appid"]
			assert.Equal(t, tc.wantAppID != "", present, "no empty appid header")
		})
	}

	t.Run("base URL from env", func(t *testing.T) {
		v := newVendor(t, 200, completionBody, nil)
		p, err := New(llm.Config{APIKey: testKey, Getenv: env(map[string]string{EnvBaseURL: v.URL + "/v2/"})})
		require.NoError(t, err)
		_, err = p.Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
		require.NoError(t, err)
		assert.Equal(t, "/v2/chat/completions", v.requests()[0].Path)
	})

	_, err = New(llm.Config{APIKey: testKey, BaseURL: "ftp://x", Getenv: noEnv})
	assert.ErrorIs(t, err, llm.ErrInvalidRequest)

	big := map[string]string{}
	for i := range 17 {
		big[string(rune('a'+i))] = "v"
	}
	_, err = New(llm.Config{APIKey: testKey, Getenv: noEnv, Options: Options{Metadata: big}})
	assert.ErrorIs(t, err, llm.ErrInvalidRequest)
}

func TestNewDoesNoIO(t *testing.T) {
	v := newVendor(t, 200, completionBody, nil)
	_, err := New(llm.Config{APIKey: testKey, BaseURL: v.URL, Getenv: noEnv})
	require.NoError(t, err)
	assert.Empty(t, v.requests())
}

func TestDescriptor(t *testing.T) {
	d := Descriptor()
	assert.Equal(t, Name, d.Name)
	assert.Equal(t, []string{"ernie-"}, d.Prefixes)
	require.NotEmpty(t, d.Models)
	for _, m := range d.Models {
		assert.True(t, strings.HasPrefix(m.ID, "ernie-"), "only Baidu's own family: %s", m.ID)
		assert.Equal(t, strings.ToLower(m.ID), m.ID, "v2 names are lower-case")
		assert.Equal(t, Name, m.Provider)
	}
	assert.NotNil(t, d.New)
}

const completionBody = `{"id":"as-bcmt5ct4id","object":"chat.completion","created":1755938117,"model":"ernie-4.0-8k",
 "choices":[{"index":0,"message":{"role":"assistant","content":"你好！"},"finish_reason":"normal","flag":0}],
 "usage":{"prompt_tokens":11,"completion_tokens":15,"total_tokens":26}}`

func TestChatRequestOnTheWire(t *testing.T) {
	v := newVendor(t, 200, completionBody, nil)
	p := newProvider(t, v.URL, func(c *llm.Config) {
		c.AppID = "app-1"
		c.Options = &Options{Metadata: map[string]string{"team": "search"}}
	})
	req := &llm.ChatRequest{
		Model: "ernie-4.5-turbo-128k",
		Messages: []llm.Message{
			llm.SystemMessage("be brief"),
			llm.UserMessage("weather?"),
			{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "call_1", Type: "function", Function: llm.FunctionCall{Name: "weather", Arguments: `{"city":"北京"}`}}}},
			llm.ToolMessage("call_1", "sunny"),
			llm.AssistantMessage("It is sunny."),
			llm.UserMessage("and tomorrow?"),
		},
		Temperature:       llm.Some(0.0),
		TopP:              llm.Some(0.7),
		MaxTokens:         llm.Some(512),
		Seed:              llm.Some[int64](42),
		Stop:              []string{"\n\n", "END"},
		User:              "user-7",
		FrequencyPenalty:  llm.Some(0.5),
		PresencePenalty:   llm.Some(-0.5),
		Tools:             []llm.Tool{llm.FunctionTool("weather", "Weather by city", json.RawMessage(`{"type":"object"}`))},
		ToolChoice:        &llm.ToolChoice{Function: "weather"},
		ParallelToolCalls: llm.Some(false),
		ResponseFormat:    &llm.ResponseFormat{Type: "json_schema", JSONSchema: &llm.JSONSchema{Name: "w", Schema: json.RawMessage(`{"type":"object"}`), Strict: llm.Some(true)}},
		WebSearch:         &llm.WebSearch{Enable: true, EnableTrace: true, SearchNum: llm.Some(5), ReferenceNum: llm.Some(3)},
		ExtraBody:         map[string]any{"penalty_score": 1.2},
	}
	_, err := p.Chat(context.Background(), req, &llm.CallOptions{Header: http.Header{"X-Request-Id": {"rid-1"}}})
	require.NoError(t, err)

	got := v.requests()[0]
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/v2/chat/completions", got.Path)
	assert.Equal(t, "Bearer "+testKey, got.Header.Get("Authorization"))
	assert.Equal(t, "app-1", got.Header.Get("appid"))
	assert.Equal(t, "rid-1", got.Header.Get("X-Request-Id"), "per-call headers pass through")
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))

	want := `{
		"model":"ernie-4.5-turbo-128k",
		"messages":[
			{"role":"system","content":"be brief"},
			{"role":"user","content":"weather?"},
			{"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"北京\"}"}}]},
			{"role":"tool","content":"sunny","tool_call_id":"call_1"},
			{"role":"assistant","content":"It is sunny."},
			{"role":"user","content":"and tomorrow?"}],
		"temperature":0,"top_p":0.7,"max_completion_tokens":512,"seed":42,"stop":["\n\n","END"],"user":"user-7",
		"frequency_penalty":0.5,"presence_penalty":-0.5,
		"tools":[{"type":"function","function":{"name":"weather","description":"Weather by city","parameters":{"type":"object"}}}],
		"tool_choice":{"type":"function","function":{"name":"weather"}},
		"parallel_tool_calls":false,
		"response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"},"strict":true}},
		"web_search":{"enable":true,"enable_trace":true,"search_num":5,"reference_num":3},
		"metadata":{"team":"search"},
		"penalty_score":1.2
	}`
	gotBody, _ := json.Marshal(got.Body)
	assert.JSONEq(t, want, string(gotBody))
}

func TestRequestDetails(t *testing.T) {
	cases := []struct {
		name string
		req  func() *llm.ChatRequest
		want map[string]any // top-level fields expected in the body
		none []string       // top-level fields that must be absent
	}{
		{"max_completion_tokens wins over max_tokens", func() *llm.ChatRequest {
			r := userReq("ernie-4.0-8k", "hi")
			r.MaxTokens, r.MaxCompletionTokens = llm.Some(10), llm.Some(20)
			return r
		}, map[string]any{"max_completion_tokens": float64(20)}, []string{"max_tokens", "stream", "stream_options"}},
		{"unset options stay unset", func() *llm.ChatRequest { return userReq("ernie-4.0-8k", "hi") },
			nil, []string{"temperature", "top_p", "seed", "stop", "user", "tools", "web_search", "metadata", "response_format", "max_completion_tokens"}},
		{"web search off is sent as an explicit off", func() *llm.ChatRequest {
			r := userReq("ernie-4.0-8k", "hi")
			r.WebSearch = &llm.WebSearch{}
			return r
		}, map[string]any{"web_search": map[string]any{"enable": false}}, nil},
		{"text parts are joined", func() *llm.ChatRequest {
			return &llm.ChatRequest{Model: "ernie-4.0-8k", Messages: []llm.Message{llm.UserParts(llm.TextPart("a"), llm.TextPart("b"))}}
		}, map[string]any{"messages": []any{map[string]any{"role": "user", "content": "ab"}}}, nil},
		{"image parts are sent as parts", func() *llm.ChatRequest {
			return &llm.ChatRequest{Model: "ernie-5.0-thinking-latest", Messages: []llm.Message{llm.UserParts(llm.TextPart("what?"), llm.ImagePart("https://x/y.png", "low"))}}
		}, map[string]any{"messages": []any{map[string]any{"role": "user", "content": []any{
			map[string]any{"type": "text", "text": "what?"},
			map[string]any{"type": "image_url", "image_url": map[string]any{"url": "https://x/y.png", "detail": "low"}},
		}}}}, nil},
		{"ExtraBody overrides", func() *llm.ChatRequest {
			r := userReq("ernie-4.0-8k", "hi")
			r.ExtraBody = map[string]any{"metadata": map[string]string{"k": "v"}, "enable_thinking": true}
			return r
		}, map[string]any{"metadata": map[string]any{"k": "v"}, "enable_thinking": true}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newVendor(t, 200, completionBody, nil)
			p := newProvider(t, v.URL, nil)
			_, err := p.Chat(context.Background(), tc.req(), nil)
			require.NoError(t, err)
			body := v.requests()[0].Body
			for k, want := range tc.want {
				assert.Equal(t, want, body[k], k)
			}
			for _, k := range tc.none {
				assert.NotContains(t, body, k)
			}
		})
	}
}

func TestChatResponse(t *testing.T) {
	body := `{"id":"as-qsp8w7ppnv","object":"chat.completion","created":1755938222,"model":"ernie-x1-turbo-32k",
	 "choices":[{"index":0,"message":{"role":"assistant","content":"","reasoning_content":"think",
	   "tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{}"}}]},"finish_reason":"tool_calls","flag":0}],
	 "usage":{"prompt_tokens":356,"completion_tokens":87,"total_tokens":443,"prompt_tokens_details":{"cached_tokens":4,"search_tokens":100}},
	 "search_results":[{"index":1,"url":"https://example.com/a","title":"A"},{"index":2,"url":"https://example.com/b","title":"B"}]}`
	v := newVendor(t, 200, body, map[string]string{"X-Request-Id": "hdr-id"})
	p := newProvider(t, v.URL, nil)
	res, err := p.Chat(context.Background(), userReq("ernie-x1-turbo-32k", "weather?"), nil)
	require.NoError(t, err)
	assert.Equal(t, "as-qsp8w7ppnv", res.ID)
	assert.Equal(t, "chat.completion", res.Object)
	assert.Equal(t, int64(1755938222), res.Created)
	assert.Equal(t, "hdr-id", res.RequestID)
	require.Len(t, res.Choices, 1)
	c := res.Choices[0]
	assert.Equal(t, llm.RoleAssistant, c.Message.Role)
	assert.Equal(t, "think", c.Message.ReasoningContent)
	assert.Equal(t, llm.FinishReasonToolCalls, c.FinishReason)
	assert.Equal(t, []llm.ToolCall{{ID: "c1", Type: "function", Function: llm.FunctionCall{Name: "weather", Arguments: "{}"}}}, c.Message.ToolCalls)
	assert.Equal(t, llm.Usage{PromptTokens: 356, CompletionTokens: 87, TotalTokens: 443, PromptTokensDetails: &llm.PromptTokensDetails{CachedTokens: 4}}, res.Usage)
	assert.Equal(t, []llm.SearchResult{{Index: 1, URL: "https://example.com/a", Title: "A"}, {Index: 2, URL: "https://example.com/b", Title: "B"}}, res.SearchResults)

	// finish_reason "normal" is "stop"; without the header the body id is the request id.
	v2 := newVendor(t, 200, completionBody, nil)
	res, err = newProvider(t, v2.URL, nil).Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
	require.NoError(t, err)
	assert.Equal(t, llm.FinishReasonStop, res.Choices[0].FinishReason)
	assert.Equal(t, "你好！", res.Choices[0].Message.Content)
	assert.Equal(t, "as-bcmt5ct4id", res.RequestID)
	assert.Nil(t, res.SearchResults)
}

func TestChatBadResponse(t *testing.T) {
	v := newVendor(t, 200, `<html>oops</html>`, map[string]string{"Content-Type": "text/html"})
	_, err := newProvider(t, v.URL, nil).Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
	asError(t, err)
	assert.ErrorIs(t, err, llm.ErrBadResponse)
}

func TestErrors(t *testing.T) {
	errBody := func(code, msg, typ string) string {
		return `{"error":{"code":"` + code + `","message":"` + msg + `","type":"` + typ + `"},"id":"as-err123"}`
	}
	cases := []struct {
		name      string
		status    int
		body      string
		header    map[string]string
		kind      error
		code      string
		typ       string
		transient bool
		msg       string // substring of Message
		requestID string
	}{
		{"malformed json", 400, errBody("malformed_json", "Invalid Argument", "invalid_request_error"), nil,
			llm.ErrInvalidRequest, "malformed_json", "invalid_request_error", false, "Invalid Argument", "as-err123"},
		{"invalid model is not found and says the name is unknown", 400, errBody("invalid_model", "Invalid model", "invalid_request_error"), nil,
			llm.ErrNotFound, "invalid_model", "invalid_request_error", false, `does not know model "ernie-4.0-8k"`, "as-err123"},
		{"invalid messages", 400, errBody("invalid_messages", "Invalid messages", "invalid_request_error"), nil,
			llm.ErrInvalidRequest, "invalid_messages", "invalid_request_error", false, "Invalid messages", "as-err123"},
		{"characters too long", 400, errBody("characters_too_long", "too long", "invalid_request_error"), nil,
			llm.ErrInvalidRequest, "characters_too_long", "invalid_request_error", false, "input limit", "as-err123"},
		{"tokens too long", 400, errBody("tokens_too_long", "too long", "invalid_request_error"), nil,
			llm.ErrInvalidRequest, "tokens_too_long", "invalid_request_error", false, "input limit", "as-err123"},
		{"invalid argument", 400, errBody("invalid_argument", "Invalid Argument", "invalid_request_error"), nil,
			llm.ErrInvalidRequest, "invalid_argument", "invalid_request_error", false, "Invalid Argument", "as-err123"},
		{"access denied", 401, errBody("access_denied", "Access denied", "access_denied"), nil,
			llm.ErrAuthentication, "access_denied", "access_denied", false, "Access denied", "as-err123"},
		{"no parameter permission is a permission error", 401, errBody("no_parameter_permission", "No permission", "access_denied"), nil,
			llm.ErrPermission, "no_parameter_permission", "access_denied", false, "No permission", "as-err123"},
		{"rpm limit", 429, errBody("rpm_rate_limit_exceeded", "Rate limit reached for RPM", "rate_limit_exceeded"), map[string]string{"Retry-After": "2"},
			llm.ErrRateLimited, "rpm_rate_limit_exceeded", "rate_limit_exceeded", true, "RPM", "as-err123"},
		{"tpm limit", 429, errBody("tpm_rate_limit_exceeded", "Rate limit reached for TPM", "rate_limit_exceeded"), nil,
			llm.ErrRateLimited, "tpm_rate_limit_exceeded", "rate_limit_exceeded", true, "TPM", "as-err123"},
		{"server error, header id wins", 500, errBody("internal_error", "Internal error", "server_error"), map[string]string{"X-Request-Id": "hdr-9"},
			llm.ErrServer, "internal_error", "server_error", true, "Internal error", "hdr-9"},
		{"html from a proxy", 502, "<html>bad gateway</html>", map[string]string{"Content-Type": "text/html"},
			llm.ErrServer, "", "", true, "bad gateway", ""},
		{"echoed key is redacted", 401, errBody("access_denied", "bad key "+testKey, "access_denied"), nil,
			llm.ErrAuthentication, "access_denied", "access_denied", false, "bad key", "as-err123"},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			name := tc.name
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				v := newVendor(t, tc.status, tc.body, tc.header)
				p := newProvider(t, v.URL, nil)
				var err error
				if stream {
					_, err = p.ChatStream(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
				} else {
					_, err = p.Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
				}
				e := asError(t, err)
				assert.ErrorIs(t, err, tc.kind)
				assert.Equal(t, "ernie-4.0-8k", e.Model)
				assert.Equal(t, tc.status, e.StatusCode)
				assert.Equal(t, tc.code, e.Code)
				assert.Equal(t, tc.typ, e.Type)
				assert.Equal(t, tc.transient, e.Transient)
				assert.Contains(t, e.Message, tc.msg)
				assert.Equal(t, tc.requestID, e.RequestID)
				assert.NotContains(t, e.Error(), "ALTAK-testkey123")
				if ra := tc.header["Retry-After"]; ra != "" {
					assert.Equal(t, 2*time.Second, e.RetryAfter)
				}
			})
		}
	}
}

func TestTransportError(t *testing.T) {
	v := newVendor(t, 200, completionBody, nil)
	url := v.URL
	v.Close()
	_, err := newProvider(t, url, nil).Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
	e := asError(t, err)
	assert.ErrorIs(t, err, llm.ErrConnection)
	assert.Equal(t, "ernie-4.0-8k", e.Model)
}

func TestListModels(t *testing.T) {
	v := newVendor(t, 200, `{"object":"list","data":[{"id":"ernie-4.0-8k","object":"model","owned_by":"baidu"},{"id":"deepseek-v3","object":"model"}]}`, nil)
	p := newProvider(t, v.URL, func(c *llm.Config) { c.AppID = "app-2" })
	ms, err := p.ListModels(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []llm.Model{
		{ID: "ernie-4.0-8k", Object: "model", OwnedBy: "baidu", Provider: Name},
		{ID: "deepseek-v3", Object: "model", Provider: Name},
	}, ms)
	got := v.requests()[0]
	assert.Equal(t, http.MethodGet, got.Method)
	assert.Equal(t, "/v2/models", got.Path)
	assert.Equal(t, "app-2", got.Header.Get("appid"))

	v404 := newVendor(t, 404, `{"error":{"code":"not_found","message":"Not Found","type":"invalid_request_error"},"id":"as-x"}`, nil)
	_, err = newProvider(t, v404.URL, nil).ListModels(context.Background())
	assert.ErrorIs(t, err, llm.ErrNotFound)
	assert.Equal(t, "as-x", asError(t, err).RequestID)
}

func TestRequestNotMutated(t *testing.T) {
	v := newVendor(t, 200, completionBody, nil)
	p := newProvider(t, v.URL, func(c *llm.Config) { c.Options = Options{Metadata: map[string]string{"a": "b"}} })
	req := &llm.ChatRequest{
		Model:     "ernie-4.0-8k",
		Messages:  []llm.Message{llm.UserParts(llm.TextPart("x"), llm.ImagePart("https://i", "")), {Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: "c", Type: "function", Function: llm.FunctionCall{Name: "f", Arguments: "{}"}}}}, llm.ToolMessage("c", "r")},
		MaxTokens: llm.Some(5),
		WebSearch: &llm.WebSearch{Enable: true, SearchNum: llm.Some(3)},
		ExtraBody: map[string]any{"metadata": map[string]any{"x": "y"}},
	}
	before, err := json.Marshal(req)
	require.NoError(t, err)
	extraBefore, _ := json.Marshal(req.ExtraBody)
	_, err = p.Chat(context.Background(), req, nil)
	require.NoError(t, err)
	after, _ := json.Marshal(req)
	extraAfter, _ := json.Marshal(req.ExtraBody)
	assert.JSONEq(t, string(before), string(after))
	assert.JSONEq(t, string(extraBefore), string(extraAfter))
	assert.False(t, req.MaxCompletionTokens.IsSet())
}

func TestErrorsAreRedactedAndClassified(t *testing.T) {
	// A vendor that echoes the Authorization header must not leak the key.
	v := newVendor(t, 401, `{"error":{"code":"access_denied","message":"Authorization: Bearer `+testKey+` rejected","type":"access_denied"}}`, nil)
	_, err := newProvider(t, v.URL, nil).Chat(context.Background(), userReq("ernie-4.0-8k", "hi"), nil)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)
	assert.NotContains(t, err.Error(), "ALTAK-testkey123")
	assert.True(t, errors.Is(err, llm.ErrAuthentication))
}
