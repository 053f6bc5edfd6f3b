package wenxin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func TestNew(t *testing.T) {
	t.Run("no credentials", func(t *testing.T) {
		for _, cfg := range []llm.Config{
			{Getenv: func(string) string { return "" }},
			{APIKey: testKey, Getenv: func(string) string { return "" }},
			{SecretKey: testSecret, Getenv: func(string) string { return "" }},
		} {
			_, err := New(cfg)
			require.ErrorIs(t, err, llm.ErrNoCredentials)
			assert.Contains(t, err.Error(), EnvAPIKey)
			assert.Contains(t, err.Error(), EnvSecretKey)
			assert.Contains(t, err.Error(), `harbor.WithAPIKey("wenxin", key)`)
			assert.NotContains(t, err.Error(), testKey)
			assert.NotContains(t, err.Error(), testSecret)
		}
	})
	t.Run("environment, and no I/O", func(t *testing.T) {
		v := newFakeVendor(t)
		env := map[string]string{EnvAPIKey: testKey, EnvSecretKey: testSecret, EnvBaseURL: v.URL}
		p, err := New(llm.Config{Getenv: func(k string) string { return env[k] }})
		require.NoError(t, err)
		assert.Equal(t, Name, p.Name())
		assert.Zero(t, v.tokenHits.Load(), "New must not fetch a token")
		_, err = p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
		require.NoError(t, err)
		assert.EqualValues(t, 1, v.tokenHits.Load())
	})
	t.Run("bad base URL and penalty score", func(t *testing.T) {
		cfg := config("ftp://x")
		_, err := New(cfg)
		require.ErrorIs(t, err, llm.ErrInvalidRequest)
		cfg = config("https://x")
		cfg.Options = Options{PenaltyScore: 3}
		_, err = New(cfg)
		require.ErrorIs(t, err, llm.ErrInvalidRequest)
	})
}

