package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/harbor"
)

func noRetries() gateway.UpstreamConfig {
	zero := 0
	return gateway.UpstreamConfig{MaxRetries: &zero}
}

// Each class of vendor failure reaches the caller with its status, OpenAI's
// error body and, where it applies, Retry-After — plain and streamed (a stream
// that fails before its first chunk is an ordinary error answer).
func TestVendorErrorsMapToStatuses(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{
		Upstream: gateway.UpstreamConfig{MaxRetries: noRetries().MaxRetries, ResponseHeaderTimeout: 300 * time.Millisecond},
	})
	c := newCaller(t, g)
	cases := []struct {
		name       string
		vendor     harbortest.Vendor
		model      string
		fault      harbortest.Fault
		status     int
		code       string
		retryAfter string
	}{
		{"rate limited", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.RateLimited("7"), 429, "upstream_rate_limited", "7"},
		{"server error", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.ServerError(), 502, "upstream_error", ""},
		{"overloaded", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.Overloaded(), 502, "upstream_error", ""},
		{"reset", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.ConnectionReset(), 502, "upstream_error", ""},
		{"vendor refuses our key", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.Unauthorized(), 502, "upstream_authentication", ""},
		{"vendor account empty", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.InsufficientBalance(), 502, "upstream_insufficient_balance", ""},
		{"vendor refuses the request", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.InvalidParams("bad value"), 400, "invalid_value", ""},
		{"content filter", harbortest.Doubao, "doubao-seed-1-6-251015", harbortest.ArkSensitiveContent(), 400, "content_filter", ""},
		{"vendor does not know the model", harbortest.OpenAI, "gpt-4o",
			harbortest.ReplyJSON(404, `{"error":{"message":"The model does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}`),
			404, "model_not_found", ""},
		{"vendor hangs", harbortest.DeepSeek, "deepseek-v4-flash", harbortest.Fault{Latency: 5 * time.Second}, 504, "upstream_timeout", ""},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%t", tc.name, stream), func(t *testing.T) {
				g.Mock(tc.vendor).Enqueue(tc.fault)
				start := time.Now()
				res, body := c.chat(fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, tc.model, stream))
				require.Equal(t, tc.status, res.StatusCode, "%s", body)
				assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
				e := decodeError(t, body)
				require.NotNil(t, e.Error.Code)
				assert.Equal(t, tc.code, *e.Error.Code)
				assert.Equal(t, tc.retryAfter, res.Header.Get("Retry-After"))
				assert.Less(t, time.Since(start), 3*time.Second, "bounded by harbor's timeouts")
				assert.Len(t, res.Header.Get("X-Trace-Id"), 32)
			})
		}
	}
}

