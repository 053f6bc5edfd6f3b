//go:build unix

package conformance

// Prism (@stoplight/prism-cli, pinned in package.json / package-lock.json here)
// is an independent validator of spec/*.yaml: it is not our code and not
// kin-openapi, so it catches what our own checks might share a blind spot with.
// TestPrism puts one `prism proxy <spec> <mock>` in front of each vendor's mock
// and runs harbor through it, so Prism checks every request harbor sends (a
// violation is answered 422 application/problem+json instead of being
// forwarded) and every response the mock sends back (with --errors a violation
// becomes a 500 problem+json with an sl-violations header). prismGuard, under
// harbor's client, turns either into a test failure that shows Prism's words.
//
// What experiment showed about Prism 5.14 as a proxy (and the test relies on):
//   - It matches the request path against the spec's paths as they are written,
//     ignoring the path in `servers` (Ark's /api/v3, Qianfan v2's /v2, OpenAI's
//     /v1): /api/v3/chat/completions is a 404 NO_PATH_MATCHED_ERROR. So harbor's
//     base URL is Prism's bare URL and the vendor's base path goes on the
//     upstream URL instead (Prism forwards to upstream + request path).
//   - Query parameters are validated (Qianfan v1's required ?access_token=, the
//     token endpoint's grant_type/client_id/client_secret) and forwarded.
//   - Event streams are buffered whole and answered with a Content-Length; their
//     schema is `type: string`, so Prism checks the status, content type and
//     headers of a stream but not its events (conformance/speccheck does that).
//   - It adds CORS headers to every answer; prismGuard uses that to prove an
//     answer really came through Prism.
//   - A schema ajv cannot compile (for example `nullable: true` beside a oneOf
//     but without a type) is not validated at all, silently: Qianfan v2's whole
//     request body and OpenAI's error bodies went unchecked that way. So the test
//     first runs prism-schemas.js, which compiles every schema with Prism's own
//     modules and lists those that fail.
//
// Why 5.14.2 and not the newest 5.x: 5.15 and later require Node 24, and 5.16
// fails to start on Debian 12's Node 18 (ERR_REQUIRE_ESM), which is what
// scripts/test installs on a machine without Node. package.json's overrides
// hold Prism's own packages (core, http, http-server) at the newest versions
// that still run on Node 18; 5.14.2's ranges would otherwise admit 5.16.
//
// scripts/test installs Prism (npm ci) and sets HARBOR_PRISM and
// HARBOR_REQUIRE_PRISM=1, so the README's test command never skips this test.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

const (
	prismBinEnv     = "HARBOR_PRISM"         // path to the prism executable
	prismRequireEnv = "HARBOR_REQUIRE_PRISM" // "1": a missing Prism fails instead of skipping
	// prismProblemType prefixes the "type" of every problem+json body Prism
	// writes itself (422 UNPROCESSABLE_ENTITY, 500 VIOLATIONS, 404
	// NO_PATH_MATCHED_ERROR, 502 UPSTREAM…): such an answer is Prism's, not the
	// mock's.
	prismProblemType = "https://stoplight.io/prism/errors#"
	// prismStartTimeout bounds how long one Prism may take to listen. Alone it
	// takes ~3 s; five at once beside `go test -race ./...` on two cores, longer.
	prismStartTimeout = 90 * time.Second
	prismLogCap       = 64 << 10
)

const (
	prismDSKey     = "sk-prism-deepseek-0123456789abcdef"
	prismArkKey    = "ark-prism-0123456789abcdef"
	prismWxKey     = "wx-ak-prism-0123456789abcdef"
	prismWxSecret  = "wx-sk-prism-fedcba9876543210"
	prismQf2Key    = "bce-v3/ALTAK-prism/0123456789abcdef"
	prismOpenAIKey = "sk-prism-openai-0123456789abcdef"
)

// prismMock is what the test needs of a mock vendor.
type prismMock interface {
	http.Handler
	Enqueue(...mockvendor.Fault)
	Requests() []mockvendor.RecordedRequest
	Reset()
}

