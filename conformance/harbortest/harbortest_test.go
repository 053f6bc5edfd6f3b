package harbortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func hi(model string) *harbor.ChatRequest {
	return &harbor.ChatRequest{Model: model, Messages: []harbor.Message{harbor.UserMessage("hi")}}
}

// streamText drains a stream into its text.
func streamText(t *testing.T, c *harbor.Client, req *harbor.ChatRequest) (string, *harbor.Usage) {
	t.Helper()
	s, err := c.Chat.Completions.Stream(ctxT(t), req)
	require.NoError(t, err)
	defer s.Close()
	var b strings.Builder
	for chunk, err := range s.All() {
		require.NoError(t, err)
		for _, ch := range chunk.Choices {
			b.WriteString(ch.Delta.Content)
		}
	}
	return b.String(), s.Usage()
}

// assertCredentials checks that a chat request carried the mock's fake
// credentials the way the vendor wants them.
func assertCredentials(t *testing.T, m *harbortest.Mock, r harbortest.RecordedRequest) {
	t.Helper()
	switch m.Vendor() {
	case harbortest.Wenxin:
		q, err := url.ParseQuery(r.RawQuery)
		require.NoError(t, err)
		assert.NotEmpty(t, q.Get("access_token"), "Wenxin chat carries the access token")
		var token *harbortest.RecordedRequest
		for _, rr := range m.Requests() {
			if rr.Path == "/oauth/2.0/token" {
				token = &rr
			}
		}
		require.NotNil(t, token, "the client fetched a token from the mock")
		tq, err := url.ParseQuery(token.RawQuery)
		require.NoError(t, err)
		assert.Equal(t, m.APIKey(), tq.Get("client_id"))
		assert.Equal(t, m.SecretKey(), tq.Get("client_secret"))
	default:
		assert.Equal(t, "Bearer "+m.APIKey(), r.Header.Get("Authorization"))
	}
	if m.Vendor() == harbortest.Qianfan {
		assert.Equal(t, m.AppID(), r.Header.Get("appid"))
	}
}

// chatPaths are the vendors' documented chat routes under BaseURL (the mocks
// also accept them without the prefix, so the path shows which was used).
var chatPaths = map[harbortest.Vendor]string{
	harbortest.DeepSeek: "/chat/completions",
	harbortest.Doubao:   "/api/v3/chat/completions",
	harbortest.Wenxin:   "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/ernie_speed",
	harbortest.Qianfan:  "/v2/chat/completions",
	harbortest.OpenAI:   "/v1/chat/completions",
}

// Every vendor: the client reaches the mock with the right credentials, the
// default model routes to the vendor, and Create and Stream get the toy
// model's answer.
func TestEveryVendorEndToEnd(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			assert.Equal(t, v, m.Vendor())
			assert.Equal(t, string(v), m.Provider())
			assert.True(t, strings.HasPrefix(m.URL(), "http://127.0.0.1:"), m.URL())
			assert.True(t, strings.HasPrefix(m.BaseURL(), m.URL()))
			c := m.Client()

			r, err := c.Route(m.Model())
			require.NoError(t, err)
			assert.Equal(t, string(v), r.Provider, "Model() routes to the vendor")

			res, err := c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
			require.NoError(t, err)
			assert.Equal(t, "Hello! You said: hi", res.Choices[0].Message.Content)
			assert.Equal(t, string(v), res.Provider)

			text, usage := streamText(t, c, hi(m.Model()))
			assert.Equal(t, "Hello! You said: hi", text)
			assert.NotNil(t, usage)

			reqs := m.ChatRequests()
			require.Len(t, reqs, 2, "both calls reached this mock")
			for _, r := range reqs {
				assert.Equal(t, chatPaths[v], r.Path, "the client uses BaseURL, the vendor's real API prefix")
				assertCredentials(t, m, r)
			}
			assert.Equal(t, m.Model() == "ERNIE-Speed-8K", v == harbortest.Wenxin)
		})
	}
}

// The mocks really check the credentials, so a client that did not send the
// kit's would fail: the kit's agreement between both sides is what works.
func TestCredentialsAreEnforced(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			c := newClient(t, m, harbor.WithAPIKey(m.Provider(), "wrong-key-0123456789"))
			_, err := c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
			require.Error(t, err)
			assert.True(t, errors.Is(err, harbor.ErrAuthentication), "got %v", err)
		})
	}
	t.Run("qianfan appid", func(t *testing.T) {
		m := harbortest.Start(t, harbortest.Qianfan)
		_, err := newClient(t, m, harbor.WithAppID("qianfan", "other-app")).Chat.Completions.Create(ctxT(t), hi(m.Model()))
		assert.True(t, errors.Is(err, harbor.ErrPermission), "got %v", err)
	})
	t.Run("wenxin secret", func(t *testing.T) {
		m := harbortest.Start(t, harbortest.Wenxin)
		_, err := newClient(t, m, harbor.WithSecretKey("wenxin", "other-secret")).Chat.Completions.Create(ctxT(t), hi(m.Model()))
		assert.True(t, errors.Is(err, harbor.ErrAuthentication), "got %v", err)
	})
}