// An error that no retry can change is sent with X-Should-Retry: false, which
// the official OpenAI SDKs obey before the status (they retry 408, 409, 429
// and 5xx): a provider without credentials on the gateway, and the vendor
// refusing the gateway's own account. An error a later try may get past
// keeps the SDKs' retries: no header. Regression (found by a new-user trial):
// the Node SDK sent a 503 provider_not_configured three times.
func TestPermanentErrorsSayNotToRetry(t *testing.T) {
	key, sum, _ := gateway.NewKey()
	limited, lsum, _ := gateway.NewKey()
	g := gatewaytest.Start(t, gateway.Config{
		Upstream:  noRetries(),
		Endpoints: []gateway.EndpointConfig{{Name: "keyless", BaseURL: "http://127.0.0.1:1/v1", APIKeyEnv: "NO_SUCH_KEY", Prefixes: []string{"keyless-"}}},
		Keys:      []gateway.KeyConfig{{ID: "any", SHA256: sum}, {ID: "limited", SHA256: lsum, RPM: 1}},
	})
	g.Key = key
	c := newCaller(t, g)
	const ds = "deepseek-v4-flash"
	res, body := c.chat(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`, "Authorization", "Bearer "+limited)
	require.Equal(t, http.StatusOK, res.StatusCode, "the limited key's one call a minute: %s", body)
	fault := func(f harbortest.Fault) *harbortest.Fault { return &f }
	for _, tc := range []struct {
		model  string
		fault  *harbortest.Fault
		key    string
		status int
		code   string
		final  bool
	}{
		{"keyless-1", nil, "", 503, "provider_not_configured", true},
		{ds, fault(harbortest.Unauthorized()), "", 502, "upstream_authentication", true},
		{ds, fault(harbortest.Fault{Status: http.StatusForbidden}), "", 502, "upstream_permission", true},
		{ds, fault(harbortest.InsufficientBalance()), "", 502, "upstream_insufficient_balance", true},
		{ds, fault(harbortest.ServerError()), "", 502, "upstream_error", false},
		{ds, fault(harbortest.RateLimited("1")), "", 429, "upstream_rate_limited", false},
		{ds, nil, limited, 429, "rate_limit_exceeded", false}, // the key's rpm, used up above
	} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stream=%t", tc.code, stream), func(t *testing.T) {
				if tc.fault != nil {
					g.Mock(harbortest.DeepSeek).Enqueue(*tc.fault)
				}
				var header []string
				if tc.key != "" {
					header = []string{"Authorization", "Bearer " + tc.key}
				}
				res, body := c.chat(fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, tc.model, stream), header...)
				require.Equal(t, tc.status, res.StatusCode, "%s", body)
				assert.Equal(t, tc.code, *decodeError(t, body).Error.Code)
				if tc.final {
					assert.Equal(t, []string{"false"}, res.Header.Values("X-Should-Retry"), "%s", tc.code)
				} else {
					assert.Empty(t, res.Header.Values("X-Should-Retry"), "%s: the SDKs may retry it", tc.code)
				}
			})
		}
	}
}

// harbor's own client obeys the header too: a harbor openai provider pointed at
// a gateway sends a provider_not_configured call once, not once per retry, and
// still retries an error the gateway leaves open (a vendor's 5xx).
func TestHarborClientObeysShouldRetry(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{
		Upstream:  noRetries(),
		Endpoints: []gateway.EndpointConfig{{Name: "keyless", BaseURL: "http://127.0.0.1:1/v1", APIKeyEnv: "NO_SUCH_KEY", Prefixes: []string{"keyless-"}}},
	})
	c := harbor.Must(harbor.New(
		harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithAPIKey("openai", g.Key),
		harbor.WithBaseURL("openai", g.BaseURL()),
		harbor.WithMaxRetries(2),
		harbor.WithRetryWait(time.Millisecond, 2*time.Millisecond),
	))
	defer c.Close()
	ask := func(model string) error {
		_, err := c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
			Model: "openai/" + model, Messages: []harbor.Message{harbor.UserMessage("hi")}})
		return err
	}
	lines := func() int { return strings.Count(g.AccessLog(), "\n") }

	require.ErrorIs(t, ask("keyless-1"), harbor.ErrServer)
	assert.Equal(t, 1, lines(), "a 503 provider_not_configured was resent:\n%s", g.AccessLog())

	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.ServerError())
	require.NoError(t, ask("deepseek-v4-flash"), "the gateway's 502 upstream_error is worth a retry")
	assert.Equal(t, 3, lines(), "one retry after the 502:\n%s", g.AccessLog())
}

func TestGatewayErrors(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{
		Endpoints: []gateway.EndpointConfig{{Name: "keyless", BaseURL: "http://127.0.0.1:1/v1", APIKeyEnv: "NO_SUCH_KEY", Prefixes: []string{"keyless-"}}},
	})
	c := newBadCaller(t, g)
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		param      string
	}{
		{"unknown model", `{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}`, 404, "model_not_found", "model"},
		{"no model", `{"messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_value", "model"},
		{"no messages", `{"model":"deepseek-v4-flash","messages":[]}`, 400, "invalid_value", "messages"},
		{"temperature out of range", `{"model":"deepseek-v4-flash","temperature":5,"messages":[{"role":"user","content":"hi"}]}`, 400, "invalid_value", "temperature"},
		{"provider without credentials", `{"model":"keyless-1","messages":[{"role":"user","content":"hi"}]}`, 503, "provider_not_configured", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := c.chat(tc.body)
			require.Equal(t, tc.status, res.StatusCode, "%s", body)
			e := decodeError(t, body)
			assert.Equal(t, tc.code, *e.Error.Code, "%s", body)
			if tc.param != "" {
				require.NotNil(t, e.Error.Param, "%s", body)
				assert.Equal(t, tc.param, *e.Error.Param)
			} else {
				assert.Nil(t, e.Error.Param)
			}
		})
	}
}

