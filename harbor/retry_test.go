package harbor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

const okBody = `{"id":"1","object":"chat.completion","created":1,"model":"deepseek-v4-flash","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`

// vendor is an httptest server whose handler is scripted per attempt; it counts
// requests and new connections.
type vendor struct {
	*httptest.Server
	hits  atomic.Int64
	conns atomic.Int64
}

func newVendor(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) *vendor {
	v := &vendor{}
	v.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(v.hits.Add(1), w, r)
	}))
	v.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			v.conns.Add(1)
		}
	}
	v.Start()
	t.Cleanup(v.Close)
	return v
}

func client(t *testing.T, url string, opts ...harbor.Option) *harbor.Client {
	base := []harbor.Option{
		harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithAPIKey("deepseek", "sk-test-secret-0123456789"),
		harbor.WithBaseURL("deepseek", url),
		harbor.WithRetryWait(time.Millisecond, 5*time.Millisecond),
	}
	return harbor.Must(harbor.New(append(base, opts...)...))
}

var hello = &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")}}

func vendorError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":%q,"param":null,"code":null}}`, msg, typ)
}

// memVendor answers in memory, for tests in a synctest bubble (real sockets are not
// "durably blocking", so the bubble's clock would not move past them): a
// RoundTripper that records the bubble's time of every attempt and serves it with
// the scripted handler.
type memVendor struct {
	mu sync.Mutex
	at []time.Time // when each attempt arrived
	h  func(n int64, w http.ResponseWriter, r *http.Request)
}

func (v *memVendor) RoundTrip(r *http.Request) (*http.Response, error) {
	v.mu.Lock()
	v.at = append(v.at, time.Now())
	n := int64(len(v.at))
	v.mu.Unlock()
	rec := httptest.NewRecorder()
	v.h(n, rec, r)
	if r.Body != nil {
		r.Body.Close()
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// gaps returns the waits between attempts.
func (v *memVendor) gaps() []time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(v.at); i++ {
		out = append(out, v.at[i].Sub(v.at[i-1]))
	}
	return out
}

func (v *memVendor) hits() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.at)
}

// memClient is client over v, in memory.
func memClient(t *testing.T, v *memVendor, opts ...harbor.Option) *harbor.Client {
	c := client(t, "http://vendor.invalid", append([]harbor.Option{harbor.WithTransport(v)}, opts...)...)
	t.Cleanup(func() { c.Close() })
	return c
}

// Retry-After is honoured to the nanosecond: the retry comes exactly that long after
// the 429, not after the (shorter) backoff.
func TestRetriesRateLimitThenSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := &memVendor{h: func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "2")
				vendorError(w, 429, "rate_limit_error", "Your current concurrency is 40")
				return
			}
			w.Write([]byte(okBody))
		}}
		c := memClient(t, v)
		res, err := c.Chat.Completions.Create(context.Background(), hello)
		require.NoError(t, err)
		assert.Equal(t, "hi", res.Choices[0].Message.Content)
		assert.Equal(t, []time.Duration{2 * time.Second}, v.gaps(), "one retry, Retry-After after the 429")
		assert.EqualValues(t, 1, c.Stats().Retries)
	})
}