// A scripted failure is retried by harbor, quickly.
func TestEnqueueRetriedFast(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			m.Enqueue(harbortest.Overloaded(), harbortest.ServerError())
			start := time.Now()
			res, err := m.Client().Chat.Completions.Create(ctxT(t), hi(m.Model()))
			require.NoError(t, err)
			assert.Equal(t, "Hello! You said: hi", res.Choices[0].Message.Content)
			assert.Len(t, m.ChatRequests(), 3, "two scripted failures, then the answer")
			// harbor's default waits would take at least 375ms here (125–250ms, then 250–500ms).
			assert.Less(t, time.Since(start), 300*time.Millisecond, "retry waits are milliseconds")
		})
	}
}

// ReplyJSON and ReplySSE reach the caller through harbor.
func TestScriptedReplies(t *testing.T) {
	completion := `{"id":"as-canned","object":"chat.completion","created":1,"model":"%s",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"canned"},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
	chunk := `{"id":"as-canned","object":"chat.completion.chunk","created":1,"model":"%s",` +
		`"choices":[{"index":0,"delta":{"role":"assistant","content":"%s"},"finish_reason":%s}],"usage":%s}`
	for _, v := range []harbortest.Vendor{harbortest.DeepSeek, harbortest.Doubao, harbortest.Qianfan, harbortest.OpenAI} {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			c := m.Client()
			m.Enqueue(harbortest.ReplyJSON(200, fmt.Sprintf(completion, m.Model())))
			res, err := c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
			require.NoError(t, err)
			assert.Equal(t, "canned", res.Choices[0].Message.Content)

			m.Enqueue(harbortest.ReplySSE(
				fmt.Sprintf(chunk, m.Model(), "can", "null", "null"),
				fmt.Sprintf(chunk, m.Model(), "ned", `"stop"`, `{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}`),
				"[DONE]"))
			text, usage := streamText(t, c, hi(m.Model()))
			assert.Equal(t, "canned", text)
			require.NotNil(t, usage)
			assert.Equal(t, 3, usage.TotalTokens)

			m.Reply(harbortest.Reply{Status: 503, Body: []byte(`{"error":{"message":"scripted outage","type":"server_error"}}`)})
			m.Reply(harbortest.Reply{Status: 503, Body: []byte(`{"error":{"message":"scripted outage","type":"server_error"}}`)})
			m.Reply(harbortest.Reply{Status: 503, Body: []byte(`{"error":{"message":"scripted outage","type":"server_error"}}`)})
			_, err = c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
			assert.True(t, errors.Is(err, harbor.ErrServer), "got %v", err)
			assert.Len(t, m.ChatRequests(), 5, "1 + 1 + 3 attempts, all recorded")
		})
	}
}

// Fault.Content answers a JSON request with text that is not JSON, in the
// vendor's own framing, and the next answer is the mock's valid JSON again:
// what a test of a caller's repair turn scripts.
func TestScriptedContent(t *testing.T) {
	const broken = `{"answer": "half`
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			c := m.Client()
			req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("reply in JSON")},
				ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}}

			m.Enqueue(harbortest.Fault{Content: broken})
			res, err := c.Chat.Completions.Create(ctxT(t), req)
			require.NoError(t, err)
			assert.Equal(t, broken, res.Choices[0].Message.Content)
			res, err = c.Chat.Completions.Create(ctxT(t), req)
			require.NoError(t, err)
			assert.True(t, json.Valid([]byte(res.Choices[0].Message.Content)), "the repair turn gets JSON: %q", res.Choices[0].Message.Content)

			m.Enqueue(harbortest.Fault{Content: broken})
			text, _ := streamText(t, c, req)
			assert.Equal(t, broken, text)
			text, _ = streamText(t, c, req)
			assert.True(t, json.Valid([]byte(text)), "streamed JSON: %q", text)
		})
	}
}

// Reset forgets requests and pending faults.
func TestReset(t *testing.T) {
	m := harbortest.Start(t, harbortest.OpenAI)
	c := newClient(t, m, harbor.WithMaxRetries(0))
	_, err := c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
	require.NoError(t, err)
	m.Enqueue(harbortest.Unauthorized())
	m.Reset()
	assert.Empty(t, m.Requests())
	_, err = c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
	require.NoError(t, err, "the pending fault was dropped")
	assert.Len(t, m.Requests(), 1)
}