func TestCircuitOpenAndQueueFull(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{
		Upstream: noRetries(),
		Breaker:  &gateway.BreakerConfig{Failures: 1, Cooldown: time.Minute},
		Limits:   &gateway.LimitsConfig{PerProvider: map[string]int{"doubao": 1}},
	})
	c := newCaller(t, g)
	const ds = `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.ServerError())
	res, _ := c.chat(ds)
	require.Equal(t, http.StatusBadGateway, res.StatusCode)
	res, body := c.chat(ds)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
	assert.Equal(t, "circuit_open", *decodeError(t, body).Error.Code)
	assert.NotEmpty(t, res.Header.Get("Retry-After"))
	res, body = c.do(http.MethodGet, "/ready", "")
	assert.Equal(t, http.StatusOK, res.StatusCode, "one open circuit of five: still ready: %s", body)

	// One doubao call at a time and no queue: a second one at once is refused.
	g.Mock(harbortest.Doubao).Enqueue(harbortest.Fault{Latency: 500 * time.Millisecond})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.chat(`{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"slow"}]}`)
	}()
	time.Sleep(100 * time.Millisecond)
	res, body = c.chat(`{"model":"doubao-seed-1-6-251015","messages":[{"role":"user","content":"hi"}]}`)
	<-done
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
	e := decodeError(t, body)
	assert.Equal(t, "queue_full", *e.Error.Code)
	assert.Equal(t, "doubao: this gateway is at its limit of calls at once and its queue is full; retry in the seconds Retry-After gives", e.Error.Message,
		"the gateway's capacity is not the caller's business")
	assert.Equal(t, "1", res.Header.Get("Retry-After"))
}

// A stream that fails after its first chunk cannot change its status: it ends
// with an error event and no [DONE].
func TestStreamFailsMidway(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Upstream: noRetries()})
	c := newCaller(t, g)
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.TruncatedStream(3))
	res, body := c.chat(`{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"hi there"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode)
	ev := events(t, body)
	require.Len(t, ev, 4, "%s", body)
	assert.Contains(t, ev[3], `"error":{`)
	assert.Contains(t, ev[3], `"code":"upstream_error"`)
	assert.NotContains(t, string(body), "[DONE]")
	assert.Contains(t, g.AccessLog(), `"error_type":"stream_truncated"`)
}