func TestChatResponse(t *testing.T) {
	tests := []struct {
		name   string
		header map[string]string
		body   string
		check  func(t *testing.T, c *llm.ChatCompletion)
	}{
		{name: "plain answer (vendors.md capture)",
			header: map[string]string{"X-Baidu-Request-Id": "req-123"},
			body:   `{"id":"as-bcmt5ct4id","object":"chat.completion","created":1680167072,"result":"北京是…","is_truncated":false,"need_clear_history":false,"finish_reason":"normal","flag":0,"usage":{"prompt_tokens":7,"completion_tokens":67,"total_tokens":74}}`,
			check: func(t *testing.T, c *llm.ChatCompletion) {
				assert.Equal(t, "as-bcmt5ct4id", c.ID)
				assert.Equal(t, "chat.completion", c.Object)
				assert.EqualValues(t, 1680167072, c.Created)
				assert.Equal(t, "ernie-4.0-8k", c.Model, "the vendor sends no model: the requested one is reported")
				require.Len(t, c.Choices, 1)
				assert.Equal(t, llm.RoleAssistant, c.Choices[0].Message.Role)
				assert.Equal(t, "北京是…", c.Choices[0].Message.Content)
				assert.Equal(t, llm.FinishReasonStop, c.Choices[0].FinishReason, `"normal" is "stop"`)
				assert.Equal(t, llm.Usage{PromptTokens: 7, CompletionTokens: 67, TotalTokens: 74}, c.Usage)
				assert.Equal(t, "req-123", c.RequestID)
				assert.Equal(t, Name, c.Provider)
			}},
		{name: "request id falls back to the body id",
			body: `{"id":"as-abc","result":"x","finish_reason":"length","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
			check: func(t *testing.T, c *llm.ChatCompletion) {
				assert.Equal(t, "as-abc", c.RequestID)
				assert.Equal(t, llm.FinishReasonLength, c.Choices[0].FinishReason)
			}},
		{name: "function_call becomes a tool call with a stable id",
			body: `{"id":"as-fc1","object":"chat.completion","created":1,"result":"","finish_reason":"function_call","function_call":{"name":"get_weather","arguments":"{\"city\":\"北京\"}","thoughts":"用户想知道天气"},"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`,
			check: func(t *testing.T, c *llm.ChatCompletion) {
				m := c.Choices[0].Message
				require.Len(t, m.ToolCalls, 1)
				assert.Equal(t, llm.ToolCall{ID: "call_as-fc1", Type: "function", Function: llm.FunctionCall{Name: "get_weather", Arguments: `{"city":"北京"}`}}, m.ToolCalls[0])
				assert.Equal(t, "用户想知道天气", m.ReasoningContent)
				assert.Equal(t, llm.FinishReasonToolCalls, c.Choices[0].FinishReason)
			}},
		{name: "search results",
			body: `{"id":"as-s","result":"x","finish_reason":"normal","search_info":{"search_results":[{"index":1,"url":"https://a","title":"A"},{"index":2,"url":"https://b","title":"B"}]}}`,
			check: func(t *testing.T, c *llm.ChatCompletion) {
				assert.Equal(t, []llm.SearchResult{{Index: 1, URL: "https://a", Title: "A"}, {Index: 2, URL: "https://b", Title: "B"}}, c.SearchResults)
			}},
		{name: "need_clear_history is a content filter",
			body: `{"id":"as-c","result":"换个话题吧","need_clear_history":true,"ban_round":-1,"finish_reason":"normal","flag":1}`,
			check: func(t *testing.T, c *llm.ChatCompletion) {
				assert.Equal(t, llm.FinishReasonContentFilter, c.Choices[0].FinishReason)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t)
			v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) {
				for k, val := range tt.header {
					w.Header().Set(k, val)
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tt.body)
			}
			p := newProvider(t, config(v.URL))
			c, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestChatWire(t *testing.T) {
	v := newFakeVendor(t)
	cfg := config(v.URL + "/")
	cfg.Options = Options{Endpoints: map[string]string{"my-bot": "xyz_custom"}}
	p := newProvider(t, cfg)
	call := &llm.CallOptions{Header: http.Header{"X-Trace": {"t1"}}}
	_, err := p.Chat(context.Background(), userReq("ERNIE-Speed-8K"), call)
	require.NoError(t, err)
	_, err = p.Chat(context.Background(), userReq("my-bot"), nil)
	require.NoError(t, err)
	assert.Equal(t, "ernie_speed", v.path(0))
	assert.Equal(t, "xyz_custom", v.path(1))
	assert.Equal(t, []string{"24.tok-1", "24.tok-1"}, v.chatTokens(), "the token rides in the query and is cached across calls")
	v.mu.Lock()
	assert.Equal(t, "t1", v.hdrs[0].Get("X-Trace"), "per-call headers are sent")
	assert.Equal(t, "application/json", v.hdrs[0].Get("Content-Type"))
	v.mu.Unlock()
	_, hasModel := v.body(0)["model"]
	assert.False(t, hasModel, "Wenxin's body has no model field")
	assert.EqualValues(t, 1, v.tokenHits.Load())
}

func TestTokenCachedUntilNearExpiry(t *testing.T) {
	v := newFakeVendor(t)
	v.token = func(n int64, w http.ResponseWriter, _ *http.Request) { grant(w, fmt.Sprintf("24.tok-%d", n), 1000) }
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	cfg := config(v.URL)
	cfg.Options = Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	p := newProvider(t, cfg)
	ctx := context.Background()

	for range 3 {
		_, err := p.Chat(ctx, userReq("ernie-4.0-8k"), nil)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, v.tokenHits.Load(), "one token for many calls")
	advance(899 * time.Second) // 90% of 1000s is the refresh point
	_, err := p.Chat(ctx, userReq("ernie-4.0-8k"), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 1, v.tokenHits.Load())
	advance(time.Second)
	_, err = p.Chat(ctx, userReq("ernie-4.0-8k"), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, v.tokenHits.Load(), "refreshed at 90% of the lifetime")
	assert.Equal(t, []string{"24.tok-1", "24.tok-1", "24.tok-1", "24.tok-1", "24.tok-2"}, v.chatTokens())

	assert.Equal(t, 27*24*time.Hour, cacheFor(30*24*time.Hour), "a 30-day token is used for 27 days")
	assert.Equal(t, cacheFor(30*24*time.Hour), cacheFor(0), "a grant without expires_in is taken as 30 days")
}

// 100 goroutines making their first call at once cause exactly one token fetch:
// the token endpoint holds the first fetch until the other 99 callers are counted
// parked behind it, so the test fails if any of them fetches for itself.
func TestConcurrentFirstCallsFetchOneToken(t *testing.T) {
	const n = 100
	v := newFakeVendor(t)
	release := make(chan struct{})
	fetching := make(chan int64, n)
	v.token = func(k int64, w http.ResponseWriter, _ *http.Request) {
		fetching <- k
		<-release // hold the fetch until every other caller waits for it
		grant(w, fmt.Sprintf("24.tok-%d", k), 2592000)
	}
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // a failing test must not hang
	p := newProvider(t, config(v.URL))
	parked := make(chan int, n)
	p.tokens.parked = func(waiting int) { parked <- waiting }
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			errs <- err
		}()
	}
	require.EqualValues(t, 1, <-fetching)
	for waiting := 0; waiting < n-1; {
		select {
		case waiting = <-parked:
		case k := <-fetching:
			t.Fatalf("token fetch %d while %d callers waited for the first: no single flight", k, waiting)
		case <-time.After(10 * time.Second): // only a broken test gets here
			t.Fatalf("%d of %d callers parked behind the first fetch", waiting, n-1)
		}
	}
	once.Do(func() { close(release) })
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, v.tokenHits.Load())
	assert.EqualValues(t, n, v.chatHits.Load())
	for _, tok := range v.chatTokens() {
		assert.Equal(t, "24.tok-1", tok)
	}
}