// A Retry-After beyond WithMaxRetryAfter is returned at once: no retry, no wait.
func TestRetryAfterBeyondCapIsReturnedNotWaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := &memVendor{h: func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "120")
			vendorError(w, 429, "rate_limit_error", "Your current concurrency is 40, which exceeds your concurrency limit of 39")
		}}
		c := memClient(t, v, harbor.WithMaxRetryAfter(5*time.Second))
		start := time.Now()
		_, err := c.Chat.Completions.Create(context.Background(), hello)
		assert.Zero(t, time.Since(start), "no wait at all")
		require.ErrorIs(t, err, harbor.ErrRateLimited)
		var he *harbor.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, 120*time.Second, he.RetryAfter)
		assert.True(t, he.Retryable())
		assert.Equal(t, 429, he.HTTPStatusCode())
		assert.Contains(t, he.Message, "concurrency limit of 39")
		assert.Equal(t, 1, v.hits(), "no retry when the vendor asks for more than MaxRetryAfter")
		assert.EqualValues(t, 1, c.Stats().RateLimited)

		// At the cap it is waited, exactly.
		v = &memVendor{h: func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "5")
				vendorError(w, 429, "rate_limit_error", "slow down")
				return
			}
			w.Write([]byte(okBody))
		}}
		c = memClient(t, v, harbor.WithMaxRetryAfter(5*time.Second))
		_, err = c.Chat.Completions.Create(context.Background(), hello)
		require.NoError(t, err)
		assert.Equal(t, []time.Duration{5 * time.Second}, v.gaps())
	})
}

// Without Retry-After the waits double from RetryWaitMin up to RetryWaitMax, each
// drawn from [d/2, d] so that a fleet of clients does not retry in lockstep.
func TestBackoffDoublesWithJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := &memVendor{h: func(n int64, w http.ResponseWriter, r *http.Request) {
			vendorError(w, 503, "server_error", "overloaded")
		}}
		const calls = 8
		c := memClient(t, v, harbor.WithRetryWait(time.Second, 4*time.Second), harbor.WithMaxRetries(4))
		for range calls {
			_, err := c.Chat.Completions.Create(context.Background(), hello)
			require.ErrorIs(t, err, harbor.ErrServer)
		}
		gaps := v.gaps()
		require.Len(t, gaps, calls*5-1)
		ceilings := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
		jittered := 0
		for call := range calls {
			for i, d := range ceilings {
				g := gaps[call*5+i]
				assert.True(t, g >= d/2 && g <= d, "call %d, retry %d: waited %v, want within [%v, %v]", call, i+1, g, d/2, d)
				if g != d {
					jittered++
				}
			}
		}
		assert.Positive(t, jittered, "every wait was the full ceiling: no jitter")
	})
}

func TestServerErrorsExhaustRetriesAndKeepVendorMessage(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		vendorError(w, 503, "server_error", "Server overloaded, please try again later.")
	})
	c := client(t, v.URL, harbor.WithMaxRetries(3))
	_, err := c.Chat.Completions.Create(context.Background(), hello)
	require.ErrorIs(t, err, harbor.ErrServer)
	assert.ErrorContains(t, err, "Server overloaded")
	assert.EqualValues(t, 4, v.hits.Load())
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		vendorError(w, 400, "invalid_request_error", "This model's maximum context length is 131072 tokens")
	})
	c := client(t, v.URL)
	_, err := c.Chat.Completions.Create(context.Background(), hello)
	require.ErrorIs(t, err, harbor.ErrInvalidRequest)
	assert.EqualValues(t, 1, v.hits.Load())
}

// X-Should-Retry overrules the status, as in the official OpenAI SDKs: harbor
// serve sends "false" on answers no retry can change (provider_not_configured).
func TestShouldRetryHeaderOverrulesTheStatus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header string
		hits   int64
		want   error
	}{
		{"false on a 503 is final", 503, "false", 1, harbor.ErrServer},
		{"true on a 409 is retried", 409, "true", 2, nil}, // the second attempt succeeds
		{"an unknown value leaves the 503 to the policy", 503, "maybe", 2, nil},
		{"none: a 400 is not retried", 400, "", 1, harbor.ErrInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					if tc.header != "" {
						w.Header().Set("X-Should-Retry", tc.header)
					}
					vendorError(w, tc.status, "server_error", "first attempt")
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, okBody)
			})
			c := client(t, v.URL, harbor.WithMaxRetries(3))
			_, err := c.Chat.Completions.Create(context.Background(), hello)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.hits, v.hits.Load())
		})
	}
}