// prismVendor is one vendor behind Prism.
type prismVendor struct {
	provider string
	spec     string // file under spec/
	// basePath is the vendor's base path (the path of the spec's first server).
	// Prism matches requests against the spec's paths without it, so it goes
	// on the upstream URL, not on harbor's base URL.
	basePath string
	mock     func() prismMock
	cfg      harbor.ProviderConfig // credentials; BaseURL becomes Prism's URL
	calls    []prismCall
}

// prismCall is one harbor call through Prism. Retries are off, so each call is
// exactly one chat request and each queued fault answers exactly that request.
type prismCall struct {
	name   string
	faults []mockvendor.Fault
	req    harbor.ChatRequest
	stream bool

	// an error of this class, with this HTTP status and vendor code when set …
	err    error
	status int
	code   string
	// … or an answer: text and finish when set; reasoning must be non-empty when
	// wantReasoning; tool names the one tool call expected.
	text, finish  string
	wantReasoning bool
	tool          string
	jsonText      bool // the answer's text is JSON (a response_format call)
}

var prismWeather = []harbor.Tool{harbor.FunctionTool("get_weather", "Weather of a city",
	map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}})}

// prismAnswers are the calls every vendor gets: plain Create and Stream, a
// tool call both ways. model is the vendor's plain model; thinking, when not
// nil, turns reasoning off for vendors whose default model thinks.
func prismAnswers(model string, thinking *harbor.Thinking) []prismCall {
	plain := harbor.ChatRequest{Model: model, Messages: user("hi"), Thinking: thinking}
	tool := harbor.ChatRequest{Model: model, Messages: user("weather in Paris"), Thinking: thinking, Tools: prismWeather}
	return []prismCall{
		{name: "create", req: plain, text: "Hello! You said: hi", finish: "stop"},
		{name: "stream", req: plain, stream: true, text: "Hello! You said: hi", finish: "stop"},
		{name: "tool call create", req: tool, finish: "tool_calls", tool: "get_weather"},
		{name: "tool call stream", req: tool, stream: true, finish: "tool_calls", tool: "get_weather"},
	}
}

// prismJSON are response_format calls: json_object Create and Stream, and
// json_schema too when withSchema (the vendor takes it). thinking as for
// prismAnswers.
func prismJSON(model string, thinking *harbor.Thinking, withSchema bool) []prismCall {
	obj := harbor.ChatRequest{Model: model, Messages: user("the weather in Paris, as JSON"), Thinking: thinking,
		ResponseFormat: &harbor.ResponseFormat{Type: "json_object"}}
	calls := []prismCall{
		{name: "json_object create", req: obj, jsonText: true},
		{name: "json_object stream", req: obj, stream: true, jsonText: true},
	}
	if withSchema {
		sch := harbor.ChatRequest{Model: model, Messages: user("the weather in Paris"), Thinking: thinking, ResponseFormat: fmtJSONSchema()}
		calls = append(calls,
			prismCall{name: "json_schema create", req: sch, jsonText: true},
			prismCall{name: "json_schema stream", req: sch, stream: true, jsonText: true})
	}
	return calls
}

// prismReasoning are a thinking model's Create and Stream.
func prismReasoning(req harbor.ChatRequest) []prismCall {
	return []prismCall{
		{name: "reasoning create", req: req, wantReasoning: true, finish: "stop"},
		{name: "reasoning stream", req: req, stream: true, wantReasoning: true, finish: "stop"},
	}
}

// prismFault is a call answered by the fault f, Create or Stream.
func prismFault(name string, f mockvendor.Fault, req harbor.ChatRequest, stream bool, kind error, status int, code string) prismCall {
	return prismCall{name: name, faults: []mockvendor.Fault{f}, req: req, stream: stream, err: kind, status: status, code: code}
}