// A waiter whose leader gave up (its ctx ended) fetches for itself instead of
// inheriting the leader's cancellation. The leader is cancelled only once the
// waiter is counted parked behind its fetch.
func TestTokenFetchLeaderCancelled(t *testing.T) {
	v := newFakeVendor(t)
	block := make(chan struct{})
	fetching := make(chan int64, 2)
	v.token = func(k int64, w http.ResponseWriter, r *http.Request) {
		fetching <- k
		if k == 1 {
			select {
			case <-block:
			case <-r.Context().Done():
			}
			return
		}
		grant(w, fmt.Sprintf("24.tok-%d", k), 2592000)
	}
	defer close(block)
	p := newProvider(t, config(v.URL))
	parked := make(chan int, 1)
	p.tokens.parked = func(waiting int) { parked <- waiting }
	ctx, cancel := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() { _, err := p.Chat(ctx, userReq("ernie-4.0-8k"), nil); leaderDone <- err }()
	require.EqualValues(t, 1, <-fetching)
	waiterDone := make(chan error, 1)
	go func() { _, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil); waiterDone <- err }()
	select {
	case waiting := <-parked:
		require.Equal(t, 1, waiting)
	case k := <-fetching:
		t.Fatalf("token fetch %d while the first was in flight: the waiter did not wait", k)
	case <-time.After(10 * time.Second): // only a broken test gets here
		t.Fatal("the second caller never parked behind the first fetch")
	}
	cancel()
	require.ErrorIs(t, <-leaderDone, context.Canceled)
	require.NoError(t, <-waiterDone, "the leader's cancellation is not the waiter's")
	require.EqualValues(t, 2, <-fetching, "the waiter fetched for itself")
	assert.EqualValues(t, 2, v.tokenHits.Load())
}

