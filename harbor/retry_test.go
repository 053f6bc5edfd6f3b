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
	"sync/atomic"
	"testing"
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

func TestRetriesRateLimitThenSucceeds(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			vendorError(w, 429, "rate_limit_error", "Your current concurrency is 40")
			return
		}
		w.Write([]byte(okBody))
	})
	c := client(t, v.URL)
	res, err := c.Chat.Completions.Create(context.Background(), hello)
	require.NoError(t, err)
	assert.Equal(t, "hi", res.Choices[0].Message.Content)
	assert.EqualValues(t, 2, v.hits.Load())
	assert.EqualValues(t, 1, c.Stats().Retries)
}

func TestRetryAfterBeyondCapIsReturnedNotWaited(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		vendorError(w, 429, "rate_limit_error", "Your current concurrency is 40, which exceeds your concurrency limit of 39")
	})
	c := client(t, v.URL, harbor.WithMaxRetryAfter(5*time.Second))
	_, err := c.Chat.Completions.Create(context.Background(), hello)
	require.ErrorIs(t, err, harbor.ErrRateLimited)
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 120*time.Second, he.RetryAfter)
	assert.True(t, he.Retryable())
	assert.Equal(t, 429, he.HTTPStatusCode())
	assert.Contains(t, he.Message, "concurrency limit of 39")
	assert.EqualValues(t, 1, v.hits.Load(), "no retry when the vendor asks for more than MaxRetryAfter")
	assert.EqualValues(t, 1, c.Stats().RateLimited)
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

func TestDeadlineCoversAllAttempts(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		vendorError(w, 503, "server_error", "overloaded")
	})
	c := client(t, v.URL, harbor.WithMaxRetries(10))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Chat.Completions.Create(ctx, hello)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, harbor.ErrTimeout), err.Error())
	// Ten retries at Retry-After 1s would take 10 s; the deadline stops them. The
	// bound is loose on purpose: this checks the behaviour, not the speed.
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.LessOrEqual(t, v.hits.Load(), int64(2))
}

func TestRequestTimeoutOption(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
	})
	c := client(t, v.URL, harbor.WithMaxRetries(0))
	_, err := c.Chat.Completions.Create(context.Background(), hello, harbor.WithRequestTimeout(100*time.Millisecond))
	require.ErrorIs(t, err, harbor.ErrTimeout)
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

func TestIdleTimeoutCutsASilentStream(t *testing.T) {
	release := make(chan struct{})
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(": keep-alive\n\n"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := client(t, v.URL, harbor.WithIdleTimeout(100*time.Millisecond))
	s, err := c.Chat.Completions.Stream(context.Background(), hello)
	require.NoError(t, err)
	defer s.Close()
	assert.False(t, s.Next())
	require.ErrorIs(t, s.Err(), harbor.ErrTimeout)
	assert.ErrorContains(t, s.Err(), "idle timeout")
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

// The Doer harbor gives providers retries 200 responses the provider classifies as
// transient (Wenxin v1's error_code bodies), within the same retry budget.
func TestClassifiedOKResponsesAreRetried(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			fmt.Fprint(w, `{"error_code":18,"error_msg":"Open api qps request limit reached"}`)
			return
		}
		fmt.Fprint(w, `{"result":"ok"}`)
	})
	var got llm.Doer
	c := harbor.Must(harbor.New(noEnv(t), harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond),
		harbor.WithProvider(harbor.Descriptor{Name: "twohundred", Prefixes: []string{"th-"},
			New: func(cfg llm.Config) (llm.Provider, error) { got = cfg.HTTP; return doerProvider{cfg.HTTP}, nil }})))
	_, _ = c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{Model: "th-1", Messages: []harbor.Message{harbor.UserMessage("x")}})
	cd, ok := got.(llm.ClassifyingDoer)
	require.True(t, ok, "harbor's Doer implements llm.ClassifyingDoer")

	var seen []string
	classify := func(resp *http.Response) llm.RetryVerdict {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		seen = append(seen, string(b))
		if bytes.Contains(b, []byte(`"error_code":18`)) {
			return llm.RetryNow
		}
		return llm.RetryByPolicy
	}
	req, _ := http.NewRequest(http.MethodPost, v.URL, strings.NewReader(`{}`))
	resp, err := cd.DoClassified(req, classify)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, `{"result":"ok"}`, string(body), "the classifier's body replacement is what the caller reads")
	assert.EqualValues(t, 3, v.hits.Load(), "two transient 200s retried")
	assert.Len(t, seen, 3)

	// Out of attempts: the last classified response comes back intact.
	v.hits.Store(-10)
	req, _ = http.NewRequest(http.MethodPost, v.URL, strings.NewReader(`{}`))
	resp, err = cd.DoClassified(req, classify)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `"error_code":18`)

	// Plain Do never consults a classifier.
	v.hits.Store(0)
	req, _ = http.NewRequest(http.MethodPost, v.URL, strings.NewReader(`{}`))
	resp, err = got.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.EqualValues(t, 1, v.hits.Load())
}

// A provider's classifier can also veto a retry the status alone would allow
// (OpenAI's 429 insufficient_quota), and leave other statuses to the policy.
func TestClassifierVetoesRetries(t *testing.T) {
	v := newVendor(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		if r.URL.Query().Get("kind") == "quota" {
			fmt.Fprint(w, `{"error":{"code":"insufficient_quota"}}`)
			return
		}
		fmt.Fprint(w, `{"error":{"code":"rate_limit_exceeded"}}`)
	})
	var got llm.Doer
	c := harbor.Must(harbor.New(noEnv(t), harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond), harbor.WithMaxRetries(2),
		harbor.WithProvider(harbor.Descriptor{Name: "twohundred", Prefixes: []string{"th-"},
			New: func(cfg llm.Config) (llm.Provider, error) { got = cfg.HTTP; return doerProvider{cfg.HTTP}, nil }})))
	_, _ = c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{Model: "th-1", Messages: []harbor.Message{harbor.UserMessage("x")}})
	cd := got.(llm.ClassifyingDoer)
	classify := func(resp *http.Response) llm.RetryVerdict {
		b, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if bytes.Contains(b, []byte("insufficient_quota")) {
			return llm.RetryNever
		}
		return llm.RetryByPolicy
	}
	for _, tc := range []struct {
		kind string
		hits int64
	}{{"quota", 1}, {"rate", 3}} {
		v.hits.Store(0)
		req, _ := http.NewRequest(http.MethodPost, v.URL+"?kind="+tc.kind, strings.NewReader(`{}`))
		resp, err := cd.DoClassified(req, classify)
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
