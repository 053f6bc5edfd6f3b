package wenxin_test

// Tests against the conformance mock of Qianfan v1, through a real harbor.Client
// (so harbor's retrying Doer applies the provider's retry rule). External test package:
// mockvendor imports harbor, which will import this provider.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/wenxin"
)

const (
	mockKey    = "AKmockkey0123456789"
	mockSecret = "SKmocksecret0123456789"
)

func newMock(t *testing.T, cfg mockvendor.QianfanV1Config) (*mockvendor.QianfanV1, *harbor.Client) {
	t.Helper()
	cfg.APIKey, cfg.SecretKey = mockKey, mockSecret
	m := mockvendor.NewQianfanV1(cfg)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	c, err := harbor.New(
		harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithProvider(wenxin.Descriptor()),
		harbor.WithProviderConfig(wenxin.Name, harbor.ProviderConfig{APIKey: mockKey, SecretKey: mockSecret, BaseURL: srv.URL}),
		harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond),
	)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return m, c
}

func ask(model string, msgs ...llm.Message) *harbor.ChatRequest {
	if len(msgs) == 0 {
		msgs = []llm.Message{llm.UserMessage("hello there")}
	}
	return &harbor.ChatRequest{Model: model, Messages: msgs}
}

func TestMockChat(t *testing.T) {
	m, c := newMock(t, mockvendor.QianfanV1Config{})
	ctx := context.Background()
	for _, model := range []string{"ERNIE-4.0-8K", "wenxin/ernie-4.0-8k", "wenxin/ernie-speed-128k", "ERNIE-Lite-8K-0922"} {
		req := ask(model, llm.SystemMessage("be brief"), llm.UserMessage("hello there"))
		req.Temperature = llm.Some(0.0) // rejected by the vendor as is; sent as ZeroTemperature
		req.MaxTokens = llm.Some(100)
		res, err := c.Chat.Completions.Create(ctx, req)
		require.NoError(t, err, model)
		require.Len(t, res.Choices, 1)
		assert.NotEmpty(t, res.Choices[0].Message.Content)
		assert.Equal(t, llm.FinishReasonStop, res.Choices[0].FinishReason)
		assert.NotEmpty(t, res.RequestID)
		assert.Positive(t, res.Usage.TotalTokens)
		assert.Equal(t, wenxin.Name, res.Provider)
	}
	assert.Equal(t, 1, m.TokenFetches(), "one token for every call")
}

// 100 first calls through a harbor Client cost one token fetch. In a synctest
// bubble, over an in-memory transport, the mock's token endpoint is held until
// every caller is blocked (synctest.Wait): by then exactly one of them may have
// reached it, the other 99 waiting for its answer.
func TestMockConcurrentFirstCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n = 100
		m := mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: mockKey, SecretKey: mockSecret})
		release := make(chan struct{})
		var once sync.Once
		open := func() { once.Do(func() { close(release) }) }
		defer open() // a failing test must not leave the callers blocked
		var reached atomic.Int64
		inMemory := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Path == "/oauth/2.0/token" {
				reached.Add(1)
				<-release
			}
			rec := httptest.NewRecorder()
			in := r.Clone(r.Context()) // as a server sees it: a body, maybe empty
			if in.Body == nil {
				in.Body = http.NoBody
			}
			m.ServeHTTP(rec, in)
			resp := rec.Result()
			resp.Request = r
			return resp, nil
		})
		c := harbor.Must(harbor.New(
			harbor.WithGetenv(func(string) string { return "" }),
			harbor.WithProvider(wenxin.Descriptor()),
			harbor.WithProviderConfig(wenxin.Name, harbor.ProviderConfig{APIKey: mockKey, SecretKey: mockSecret, BaseURL: "http://qianfan.invalid"}),
			harbor.WithTransport(inMemory),
		))
		defer c.Close()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.Chat.Completions.Create(context.Background(), ask("ERNIE-3.5-8K"))
				errs <- err
			}()
		}
		synctest.Wait()
		require.EqualValues(t, 1, reached.Load(), "callers at the token endpoint while all %d were blocked", n)
		open()
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, 1, m.TokenFetches())
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMockTokenExpiry(t *testing.T) {
	m, c := newMock(t, mockvendor.QianfanV1Config{})
	ctx := context.Background()
	_, err := c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.NoError(t, err)
	m.ExpireTokens()
	_, err = c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.NoError(t, err, "111 -> refresh -> retry")
	assert.Equal(t, 2, m.TokenFetches())

	m.Enqueue(mockvendor.QianfanV1TokenInvalid())
	_, err = c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.NoError(t, err, "110 -> refresh -> retry")
	assert.Equal(t, 3, m.TokenFetches())

	m.Enqueue(mockvendor.QianfanV1TokenExpired(), mockvendor.QianfanV1TokenExpired())
	_, err = c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.ErrorIs(t, err, llm.ErrAuthentication, "only one refresh per call")
	assert.Equal(t, 4, m.TokenFetches())
}