func prismVendors() []prismVendor {
	ds := harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: user("hi"), Thinking: thinkingOff}
	ark := harbor.ChatRequest{Model: "doubao-seed-1-6-251015", Messages: user("hi")}
	wx := harbor.ChatRequest{Model: "ERNIE-4.0-8K", Messages: user("hi")}
	qf := harbor.ChatRequest{Model: "ernie-4.0-8k", Messages: user("hi")}
	oai := harbor.ChatRequest{Model: "gpt-4o", Messages: user("hi")}
	arkOff := &harbor.Thinking{Type: harbor.ThinkingDisabled}

	return []prismVendor{
		{
			provider: "deepseek", spec: "deepseek.yaml",
			mock: func() prismMock {
				return mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: prismDSKey, KeepAlives: 1})
			},
			cfg: harbor.ProviderConfig{APIKey: prismDSKey},
			calls: prismConcat(
				prismAnswers("deepseek-v4-flash", thinkingOff),
				prismJSON("deepseek-v4-flash", thinkingOff, false),
				prismReasoning(harbor.ChatRequest{Model: "deepseek-v4-pro", Messages: user("why")}),
				[]prismCall{
					prismFault("401", mockvendor.Unauthorized(), ds, false, harbor.ErrAuthentication, 401, ""),
					prismFault("402", mockvendor.InsufficientBalance(), ds, false, harbor.ErrInsufficientBalance, 402, ""),
					prismFault("422", mockvendor.InvalidParams(""), ds, false, harbor.ErrInvalidRequest, 422, ""),
					prismFault("429", mockvendor.RateLimited("1"), ds, false, harbor.ErrRateLimited, 429, ""),
					prismFault("429 stream", mockvendor.RateLimited(""), ds, true, harbor.ErrRateLimited, 429, ""),
					prismFault("500", mockvendor.ServerError(), ds, false, harbor.ErrServer, 500, ""),
					prismFault("503 stream", mockvendor.Overloaded(), ds, true, harbor.ErrServer, 503, ""),
				}),
		},
		{
			provider: "doubao", spec: "ark.yaml", basePath: "/api/v3",
			mock: func() prismMock { return mockvendor.NewArk(mockvendor.ArkConfig{APIKey: prismArkKey}) },
			cfg:  harbor.ProviderConfig{APIKey: prismArkKey},
			calls: prismConcat(
				prismAnswers("doubao-seed-1-6-251015", arkOff),
				prismJSON("doubao-seed-1-6-251015", arkOff, true),
				prismReasoning(ark),
				[]prismCall{
					prismFault("401", mockvendor.Unauthorized(), ark, false, harbor.ErrAuthentication, 401, "AuthenticationError"),
					prismFault("403 overdue", mockvendor.ArkOverdue(), ark, false, harbor.ErrInsufficientBalance, 403, "AccountOverdueError"),
					prismFault("404 model not open", mockvendor.ArkModelNotOpen(), ark, false, harbor.ErrNotFound, 404, "ModelNotOpen"),
					prismFault("400 sensitive content", mockvendor.ArkSensitiveContent(), ark, false, harbor.ErrContentFilter, 400, "SensitiveContentDetected.SevereViolation"),
					prismFault("429", mockvendor.ArkRateLimited(""), ark, false, harbor.ErrRateLimited, 429, "RateLimitExceeded.EndpointRPMExceeded"),
					prismFault("429 stream", mockvendor.ArkTPMLimited("1"), ark, true, harbor.ErrRateLimited, 429, "RateLimitExceeded.EndpointTPMExceeded"),
					prismFault("500", mockvendor.ServerError(), ark, false, harbor.ErrServer, 500, ""),
					prismFault("503 stream", mockvendor.Overloaded(), ark, true, harbor.ErrServer, 503, ""),
				}),
		},
		{
			// Wenxin has no reasoning_content; a function_call's "thoughts" become the
			// reasoning of a tool call, which the tool-call rows exercise.
			provider: "wenxin", spec: "qianfan-v1.yaml",
			mock: func() prismMock {
				return mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: prismWxKey, SecretKey: prismWxSecret})
			},
			cfg: harbor.ProviderConfig{APIKey: prismWxKey, SecretKey: prismWxSecret},
			calls: prismConcat(
				prismAnswers("ERNIE-4.0-8K", nil),
				prismJSON("ERNIE-4.0-8K", nil, false),
				[]prismCall{
					prismFault("IAM 401", mockvendor.QianfanV1IAMUnauthorized(), wx, false, harbor.ErrAuthentication, 401, "IamSignatureInvalid"),
					prismFault("IAM 403", mockvendor.Fault{Status: 403}, wx, false, harbor.ErrPermission, 403, "AccessDenied"),
					prismFault("HTTP-200 error_code 336501 RPM limit", mockvendor.QianfanV1RateLimited(), wx, false, harbor.ErrRateLimited, 0, "336501"),
					prismFault("HTTP-200 error_code 336100 high load", mockvendor.QianfanV1Overloaded(), wx, false, harbor.ErrServer, 0, "336100"),
					prismFault("HTTP-200 error_code 336003 invalid param", mockvendor.QianfanV1Error(336003), wx, false, harbor.ErrInvalidRequest, 0, "336003"),
					prismFault("HTTP-200 error_code 18 instead of a stream", mockvendor.QianfanV1QPSLimit(), wx, true, harbor.ErrRateLimited, 0, "18"),
					prismFault("gateway 503", mockvendor.Overloaded(), wx, false, harbor.ErrServer, 503, ""),
				}),
		},
		{
			provider: "qianfan", spec: "qianfan-v2.yaml", basePath: "/v2",
			mock: func() prismMock { return mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{APIKey: prismQf2Key}) },
			cfg:  harbor.ProviderConfig{APIKey: prismQf2Key},
			calls: prismConcat(
				prismAnswers("ernie-4.0-8k", nil),
				prismJSON("ernie-4.0-8k", nil, true),
				prismReasoning(harbor.ChatRequest{Model: "ernie-x1-32k", Messages: user("why")}),
				[]prismCall{
					prismFault("401", mockvendor.Unauthorized(), qf, false, harbor.ErrAuthentication, 401, ""),
					prismFault("400 invalid_model", mockvendor.Fault{Status: 400, Code: "invalid_model"}, qf, false, harbor.ErrNotFound, 400, "invalid_model"),
					prismFault("429", mockvendor.QianfanV2RateLimited("1"), qf, false, harbor.ErrRateLimited, 429, "rpm_rate_limit_exceeded"),
					prismFault("429 stream", mockvendor.QianfanV2TPMLimited(), qf, true, harbor.ErrRateLimited, 429, "tpm_rate_limit_exceeded"),
					prismFault("500", mockvendor.ServerError(), qf, false, harbor.ErrServer, 500, ""),
					prismFault("503 stream", mockvendor.Overloaded(), qf, true, harbor.ErrServer, 503, ""),
				}),
		},
		{
			// OpenAI returns no reasoning text; reasoning_effort is what harbor sends.
			provider: "openai", spec: "openai.yaml", basePath: "/v1",
			mock: func() prismMock { return mockvendor.NewOpenAI(mockvendor.OpenAIConfig{APIKey: prismOpenAIKey}) },
			cfg:  harbor.ProviderConfig{APIKey: prismOpenAIKey},
			calls: prismConcat(
				prismAnswers("gpt-4o", nil),
				prismJSON("gpt-4o", nil, true),
				[]prismCall{
					{name: "reasoning_effort create", req: harbor.ChatRequest{Model: "o4-mini", Messages: user("hi"), ReasoningEffort: "low"}, text: "Hello! You said: hi", finish: "stop"},
					{name: "reasoning_effort stream", req: harbor.ChatRequest{Model: "o4-mini", Messages: user("hi"), ReasoningEffort: "low"}, stream: true, text: "Hello! You said: hi", finish: "stop"},
					prismFault("401", mockvendor.Unauthorized(), oai, false, harbor.ErrAuthentication, 401, ""),
					prismFault("429 insufficient_quota", mockvendor.OpenAIInsufficientQuota(), oai, false, harbor.ErrInsufficientBalance, 429, "insufficient_quota"),
					prismFault("429", mockvendor.RateLimited("1"), oai, false, harbor.ErrRateLimited, 429, ""),
					prismFault("429 stream", mockvendor.RateLimited(""), oai, true, harbor.ErrRateLimited, 429, ""),
					prismFault("500", mockvendor.ServerError(), oai, false, harbor.ErrServer, 500, ""),
					prismFault("503 stream", mockvendor.Overloaded(), oai, true, harbor.ErrServer, 503, ""),
				}),
		},
	}
}