func TestFailedRequestDoesNotEmptyThePool(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n >= 2 && n <= 4 { // the second call fails on every attempt
			vendorError(w, 500, "server_error", "internal")
			return
		}
		w.Write([]byte(okBody))
	})
	c := client(t, v.URL)
	_, err := c.Chat.Completions.Create(context.Background(), hello)
	require.NoError(t, err)
	_, err = c.Chat.Completions.Create(context.Background(), hello)
	require.ErrorIs(t, err, harbor.ErrServer)
	_, err = c.Chat.Completions.Create(context.Background(), hello)
	require.NoError(t, err)
	assert.EqualValues(t, 5, v.hits.Load())
	assert.EqualValues(t, 1, v.conns.Load(), "giving up on one request must not close the shared pool's connections")
}

// The context's deadline covers every attempt and every wait: with Retry-After 1s
// and a 2.5s deadline there are attempts at 0, 1s and 2s, and the call ends at
// 2.5s, in the middle of the third wait.
func TestDeadlineCoversAllAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := &memVendor{h: func(n int64, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			vendorError(w, 503, "server_error", "overloaded")
		}}
		c := memClient(t, v, harbor.WithMaxRetries(10))
		ctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Chat.Completions.Create(ctx, hello)
		require.Error(t, err)
		assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, harbor.ErrTimeout), err.Error())
		assert.Equal(t, 2500*time.Millisecond, time.Since(start), "the deadline stops the waits")
		assert.Equal(t, []time.Duration{time.Second, time.Second}, v.gaps())
	})
}

// WithRequestTimeout bounds a call whose vendor never answers: it ends exactly then,
// as a timeout.
func TestRequestTimeoutOption(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		c := client(t, "http://vendor.invalid", harbor.WithTransport(hang))
		defer c.Close()
		start := time.Now()
		_, err := c.Chat.Completions.Create(context.Background(), hello, harbor.WithRequestTimeout(100*time.Millisecond))
		require.ErrorIs(t, err, harbor.ErrTimeout)
		assert.Equal(t, 100*time.Millisecond, time.Since(start))
	})
}

func TestStreamIsNeverRetriedAfterFirstByte(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(`data: {"id":"1","object":"chat.completion.chunk","created":1,"model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}` + "\n\n"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // cut the connection mid-stream
	})
	c := client(t, v.URL, harbor.WithMaxRetries(5))
	s, err := c.Chat.Completions.Stream(context.Background(), hello)
	require.NoError(t, err)
	defer s.Close()
	var got strings.Builder
	for s.Next() {
		got.WriteString(s.Current().Choices[0].Delta.Content)
	}
	require.ErrorIs(t, s.Err(), harbor.ErrStreamTruncated)
	assert.Equal(t, "Hel", got.String())
	assert.EqualValues(t, 1, v.hits.Load())
	assert.EqualValues(t, 1, c.Stats().Failures)
}

// A stream whose vendor falls silent after a keep-alive is cut exactly the idle
// timeout later, as a timeout.
func TestIdleTimeoutCutsASilentStream(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		defer pw.Close()
		go pw.Write([]byte(": keep-alive\n\n")) // then silence, the connection open
		silent := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: pr, Request: r}, nil
		})
		c := client(t, "http://vendor.invalid", harbor.WithTransport(silent), harbor.WithIdleTimeout(100*time.Millisecond))
		defer c.Close()
		start := time.Now()
		s, err := c.Chat.Completions.Stream(context.Background(), hello)
		require.NoError(t, err)
		defer s.Close()
		assert.False(t, s.Next())
		require.ErrorIs(t, s.Err(), harbor.ErrTimeout)
		assert.ErrorContains(t, s.Err(), "idle timeout")
		assert.Equal(t, 100*time.Millisecond, time.Since(start))
	})
}

