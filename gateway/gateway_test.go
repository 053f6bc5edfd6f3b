package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/conformance/speccheck"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

func TestMain(m *testing.M) {
	goredis.SetLogger(quietRedis{}) // go-redis logs every refused dial of the Redis fault tests
	goleak.VerifyTestMain(m)
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// caller is an HTTP client of a test gateway whose every request and answer is
// checked against spec/harbor.yaml.
type caller struct {
	t      *testing.T
	g      *gatewaytest.Gateway
	client *http.Client
	mu     sync.Mutex
	viol   []speccheck.Violation
	// badRequests: requests break the spec on purpose; only answers are checked.
	badRequests bool
}

// newBadCaller is newCaller for requests that break the spec on purpose.
func newBadCaller(t *testing.T, g *gatewaytest.Gateway) *caller {
	c := newCaller(t, g)
	c.badRequests = true
	return c
}

func newCaller(t *testing.T, g *gatewaytest.Gateway) *caller {
	c := &caller{t: t, g: g}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c.client = &http.Client{Transport: speccheck.MustLoad("harbor").Transport(tr, func(v speccheck.Violation) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.badRequests && v.Part == "request" {
			return
		}
		c.viol = append(c.viol, v)
	})}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, v := range c.viol {
			t.Errorf("spec/harbor.yaml: %v", v)
		}
	})
	return c
}

// do sends a request with the gateway's key and returns the answer, its body read.
func (c *caller) do(method, path, body string, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.g.URL+path, strings.NewReader(body))
	require.NoError(c.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.g.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.g.Key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	res, err := c.client.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res, b
}

func (c *caller) chat(body string, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	return c.do(http.MethodPost, "/v1/chat/completions", body, header...)
}

// openAIError is OpenAI's error body.
type openAIError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) openAIError {
	t.Helper()
	var e openAIError
	require.NoError(t, json.Unmarshal(b, &e), "%s", b)
	require.NotEmpty(t, e.Error.Message, "%s", b)
	return e
}

// events splits an SSE body into its data payloads.
func events(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestChatJSON(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var cc llm.ChatCompletion
	require.NoError(t, json.Unmarshal(body, &cc))
	assert.Equal(t, "Hello! You said: hi", cc.Choices[0].Message.Content)
	assert.Equal(t, "chat.completion", cc.Object)
	assert.Positive(t, cc.Usage.TotalTokens)
	assert.Len(t, res.Header.Get("X-Trace-Id"), 32)
	assert.Equal(t, res.Header.Get("X-Trace-Id"), res.Header.Get("X-Request-Id"))
	assert.Equal(t, "deepseek", res.Header.Get("X-Harbor-Provider"))
	t.Log(g.AccessLog())
}

func TestChatStream(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	ev := events(t, body)
	require.GreaterOrEqual(t, len(ev), 3)
	assert.Equal(t, "[DONE]", ev[len(ev)-1])
	var text strings.Builder
	for _, e := range ev[:len(ev)-2] {
		var ch llm.Chunk
		require.NoError(t, json.Unmarshal([]byte(e), &ch), e)
		assert.Nil(t, ch.Usage)
		for _, c := range ch.Choices {
			text.WriteString(c.Delta.Content)
		}
	}
	assert.Equal(t, "Hello! You said: hi there", text.String())
	var last llm.Chunk
	require.NoError(t, json.Unmarshal([]byte(ev[len(ev)-2]), &last))
	assert.Empty(t, last.Choices)
	require.NotNil(t, last.Usage)
	assert.Positive(t, last.Usage.TotalTokens)
	t.Log(string(body))
}

// A fake provider for what the mocks cannot do: streams as long, as large or as
// slow as a test needs, and a record of when the gateway closed them.
type fakeProvider struct {
	chunks int           // chunks per stream; 0: endless
	size   int           // bytes of content per chunk
	delay  time.Duration // before each chunk
	// buffered, when set, is the streams' Buffered after n chunks: whether
	// the vendor's next chunk is already in (nil: the source cannot tell).
	buffered func(n int) bool
	opened   atomic.Int64
	closed   chan struct{} // gets a value per closed stream
}

func newFake(chunks, size int, delay time.Duration) *fakeProvider {
	return &fakeProvider{chunks: chunks, size: size, delay: delay, closed: make(chan struct{}, 100)}
}

// option registers the fake as provider "fake", serving models "fake-…".
func (f *fakeProvider) option() harbor.Option {
	return harbor.WithProvider(llm.Descriptor{
		Name: "fake", Prefixes: []string{"fake-"}, Models: []llm.Model{{ID: "fake-1", Object: "model", OwnedBy: "fake"}},
		New: func(llm.Config) (llm.Provider, error) { return f, nil },
	})
}

func (f *fakeProvider) Name() string { return "fake" }

func (f *fakeProvider) Chat(ctx context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	return &llm.ChatCompletion{ID: "fake", Object: "chat.completion", Created: 1, Model: req.Model,
		Choices: []llm.Choice{{Message: llm.AssistantMessage("ok"), FinishReason: "stop"}},
		Usage:   llm.Usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}}, nil
}