func prismConcat[T any](parts ...[]T) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestPrism runs every vendor's representative calls through Prism.
func TestPrism(t *testing.T) {
	bin := prismBinary(t)
	vendors := prismVendors()

	// Mocks first (instant), then the five Prisms at once: Node's start-up is
	// the slow part.
	start := time.Now()
	mocks := make([]prismMock, len(vendors))
	upstreams := make([]string, len(vendors))
	for i, v := range vendors {
		mocks[i] = v.mock()
		srv, err := mockvendor.Listen("127.0.0.1:0", mocks[i])
		require.NoError(t, err)
		t.Cleanup(func() { srv.Close() })
		upstreams[i] = srv.URL() + v.basePath
	}
	specs := make([]string, len(vendors))
	for i, v := range vendors {
		var err error
		specs[i], err = filepath.Abs(filepath.Join("..", "spec", v.spec))
		require.NoError(t, err)
	}
	procs := make([]*prismProc, len(vendors))
	errs := make([]error, len(vendors))
	var wg sync.WaitGroup
	for i := range vendors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i], errs[i] = prismStart(bin, specs[i], upstreams[i])
		}()
	}
	// Meanwhile, make sure Prism can compile every schema it will be asked to
	// check: it skips one it cannot compile without a word.
	var uncompiled string
	var uncompiledErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		uncompiled, uncompiledErr = prismUncompiledSchemas(bin, specs)
	}()
	wg.Wait()
	for _, p := range procs {
		if p != nil {
			t.Cleanup(p.stop)
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s: %v", vendors[i].provider, err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d Prism proxies listening after %v", len(procs), time.Since(start).Round(10*time.Millisecond))

	t.Run("every schema compiles", func(t *testing.T) {
		require.NoError(t, uncompiledErr)
		if uncompiled != "" {
			t.Errorf("Prism cannot compile these schemas, so it would let anything through where they apply; "+
				"fix them in spec/ (prism-schemas.js says which):\n%s", uncompiled)
		}
	})

	for i, v := range vendors {
		t.Run(v.provider, func(t *testing.T) {
			t.Parallel()
			prismRunVendor(t, v, mocks[i], procs[i])
		})
	}
}