// Mock configs are honoured, with empty credentials filled in and given
// ones kept.
func TestConfigOptions(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek, harbortest.WithDeepSeekConfig(mockvendor.DeepSeekConfig{
		APIKey: "sk-mine", Latency: 30 * time.Millisecond,
	}))
	assert.Equal(t, "sk-mine", m.APIKey())
	start := time.Now()
	_, err := m.Client().Chat.Completions.Create(ctxT(t), hi(m.Model()))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "the config's latency applies")
	assert.Equal(t, "Bearer sk-mine", m.ChatRequests()[0].Header.Get("Authorization"))

	ark := harbortest.Start(t, harbortest.Doubao, harbortest.WithArkConfig(mockvendor.ArkConfig{
		Endpoints: map[string]string{"ep-20991231000000-kit": "doubao-1-5-pro-32k-250115"},
	}))
	assert.NotEmpty(t, ark.APIKey())
	res, err := ark.Client().Chat.Completions.Create(ctxT(t), hi("ep-20991231000000-kit"))
	require.NoError(t, err)
	assert.Equal(t, "doubao-1-5-pro-32k-250115", res.Model)

	wx := harbortest.Start(t, harbortest.Wenxin, harbortest.WithQianfanV1Config(mockvendor.QianfanV1Config{SecretKey: "my-secret"}))
	assert.Equal(t, "my-secret", wx.SecretKey())
	assert.NotEmpty(t, wx.APIKey())
	_, err = wx.Client().Chat.Completions.Create(ctxT(t), hi(wx.Model()))
	require.NoError(t, err)

	qf := harbortest.Start(t, harbortest.Qianfan, harbortest.WithQianfanV2Config(mockvendor.QianfanV2Config{AppID: "my-app"}))
	assert.Equal(t, "my-app", qf.AppID())
	_, err = qf.Client().Chat.Completions.Create(ctxT(t), hi(qf.Model()))
	require.NoError(t, err)

	oa := harbortest.Start(t, harbortest.OpenAI, harbortest.WithOpenAIConfig(mockvendor.OpenAIConfig{Models: []string{"gpt-4o-mini"}}))
	_, err = oa.Client().Chat.Completions.Create(ctxT(t), hi("gpt-4.1"))
	assert.True(t, errors.Is(err, harbor.ErrNotFound), "the config's model list applies: %v", err)
}

// fakeTB records Fatalf instead of stopping the goroutine, so Start's
// failure path can be observed.
type fakeTB struct {
	testing.TB
	fatal    string
	cleanups []func()
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name string
		v    harbortest.Vendor
		opts []harbortest.Option
		want string
	}{
		{"unknown vendor", "anthropic", nil, `unknown vendor "anthropic"`},
		{"another vendor's config", harbortest.DeepSeek, []harbortest.Option{harbortest.WithArkConfig(mockvendor.ArkConfig{})},
			"a doubao mock config was given for a deepseek mock"},
		{"bad address", harbortest.OpenAI, []harbortest.Option{harbortest.WithAddr("127.0.0.1:99999")}, "starting the openai mock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := harbortest.New(tt.v, tt.opts...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)

			tb := &fakeTB{}
			assert.Nil(t, harbortest.Start(tb, tt.v, tt.opts...))
			assert.Contains(t, tb.fatal, tt.want)
			assert.Empty(t, tb.cleanups, "nothing to clean up when nothing started")
		})
	}
}

// Start closes the mock, and Client's client with it, at cleanup; NewClient's
// clients are closed at cleanup too, and bad options are its error.
func TestStartCleanupAndNewClient(t *testing.T) {
	tb := &fakeTB{}
	m := harbortest.Start(tb, harbortest.DeepSeek)
	require.NotNil(t, m)
	require.Len(t, tb.cleanups, 1)

	c := m.Client()
	assert.Same(t, c, m.Client())
	assert.Len(t, tb.cleanups, 1, "Client's client is closed with the mock")
	_, err := m.NewClient(harbor.WithMaxRetries(-1))
	assert.ErrorContains(t, err, "MaxRetries")
	assert.Len(t, tb.cleanups, 1, "no client, nothing to clean up")
	fresh, err := m.NewClient(harbor.WithMaxRetries(0))
	require.NoError(t, err)
	assert.Len(t, tb.cleanups, 2, "NewClient's client is closed at cleanup")
	for _, cl := range []*harbor.Client{c, fresh} {
		_, err = cl.Chat.Completions.Create(ctxT(t), hi(m.Model()))
		require.NoError(t, err)
	}
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
	assert.Empty(t, tb.fatal)
	_, err = c.Chat.Completions.Create(ctxT(t), hi(m.Model()))
	assert.True(t, errors.Is(err, harbor.ErrConnection), "the mock is closed: %v", err)
	assert.NoError(t, m.Close(), "Close is idempotent")
}