// Retryable HTTP-200 error codes are retried by harbor's own retry policy.
func TestMockRetryableCodes(t *testing.T) {
	m, c := newMock(t, mockvendor.QianfanV1Config{})
	ctx := context.Background()
	_, err := c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K")) // fetch the token
	require.NoError(t, err)
	m.Reset()
	m.Enqueue(mockvendor.QianfanV1RateLimited(), mockvendor.QianfanV1QPSLimit())
	res, err := c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.NoError(t, err)
	assert.NotEmpty(t, res.Choices[0].Message.Content)
	assert.Len(t, m.Requests(), 3, "two retried 200s, then the answer")

	m.Reset()
	m.Enqueue(mockvendor.QianfanV1TPMLimited())
	s, err := c.Chat.Completions.Stream(ctx, ask("ERNIE-4.0-8K"))
	require.NoError(t, err, "a stream that cannot start is retried too")
	for s.Next() {
	}
	require.NoError(t, s.Err())
	assert.Len(t, m.Requests(), 2)

	m.Reset()
	m.Enqueue(mockvendor.QianfanV1Error(336003))
	_, err = c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.ErrorIs(t, err, llm.ErrInvalidRequest)
	assert.Len(t, m.Requests(), 1, "not retried")

	// Out of attempts (harbor's default 2 retries): the last error comes back.
	m.Reset()
	m.Enqueue(mockvendor.QianfanV1RateLimited(), mockvendor.QianfanV1RateLimited(), mockvendor.QianfanV1RateLimited())
	_, err = c.Chat.Completions.Create(ctx, ask("ERNIE-4.0-8K"))
	require.ErrorIs(t, err, llm.ErrRateLimited)
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	assert.True(t, le.Transient)
	assert.Len(t, m.Requests(), 3)
	assert.EqualValues(t, 5, c.Stats().Retries, "2 + 1 + 0 + 2 retries, all counted by harbor")
}

func TestMockStream(t *testing.T) {
	_, c := newMock(t, mockvendor.QianfanV1Config{})
	ctx := context.Background()
	s, err := c.Chat.Completions.Stream(ctx, ask("wenxin/ernie-speed-8k"))
	require.NoError(t, err)
	var text, finish string
	n := 0
	for s.Next() {
		ch := s.Current()
		if n == 0 {
			assert.Equal(t, llm.RoleAssistant, ch.Choices[0].Delta.Role)
		}
		n++
		text += ch.Choices[0].Delta.Content
		if f := ch.Choices[0].FinishReason; f != "" {
			finish = f
		}
	}
	require.NoError(t, s.Err())
	assert.NotEmpty(t, text)
	assert.Equal(t, llm.FinishReasonStop, finish)
	require.NotNil(t, s.Usage())
	assert.Positive(t, s.Usage().CompletionTokens)
}

func TestMockStreamErrorEvent(t *testing.T) {
	m, c := newMock(t, mockvendor.QianfanV1Config{})
	m.Enqueue(mockvendor.QianfanV1StreamError(1))
	s, err := c.Chat.Completions.Stream(context.Background(), ask("ERNIE-4.0-8K"))
	require.NoError(t, err)
	for s.Next() {
	}
	require.ErrorIs(t, s.Err(), llm.ErrServer)
	var le *llm.Error
	require.True(t, errors.As(s.Err(), &le))
	assert.Equal(t, "336000", le.Code)
}

func TestMockIAMFailure(t *testing.T) {
	m, c := newMock(t, mockvendor.QianfanV1Config{})
	m.Enqueue(mockvendor.QianfanV1IAMUnauthorized())
	_, err := c.Chat.Completions.Create(context.Background(), ask("ERNIE-4.0-8K"))
	require.ErrorIs(t, err, llm.ErrAuthentication)
	var le *llm.Error
	require.True(t, errors.As(err, &le))
	assert.Equal(t, 401, le.StatusCode)
	assert.Equal(t, "IamSignatureInvalid", le.Code)
	assert.Equal(t, "Could not find credential", le.Message)
}

func TestMockBadCredentials(t *testing.T) {
	m := mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: mockKey, SecretKey: mockSecret})
	srv := httptest.NewServer(m)
	defer srv.Close()
	c := harbor.Must(harbor.New(harbor.WithGetenv(func(string) string { return "" }), harbor.WithProvider(wenxin.Descriptor()),
		harbor.WithProviderConfig(wenxin.Name, harbor.ProviderConfig{APIKey: mockKey, SecretKey: "SKwrong-secret-123456", BaseURL: srv.URL})))
	_, err := c.Chat.Completions.Create(context.Background(), ask("ERNIE-4.0-8K"))
	require.ErrorIs(t, err, llm.ErrAuthentication)
	assert.Contains(t, err.Error(), "Client authentication failed")
	assert.NotContains(t, err.Error(), "SKwrong-secret-123456")
	assert.NotContains(t, err.Error(), mockKey)
}

func TestMockToolRoundTrip(t *testing.T) {
	_, c := newMock(t, mockvendor.QianfanV1Config{})
	ctx := context.Background()
	tool := llm.FunctionTool("get_weather", "Weather of a city", map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}})
	req := ask("ERNIE-Function-8K", llm.UserMessage("weather in Beijing?"))
	req.Tools = []llm.Tool{tool}
	res, err := c.Chat.Completions.Create(ctx, req)
	require.NoError(t, err)
	msg := res.Choices[0].Message
	require.Len(t, msg.ToolCalls, 1)
	assert.Equal(t, llm.FinishReasonToolCalls, res.Choices[0].FinishReason)
	assert.Equal(t, "get_weather", msg.ToolCalls[0].Function.Name)

	follow := ask("ERNIE-Function-8K", llm.UserMessage("weather in Beijing?"), msg, llm.ToolMessage(msg.ToolCalls[0].ID, `{"temp":20}`))
	follow.Tools = []llm.Tool{tool}
	follow.ToolChoice = &llm.ToolChoice{Mode: llm.ToolChoiceNone}
	res, err = c.Chat.Completions.Create(ctx, follow)
	require.NoError(t, err, "the tool result goes back as a function turn")
	assert.NotEmpty(t, res.Choices[0].Message.Content)
}