func prismRunVendor(t *testing.T, v prismVendor, m prismMock, p *prismProc) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	guard := &prismGuard{next: base, secrets: []string{v.cfg.APIKey, v.cfg.SecretKey}}
	cfg := v.cfg
	cfg.BaseURL = p.url
	c, err := harbor.New(
		harbor.WithGetenv(func(string) string { return "" }),
		harbor.WithProviderConfig(v.provider, cfg),
		harbor.WithMaxRetries(0),
		harbor.WithTransport(guard),
	)
	require.NoError(t, err)

	for _, call := range v.calls {
		t.Run(call.name, func(t *testing.T) {
			// A fresh queue and record per call: a fault left unconsumed by a
			// request Prism refused must not answer the next call.
			m.Reset()
			m.Enqueue(call.faults...)
			req := call.req
			var r *result
			var err error
			if call.stream {
				r, err = stream(ctxT(t), c, &req)
			} else {
				r, err = create(ctxT(t), c, &req)
			}

			// Prism's verdict first: when it objects, the rest is noise.
			if vs := guard.take(); len(vs) > 0 {
				t.Fatalf("Prism found spec violations (spec/%s):\n%s", v.spec, strings.Join(vs, "\n"))
			}
			assert.Equal(t, 1, prismChats(m.Requests()),
				"chat requests that reached the mock through Prism (retries are off: exactly one)")

			if call.err != nil {
				require.Error(t, err)
				for _, s := range guard.secrets {
					if s != "" {
						assert.NotContains(t, err.Error(), s, "the error leaks a credential")
					}
				}
				require.ErrorIs(t, err, call.err)
				var he *harbor.Error
				require.ErrorAs(t, err, &he)
				assert.Equal(t, v.provider, he.Provider)
				if call.status != 0 {
					assert.Equal(t, call.status, he.StatusCode)
				}
				if call.code != "" {
					assert.Equal(t, call.code, he.Code)
				}
				return
			}
			require.NoError(t, err)
			if call.text != "" {
				assert.Equal(t, call.text, r.Text)
			}
			if call.finish != "" {
				assert.Equal(t, call.finish, r.Finish)
			}
			if call.wantReasoning {
				assert.NotEmpty(t, r.Reasoning, "a thinking model's answer carries reasoning")
			}
			if call.jsonText {
				assert.True(t, json.Valid([]byte(r.Text)), "the answer is JSON: %q", r.Text)
			}
			if call.tool != "" {
				require.Len(t, r.ToolCalls, 1)
				assert.Equal(t, call.tool, r.ToolCalls[0].Function.Name)
				assert.True(t, json.Valid([]byte(r.ToolCalls[0].Function.Arguments)), "arguments are JSON: %q", r.ToolCalls[0].Function.Arguments)
			}
			if call.stream {
				assert.Positive(t, r.Chunks)
			}
		})
	}
}