// Error 110/111: the token is dropped, a new one fetched, the call sent once more.
func TestTokenRefreshOnTokenErrors(t *testing.T) {
	for _, code := range []int{110, 111} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Run("one refresh, one retry", func(t *testing.T) {
				v := newFakeVendor(t)
				v.chat = func(_ int64, tok string, w http.ResponseWriter, _ *http.Request) {
					if tok == "24.tok-1" {
						errorCode(w, code, "Access token invalid or no longer valid")
						return
					}
					answer(w, "ok")
				}
				p := newProvider(t, config(v.URL))
				c, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
				require.NoError(t, err)
				assert.Equal(t, "ok", c.Choices[0].Message.Content)
				assert.EqualValues(t, 2, v.tokenHits.Load())
				assert.Equal(t, []string{"24.tok-1", "24.tok-2"}, v.chatTokens())
			})
			t.Run("still failing: one retry only, then an auth error", func(t *testing.T) {
				v := newFakeVendor(t)
				v.chat = func(_ int64, tok string, w http.ResponseWriter, _ *http.Request) {
					errorCode(w, code, "Access token expired: "+tok)
				}
				p := newProvider(t, config(v.URL))
				_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
				require.ErrorIs(t, err, llm.ErrAuthentication)
				var le *llm.Error
				require.ErrorAs(t, err, &le)
				assert.Equal(t, fmt.Sprint(code), le.Code)
				assert.False(t, le.Transient)
				noLeak(t, err, "24.tok-1", "24.tok-2")
				assert.EqualValues(t, 2, v.tokenHits.Load())
				assert.EqualValues(t, 2, v.chatHits.Load())
			})
			t.Run("streams too", func(t *testing.T) {
				v := newFakeVendor(t)
				v.chat = func(_ int64, tok string, w http.ResponseWriter, _ *http.Request) {
					if tok == "24.tok-1" {
						errorCode(w, code, "Access token invalid or no longer valid")
						return
					}
					sse(w, `{"id":"as-1","object":"chat.completion","created":1,"sentence_id":0,"is_end":true,"result":"ok","finish_reason":"normal","usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
				}
				p := newProvider(t, config(v.URL))
				chunks, err := drain(t, p, userReq("ernie-4.0-8k"))
				require.NoError(t, err)
				require.Len(t, chunks, 1)
				assert.Equal(t, "ok", chunks[0].Choices[0].Delta.Content)
				assert.EqualValues(t, 2, v.tokenHits.Load())
			})
		})
	}
}

// 100 calls failing together with the same expired token cause one refresh.
func TestConcurrentTokenFailuresRefreshOnce(t *testing.T) {
	v := newFakeVendor(t)
	var expired atomic.Bool
	var failing sync.WaitGroup
	var arrivals atomic.Int64
	const n = 100
	v.chat = func(_ int64, tok string, w http.ResponseWriter, _ *http.Request) {
		if expired.Load() && tok == "24.tok-1" {
			if arrivals.Add(1) <= n {
				failing.Done()
				failing.Wait() // every call holds the old token before any refresh happens
			}
			errorCode(w, 111, "Access token expired")
			return
		}
		answer(w, "ok")
	}
	p := newProvider(t, config(v.URL))
	_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
	require.NoError(t, err)
	expired.Store(true)
	failing.Add(n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 2, v.tokenHits.Load(), "one initial fetch, one refresh")
	assert.EqualValues(t, 1+2*n, v.chatHits.Load())
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(url string) llm.Config
		token   func(n int64, w http.ResponseWriter, r *http.Request)
		kind    error
		code    string
		message string
	}{
		{name: "unknown client id",
			cfg:  func(u string) llm.Config { c := config(u); c.APIKey = "AKwrongkey0000000000"; return c },
			kind: llm.ErrAuthentication, code: "invalid_client", message: "unknown client id"},
		{name: "bad secret",
			cfg:  func(u string) llm.Config { c := config(u); c.SecretKey = "SKwrongsecret00000000"; return c },
			kind: llm.ErrAuthentication, code: "invalid_client", message: "Client authentication failed"},
		{name: "OAuth error with HTTP 200, echoing the secret",
			token: func(_ int64, w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, r.URL.Query().Get("client_secret"))
			},
			kind: llm.ErrAuthentication, code: "invalid_client", message: "bad secret [redacted]"},
		{name: "server error", token: func(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) },
			kind: llm.ErrServer},
		{name: "200 without a token", token: func(_ int64, w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"expires_in":5}`) },
			kind: llm.ErrBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newFakeVendor(t)
			v.token = tt.token
			cfg := config(v.URL)
			if tt.cfg != nil {
				cfg = tt.cfg(v.URL)
			}
			p := newProvider(t, cfg)
			_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			require.ErrorIs(t, err, tt.kind)
			var le *llm.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tt.code, le.Code)
			assert.Contains(t, le.Message, tt.message)
			noLeak(t, err)
			for _, s := range []string{cfg.APIKey, cfg.SecretKey, "25.refresh"} {
				assert.NotContains(t, err.Error(), s)
			}
			assert.Zero(t, v.chatHits.Load(), "no chat call without a token")
			// Failures are not cached: the next call asks again.
			_, _ = p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			assert.EqualValues(t, 2, v.tokenHits.Load())
		})
	}
}

