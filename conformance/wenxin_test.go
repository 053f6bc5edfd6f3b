package conformance

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// Baidu Qianfan v1, the legacy Wenxin API (shared/vendors.md §3 and its column of
// §5), against mockvendor.QianfanV1 through harbor's built-in "wenxin" provider.

const (
	wxKey    = "wx-ak-conformance-0123456789abcdef"
	wxSecret = "wx-sk-conformance-fedcba9876543210"

	wxTokenPath  = "/oauth/2.0/token"
	wxChatPrefix = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"

	// wxID is the shape of Wenxin's answer ids ("as-" + 10 lower-case alphanumerics).
	wxID = `^as-[0-9a-z]{10}$`
	// wxUUID is the shape of the mock's generated X-Baidu-Request-Id values.
	wxUUID = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
)

var (
	wxWeather = []harbor.Tool{harbor.FunctionTool("get_weather", "Weather of a city",
		map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}})}
	wxTwoTools = []harbor.Tool{
		harbor.FunctionTool("get_weather", "Weather of a city", map[string]any{"type": "object"}),
		harbor.FunctionTool("get_time", "Time in a city", map[string]any{"type": "object"}),
	}
)

func wxMsgs(ms ...harbor.Message) []harbor.Message { return ms }

// wxTokenClock is the clock of the "token refreshed before it expires" row: the
// mock's tokens and the provider's token cache both expire by it, and the row moves
// it past the token's lifetime instead of sleeping through it.
var wxTokenClock = &testClock{now: time.Unix(1766977481, 0)}

// testClock is a clock that moves only when told to.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// wxNoAnswer is what the spec says of a 200 answer that is neither an answer nor
// an error_code body.
const wxNoAnswer = "response 200"

type (
	wenxinCase    = vendorCase[mockvendor.QianfanV1Config, *mockvendor.QianfanV1]
	wenxinOutcome = outcome[*mockvendor.QianfanV1]
)

// wenxinHarness runs Wenxin's table: a token grant at the OAuth endpoint, then chat
// requests carrying the access token in the query (see wenxinWire); the mock's
// X-Baidu-Request-Id carries the vendor's request id.
var wenxinHarness = &harness[mockvendor.QianfanV1Config, *mockvendor.QianfanV1]{
	provider: "wenxin", spec: "qianfan-v1", idHeader: "X-Baidu-Request-Id",
	newMock: func(cfg mockvendor.QianfanV1Config) *mockvendor.QianfanV1 {
		// a row's own key pair: the client's is wrong
		cfg.APIKey, cfg.SecretKey = cmp.Or(cfg.APIKey, wxKey), cmp.Or(cfg.SecretKey, wxSecret)
		return mockvendor.NewQianfanV1(cfg)
	},
	config: func(p *harbor.ProviderConfig) {
		p.APIKey, p.SecretKey = cmp.Or(p.APIKey, wxKey), cmp.Or(p.SecretKey, wxSecret)
	},
	wire:       wenxinWire,
	streamSent: map[string]any{"/stream": true}, createNotSent: []string{"/stream"},
	neverSent: []string{"/model"}, // the model is the URL's endpoint
	secrets:   wxAccessTokens,
	warmUp:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("warm up")},
	verify: func(t *testing.T, c *wenxinCase, o *wenxinOutcome) {
		if c.err != nil && c.status == 0 && c.code != "" && c.code[0] >= '0' && c.code[0] <= '9' {
			assert.Zero(t, o.herr.HTTPStatusCode(), "error_code bodies come with HTTP 200, which is not an error status")
		}
	},
}

// wenxinWire: every request is a POST, to the token path or under the chat prefix,
// and never has an Authorization header; a token request carries grant_type,
// client_id and client_secret and an empty body, a chat request carries
// ?access_token= but never the key pair.
func wenxinWire(t *testing.T, o *wenxinOutcome, i int, r mockvendor.RecordedRequest) (chat bool) {
	assert.Equal(t, http.MethodPost, r.Method, "request %d", i)
	assert.Empty(t, r.Header.Get("Authorization"), "request %d: no bearer auth on v1", i)
	q, err := url.ParseQuery(r.RawQuery)
	require.NoError(t, err, "request %d", i)
	switch {
	case r.Path == wxTokenPath:
		assert.Equal(t, "client_credentials", q.Get("grant_type"), "token request %d", i)
		assert.Equal(t, o.cfg.APIKey, q.Get("client_id"), "token request %d", i)
		assert.Equal(t, o.cfg.SecretKey, q.Get("client_secret"), "token request %d", i)
		assert.Empty(t, r.Body, "token request %d has an empty body", i)
		return false
	case strings.HasPrefix(r.Path, wxChatPrefix):
		assert.NotEmpty(t, q.Get("access_token"), "chat request %d authenticates with ?access_token=", i)
		assert.False(t, q.Has("client_id") || q.Has("client_secret"), "chat request %d: the key pair stays off the chat URL", i)
		if o.stream {
			assert.Equal(t, "text/event-stream", r.Header.Get("Accept"), "chat request %d", i)
		}
		return true
	default:
		t.Errorf("unexpected request to %s", r.Path)
		return false
	}
}