// prismChats counts the chat requests among a mock's recorded requests
// (Wenxin's token grants are not chat requests and consume no fault).
func prismChats(reqs []mockvendor.RecordedRequest) int {
	n := 0
	for _, r := range reqs {
		if strings.Contains(r.Path, "/chat/") {
			n++
		}
	}
	return n
}

// prismGuard sits under harbor and inspects every answer before harbor sees
// it. A problem+json body of Prism's own (422 for a request that breaks the
// spec, 500 VIOLATIONS for a response that does, 404 for a path the spec lacks,
// 502 when the mock cannot be reached) or an sl-violations header (Prism's
// list of violations, also on answers it let through) is recorded verbatim;
// an answer without Prism's CORS headers did not come through Prism at all.
type prismGuard struct {
	next    http.RoundTripper
	secrets []string

	mu         sync.Mutex
	violations []string
}

func (g *prismGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	// The path only: Wenxin's query carries the access token.
	where := fmt.Sprintf("%s %s -> HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
	var found []string
	if resp.Header.Get("Access-Control-Allow-Origin") == "" {
		found = append(found, "the answer lacks Prism's CORS headers: it did not come through Prism")
	}
	if h := resp.Header.Values("Sl-Violations"); len(h) > 0 {
		found = append(found, "sl-violations: "+strings.Join(h, " "))
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var problem struct {
			Type string `json:"type"`
		}
		switch {
		case rerr != nil:
			found = append(found, "reading Prism's problem body: "+rerr.Error())
		case json.Unmarshal(body, &problem) == nil && strings.HasPrefix(problem.Type, prismProblemType):
			found = append(found, "body: "+string(body))
		}
	}
	if len(found) > 0 {
		g.mu.Lock()
		g.violations = append(g.violations, prismRedact(where+"\n  "+strings.Join(found, "\n  "), g.secrets))
		g.mu.Unlock()
	}
	return resp, nil
}

// take returns and clears what was found since the last call.
func (g *prismGuard) take() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	v := g.violations
	g.violations = nil
	return v
}

var prismTokenRE = regexp.MustCompile(`(access_token|client_secret|client_id)=[^&\s"]*`)

// prismRedact keeps credentials out of what the test prints.
func prismRedact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return prismTokenRE.ReplaceAllString(s, "$1=***")
}