// A vendor's failure reaches the caller as what happened — timeout, refused,
// reset, the vendor's 5xx, a stream cut — with the provider's name, but never
// the vendor's URL nor a host:port (net/http's errors name both); the access
// log line keeps the whole error, and never a key. Plain, streamed before the
// first chunk (an error answer) and after it (an error event).
func TestVendorFailuresHideTheVendorAddress(t *testing.T) {
	// Port 1, as TestGatewayErrors: a port freed by closing a listener can be
	// taken by another test's server before this one dials it.
	const closed = "127.0.0.1:1"
	g := gatewaytest.Start(t, gateway.Config{
		Upstream: gateway.UpstreamConfig{MaxRetries: noRetries().MaxRetries,
			ResponseHeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond},
		Endpoints: []gateway.EndpointConfig{{Name: "closed", BaseURL: "http://" + closed + "/v1/acct-42",
			KeyOptional: true, Prefixes: []string{"closed-"}}},
	})
	c := newCaller(t, g)
	ds := g.Mock(harbortest.DeepSeek)
	mockAddr := strings.TrimPrefix(ds.URL(), "http://")
	cases := []struct {
		name     string
		model    string
		fault    *harbortest.Fault // on DeepSeek's mock
		stream   bool
		midway   bool // the failure comes after the first chunk: an error event
		status   int
		code     string
		says     string // in the caller's message
		logSays  string // in the access log's error
		provider string
	}{
		{"vendor hangs", "deepseek-v4-flash", &harbortest.Fault{Latency: 5 * time.Second}, false, false, 504, "upstream_timeout",
			"timed out", "timeout awaiting response headers", "deepseek"},
		{"vendor hangs/stream", "deepseek-v4-flash", &harbortest.Fault{Latency: 5 * time.Second}, true, false, 504, "upstream_timeout",
			"timed out", "timeout awaiting response headers", "deepseek"},
		{"port closed", "closed-1", nil, false, false, 502, "upstream_error", "the connection to the vendor failed (connection refused)", closed, "closed"},
		{"port closed/stream", "closed-1", nil, true, false, 502, "upstream_error", "connection refused", closed, "closed"},
		{"reset", "deepseek-v4-flash", ptr(harbortest.ConnectionReset()), false, false, 502, "upstream_error", "connection reset", mockAddr, "deepseek"},
		{"5xx page naming a proxy", "deepseek-v4-flash",
			ptr(harbortest.ReplyJSON(502, `<html>bad gateway: http://10.9.8.7:3128/acct-42 is down</html>`)), false, false, 502, "upstream_error",
			"HTTP 502", "10.9.8.7:3128", "deepseek"},
		{"stream cut midway", "deepseek-v4-flash", ptr(harbortest.AbortedStream(2)), true, true, 200, "upstream_error",
			"ended before it was complete", "unexpected EOF", "deepseek"},
		{"stream stalls midway", "deepseek-v4-flash", ptr(harbortest.StalledStream(2)), true, true, 200, "upstream_timeout",
			"timed out", "idle timeout", "deepseek"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				ds.Enqueue(*tc.fault)
			}
			res, body := c.chat(fmt.Sprintf(`{"model":%q,"stream":%t,"messages":[{"role":"user","content":"hi"}]}`, tc.model, tc.stream))
			require.Equal(t, tc.status, res.StatusCode, "%s", body)
			var e openAIError
			if tc.midway {
				ev := events(t, body)
				require.NotEmpty(t, ev, "%s", body)
				e = decodeError(t, []byte(ev[len(ev)-1]))
			} else {
				e = decodeError(t, body)
			}
			require.NotNil(t, e.Error.Code, "%s", body)
			assert.Equal(t, tc.code, *e.Error.Code)
			assert.True(t, strings.HasPrefix(e.Error.Message, tc.provider+": "), "names the provider: %q", e.Error.Message)
			assert.Contains(t, e.Error.Message, tc.says)
			for _, leak := range []string{"http://", "127.0.0.1", closed, mockAddr, "10.9.8.7", "acct-42"} {
				assert.NotContains(t, string(body), leak, "the answer names the vendor's address")
			}

			trace := res.Header.Get("X-Trace-Id")
			require.Len(t, trace, 32)
			var line map[string]any
			require.Eventually(t, func() bool { line = logLine(t, g, trace); return line != nil }, 5*time.Second, 5*time.Millisecond)
			assert.Contains(t, line["error"], tc.logSays, "the access log keeps the whole error")
			log := g.AccessLog()
			for _, key := range []string{g.Key, ds.APIKey()} {
				assert.NotContains(t, log, key, "the access log carries a key")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// logLine is the access log's line for the request with this trace id, nil
// while there is none.
func logLine(t *testing.T, g *gatewaytest.Gateway, trace string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(g.AccessLog(), "\n") {
		if !strings.Contains(l, trace) {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if m["trace_id"] == trace {
			return m
		}
	}
	return nil
}

// With mock vendors for the built-ins, an openai_compatible endpoint still
// takes its key from the gateway's environment (cfg.Getenv): the mocks'
// options configure the mocked providers only.
func TestMockedGatewayReadsEndpointKeys(t *testing.T) {
	upstream := harbortest.Start(t, harbortest.OpenAI, harbortest.WithoutSpecCheck())
	g := gatewaytest.Start(t, gateway.Config{
		Getenv: func(k string) string {
			if k == "MINE_KEY" {
				return upstream.APIKey()
			}
			return ""
		},
		Endpoints: []gateway.EndpointConfig{{Name: "mine", BaseURL: upstream.BaseURL(), APIKeyEnv: "MINE_KEY",
			Aliases: map[string]string{"mine-chat": upstream.Model()}}},
	})
	c := newBadCaller(t, g)
	res, body := c.chat(`{"model":"mine-chat","messages":[{"role":"user","content":"hi"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"chat.completion"`)
}

// A model that does not exist gets OpenAI's answer — 404, type
// invalid_request_error, code model_not_found, param model — whoever finds it
// missing: the gateway (no provider serves the name; nothing is sent) or the
// vendor (it answered 404 for a model the gateway routes). The access log and
// the metrics keep who said so, in harbor's class names (those of harbor.ErrorType,
// harbor_requests_total and fallback_on): unknown_model and not_found. A
// vendor's own documented answer to a model it does not know is a 404 too,
// whatever its status: DeepSeek's 400 "The supported API model names are …,
// but you passed …" and Qianfan v2's 400 invalid_model (found by a new-user
// trial: they reached the caller as 400 invalid_value, so the OpenAI SDKs
// raised BadRequestError where OpenAI's own answer raises NotFoundError). A
// URL without a route is not a model: 404 unknown_url with no param.
//
// Regression (found by a new-user trial): the route 404's error_type was
// not_found, harbor's class of a vendor's 404, so error_type="not_found"
// counted callers' wrong URLs together with models the vendor does not know.
func TestNotFoundAnswers(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Upstream: noRetries()})
	c := newBadCaller(t, g)
	const vendor404 = `{"error":{"message":"The model does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}`
	const deepseekRetired = `{"error":{"message":"The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-chat.","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}`
	for _, tc := range []struct {
		name, method, path, body string
		fault                    bool // the OpenAI mock answers vendor404
		vendor                   harbortest.Vendor
		reply                    string // vendor's next answer, a 400
		code, param, errorType   string
		route                    string // the metric's label
	}{
		{name: "the gateway does not know the model", method: http.MethodPost, path: "/v1/chat/completions",
			body: `{"model":"no-such-model","messages":[{"role":"user","content":"hi"}]}`,
			code: "model_not_found", param: "model", errorType: "unknown_model", route: "chat"},
		{name: "the gateway does not know the model (models route)", method: http.MethodGet, path: "/v1/models/no-such-model",
			code: "model_not_found", param: "model", errorType: "unknown_model", route: "model"},
		{name: "the vendor does not know the model", method: http.MethodPost, path: "/v1/chat/completions",
			body: `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`, fault: true,
			code: "model_not_found", param: "model", errorType: "not_found", route: "chat"},
		{name: "the vendor does not know the model (stream)", method: http.MethodPost, path: "/v1/chat/completions",
			body: `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}`, fault: true,
			code: "model_not_found", param: "model", errorType: "not_found", route: "chat"},
		{name: "DeepSeek's 400 for a model name it does not serve", method: http.MethodPost, path: "/v1/chat/completions",
			body:   `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"hi"}]}`,
			vendor: harbortest.DeepSeek, reply: deepseekRetired,
			code: "model_not_found", param: "model", errorType: "not_found", route: "chat"},
		{name: "Wenxin's model without an endpoint (nothing sent)", method: http.MethodPost, path: "/v1/chat/completions",
			body: `{"model":"ERNIE-Nonexistent-8K","messages":[{"role":"user","content":"hi"}]}`,
			code: "model_not_found", param: "model", errorType: "unknown_model", route: "chat"},
		{name: "DeepSeek's 400 Model Not Exist", method: http.MethodPost, path: "/v1/chat/completions",
			body: `{"model":"deepseek-v9","messages":[{"role":"user","content":"hi"}]}`, // the mock's own answer
			code: "model_not_found", param: "model", errorType: "not_found", route: "chat"},
		{name: "Qianfan's 400 invalid_model", method: http.MethodPost, path: "/v1/chat/completions",
			body: `{"model":"ernie-9.9-8k","messages":[{"role":"user","content":"hi"}]}`, // the mock's own answer
			code: "model_not_found", param: "model", errorType: "not_found", route: "chat"},
		{name: "no such route", method: http.MethodGet, path: "/v1/completions",
			code: "unknown_url", errorType: "unknown_url", route: "other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault {
				g.Mock(harbortest.OpenAI).Enqueue(harbortest.ReplyJSON(404, vendor404))
			}
			if tc.reply != "" {
				g.Mock(tc.vendor).Enqueue(harbortest.ReplyJSON(400, tc.reply))
			}
			res, body := c.do(tc.method, tc.path, tc.body)
			require.Equal(t, http.StatusNotFound, res.StatusCode, "%s", body)
			e := decodeError(t, body)
			assert.Equal(t, "invalid_request_error", e.Error.Type, "%s", body)
			if assert.NotNil(t, e.Error.Code, "%s", body) {
				assert.Equal(t, tc.code, *e.Error.Code)
			}
			if tc.param == "" {
				assert.Nil(t, e.Error.Param, "%s", body)
			} else if assert.NotNil(t, e.Error.Param, "%s", body) {
				assert.Equal(t, tc.param, *e.Error.Param)
			}
			line := accessLine(t, g, res.Header.Get("X-Trace-Id"))
			assert.Equal(t, tc.errorType, line["error_type"], "the access log's error_type")
			assert.EqualValues(t, http.StatusNotFound, line["status"])
		})
	}
	_, body := c.do(http.MethodGet, "/metrics", "")
	var counts []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(l, "harbor_gateway_http_requests_total{") {
			counts = append(counts, l)
		}
	}
	metrics := strings.Join(counts, "\n")
	for _, want := range []string{
		`harbor_gateway_http_requests_total{code="404",error_type="unknown_model",route="chat"} 2`,
		`harbor_gateway_http_requests_total{code="404",error_type="unknown_model",route="model"} 1`,
		`harbor_gateway_http_requests_total{code="404",error_type="not_found",route="chat"} 5`,
		`harbor_gateway_http_requests_total{code="404",error_type="unknown_url",route="other"} 1`,
	} {
		assert.Contains(t, metrics, want)
	}
}