func TestKeysNeverAppearInErrors(t *testing.T) {
	const key = "sk-test-secret-0123456789"
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		// A misbehaving proxy echoing the Authorization header and the key.
		vendorError(w, 401, "authentication_error", "bad header "+r.Header.Get("Authorization")+" key="+key)
	})
	c := client(t, v.URL)
	_, err := c.Chat.Completions.Create(context.Background(), hello)
	require.ErrorIs(t, err, harbor.ErrAuthentication)
	assert.NotContains(t, err.Error(), key)
	assert.NotContains(t, err.Error(), "0123456789")
	assert.Contains(t, err.Error(), "[redacted]")
}

func TestPerCallHeader(t *testing.T) {
	var got atomic.Value
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("X-Trace"))
		w.Write([]byte(okBody))
	})
	c := client(t, v.URL)
	_, err := c.Chat.Completions.Create(context.Background(), hello, harbor.WithHeader("X-Trace", "abc"))
	require.NoError(t, err)
	assert.Equal(t, "abc", got.Load())
	_, err = c.Chat.Completions.Create(context.Background(), hello)
	require.NoError(t, err)
	assert.Equal(t, "", got.Load(), "a per-call header does not leak into later calls")
}

// doerProvider hands its Doer to the test, as a vendor adapter would use it.
type doerProvider struct{ http llm.Doer }

func (doerProvider) Name() string { return "twohundred" }
func (doerProvider) Chat(context.Context, *llm.ChatRequest, *llm.CallOptions) (*llm.ChatCompletion, error) {
	return nil, errors.New("unused")
}
func (doerProvider) ChatStream(context.Context, *llm.ChatRequest, *llm.CallOptions) (llm.ChunkSource, error) {
	return nil, errors.New("unused")
}

// ruleDoer binds a provider whose Descriptor states rule and returns the Doer
// harbor handed it, as a vendor adapter would use it, and the Doer of a provider
// without a rule, bound by the same Client.
func ruleDoer(t *testing.T, rule llm.RetryRule, opts ...harbor.Option) (withRule, plain llm.Doer) {
	t.Helper()
	bind := func(name string, rule llm.RetryRule, got *llm.Doer) harbor.Option {
		return harbor.WithProvider(harbor.Descriptor{Name: name, Prefixes: []string{name + "-"}, Retry: rule,
			New: func(cfg llm.Config) (llm.Provider, error) { *got = cfg.HTTP; return doerProvider{cfg.HTTP}, nil }})
	}
	opts = append([]harbor.Option{noEnv(t), harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		bind("ruled", rule, &withRule), bind("plain", nil, &plain)}, opts...)
	c := harbor.Must(harbor.New(opts...))
	for _, m := range []string{"ruled-1", "plain-1"} {
		_, _ = c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{Model: m, Messages: []harbor.Message{harbor.UserMessage("x")}})
	}
	require.NotNil(t, withRule)
	require.NotNil(t, plain)
	return withRule, plain
}