// prismBinary finds Prism or skips (or fails, under HARBOR_REQUIRE_PRISM=1)
// saying how to get it.
func prismBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not starting the five Prism proxies (Node processes, ~10 s); run without -short to validate against Prism")
	}
	bin := os.Getenv(prismBinEnv)
	if bin == "" {
		bin = filepath.Join("node_modules", ".bin", "prism")
	}
	var why string
	if _, err := os.Stat(bin); err != nil {
		why = fmt.Sprintf("no Prism at %s (%v)", bin, err)
	} else if _, err := exec.LookPath("node"); err != nil {
		why = "Prism is installed but node is not on PATH"
	}
	if why == "" {
		abs, err := filepath.Abs(bin)
		require.NoError(t, err)
		return abs
	}
	how := "run scripts/test (it installs node if missing and Prism with `npm ci --prefix conformance`, then sets " +
		prismBinEnv + "), or run `npm ci --prefix conformance` yourself and set " + prismBinEnv + "=$PWD/conformance/node_modules/.bin/prism"
	if os.Getenv(prismRequireEnv) == "1" {
		t.Fatalf("Prism is required (%s=1) but unavailable: %s.\nTo install it: %s", prismRequireEnv, why, how)
	}
	t.Skipf("SKIPPED: validation against Prism did not run: %s.\nTo enable it: %s", why, how)
	return ""
}

// prismUncompiledSchemas runs prism-schemas.js over specs with Prism's own
// modules: what it prints are the schemas ajv cannot compile, which Prism
// would skip silently.
func prismUncompiledSchemas(bin string, specs []string) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", err
	}
	script, err := filepath.Abs("prism-schemas.js")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(node, append([]string{script}, specs...)...)
	// Resolve Prism's modules where bin lives (HARBOR_PRISM may point outside
	// conformance/node_modules).
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Dir(filepath.Dir(bin)))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "", nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return stdout.String(), nil
	default:
		return "", fmt.Errorf("prism-schemas.js: %v\n%s%s", err, stdout.String(), stderr.String())
	}
}

// prismProc is one running `prism proxy`.
type prismProc struct {
	url  string
	cmd  *exec.Cmd
	log  *prismLog
	done chan struct{} // closed when the process has exited
}

// prismStart starts `prism proxy spec upstream` on a free loopback port and
// waits until it accepts connections. A port taken between choosing and
// binding it is retried on another; any other failure returns Prism's own
// output.
func prismStart(bin, spec, upstream string) (*prismProc, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var p *prismProc
		p, err = prismStartOnce(bin, spec, upstream)
		if err == nil {
			return p, nil
		}
		if p == nil || !strings.Contains(p.log.String(), "EADDRINUSE") {
			return nil, err
		}
	}
	return nil, err
}

func prismStartOnce(bin, spec, upstream string) (*prismProc, error) {
	port, err := prismFreePort()
	if err != nil {
		return nil, err
	}
	p := &prismProc{url: "http://127.0.0.1:" + strconv.Itoa(port), log: &prismLog{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "proxy", spec, upstream, "--errors", "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	// Its own process group, so that stop reaches node and anything it forks.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()

	deadline := time.Now().Add(prismStartTimeout)
	for {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return p, nil
		}
		select {
		case <-p.done:
			return p, fmt.Errorf("prism proxy %s exited before listening (%v); its output:\n%s",
				filepath.Base(spec), p.cmd.ProcessState, p.log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return p, fmt.Errorf("prism proxy %s did not listen on %s within %v; its output:\n%s",
				filepath.Base(spec), p.url, prismStartTimeout, p.log.String())
		}
	}
}

// stop ends the process group: SIGTERM, then SIGKILL if it lingers.
func (p *prismProc) stop() {
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
}

func prismFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// prismLog keeps the first prismLogCap bytes of Prism's output: start-up
// messages and errors come first, and the test shows them when Prism fails to
// start.
type prismLog struct {
	mu   sync.Mutex
	head []byte
}

func (l *prismLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := prismLogCap - len(l.head); room > 0 {
		l.head = append(l.head, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

func (l *prismLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.head)
}

// Compile-time checks that every mock fits prismMock.
var (
	_ prismMock = (*mockvendor.DeepSeek)(nil)
	_ prismMock = (*mockvendor.Ark)(nil)
	_ prismMock = (*mockvendor.QianfanV1)(nil)
	_ prismMock = (*mockvendor.QianfanV2)(nil)
	_ prismMock = (*mockvendor.OpenAI)(nil)
)