// accessLine is the access log line of the request with trace id id.
func accessLine(t *testing.T, g *gatewaytest.Gateway, id string) map[string]any {
	t.Helper()
	require.Len(t, id, 32, "the answer's X-Trace-Id")
	for _, l := range strings.Split(g.AccessLog(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["trace_id"] == id {
			return m
		}
	}
	require.Failf(t, "no access log line", "trace id %s", id)
	return nil
}

// Only Wenxin's own "no endpoint" (nothing sent) is answered as an unknown
// model: the vendor's 336005 keeps its words, and a name reached through an
// alias does not show its target (found by a review).
func TestWenxinNoEndpointIsTheCallersUnknownModel(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Upstream: noRetries(), Aliases: map[string]string{"ernie-typo": "wenxin/ERNIE-Made-Up"}})
	c := newBadCaller(t, g)
	chat := func(model string) (int, openAIError) {
		res, body := c.do(http.MethodPost, "/v1/chat/completions", `{"model":"`+model+`","messages":[{"role":"user","content":"hi"}]}`)
		return res.StatusCode, decodeError(t, body)
	}
	status, e := chat("ERNIE-Nonexistent-8K")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, `the model "ERNIE-Nonexistent-8K" does not exist on this gateway; GET /v1/models lists them`, e.Error.Message)

	status, e = chat("wenxin/ERNIE-Nonexistent-8K")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, `the model "wenxin/ERNIE-Nonexistent-8K" does not exist on this gateway; GET /v1/models lists them`, e.Error.Message,
		"the provider/model form is the caller's name too")

	status, e = chat("ernie-typo")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, `the model "ernie-typo" is not available on this gateway`, e.Error.Message)
	assert.NotContains(t, e.Error.Message, "Made-Up", "the alias's target is the operator's")

	g.Mock(harbortest.Wenxin).Enqueue(harbortest.ReplyJSON(200, `{"error_code":336005,"error_msg":"API name not exist"}`))
	status, e = chat("ERNIE-4.0-8K")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "wenxin: API name not exist", e.Error.Message, "the vendor's own answer keeps its words")

	log := g.AccessLog()
	assert.Contains(t, log, `"error_type":"unknown_model"`)
	assert.Contains(t, log, `"error_type":"not_found"`)

	// Another provider's vendor code "no_endpoint" is the vendor's answer,
	// not Wenxin's model without an endpoint (found by a review).
	g.Mock(harbortest.DeepSeek).Enqueue(harbortest.ReplyJSON(503, `{"error":{"code":"no_endpoint","message":"no healthy upstream endpoint, try later"}}`))
	status, e = chat("deepseek-v4-flash")
	assert.Equal(t, http.StatusBadGateway, status, "a vendor's 5xx")
	assert.NotContains(t, e.Error.Message, "does not exist")
}