// HTTP-200 error bodies become typed errors (vendors.md §3 table).
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		code      int
		kind      error
		transient bool
	}{
		{1, llm.ErrServer, false},
		{2, llm.ErrServer, true},
		{4, llm.ErrRateLimited, false},
		{6, llm.ErrPermission, false},
		{15, llm.ErrServer, true},
		{17, llm.ErrRateLimited, false},
		{18, llm.ErrRateLimited, true},
		{19, llm.ErrRateLimited, false},
		{100, llm.ErrInvalidRequest, false},
		{336000, llm.ErrServer, false},
		{336001, llm.ErrInvalidRequest, false},
		{336002, llm.ErrInvalidRequest, false},
		{336003, llm.ErrInvalidRequest, false},
		{336004, llm.ErrPermission, false},
		{336005, llm.ErrNotFound, false},
		{336100, llm.ErrServer, true},
		{336104, llm.ErrInvalidRequest, false},
		{336501, llm.ErrRateLimited, true},
		{336502, llm.ErrRateLimited, true},
		{999999, llm.ErrServer, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			v := newFakeVendor(t)
			v.chat = func(_ int64, tok string, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Baidu-Request-Id", "rid-9")
				errorCode(w, tt.code, "something about "+tok)
			}
			p := newProvider(t, config(v.URL))
			for _, stream := range []bool{false, true} {
				var err error
				if stream {
					_, err = p.ChatStream(context.Background(), userReq("ernie-4.0-8k"), nil)
				} else {
					_, err = p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
				}
				require.ErrorIs(t, err, tt.kind)
				var le *llm.Error
				require.ErrorAs(t, err, &le)
				assert.Equal(t, fmt.Sprint(tt.code), le.Code)
				assert.Equal(t, tt.transient, le.Transient)
				assert.Equal(t, "rid-9", le.RequestID)
				assert.Equal(t, "something about [redacted]", le.Message)
				noLeak(t, err, "24.tok-1")
			}
		})
	}
}

func TestIAMErrors(t *testing.T) {
	tests := []struct {
		status int
		kind   error
	}{{401, llm.ErrAuthentication}, {403, llm.ErrPermission}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			v := newFakeVendor(t)
			v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Bce-Error-Code", "IamSignatureInvalid")
				w.Header().Set("X-Bce-Error-Message", "signature does not match")
				w.WriteHeader(tt.status)
			}
			p := newProvider(t, config(v.URL))
			_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			require.ErrorIs(t, err, tt.kind)
			var le *llm.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, tt.status, le.StatusCode)
			assert.Equal(t, "IamSignatureInvalid", le.Code)
			assert.Equal(t, "signature does not match", le.Message)
			noLeak(t, err, "24.tok-1")
		})
	}
	t.Run("non-200 with an error_code body", func(t *testing.T) {
		v := newFakeVendor(t)
		v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(503)
			fmt.Fprint(w, `{"error_code":336100,"error_msg":"Server high load"}`)
		}
		p := newProvider(t, config(v.URL))
		_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
		require.ErrorIs(t, err, llm.ErrServer)
		var le *llm.Error
		require.ErrorAs(t, err, &le)
		assert.Equal(t, "336100", le.Code)
		assert.Equal(t, "Server high load", le.Message)
		assert.True(t, le.Transient)
	})
}