func TestNewClientReportsBadOptions(t *testing.T) {
	m, err := harbortest.New(harbortest.Qianfan)
	require.NoError(t, err)
	defer m.Close()
	_, err = m.NewClient(harbor.WithRetryWait(time.Second, time.Millisecond))
	assert.Error(t, err)
	assert.Same(t, m.Client(), m.Client(), "a Mock from New has one Client too")
}

// Client is one client per mock, so its Stats see what other code did with it:
// here a retry after a scripted 429. NewClient's are separate, fresh ones.
func TestClientIsOnePerMock(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			m.Enqueue(harbortest.RateLimited(""))
			_, err := m.Client().Chat.Completions.Create(ctxT(t), hi(m.Model()))
			require.NoError(t, err)
			assert.Len(t, m.ChatRequests(), 2, "the 429, then the retry")
			st := m.Client().Stats()
			assert.EqualValues(t, 1, st.Requests, "m.Client() is the client that made the call")
			assert.EqualValues(t, 1, st.Retries, "m.Client().Stats() counts the retry")

			fresh := newClient(t, m)
			assert.NotSame(t, m.Client(), fresh)
			assert.Equal(t, harbor.Stats{}, fresh.Stats(), "NewClient's client starts from zero")
		})
	}
}

// newClient is m.NewClient that fails the test on an error.
func newClient(t *testing.T, m *harbortest.Mock, opts ...harbor.Option) *harbor.Client {
	t.Helper()
	c, err := m.NewClient(opts...)
	require.NoError(t, err)
	return c
}

func TestUnderlyingMocks(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			got := map[string]bool{
				"deepseek":  m.DeepSeekMock() != nil,
				"doubao":    m.ArkMock() != nil,
				"wenxin":    m.QianfanV1Mock() != nil,
				"qianfan":   m.QianfanV2Mock() != nil,
				"openai":    m.OpenAIMock() != nil,
				"handler":   m.Handler() != nil,
				"secret":    m.SecretKey() != "",
				"appid":     m.AppID() != "",
				"has model": m.Model() != "",
			}
			want := map[string]bool{"deepseek": v == harbortest.DeepSeek, "doubao": v == harbortest.Doubao,
				"wenxin": v == harbortest.Wenxin, "qianfan": v == harbortest.Qianfan, "openai": v == harbortest.OpenAI,
				"handler": true, "secret": v == harbortest.Wenxin, "appid": v == harbortest.Qianfan, "has model": true}
			assert.Equal(t, want, got)
		})
	}

	wx := harbortest.Start(t, harbortest.Wenxin)
	c := wx.Client()
	for range 3 {
		_, err := c.Chat.Completions.Create(ctxT(t), hi(wx.Model()))
		require.NoError(t, err)
	}
	assert.Equal(t, 1, wx.QianfanV1Mock().TokenFetches(), "one token serves every call")
	wx.QianfanV1Mock().ExpireTokens()
	_, err := c.Chat.Completions.Create(ctxT(t), hi(wx.Model()))
	require.NoError(t, err, "harbor refreshes an expired token")
	assert.Equal(t, 2, wx.QianfanV1Mock().TokenFetches())
	assert.Len(t, wx.ChatRequests(), 5, "3 calls, then the expired attempt and its retry")
	assert.Len(t, wx.Requests(), 7, "the chat requests and two token fetches")
}

// errorTB records Errorf instead of failing, so a test can see the kit fail
// another test.
type errorTB struct {
	testing.TB
	errs []string
}

func (e *errorTB) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// Start's clients check traffic against the vendor's spec: a request the
// real DeepSeek would reject (temperature above its maximum of 2, slipped in
// through ExtraBody) fails the test even though the mock is lenient about it.
func TestSpecCheckFailsOffSpecTraffic(t *testing.T) {
	rec := &errorTB{TB: t}
	m := harbortest.Start(rec, harbortest.DeepSeek)
	req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("hi")},
		ExtraBody: map[string]any{"temperature": 5}}
	_, _ = m.Client().Chat.Completions.Create(ctxT(t), req)
	require.Len(t, rec.errs, 1, "%v", rec.errs)
	assert.Contains(t, rec.errs[0], `deepseek spec: POST /chat/completions: request: at "/temperature": number must be at most 2`)
	assert.Contains(t, rec.errs[0], "WithoutSpecCheck")

	quiet := &errorTB{TB: t}
	m = harbortest.Start(quiet, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
	_, _ = m.Client().Chat.Completions.Create(ctxT(t), req)
	assert.Empty(t, quiet.errs)

	// A valid exchange is quiet.
	ok := &errorTB{TB: t}
	m = harbortest.Start(ok, harbortest.DeepSeek)
	req.ExtraBody = nil
	_, err := m.Client().Chat.Completions.Create(ctxT(t), req)
	require.NoError(t, err)
	assert.Empty(t, ok.errs)
}