var wenxinCases = []wenxinCase{
	// Auth: OAuth access token in the query, fetched once, refreshed on 110/111.
	{
		name: "token fetch then chat with access_token in the query", quirk: "POST /oauth/2.0/token?grant_type=client_credentials&client_id&client_secret, then ?access_token= on chat",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		path: wxChatPrefix + "completions_pro", tokens: 1, requests: 1,
		sent: map[string]any{"/messages/0/role": "user", "/messages/0/content": "hi"}, notSent: []string{"/model", "/system"},
		text: "Hello! You said: hi", finish: "stop", requestID: wxUUID,
		check: func(t *testing.T, o *wenxinOutcome) {
			require.Len(t, o.reqs, 2)
			tr, cr := o.reqs[0], o.reqs[1]
			assert.Equal(t, "POST", tr.Method)
			assert.Equal(t, wxTokenPath, tr.Path)
			q, err := url.ParseQuery(tr.RawQuery)
			require.NoError(t, err)
			assert.Equal(t, "client_credentials", q.Get("grant_type"))
			assert.Equal(t, wxKey, q.Get("client_id"))
			assert.Equal(t, wxSecret, q.Get("client_secret"))
			assert.Empty(t, q.Get("access_token"))
			assert.Empty(t, tr.Body, "the token request has an empty body")

			assert.Equal(t, "POST", cr.Method)
			cq, err := url.ParseQuery(cr.RawQuery)
			require.NoError(t, err)
			assert.Regexp(t, `^24\.`, cq.Get("access_token"), "the granted access token")
			assert.Empty(t, cq.Get("client_id"), "the key pair stays off the chat URL")
			assert.Empty(t, cq.Get("client_secret"), "the key pair stays off the chat URL")
			assert.Empty(t, cr.Header.Get("Authorization"), "no bearer auth on v1")
			assert.Contains(t, cr.Header.Get("Content-Type"), "application/json")
			assert.Equal(t, 1, o.mock.TokenFetches())

			require.NotNil(t, o.Usage, "usage")
			assert.Equal(t, harbor.Usage{PromptTokens: 2, CompletionTokens: 4, TotalTokens: 6}, *o.Usage)
			if c := o.completion; c != nil {
				assert.Equal(t, "wenxin", c.Provider)
				assert.Equal(t, "ERNIE-4.0-8K", c.Model, "no model in the answer: the one asked for")
				assert.Equal(t, "chat.completion", c.Object)
				assert.Regexp(t, wxID, c.ID)
				assert.Positive(t, c.Created)
				assert.Equal(t, harbor.RoleAssistant, c.Choices[0].Message.Role)
			}
		},
	},
	{
		name: "token cached across calls", quirk: "30-day token reused: one grant for many calls",
		req:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		repeat: 3, path: wxChatPrefix + "completions", tokens: 1, requests: 3, text: "Hello! You said: hi",
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.Equal(t, 1, o.mock.TokenFetches(), "TokenFetches stays 1")
			toks := wxAccessTokens(o.reqs)
			require.Len(t, toks, 3)
			assert.Equal(t, toks[0], toks[1])
			assert.Equal(t, toks[0], toks[2])
		},
	},
	{
		name: "token refreshed before it expires", quirk: "expires_in honoured: a token past its lifetime is not sent (no 111 round trip)",
		mock:   mockvendor.QianfanV1Config{TokenTTL: time.Second, Now: wxTokenClock.Now},
		client: harbor.ProviderConfig{Options: wenxin.Options{Now: wxTokenClock.Now}},
		warm:   func(*mockvendor.QianfanV1) { wxTokenClock.Advance(time.Second) }, // the token's lifetime passes on both clocks
		only:   "create",
		req:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "expired token (111) is refreshed once and the call retried", quirk: "error_code 111 Access token expired: refresh token",
		warm:   func(m *mockvendor.QianfanV1) { m.ExpireTokens() },
		req:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi", finish: "stop",
		check: func(t *testing.T, o *wenxinOutcome) {
			require.Len(t, o.reqs, 3)
			assert.True(t, strings.HasPrefix(o.reqs[0].Path, wxChatPrefix), "first the chat with the old token")
			assert.Equal(t, wxTokenPath, o.reqs[1].Path, "then one refresh")
			assert.True(t, strings.HasPrefix(o.reqs[2].Path, wxChatPrefix), "then the retry")
			toks := wxAccessTokens(o.reqs)
			require.Len(t, toks, 2)
			assert.NotEqual(t, toks[0], toks[1], "the retry carries the new token")
			assert.Equal(t, 1, o.mock.TokenFetches())
		},
	},
	{
		name: "invalid token (110) is refreshed once and the call retried", quirk: "error_code 110 Access token invalid: refresh token",
		faults: []mockvendor.Fault{mockvendor.QianfanV1TokenInvalid()},
		req:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		tokens: 2, requests: 2, text: "Hello! You said: hi", finish: "stop",
		check: func(t *testing.T, o *wenxinOutcome) {
			toks := wxAccessTokens(o.reqs)
			require.Len(t, toks, 2)
			assert.NotEqual(t, toks[0], toks[1], "the retry carries a new token")
			assert.Equal(t, 2, o.mock.TokenFetches())
		},
	},
	{
		name: "111 again after the refresh is an authentication error", quirk: "exactly one refresh and one retry, not a loop",
		faults: []mockvendor.Fault{mockvendor.QianfanV1TokenExpired(), mockvendor.QianfanV1TokenExpired(), mockvendor.QianfanV1TokenExpired()},
		req:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		tokens: 2, requests: 2, err: harbor.ErrAuthentication, code: "111", msgHas: "Access token expired", retryable: no, requestID: wxUUID,
	},
	{
		name: "110 again after the refresh is an authentication error", quirk: "exactly one refresh and one retry, not a loop",
		faults: []mockvendor.Fault{mockvendor.QianfanV1TokenInvalid(), mockvendor.QianfanV1TokenInvalid(), mockvendor.QianfanV1TokenInvalid()},
		req:    harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		tokens: 2, requests: 2, err: harbor.ErrAuthentication, code: "110", msgHas: "Access token invalid", retryable: no,
	},
	{
		name: "14 IAM Certification failed is an authentication error without a refresh", quirk: "error_code 13/14: auth failures that a new token cannot fix (refresh is for 110/111 only)",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(14), {}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrAuthentication, code: "14", retryable: no, requestID: wxUUID,
	},
	{
		name: "unknown client id at the token endpoint", quirk: `{"error":"invalid_client","error_description":"unknown client id"}`,
		mock:   mockvendor.QianfanV1Config{APIKey: "someone-else", SecretKey: wxSecret},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 0, err: harbor.ErrAuthentication, code: "invalid_client", msgHas: "unknown client id", retryable: no,
	},
	{
		name: "wrong secret at the token endpoint", quirk: `{"error":"invalid_client","error_description":"Client authentication failed"}`,
		mock:   mockvendor.QianfanV1Config{APIKey: wxKey, SecretKey: "another-secret"},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 0, err: harbor.ErrAuthentication, code: "invalid_client", msgHas: "Client authentication failed", retryable: no,
	},
	{
		name: "a failed grant is not cached", quirk: "the next call asks the token endpoint again",
		mock: mockvendor.QianfanV1Config{APIKey: "someone-else"},
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")}, repeat: 2, only: "create",
		tokens: 2, requests: 0, err: harbor.ErrAuthentication, code: "invalid_client",
	},
	{
		name: "IAM 401 with X-Bce-Error headers", quirk: "IAM auth failures: 401 with X-Bce-Error-Code/X-Bce-Error-Message",
		faults: []mockvendor.Fault{mockvendor.QianfanV1IAMUnauthorized()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrAuthentication, status: 401, code: "IamSignatureInvalid", msgHas: "Could not find credential", retryable: no, requestID: wxUUID,
	},
	{
		name: "IAM 403 with X-Bce-Error headers", quirk: "IAM permission failures: 403 with X-Bce-Error-Code",
		faults: []mockvendor.Fault{{Status: 403}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrPermission, status: 403, code: "AccessDenied", msgHas: "Access denied", retryable: no,
	},

	// Routing: the model is the URL's endpoint, never a body field.
	{
		name: "ERNIE-3.5-8K is the completions endpoint", quirk: "model table: ERNIE-3.5-8K -> completions",
		req:  harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("hi")},
		path: wxChatPrefix + "completions", notSent: []string{"/model"}, tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "wenxin/ernie-4.0-8k is completions_pro", quirk: "explicit provider prefix, case-insensitive model table",
		req:  harbor.ChatRequest{Model: "wenxin/ernie-4.0-8k", Messages: user("hi")},
		path: wxChatPrefix + "completions_pro", notSent: []string{"/model"}, tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "ERNIE-Speed-128K takes up to 4096 output tokens", quirk: "Speed-128K: max_output_tokens [2, 4096]",
		req:  harbor.ChatRequest{Model: "ERNIE-Speed-128K", Messages: user("hi"), MaxTokens: harbor.Some(4096)},
		path: wxChatPrefix + "ernie-speed-128k", sent: map[string]any{"/max_output_tokens": 4096}, tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "a user endpoint from wenxin.Options", quirk: "deployed models: name -> endpoint via Options.Endpoints",
		mock:   mockvendor.QianfanV1Config{Endpoints: map[string]string{"my_deploy": "ERNIE-Speed-8K"}},
		client: harbor.ProviderConfig{Options: wenxin.Options{Endpoints: map[string]string{"My-Ernie": "/my_deploy/"}}},
		req:    harbor.ChatRequest{Model: "wenxin/my-ernie", Messages: user("hi"), MaxTokens: harbor.Some(100)},
		path:   wxChatPrefix + "my_deploy", sent: map[string]any{"/max_output_tokens": 100}, notSent: []string{"/model"}, tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "a user endpoint the vendor does not know", quirk: "336005 API name not exist is ErrNotFound",
		client: harbor.ProviderConfig{Options: wenxin.Options{Endpoints: map[string]string{"my-ernie": "gone_deploy"}}},
		req:    harbor.ChatRequest{Model: "wenxin/my-ernie", Messages: user("hi")},
		path:   wxChatPrefix + "gone_deploy", tokens: 1, requests: 1, err: harbor.ErrNotFound, code: "336005", msgHas: "API name not exist", retryable: no,
	},
	{
		name: "unknown model is refused before I/O", quirk: "no endpoint, no request",
		req: harbor.ChatRequest{Model: "ERNIE-9.9-8K", Messages: user("hi")},
		err: harbor.ErrNotFound, param: "model", msgHas: "Endpoints",
	},

	// Messages: no system role, odd count, strict alternation, string content.
	{
		name: "system messages become the top-level system field", quirk: "no system role: system is a top-level string",
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.SystemMessage("be brief"), harbor.SystemMessage("answer in English"), harbor.UserMessage("hi"))},
		sent:   map[string]any{"/system": "be brief\nanswer in English", "/messages": []any{map[string]any{"role": "user", "content": "hi"}}},
		tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "multi-turn history alternates and stays odd", quirk: "user/assistant alternate, odd count, last is user",
		req:     harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.SystemMessage("be brief"), harbor.UserMessage("one"), harbor.AssistantMessage("two"), harbor.UserMessage("three"))},
		sent:    map[string]any{"/system": "be brief", "/messages/0/role": "user", "/messages/1/role": "assistant", "/messages/1/content": "two", "/messages/2/role": "user"},
		notSent: []string{"/messages/3"}, tokens: 1, requests: 1, text: "Hello! You said: three",
	},
	{
		name: "a system message after the first turn is refused before I/O", quirk: "system only at the top",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.UserMessage("one"), harbor.AssistantMessage("two"), harbor.SystemMessage("be brief"), harbor.UserMessage("three"))},
		err: harbor.ErrInvalidRequest, param: "messages", msgHas: "messages[2]",
	},
	{
		name: "an even count (ending on assistant) is refused before I/O", quirk: `"messages length must be odd"`,
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.UserMessage("one"), harbor.AssistantMessage("two"))},
		err: harbor.ErrInvalidRequest, param: "messages", msgHas: "ends with an assistant turn",
	},
	{
		name: "two user turns in a row are refused before I/O", quirk: "user/assistant must alternate",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.UserMessage("one"), harbor.UserMessage("two"), harbor.UserMessage("three"))},
		err: harbor.ErrInvalidRequest, param: "messages", msgHas: "messages[1]",
	},
	{
		name: "an assistant first turn is refused before I/O", quirk: "the first message is user",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.AssistantMessage("hello"), harbor.UserMessage("hi"), harbor.AssistantMessage("yes"))},
		err: harbor.ErrInvalidRequest, param: "messages", msgHas: "messages[0]",
	},
	{
		name: "system messages alone are refused before I/O", quirk: "messages non-empty after system moves out",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: wxMsgs(harbor.SystemMessage("be brief"))},
		err: harbor.ErrInvalidRequest, param: "messages",
	},
	{
		name: "an empty user message is refused before I/O", quirk: "content a non-empty string",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("")},
		err: harbor.ErrInvalidRequest, param: "messages",
	},
	{
		name: "text parts are joined into a string", quirk: "content is a string only",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: []harbor.Message{harbor.UserParts(harbor.TextPart("two "), harbor.TextPart("parts"))}},
		sent: map[string]any{"/messages/0/content": "two parts"}, tokens: 1, requests: 1, text: "Hello! You said: two parts",
	},
	{
		name: "image parts are refused before I/O", quirk: "text only",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: []harbor.Message{harbor.UserParts(harbor.TextPart("what is this"), harbor.ImagePart("https://x/y.png", ""))}},
		err: harbor.ErrInvalidRequest, param: "messages",
	},

	// Parameters.
	{
		name: "temperature 0 is sent as the small positive value", quirk: "temperature (0, 1]: 0 not allowed",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Temperature: harbor.Some(0.0)},
		sent: map[string]any{"/temperature": wenxin.ZeroTemperature}, tokens: 1, requests: 1, text: "Hello! You said: hi",
		check: func(t *testing.T, o *wenxinOutcome) {
			v, _ := pointer(sentBody(t, o.reqs, len(o.reqs)-1), "/temperature")
			f, _ := v.(float64)
			assert.True(t, f > 0 && f <= 0.01, "a positive, effectively greedy temperature, got %v", v)
		},
	},
	{
		name: "temperature 1 and top_p pass through", quirk: "temperature (0, 1], top_p [0, 1]",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Temperature: harbor.Some(1.0), TopP: harbor.Some(0.0)},
		sent: map[string]any{"/temperature": 1, "/top_p": 0}, tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "temperature above 1 is refused before I/O", quirk: "temperature (0, 1]",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Temperature: harbor.Some(1.5)},
		err: harbor.ErrInvalidRequest, param: "temperature",
	},
	{
		name: "max_tokens becomes max_output_tokens", quirk: "max_output_tokens [2, 2048]",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), MaxTokens: harbor.Some(2048)},
		sent: map[string]any{"/max_output_tokens": 2048}, notSent: []string{"/max_tokens", "/max_completion_tokens"}, tokens: 1, requests: 1, text: "Hello! You said: hi",
	},
	{
		name: "max_completion_tokens becomes max_output_tokens", quirk: "max_output_tokens is v1's only cap",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), MaxCompletionTokens: harbor.Some(2)},
		sent: map[string]any{"/max_output_tokens": 2}, notSent: []string{"/max_tokens", "/max_completion_tokens"}, tokens: 1, requests: 1,
		text: "Hello! You", finish: "length",
	},
	{
		name: "max_tokens below 2 is refused before I/O", quirk: "max_output_tokens [2, 2048]",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), MaxTokens: harbor.Some(1)},
		err: harbor.ErrInvalidRequest, param: "max_tokens",
	},
	{
		name: "max_tokens above 2048 is refused before I/O", quirk: "max_output_tokens [2, 2048]",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), MaxTokens: harbor.Some(2049)},
		err: harbor.ErrInvalidRequest, param: "max_tokens", msgHas: "2048",
	},
	{
		name: "max_tokens above 4096 on Speed-128K is refused before I/O", quirk: "Speed-128K: max_output_tokens [2, 4096]",
		req: harbor.ChatRequest{Model: "ERNIE-Speed-128K", Messages: user("hi"), MaxTokens: harbor.Some(4097)},
		err: harbor.ErrInvalidRequest, param: "max_tokens", msgHas: "4096",
	},
	{
		name: "stop passes through", quirk: "stop ≤4 items ≤20 chars",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Stop: []string{"a", "b", "c", "12345678901234567890"}},
		sent: map[string]any{"/stop": []string{"a", "b", "c", "12345678901234567890"}}, tokens: 1, requests: 1,
	},
	{
		name: "five stop sequences are refused before I/O", quirk: "stop ≤4 items",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Stop: []string{"a", "b", "c", "d", "e"}},
		err: harbor.ErrInvalidRequest, param: "stop",
	},
	{
		name: "a stop sequence over 20 characters is refused before I/O", quirk: "stop items ≤20 chars",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Stop: []string{"一二三四五六七八九十一二三四五六七八九十一"}},
		err: harbor.ErrInvalidRequest, param: "stop",
	},
	{
		name: "response_format json_object is a plain string", quirk: `response_format is a string "text"|"json_object"`,
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("answer in JSON"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		sent: map[string]any{"/response_format": "json_object"}, tokens: 1, requests: 1,
	},
	{
		name: "response_format text is a plain string", quirk: `response_format is a string "text"|"json_object"`,
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), ResponseFormat: &harbor.ResponseFormat{Type: "text"}},
		sent: map[string]any{"/response_format": "text"}, tokens: 1, requests: 1,
	},
	{
		name: "json_object answer is a JSON object", quirk: `response_format "json_object": result is one JSON object (streamed in pieces)`,
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("the weather in Beijing"), ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}},
		finish: "stop", tokens: 1, requests: 1, check: jsonObjectAnswer[*mockvendor.QianfanV1],
	},
	{
		name: "json_schema is refused before I/O", quirk: "no json_schema on v1",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("json"), ResponseFormat: &harbor.ResponseFormat{Type: "json_schema", JSONSchema: &harbor.JSONSchema{Name: "x"}}},
		err: harbor.ErrInvalidRequest, param: "response_format",
	},
	{
		name: "user becomes user_id", quirk: "user_id, not OpenAI's user",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), User: "u_42"},
		sent: map[string]any{"/user_id": "u_42"}, notSent: []string{"/user"}, tokens: 1, requests: 1,
	},
	{
		name: "web search maps to disable_search and enable_citation", quirk: "disable_search, enable_citation, enable_trace",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("news"), WebSearch: &harbor.WebSearch{Enable: true, EnableCitation: true, EnableTrace: true}},
		sent: map[string]any{"/disable_search": false, "/enable_citation": true, "/enable_trace": true}, notSent: []string{"/web_search"}, tokens: 1, requests: 1,
	},
	{
		name: "frequency_penalty is refused before I/O", quirk: "v1's repetition penalty is penalty_score [1, 2]",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), FrequencyPenalty: harbor.Some(0.5)},
		err: harbor.ErrInvalidRequest, param: "frequency_penalty", msgHas: "penalty_score",
	},
	{
		name: "penalty_score from wenxin.Options", quirk: "penalty_score [1.0, 2.0]",
		client: harbor.ProviderConfig{Options: wenxin.Options{PenaltyScore: 1.2}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		sent:   map[string]any{"/penalty_score": 1.2}, tokens: 1, requests: 1,
	},
	{
		name: "penalty_score out of range in ExtraBody is the vendor's 336003, not retried", quirk: "336003 Invalid param: client error, HTTP 200",
		req:     harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), ExtraBody: map[string]any{"penalty_score": 5}},
		offSpec: `"/penalty_score": number must be at most 2`,
		sent:    map[string]any{"/penalty_score": 5}, tokens: 1, requests: 1,
		err: harbor.ErrInvalidRequest, code: "336003", msgHas: "penalty_score", retryable: no, requestID: wxUUID,
	},
	{
		name: "seed is refused before I/O", quirk: "no seed on v1",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Seed: harbor.Some[int64](7)},
		err: harbor.ErrInvalidRequest, param: "seed",
	},

	// Tools: functions and function_call.
	{
		name: "tools become functions; function_call becomes a tool call", quirk: "functions [{name,description,parameters}]; function_call {name,arguments,thoughts}",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("weather in Beijing"), Tools: wxWeather},
		sent: map[string]any{"/functions/0/name": "get_weather", "/functions/0/description": "Weather of a city", "/functions/0/parameters/type": "object",
			"/functions/0/parameters/properties/city/type": "string"},
		notSent: []string{"/tools", "/tool_choice"}, tokens: 1, requests: 1, finish: "tool_calls",
		check: func(t *testing.T, o *wenxinOutcome) {
			require.Len(t, o.ToolCalls, 1)
			tc := o.ToolCalls[0]
			assert.Regexp(t, `^call_as-[0-9a-z]{10}$`, tc.ID, "a stable id derived from the answer id")
			assert.Equal(t, "function", tc.Type)
			assert.Equal(t, "get_weather", tc.Function.Name)
			assert.JSONEq(t, `{"city":"weather in Beijing"}`, tc.Function.Arguments)
			assert.Equal(t, "I need to call get_weather to answer the user's question.", o.Reasoning, "thoughts are the reasoning")
			assert.Empty(t, o.Text)
		},
	},
	{
		name: "function_call arguments follow the function's schema", quirk: "function_call.arguments is JSON valid for functions[].parameters",
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("forecast for Beijing"), Tools: fmtTools()},
		finish: "tool_calls", tokens: 1, requests: 1, check: schemaArgs[*mockvendor.QianfanV1],
	},
	{
		name: "a named tool_choice is sent as the function object", quirk: "tool_choice {type:function,function:{name}}",
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("time in Paris"), Tools: wxTwoTools, ToolChoice: &harbor.ToolChoice{Function: "get_time"}},
		sent:   map[string]any{"/tool_choice": map[string]any{"type": "function", "function": map[string]any{"name": "get_time"}}, "/functions/1/name": "get_time"},
		tokens: 1, requests: 1, finish: "tool_calls",
		check: func(t *testing.T, o *wenxinOutcome) {
			require.Len(t, o.ToolCalls, 1)
			assert.Equal(t, "get_time", o.ToolCalls[0].Function.Name)
		},
	},
	{
		name: "tool_choice none withholds the functions", quirk: "v1 has no tool_choice none",
		req:     harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), Tools: wxWeather, ToolChoice: &harbor.ToolChoice{Mode: harbor.ToolChoiceNone}},
		notSent: []string{"/functions", "/tool_choice"}, tokens: 1, requests: 1, text: "Hello! You said: hi", finish: "stop",
	},
	{
		name: "tool_choice required with one tool names it", quirk: "v1 can force one named function",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("weather"), Tools: wxWeather, ToolChoice: &harbor.ToolChoice{Mode: harbor.ToolChoiceRequired}},
		sent: map[string]any{"/tool_choice/function/name": "get_weather"}, tokens: 1, requests: 1, finish: "tool_calls",
	},
	{
		name: "tool_choice required with two tools is refused before I/O", quirk: "v1 cannot force \"any of them\"",
		req: harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("weather"), Tools: wxTwoTools, ToolChoice: &harbor.ToolChoice{Mode: harbor.ToolChoiceRequired}},
		err: harbor.ErrInvalidRequest, param: "tool_choice",
	},

	// Answers: result, finish_reason, usage.
	{
		name: "finish length passes through", quirk: "finish_reason length, is_truncated",
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi"), MaxTokens: harbor.Some(3)},
		tokens: 1, requests: 1, text: "Hello! You said:", finish: "length",
	},
	{
		name: "content filter finish passes through", quirk: "finish_reason content_filter",
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("[[content_filter]]")},
		tokens: 1, requests: 1, finish: harbor.FinishReasonContentFilter,
	},
	{
		name: "Request_id is echoed as X-Baidu-Request-Id", quirk: "SDK sends Request_id, reads X-Baidu-Request-Id",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		opts: []harbor.CallOption{harbor.WithHeader("Request_id", "wx-rid-1")}, only: "create",
		tokens: 1, requests: 1, requestID: "^wx-rid-1$",
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.Equal(t, "wx-rid-1", o.reqs[len(o.reqs)-1].Header.Get("Request_id"))
		},
	},

	// HTTP-200 error_code bodies.
	{
		name: "336501 RPM limit then success", quirk: "error_code 336501 retried (official SDK does)",
		faults: []mockvendor.Fault{mockvendor.QianfanV1RateLimited()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi", finish: "stop",
	},
	{
		name: "336502 TPM limit then success", quirk: "error_code 336502 retried",
		faults: []mockvendor.Fault{mockvendor.QianfanV1TPMLimited()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi",
	},
	{
		name: "18 QPS limit then success", quirk: "error_code 18 retried",
		faults: []mockvendor.Fault{mockvendor.QianfanV1QPSLimit(), mockvendor.QianfanV1QPSLimit()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 3, text: "Hello! You said: hi",
	},
	{
		name: "336501 until retries run out", quirk: "rate limit surfaces as ErrRateLimited with the vendor code",
		faults: []mockvendor.Fault{mockvendor.QianfanV1RateLimited(), mockvendor.QianfanV1RateLimited(), mockvendor.QianfanV1RateLimited()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 3, err: harbor.ErrRateLimited, code: "336501", msgHas: "RPM limit reached", retryable: yes, requestID: wxUUID,
	},
	{
		name: "17 daily limit is not retried", quirk: "error_code 17: not in the SDK's retry list",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(17)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrRateLimited, code: "17", retryable: no,
	},
	{
		name: "4 request limit is not retried", quirk: "error_code 4: not in the SDK's retry list",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(4)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrRateLimited, code: "4", retryable: no,
	},
	{
		name: "19 total request limit is not retried", quirk: "error_code 19 Total request limit reached: the nearest thing v1 has to a quota error",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(19), {}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrRateLimited, code: "19", retryable: no,
	},
	{
		name: "336100 server high load then success", quirk: "error_code 336100 retried",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Overloaded()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi",
	},
	{
		name: "336100 until retries run out", quirk: "overload is ErrServer",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Overloaded(), mockvendor.QianfanV1Overloaded(), mockvendor.QianfanV1Overloaded()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 3, err: harbor.ErrServer, code: "336100", msgHas: "Server high load", retryable: yes,
	},
	{
		name: "2 service unavailable then success", quirk: "error_code 2 retried",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(2)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi",
	},
	{
		name: "15 app not exists then success", quirk: "error_code 15 retried",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(15)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi",
	},
	{
		name: "336000 internal error is not retried", quirk: "error_code 336000: not in the SDK's retry list",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(336000)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrServer, code: "336000", msgHas: "Internal error", retryable: no,
	},
	{
		name: "336003 invalid param is not retried", quirk: "error_code 336003 is a client error",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(336003)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrInvalidRequest, code: "336003", msgHas: "Invalid param", retryable: no,
	},
	{
		name: "6 no permission", quirk: "error_code 6",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(6)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrPermission, code: "6", retryable: no,
	},
	{
		name: "336104 invalid system", quirk: "error_code 336104 is a client error",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(336104)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrInvalidRequest, code: "336104", retryable: no,
	},
	{
		name: "error_code body carries the client's Request_id", quirk: "X-Baidu-Request-Id on error answers too",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(336003)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		opts:   []harbor.CallOption{harbor.WithHeader("Request_id", "wx-rid-2")},
		tokens: 1, requests: 1, err: harbor.ErrInvalidRequest, code: "336003", requestID: "^wx-rid-2$",
	},
	{
		name: "HTTP 429 with Retry-After is honoured", quirk: "generic policy: a gateway 429's Retry-After is waited for",
		faults: []mockvendor.Fault{{Status: 429, RetryAfter: "1"}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi", minElapsed: time.Second, only: "create",
	},
	{
		name: "HTTP 429 asking for more than MaxRetryAfter returns at once", quirk: "RetryAfter reported, code from the body",
		faults: []mockvendor.Fault{{Status: 429, RetryAfter: "60"}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrRateLimited, status: 429, code: "336501", retryAfter: time.Minute, retryable: yes,
	},
	{
		name: "HTTP 503 then success", quirk: "5xx retried",
		faults: []mockvendor.Fault{{Status: 503}},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi",
	},
	{
		name: "connection reset then success", quirk: "resets retried before any byte reached the caller",
		faults: []mockvendor.Fault{mockvendor.ConnectionReset()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 2, text: "Hello! You said: hi",
	},
	{
		name: "connection resets until retries run out keep the token out of the error", quirk: "the access token is in the URL Go's transport errors print",
		faults: []mockvendor.Fault{mockvendor.ConnectionReset(), mockvendor.ConnectionReset(), mockvendor.ConnectionReset()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 3, err: harbor.ErrConnection, retryable: yes,
	},

	// Answers with neither a result nor an error_code.
	{
		name: "200 with {} is a bad response", quirk: "an answer with neither a result nor an error_code is an error, never an empty completion",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `{}`)}, // spec/qianfan-v1.yaml allows it: every field is optional
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrBadResponse, msgHas: "neither a result nor an error_code", retryable: no,
	},
	{
		name: "200 with null is a bad response", quirk: "an answer with neither a result nor an error_code is an error, never an empty completion",
		faults: []mockvendor.Fault{mockvendor.ReplyJSON(200, `null`)}, offSpec: wxNoAnswer,
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		tokens: 1, requests: 1, err: harbor.ErrBadResponse, retryable: no,
	},

	// Streams: is_end, no [DONE]; an error_code body instead of a stream.
	{
		name: "stream ends on is_end without [DONE]; usage on the last chunk", quirk: "is_end:true ends the stream; usage on every event, final totals last",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("stream me please")},
		only: "stream", tokens: 1, requests: 1, text: "Hello! You said: stream me please", finish: "stop",
		sent: map[string]any{"/stream": true}, notSent: []string{"/stream_options"},
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.Equal(t, "text/event-stream", o.reqs[len(o.reqs)-1].Header.Get("Accept"))
			require.Len(t, o.chunks, 7, "six words, one an event, and the is_end event")
			for i, c := range o.chunks {
				assert.Equal(t, "chat.completion.chunk", c.Object, "chunk %d", i)
				assert.Equal(t, "ERNIE-4.0-8K", c.Model, "chunk %d", i)
				require.Len(t, c.Choices, 1)
				last := i == len(o.chunks)-1
				assert.Equal(t, last, c.Usage != nil, "usage only on the last chunk (chunk %d)", i)
				assert.Equal(t, last, c.Choices[0].FinishReason != "", "finish only on the last chunk (chunk %d)", i)
				assert.Equal(t, i == 0, c.Choices[0].Delta.Role == harbor.RoleAssistant, "role on the first chunk only (chunk %d)", i)
			}
			require.NotNil(t, o.Usage)
			assert.Equal(t, harbor.Usage{PromptTokens: 4, CompletionTokens: 6, TotalTokens: 10}, *o.Usage, "the final totals")
		},
	},
	{
		name: "create sends no stream flag", quirk: "stream is a body field",
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only: "create", tokens: 1, requests: 1, notSent: []string{"/stream", "/stream_options"},
	},
	{
		name: "error_code body instead of a requested stream", quirk: "a stream that cannot start is a plain application/json error body",
		faults: []mockvendor.Fault{mockvendor.QianfanV1Error(336003)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only:   "stream", tokens: 1, requests: 1, err: harbor.ErrInvalidRequest, code: "336003", retryable: no, requestID: wxUUID,
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.True(t, o.openErr, "the error comes from Stream itself, before any chunk")
			assert.Empty(t, o.chunks)
		},
	},
	{
		name: "rate-limit body instead of a requested stream is retried", quirk: "336501 in place of a stream is still transient",
		faults: []mockvendor.Fault{mockvendor.QianfanV1RateLimited()},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only:   "stream", tokens: 1, requests: 2, text: "Hello! You said: hi", finish: "stop",
	},
	{
		name: "expired-token body instead of a requested stream is refreshed", quirk: "111 in place of a stream: refresh and retry",
		warm: func(m *mockvendor.QianfanV1) { m.ExpireTokens() },
		req:  harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only: "stream", tokens: 1, requests: 2, text: "Hello! You said: hi", finish: "stop",
	},
	{
		name: "stream cut before is_end is truncated", quirk: "no is_end: the answer is incomplete",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(2)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only:   "stream", tokens: 1, requests: 1, err: harbor.ErrStreamTruncated,
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.Equal(t, "Hello! You ", o.Text, "what arrived reached the caller")
			assert.False(t, o.openErr)
		},
	},
	{
		name: "stream cut right before the is_end event is truncated", quirk: "every word arrived, but without is_end the answer is incomplete",
		faults: []mockvendor.Fault{mockvendor.TruncatedStream(4)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only:   "stream", tokens: 1, requests: 1, err: harbor.ErrStreamTruncated,
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.Equal(t, "Hello! You said: hi", o.Text)
			assert.Empty(t, o.Finish, "no finish reason without is_end")
		},
	},
	{
		name: "stream aborted mid-body", quirk: "never retried once bytes reached the caller",
		faults: []mockvendor.Fault{mockvendor.AbortedStream(2)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only:   "stream", tokens: 1, requests: 1, err: harbor.ErrStreamTruncated,
	},
	{
		name: "mid-stream error_code event", quirk: `data: {"error_code":336000,…} ends the stream with that error`,
		faults: []mockvendor.Fault{mockvendor.QianfanV1StreamError(2)},
		req:    harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")},
		only:   "stream", tokens: 1, requests: 1, err: harbor.ErrServer, code: "336000", msgHas: "Internal error", retryable: no, requestID: wxUUID,
		check: func(t *testing.T, o *wenxinOutcome) {
			assert.False(t, o.openErr, "the stream started")
			assert.Equal(t, "Hello! You ", o.Text, "the part before the error reached the caller")
		},
	},
}

func TestWenxin(t *testing.T) { runTable(t, wenxinHarness, wenxinCases) }

// wxAccessTokens lists the access_token of every chat request, in order.
func wxAccessTokens(reqs []mockvendor.RecordedRequest) []string {
	var out []string
	for _, r := range reqs {
		if !strings.HasPrefix(r.Path, wxChatPrefix) {
			continue
		}
		if q, err := url.ParseQuery(r.RawQuery); err == nil && q.Get("access_token") != "" {
			out = append(out, q.Get("access_token"))
		}
	}
	return out
}

// TestWenxinConcurrentFirstCalls: a burst of first calls waits for one token fetch
// rather than each asking for its own (run with -race). The grant is held until all
// 100 callers are parked behind it, so the test cannot pass by the calls arriving
// one after another.
func TestWenxinConcurrentFirstCalls(t *testing.T) {
	m, g, c := wxGated(t)
	g.holdTokens.Store(true)
	done := make(chan []error, 1)
	go func() { done <- wenxinBurst(ctxT(t), c, 100) }()
	wxWaitParked(t, 100)
	g.open(&g.tokens)
	for _, err := range <-done {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, m.TokenFetches(), "100 concurrent first calls, one token fetch")
	assert.Len(t, m.Requests(), 101, "one token request and 100 chats")
}

// TestWenxinConcurrentExpiry: a burst of calls that all meet 111 with the same token
// causes one refresh, not one per call. The chats are held until all 50 have
// arrived, so all 50 meet 111 at once, and the refresh is held until all 50 callers
// are parked behind it.
func TestWenxinConcurrentExpiry(t *testing.T) {
	m, g, c := wxGated(t)
	require.NoError(t, call(ctxT(t), c, &harbor.ChatRequest{Model: "ERNIE-3.5-8K", Messages: user("warm up")}, false).err)
	m.Reset()
	m.ExpireTokens()
	g.holdTokens.Store(true)
	g.holdChats.Store(50)
	done := make(chan []error, 1)
	go func() { done <- wenxinBurst(ctxT(t), c, 50) }()
	wxWaitParked(t, 50)
	g.open(&g.tokens)
	for _, err := range <-done {
		assert.NoError(t, err)
	}
	assert.Equal(t, 1, m.TokenFetches(), "50 calls meeting 111 at once, one refresh")
	assert.Len(t, m.Requests(), 101, "50 chats meeting 111, one refresh and 50 retries")
}

func wenxinBurst(ctx context.Context, c *harbor.Client, n int) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = call(ctx, c, &harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")}, i%2 == 1).err
		}()
	}
	wg.Wait()
	return errs
}

// wxGate holds requests on their way to the Wenxin mock: token grants until the test
// opens tokens, and the first holdChats chat requests until that many are held.
type wxGate struct {
	http.Handler
	holdTokens    atomic.Bool
	holdChats     atomic.Int32
	heldChats     atomic.Int32
	tokens, chats chan struct{}
	once          [2]sync.Once
}

func (g *wxGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var wait chan struct{}
	switch {
	case r.URL.Path == wxTokenPath && g.holdTokens.Load():
		wait = g.tokens
	case strings.HasPrefix(r.URL.Path, wxChatPrefix) && g.holdChats.Load() > 0:
		wait = g.chats
		if n := g.heldChats.Add(1); n == g.holdChats.Load() {
			g.open(&g.chats)
		}
	}
	if wait != nil {
		select {
		case <-wait:
		case <-r.Context().Done():
		}
	}
	g.Handler.ServeHTTP(w, r)
}

// open lets the requests held on ch (g.tokens or g.chats) through, and all later ones.
func (g *wxGate) open(ch *chan struct{}) {
	i := 0
	if ch == &g.chats {
		i = 1
	}
	g.once[i].Do(func() { close(*ch) })
}

// wxGated serves a Wenxin mock behind a wxGate (holding nothing yet) and returns it
// with the gate and a client.
func wxGated(t *testing.T) (*mockvendor.QianfanV1, *wxGate, *harbor.Client) {
	m := mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: wxKey, SecretKey: wxSecret})
	g := &wxGate{Handler: m, tokens: make(chan struct{}), chats: make(chan struct{})}
	srv, err := mockvendor.Listen("127.0.0.1:0", g)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	t.Cleanup(func() { g.open(&g.tokens); g.open(&g.chats) }) // runs first: a failed test lets its calls go
	return m, g, wenxinHarness.newClient(t, harbor.ProviderConfig{APIKey: wxKey, SecretKey: wxSecret, BaseURL: srv.URL()}, nil)
}