// The provider's retry rule (Descriptor.Retry, which harbor builds into the Doer it
// hands the provider) calls the transient error_code answers retryable, puts the
// body back for the caller, and leaves everything else to the status policy
// without reading event streams. TestMockRetryableCodes runs it through harbor.
func TestRetryRule(t *testing.T) {
	rule := Descriptor().Retry
	require.NotNil(t, rule)
	ok := func(body, contentType string) *http.Response {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {contentType}},
			Body: io.NopCloser(strings.NewReader(body))}
	}
	for _, code := range []int{2, 15, 18, 336100, 336501, 336502} {
		body := fmt.Sprintf(`{"error_code":%d,"error_msg":"busy"}`, code)
		resp := ok(body, "application/json; charset=utf-8")
		assert.Equal(t, llm.RetryNow, rule(resp), code)
		got, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, body, string(got), "%d: the body is put back", code)
	}
	for name, resp := range map[string]*http.Response{
		"final code": ok(`{"error_code":336003,"error_msg":"messages length must be odd"}`, "application/json"),
		"an answer":  ok(`{"id":"as-1","result":"hi"}`, "application/json"),
		"a stream":   ok(`data: {"error_code":18}`+"\n\n", "text/event-stream"),
		"a 500":      {StatusCode: 500, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"error_code":18}`))},
	} {
		assert.Equal(t, llm.RetryByPolicy, rule(resp), name)
	}
	stream := ok(`data: {"error_code":18}`+"\n\n", "text/event-stream")
	rule(stream)
	_, peeked := stream.Body.(interface{ Whole() ([]byte, bool) })
	assert.False(t, peeked, "an event stream is not read by the rule")
}

// A transport failure prints the URL, which carries the access token (chat) or the
// key pair (token endpoint): none of them may reach the error.
func TestTransportErrorsAreRedacted(t *testing.T) {
	t.Run("token endpoint unreachable", func(t *testing.T) {
		// Port 1: nothing listens there (a port freed by closing a listener can
		// be taken by another test's server first).
		p := newProvider(t, config("http://127.0.0.1:1"))
		_, err := p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
		require.ErrorIs(t, err, llm.ErrConnection)
		noLeak(t, err)
		assert.Contains(t, err.Error(), "client_secret=[redacted]")
	})
	t.Run("chat connection reset", func(t *testing.T) {
		v := newFakeVendor(t)
		v.token = func(_ int64, w http.ResponseWriter, _ *http.Request) { grant(w, "24.secret-token-value", 2592000) }
		v.chat = func(_ int64, _ string, w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}
		p := newProvider(t, config(v.URL))
		for _, stream := range []bool{false, true} {
			var err error
			if stream {
				_, err = p.ChatStream(context.Background(), userReq("ernie-4.0-8k"), nil)
			} else {
				_, err = p.Chat(context.Background(), userReq("ernie-4.0-8k"), nil)
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "access_token=[redacted]", "the URL is still useful, minus the token")
			noLeak(t, err, "24.secret-token-value")
		}
	})
	t.Run("deadline while waiting for the token", func(t *testing.T) {
		// In a synctest bubble, over a token endpoint that never answers: the call
		// ends exactly at the deadline, and the *url.Error net/http would return
		// (its URL carries the key pair) is redacted.
		synctest.Test(t, func(t *testing.T) {
			cfg := config("http://wenxin.invalid")
			cfg.HTTP = doerFunc(func(r *http.Request) (*http.Response, error) {
				<-r.Context().Done()
				return nil, &url.Error{Op: "Post", URL: r.URL.String(), Err: r.Context().Err()}
			})
			p := newProvider(t, cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := p.Chat(ctx, userReq("ernie-4.0-8k"), nil)
			require.ErrorIs(t, err, llm.ErrTimeout)
			assert.Equal(t, 50*time.Millisecond, time.Since(start))
			noLeak(t, err)
		})
	})
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