func (f *fakeProvider) ChatStream(ctx context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (llm.ChunkSource, error) {
	f.opened.Add(1)
	src := &fakeSource{f: f, ctx: ctx, model: req.Model, text: strings.Repeat("x", f.size)}
	if f.buffered != nil {
		return &pacedSource{src}, nil
	}
	return src, nil
}

// pacedSource is a fakeSource that says when its next chunk is in.
type pacedSource struct{ *fakeSource }

func (s *pacedSource) Buffered() bool { return s.f.buffered(s.n) }

type fakeSource struct {
	f     *fakeProvider
	ctx   context.Context
	model string
	text  string
	n     int
	once  sync.Once
}

func (s *fakeSource) Next() (llm.Chunk, error) {
	if s.f.chunks > 0 && s.n >= s.f.chunks {
		return llm.Chunk{}, io.EOF
	}
	if s.f.delay > 0 {
		select {
		case <-time.After(s.f.delay):
		case <-s.ctx.Done():
			return llm.Chunk{}, &llm.Error{Provider: "fake", Kind: llm.ErrCanceled, Err: s.ctx.Err()}
		}
	}
	s.n++
	c := llm.Chunk{ID: "fake", Object: "chat.completion.chunk", Created: 1, Model: s.model,
		Choices: []llm.ChunkChoice{{Delta: llm.Delta{Content: s.text}}}}
	if s.f.chunks > 0 && s.n == s.f.chunks {
		c.Choices[0].FinishReason = "stop"
		c.Usage = &llm.Usage{PromptTokens: 1, CompletionTokens: s.n, TotalTokens: s.n + 1}
	}
	return c, nil
}

func (s *fakeSource) Close() error {
	s.once.Do(func() {
		select {
		case s.f.closed <- struct{}{}:
		default: // nobody is counting (benchmarks)
		}
	})
	return nil
}

func TestModels(t *testing.T) {
	key, sum, err := gateway.NewKey()
	require.NoError(t, err)
	g := gatewaytest.Start(t, gateway.Config{
		Aliases:   map[string]string{"fast": "deepseek/deepseek-v4-flash", "cheap": "doubao/doubao-seed-1-6-251015"},
		Fallbacks: map[string][]string{"smart": {"deepseek-v4-pro", "doubao-seed-1-6-251015"}},
		Keys:      []gateway.KeyConfig{{ID: "narrow", SHA256: sum, Models: []string{"deepseek-*", "smart"}}},
	})
	g.Key = key
	c := newCaller(t, g)
	res, body := c.do(http.MethodGet, "/v1/models", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var list struct {
		Object string      `json:"object"`
		Data   []llm.Model `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	assert.Equal(t, "list", list.Object)
	var ids []string
	var created int64
	for _, m := range list.Data {
		ids = append(ids, m.ID)
		assert.True(t, strings.HasPrefix(m.ID, "deepseek-") || m.ID == "smart" || m.ID == "fast", m.ID)
		// OpenAI's model object has created; some clients require it. harbor's
		// local table has no dates: every entry says when the gateway started.
		assert.Positive(t, m.Created, "%s: created", m.ID)
		if created == 0 {
			created = m.Created
		}
		assert.Equal(t, created, m.Created, "%s: one start time for every model", m.ID)
	}
	assert.Contains(t, ids, "deepseek-v4-flash")
	assert.Contains(t, ids, "smart")
	assert.Contains(t, ids, "fast", "an alias of a model the key may use")
	assert.NotContains(t, ids, "cheap", "the key's models do not allow where it goes")

	res, body = c.do(http.MethodGet, "/v1/models/deepseek-v4-pro", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var one llm.Model
	require.NoError(t, json.Unmarshal(body, &one))
	assert.Equal(t, created, one.Created, "%s", body)
	res, body = c.do(http.MethodGet, "/v1/models/cheap", "")
	require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
	assert.Equal(t, "model_not_allowed", *decodeError(t, body).Error.Code)
	res, body = c.do(http.MethodGet, "/v1/models/nope", "")
	require.Equal(t, http.StatusNotFound, res.StatusCode, "%s", body)
	assert.Equal(t, "model_not_found", *decodeError(t, body).Error.Code)
}

// GET /v1/models/{model} finds every name the chat route routes, with its id
// as the caller named it: a "provider/model" name as well, whose slash the
// OpenAI SDKs send raw (/models/a/b) or percent-encoded (/models/a%2Fb)
// depending on the SDK and its version. 404 model_not_found is for names
// that route nowhere; 403 model_not_allowed for what the key's models refuse.
//
// Regression (found by a new-user trial): GET
// /v1/models/deepseek/deepseek-v4-pro answered 405 "GET …: this route takes
// GET", and /v1/models/deepseek%2Fdeepseek-v4-pro 404 model_not_found,
// though POST /v1/chat/completions takes that name.
func TestRetrieveModelByAnyRoutedName(t *testing.T) {
	key, sum, err := gateway.NewKey()
	require.NoError(t, err)
	g := gatewaytest.Start(t, gateway.Config{
		Fallbacks: map[string][]string{"smart": {"deepseek-v4-pro", "doubao-seed-1-6-251015"}},
		Keys:      []gateway.KeyConfig{{ID: "narrow", SHA256: sum, Models: []string{"deepseek-*", "smart"}}},
	})
	g.Key = key
	c := newCaller(t, g)
	res, body := c.do(http.MethodGet, "/v1/models", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var list struct{ Data []llm.Model }
	require.NoError(t, json.Unmarshal(body, &list))
	require.NotEmpty(t, list.Data)
	created := list.Data[0].Created

	for _, tc := range []struct {
		path, id, aliasOf string
	}{
		{"/v1/models/deepseek/deepseek-v4-pro", "deepseek/deepseek-v4-pro", ""},
		{"/v1/models/deepseek%2Fdeepseek-v4-pro", "deepseek/deepseek-v4-pro", ""},
		{"/v1/models/deepseek%2fdeepseek-v4-pro", "deepseek/deepseek-v4-pro", ""},
		{"/v1/models/deepseek-v4-pro", "deepseek-v4-pro", ""},
		// The same model by another name is described as the listed one is.
		{"/v1/models/deepseek/deepseek-chat", "deepseek/deepseek-chat", "deepseek-v4-flash"},
		{"/v1/models/smart", "smart", "deepseek-v4-pro,doubao-seed-1-6-251015"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, body := c.do(http.MethodGet, tc.path, "")
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
			var m llm.Model
			require.NoError(t, json.Unmarshal(body, &m))
			assert.Equal(t, tc.id, m.ID, "the id as the caller named it")
			assert.Equal(t, "model", m.Object)
			assert.Equal(t, created, m.Created, "created: when the gateway started, as in the list")
			assert.Equal(t, tc.aliasOf, m.AliasOf)
			if tc.id != "smart" {
				assert.Equal(t, "deepseek", m.Provider)
				assert.Equal(t, "deepseek", m.OwnedBy)
			}
			// The chat route takes the same name.
			res, body = c.chat(`{"model":"` + tc.id + `","messages":[{"role":"user","content":"hi"}]}`)
			assert.Equal(t, http.StatusOK, res.StatusCode, "chat with %q: %s", tc.id, body)
		})
	}

	// The typed client generated from spec/harbor.yaml sends the slash as %2F.
	auth := func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+g.Key)
		return nil
	}
	typed, err := harborapi.NewClientWithResponses(g.URL, harborapi.WithRequestEditorFn(auth))
	require.NoError(t, err)
	got, err := typed.RetrieveModelWithResponse(context.Background(), "deepseek/deepseek-v4-pro")
	require.NoError(t, err)
	require.NotNil(t, got.JSON200, "%d %s", got.StatusCode(), got.Body)
	assert.Equal(t, "deepseek/deepseek-v4-pro", got.JSON200.ID)

	bad := newBadCaller(t, g)
	for _, tc := range []struct {
		method, path string
		status       int
		code, param  string
	}{
		{http.MethodGet, "/v1/models/doubao/doubao-seed-1-6-251015", http.StatusForbidden, "model_not_allowed", "model"},
		{http.MethodGet, "/v1/models/doubao%2Fdoubao-seed-1-6-251015", http.StatusForbidden, "model_not_allowed", "model"},
		{http.MethodGet, "/v1/models/nope/nothing", http.StatusNotFound, "model_not_found", "model"},
		{http.MethodGet, "/v1/models/nope%2Fnothing", http.StatusNotFound, "model_not_found", "model"},
		{http.MethodPost, "/v1/models/deepseek/deepseek-v4-pro", http.StatusMethodNotAllowed, "method_not_allowed", ""},
		{http.MethodDelete, "/v1/models/deepseek%2Fdeepseek-v4-pro", http.StatusMethodNotAllowed, "method_not_allowed", ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res, body := bad.do(tc.method, tc.path, "")
			require.Equal(t, tc.status, res.StatusCode, "%s", body)
			e := decodeError(t, body)
			assert.Equal(t, tc.code, *e.Error.Code, "%s", body)
			if tc.param == "" {
				assert.Nil(t, e.Error.Param, "%s", body)
			} else if assert.NotNil(t, e.Error.Param, "%s", body) {
				assert.Equal(t, tc.param, *e.Error.Param)
			}
			if tc.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
				assert.Contains(t, e.Error.Message, ": this route takes GET")
			}
		})
	}
}

// A name that routes to a provider without credentials on this gateway is
// neither listed nor unknown: GET /v1/models/{model} answers what the chat
// route answers for it, 503 provider_not_configured with X-Should-Retry:
// false, whichever way it is named.
func TestRetrieveModelOfAProviderWithoutCredentials(t *testing.T) {
	key, sum, err := gateway.NewKey()
	require.NoError(t, err)
	srv, err := gateway.New(gateway.Config{
		Getenv: func(string) string { return "" }, // no vendor key, no mock
		Keys:   []gateway.KeyConfig{{ID: "k", SHA256: sum}},
		Log:    gateway.LogConfig{Access: "off"},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/models/deepseek-v4-pro", http.StatusServiceUnavailable, "provider_not_configured"},
		{"/v1/models/deepseek/deepseek-v4-pro", http.StatusServiceUnavailable, "provider_not_configured"},
		{"/v1/models/deepseek%2Fdeepseek-v4-pro", http.StatusServiceUnavailable, "provider_not_configured"},
		{"/v1/models/no-such-model", http.StatusNotFound, "model_not_found"},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.path, nil)
		r.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		require.Equal(t, tc.status, w.Code, "%s: %s", tc.path, w.Body.String())
		assert.Equal(t, tc.code, *decodeError(t, w.Body.Bytes()).Error.Code, tc.path)
		if tc.status == http.StatusServiceUnavailable {
			assert.Equal(t, "false", w.Header().Get("X-Should-Retry"), tc.path)
		}
	}
}

func TestManagementRoutes(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.do(http.MethodGet, "/health", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, string(body))

	res, body = c.do(http.MethodGet, "/ready", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"providers":"ok (5 with credentials)"`)

	c.chat(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`)
	res, body = c.do(http.MethodGet, "/stats", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var st struct {
		Memory      map[string]any `json:"memory"`
		Concurrency struct {
			Requests struct {
				Completed int `json:"completed_count"`
			} `json:"requests"`
		} `json:"concurrency"`
		Health  map[string]any `json:"health"`
		Cost    map[string]any `json:"cost"`
		Gateway struct {
			Requests int64 `json:"requests"`
			Keys     []struct {
				ID       string  `json:"id"`
				Requests int64   `json:"requests"`
				Spent    float64 `json:"spent_cny"`
			} `json:"keys"`
		} `json:"gateway"`
	}
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Equal(t, 1, st.Concurrency.Requests.Completed)
	assert.Equal(t, "test", st.Gateway.Keys[0].ID)
	assert.EqualValues(t, 1, st.Gateway.Keys[0].Requests)
	assert.Positive(t, st.Gateway.Keys[0].Spent, "deepseek is priced")
	assert.NotEmpty(t, st.Memory)

	res, body = c.do(http.MethodGet, "/metrics", "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, string(body), `harbor_requests_total{error_type="",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 1`)
	assert.Contains(t, string(body), `harbor_gateway_http_requests_total{code="200",error_type="",route="chat"} 1`)
	assert.Contains(t, string(body), `harbor_gateway_streams_open 0`)
}

// A HEAD gets the headers its GET gets, Content-Length included, and no body,
// on every route the spec gives GET (ServeMux routes HEAD to GET patterns).
// Every answer but a stream is sent whole with its length.
//
// Regression (found by a new-user trial): /metrics, written by promhttp in
// pieces with no length, grows past the HTTP server's 8 KiB hold after a few
// calls; its GET then went chunked and its HEAD had no Content-Length, which
// is what net/http's server does too (past its 2 KiB) for an answer whose
// length the handler does not know.
func TestHEADIsFramedAsGET(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	for _, m := range []string{"deepseek-v4-flash", "doubao-seed-1-6-251015", "ERNIE-4.0-8K"} {
		res, body := c.chat(`{"model":"` + m + `","messages":[{"role":"user","content":"hi"}]}`)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	}
	for _, tc := range []struct {
		path   string
		gzip   bool // Accept-Encoding: gzip, as Prometheus sends
		stable bool // the GET and the HEAD answer the same bytes (/stats and /metrics count the requests)
	}{
		{path: "/health", stable: true},
		{path: "/ready", stable: true},
		{path: "/stats"},
		{path: "/metrics"},
		{path: "/metrics", gzip: true},
		{path: "/v1/models", stable: true},
		{path: "/v1/models/deepseek-v4-pro", stable: true},
	} {
		t.Run(fmt.Sprintf("%s gzip=%t", tc.path[1:], tc.gzip), func(t *testing.T) {
			conn := dial(t, g)
			br := bufio.NewReader(conn)
			ask := func(method string) (*http.Response, []byte) {
				t.Helper()
				req := method + " " + tc.path + " HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + g.Key + "\r\n"
				if tc.gzip {
					req += "Accept-Encoding: gzip\r\n"
				}
				_, err := io.WriteString(conn, req+"\r\n")
				require.NoError(t, err)
				require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
				res, err := http.ReadResponse(br, &http.Request{Method: method})
				require.NoError(t, err, "the answer to the %s: the one before it sent body bytes after a HEAD answer?", method)
				b, err := io.ReadAll(res.Body)
				require.NoError(t, err)
				require.NoError(t, res.Body.Close())
				require.Equal(t, http.StatusOK, res.StatusCode, "%s %s: %s", method, tc.path, b)
				return res, b
			}
			// The HEAD first and the GET after it on the same connection: a
			// HEAD answer that carried body bytes would break the GET's.
			head, headBody := ask(http.MethodHead)
			get, getBody := ask(http.MethodGet)
			assert.Empty(t, headBody)
			assert.Empty(t, get.TransferEncoding, "GET %s is sent whole, not chunked", tc.path)
			assert.Equal(t, strconv.Itoa(len(getBody)), get.Header.Get("Content-Length"), "GET %s", tc.path)
			assert.Empty(t, head.TransferEncoding)
			headLen := head.Header.Get("Content-Length")
			if assert.NotEmpty(t, headLen, "HEAD %s has the Content-Length its GET has", tc.path) && tc.stable {
				assert.Equal(t, get.Header.Get("Content-Length"), headLen, "HEAD %s", tc.path)
			}
			assert.Equal(t, get.Header.Get("Content-Type"), head.Header.Get("Content-Type"))
			assert.Equal(t, get.Header.Get("Content-Encoding"), head.Header.Get("Content-Encoding"))
			if tc.path == "/metrics" && !tc.gzip {
				assert.Greater(t, len(getBody), 8<<10, "the exposition outgrows the HTTP server's 8 KiB hold, as in the trial")
			}
		})
	}
}

// /stats with require_admin_key, and /metrics with metrics_require_admin_key
// (found by a new-user trial: the metrics name every key id), are an admin
// key's: 401 without a key, 403 with another; the other route stays open.
func TestManagementRoutesCanNeedAnAdminKey(t *testing.T) {
	user, userSum, _ := gateway.NewKey()
	admin, adminSum, _ := gateway.NewKey()
	keys := []gateway.KeyConfig{{ID: "user", SHA256: userSum}, {ID: "ops", SHA256: adminSum, Admin: true}}
	for _, tc := range []struct {
		route, open, says string
		mgmt              gateway.ManagementConfig
	}{
		{"/stats", "/metrics", `"gateway"`, gateway.ManagementConfig{RequireAdminKey: true}},
		{"/metrics", "/stats", "harbor_gateway_http_requests_total", gateway.ManagementConfig{MetricsRequireAdminKey: true}},
	} {
		t.Run(tc.route, func(t *testing.T) {
			c := newBadCaller(t, gatewaytest.Start(t, gateway.Config{Management: tc.mgmt, Keys: keys}))
			res, body := c.do(http.MethodGet, tc.route, "")
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "%s", body)
			res, body = c.do(http.MethodGet, tc.route, "", "Authorization", "Bearer "+user)
			require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)
			assert.Contains(t, string(body), tc.route+" needs a key with admin: true")
			res, body = c.do(http.MethodGet, tc.route, "", "Authorization", "Bearer "+admin)
			require.Equal(t, http.StatusOK, res.StatusCode)
			assert.Contains(t, string(body), tc.says)
			res, _ = c.do(http.MethodGet, tc.open, "")
			assert.Equal(t, http.StatusOK, res.StatusCode, "%s stays open", tc.open)
		})
	}
}

func TestTraceIDs(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	const body = `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`
	tp := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	res, _ := c.chat(body, "Traceparent", tp, "X-Request-Id", "my-req-1")
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", res.Header.Get("X-Trace-Id"))
	assert.Equal(t, "my-req-1", res.Header.Get("X-Request-Id"))
	sent := g.Mock(harbortest.DeepSeek).ChatRequests()
	require.NotEmpty(t, sent)
	assert.Contains(t, sent[len(sent)-1].Header.Get("Traceparent"), "0af7651916cd43dd8448eb211c80319c", "the vendor call joins the trace")

	res, _ = c.chat(body, "X-Request-Id", "4bf92f3577b34da6a3ce929d0e0e4736")
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", res.Header.Get("X-Trace-Id"), "a trace-id-shaped request id is the trace id")

	res, body2 := c.chat(body, "Traceparent", "00-garbage")
	require.Equal(t, http.StatusOK, res.StatusCode, "a malformed traceparent is ignored: %s", body2)
	assert.Len(t, res.Header.Get("X-Trace-Id"), 32)
	assert.Contains(t, g.AccessLog(), `"request_id":"my-req-1"`)
	assert.Contains(t, g.AccessLog(), `"trace_id":"0af7651916cd43dd8448eb211c80319c"`)
}

// Fields OpenAI's SDKs send that harbor does not have are accepted and ignored;
// "stop" may be a string and the role "developer" is system.
func TestRequestLeniency(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","store":false,"metadata":{"a":"b"},"logit_bias":{"1":2},"stop":"\n",
		"messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}],"x_unknown":[1,2]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	sent := g.Mock(harbortest.DeepSeek).ChatRequests()
	got := string(sent[len(sent)-1].Body)
	assert.NotContains(t, got, "x_unknown")
	assert.NotContains(t, got, "logit_bias")
	assert.Contains(t, got, `"stop":["\n"]`)
	assert.Contains(t, got, `"role":"system"`)
}

func TestPassthroughFields(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{PassthroughFields: []string{"x_vendor_flag"}})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","x_vendor_flag":{"on":true},"x_other":1,"messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	sent := g.Mock(harbortest.DeepSeek).ChatRequests()
	got := string(sent[len(sent)-1].Body)
	assert.Contains(t, got, `"x_vendor_flag":{"on":true}`)
	assert.NotContains(t, got, "x_other")
}

// Every built-in vendor answers through the gateway, plain and streamed, and a
// fallback chain and an alias route like models.
func TestEveryVendor(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{
		Aliases:   map[string]string{"fast": "deepseek/deepseek-v4-flash"},
		Fallbacks: map[string][]string{"smart": {"deepseek-v4-pro", "doubao-seed-1-6-251015"}},
	})
	c := newCaller(t, g)
	for _, model := range []string{"deepseek-v4-flash", "doubao-seed-1-6-251015", "ERNIE-4.0-8K", "ernie-4.5-turbo-32k", "gpt-4o", "fast", "smart"} {
		for _, stream := range []bool{false, true} {
			body := fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, model, stream)
			res, out := c.chat(body)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s stream=%t: %s", model, stream, out)
			assert.Contains(t, string(out), "Hello!", model)
		}
	}
}

func TestToolsThroughTheGateway(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"weather in Paris"}],
		"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var cc llm.ChatCompletion
	require.NoError(t, json.Unmarshal(body, &cc))
	require.Len(t, cc.Choices[0].Message.ToolCalls, 1)
	assert.Equal(t, "weather", cc.Choices[0].Message.ToolCalls[0].Function.Name)
	assert.Equal(t, "tool_calls", cc.Choices[0].FinishReason)
}