// wxTokenFile is where the provider's callers wait for an access token: the leader
// fetching it, and the callers parked behind that fetch.
const wxTokenFile = "/providers/wenxin/token.go:"

// wxWaitParked waits until n goroutines are blocked in the provider's token cache
// (wxTokenFile is on their stack and the scheduler has them waiting), the real count
// of callers behind a held grant; it fails the test if they do not get there.
func wxWaitParked(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		k := runtime.Stack(buf, true)
		for k == len(buf) {
			buf = make([]byte, 2*len(buf))
			k = runtime.Stack(buf, true)
		}
		parked := 0
		for _, g := range strings.Split(string(buf[:k]), "\n\n") {
			head, _, _ := strings.Cut(g, "\n")
			if strings.Contains(g, wxTokenFile) && !strings.Contains(head, "[running]") && !strings.Contains(head, "[runnable]") {
				parked++
			}
		}
		if parked >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers blocked in %s (the file moved? see wxTokenFile)", parked, n, wxTokenFile)
		}
		time.Sleep(time.Millisecond) // polling a count, not waiting for luck
	}
}

// TestWenxinToolRoundTrip runs the function-call loop end to end, Create and Stream:
// the model calls get_weather, the caller sends back the assistant turn as returned
// plus the tool result, and harbor sends them as an assistant function_call turn and
// a function turn named after the function.
func TestWenxinToolRoundTrip(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		t.Run(map[bool]string{false: "create", true: "stream"}[streaming], func(t *testing.T) {
			m, c := wenxinHarness.client(t)
			req := &harbor.ChatRequest{Model: "ERNIE-4.0-8K", Tools: wxWeather,
				Messages: wxMsgs(harbor.SystemMessage("use tools"), harbor.UserMessage("weather in Beijing"))}
			r1 := call(ctxT(t), c, req, streaming)
			require.NoError(t, r1.err)
			require.Equal(t, "tool_calls", r1.Finish)
			require.Len(t, r1.ToolCalls, 1)
			turn := harbor.Message{Role: harbor.RoleAssistant, Content: r1.Text, ReasoningContent: r1.Reasoning, ToolCalls: r1.ToolCalls}
			if !streaming {
				turn = r1.Message
			}
			req.Messages = append(req.Messages, turn, harbor.ToolMessage(r1.ToolCalls[0].ID, "sunny, 21°C"))
			r2 := call(ctxT(t), c, req, streaming)
			require.NoError(t, r2.err)
			assert.Equal(t, "Tool result: sunny, 21°C", r2.Text)
			assert.Equal(t, "stop", r2.Finish, "normal is stop")
			assert.Empty(t, r2.ToolCalls)

			chats := wxAccessTokens(m.Requests())
			require.Len(t, chats, 2)
			reqs := m.Requests()
			body := sentBody(t, reqs, len(reqs)-1)
			assertSent(t, body, map[string]any{
				"/system":                            "use tools",
				"/messages/0/role":                   "user",
				"/messages/1/role":                   "assistant",
				"/messages/1/content":                "",
				"/messages/1/function_call/name":     "get_weather",
				"/messages/1/function_call/thoughts": "I need to call get_weather to answer the user's question.",
				"/messages/2/role":                   "function",
				"/messages/2/name":                   "get_weather",
				"/messages/2/content":                "sunny, 21°C",
				"/functions/0/name":                  "get_weather",
			}, []string{"/messages/1/tool_calls", "/messages/2/tool_call_id", "/messages/3", "/tools"})
			args, ok := pointer(body, "/messages/1/function_call/arguments")
			require.True(t, ok)
			assert.JSONEq(t, r1.ToolCalls[0].Function.Arguments, args.(string))
		})
	}
}

// TestWenxinToolResultMismatchRefused: a tool result that does not answer the call
// just before it cannot be expressed in v1's function role and is refused before I/O.
func TestWenxinToolResultMismatchRefused(t *testing.T) {
	m, c := wenxinHarness.client(t)
	turn := harbor.Message{Role: harbor.RoleAssistant, ToolCalls: []harbor.ToolCall{{ID: "call_1", Type: "function", Function: harbor.FunctionCall{Name: "get_weather", Arguments: "{}"}}}}
	for _, streaming := range []bool{false, true} {
		a := call(ctxT(t), c, &harbor.ChatRequest{Model: "ERNIE-4.0-8K", Tools: wxWeather,
			Messages: wxMsgs(harbor.UserMessage("weather"), turn, harbor.ToolMessage("call_2", "sunny"))}, streaming)
		wantErr(t, a.err, harbor.ErrInvalidRequest)
	}
	assert.Empty(t, m.Requests(), "rejected before I/O")
}