// A provider's retry rule (Descriptor.Retry) is built into the Doer harbor gives
// it: 200 responses the rule calls transient (Wenxin v1's error_code bodies) are
// retried within the same retry budget, and the body the rule peeked at is what
// the caller reads. Providers without a rule are not affected.
func TestRetryRuleRetriesOKResponses(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			fmt.Fprint(w, `{"error_code":18,"error_msg":"Open api qps request limit reached"}`)
			return
		}
		fmt.Fprint(w, `{"result":"ok"}`)
	})
	var seen []string
	rule := func(resp *http.Response) llm.RetryVerdict {
		b, _ := llm.PeekBody(resp, 1<<10)
		seen = append(seen, string(b))
		if bytes.Contains(b, []byte(`"error_code":18`)) {
			return llm.RetryNow
		}
		return llm.RetryByPolicy
	}
	d, plain := ruleDoer(t, rule)

	req, _ := http.NewRequest(http.MethodPost, v.URL, strings.NewReader(`{}`))
	resp, err := d.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, `{"result":"ok"}`, string(body), "the peeked body is what the caller reads")
	assert.EqualValues(t, 3, v.hits.Load(), "two transient 200s retried")
	assert.Len(t, seen, 3)

	// Out of attempts: the last response comes back intact.
	v.hits.Store(-10)
	req, _ = http.NewRequest(http.MethodPost, v.URL, strings.NewReader(`{}`))
	resp, err = d.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"error_code":18`)

	// A provider without a rule: a 200 is a 200.
	v.hits.Store(0)
	seen = nil
	req, _ = http.NewRequest(http.MethodPost, v.URL, strings.NewReader(`{}`))
	resp, err = plain.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 1, v.hits.Load())
	assert.Empty(t, seen, "another provider's rule is never consulted")
}

// A retry rule can also veto a retry the status alone would allow (OpenAI's 429
// insufficient_quota), and leave other statuses to the policy.
func TestRetryRuleVetoesRetries(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		if r.URL.Query().Get("kind") == "quota" {
			fmt.Fprint(w, `{"error":{"code":"insufficient_quota"}}`)
			return
		}
		fmt.Fprint(w, `{"error":{"code":"rate_limit_exceeded"}}`)
	})
	rule := func(resp *http.Response) llm.RetryVerdict {
		b, _ := llm.PeekBody(resp, 1<<10)
		if bytes.Contains(b, []byte("insufficient_quota")) {
			return llm.RetryNever
		}
		return llm.RetryByPolicy
	}
	d, _ := ruleDoer(t, rule, harbor.WithMaxRetries(2))
	for _, tc := range []struct {
		kind string
		hits int64
	}{{"quota", 1}, {"rate", 3}} {
		v.hits.Store(0)
		req, _ := http.NewRequest(http.MethodPost, v.URL+"?kind="+tc.kind, strings.NewReader(`{}`))
		resp, err := d.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.NotEmpty(t, body, "the vetoed response comes back with its body")
		assert.EqualValues(t, tc.hits, v.hits.Load(), tc.kind)
	}
}

// Every attempt sends the whole request body: the first attempt's body is sent
// without a copy and later ones are rewound. The transport here is a fake that,
// unlike net/http's, never rewinds a body itself.
func TestRetriesResendTheWholeBody(t *testing.T) {
	var bodies []string
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body.Close()
		bodies = append(bodies, string(b))
		h := http.Header{"Content-Type": {"application/json"}, "Retry-After": {"0"}}
		if len(bodies) <= 2 {
			return &http.Response{StatusCode: 503, Header: h, Body: io.NopCloser(strings.NewReader(`{"error":{"message":"busy"}}`)), Request: r}, nil
		}
		return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(okBody)), Request: r}, nil
	})
	c := client(t, "http://vendor.invalid", harbor.WithTransport(rt))
	_, err := c.Chat.Completions.Create(context.Background(), hello)
	require.NoError(t, err)
	require.Len(t, bodies, 3)
	assert.Contains(t, bodies[0], `"messages"`)
	assert.Equal(t, bodies[0], bodies[1])
	assert.Equal(t, bodies[0], bodies[2])
	assert.EqualValues(t, 2, c.Stats().Retries)

	// A body that cannot be replayed (no GetBody) is copied once and resent too.
	bodies = nil
	var got llm.Doer
	c = harbor.Must(harbor.New(noEnv(t), harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond), harbor.WithTransport(rt),
		harbor.WithProvider(harbor.Descriptor{Name: "twohundred", Prefixes: []string{"th-"},
			New: func(cfg llm.Config) (llm.Provider, error) { got = cfg.HTTP; return doerProvider{cfg.HTTP}, nil }})))
	_, _ = c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{Model: "th-1", Messages: []harbor.Message{harbor.UserMessage("x")}})
	req, _ := http.NewRequest(http.MethodPost, "http://vendor.invalid", io.MultiReader(strings.NewReader(`{"a":`), strings.NewReader(`1}`)))
	require.Nil(t, req.GetBody)
	resp, err := got.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, []string{`{"a":1}`, `{"a":1}`, `{"a":1}`}, bodies)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
