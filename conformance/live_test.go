package conformance

// Live mode: the same vendors, for real. With HARBOR_LIVE=1 and a vendor's
// credentials in the environment, TestLive sends that vendor a few cheap
// requests through harbor (a short Create, a short Stream, a call with an
// invalid key, and for Wenxin a call to an endpoint that does not exist),
// records the raw responses with a tapping transport, and checks the wire
// quirks that harbor's providers and mocks were written against
// (shared/vendors.md). A harbor error fails the test; so does a quirk that no
// longer holds, named, because then the vendor changed and the provider (and
// its mock) must be revisited. Without HARBOR_LIVE=1 it skips and says how to
// run it. TestLiveAgainstMocks runs the same code against the mock vendors,
// which must satisfy every quirk, so the probes are exercised on every run.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/conformance/speccheck"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// liveOptIn is the environment variable that turns live mode on; only "1" does.
const liveOptIn = "HARBOR_LIVE"

// liveVendor is one vendor as live mode runs it. The environment variable names
// are the providers' own constants, the ones harbor and `harbor chat` read
// (cmd/harbor/backend.go lists the same names; it is package main, so it cannot be
// imported here).
type liveVendor struct {
	provider  string
	spec      string // spec/<spec>.yaml: every exchange is checked against it
	keyEnv    string
	secretEnv string // a second credential the vendor needs (Wenxin)
	baseEnv   string
	baseURL   string // the default, shown in the report when baseEnv is unset
	model     string // the default model, cheap; overridden by modelEnv()
	// thinkingOff sends thinking disabled, so that a reasoning model's default
	// does not spend tokens on reasoning (vendors without the switch reject it).
	thinkingOff bool
	isChat      func(path string) bool
	quirks      []liveQuirk
}

// modelEnv is HARBOR_LIVE_<PROVIDER>_MODEL.
func (v liveVendor) modelEnv() string { return "HARBOR_LIVE_" + strings.ToUpper(v.provider) + "_MODEL" }

func (v liveVendor) credentialEnvs() []string {
	if v.secretEnv == "" {
		return []string{v.keyEnv}
	}
	return []string{v.keyEnv, v.secretEnv}
}

// missing lists the credential variables that are unset.
func (v liveVendor) missing(getenv func(string) string) []string {
	var out []string
	for _, k := range v.credentialEnvs() {
		if getenv(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// liveSkipReason is why a vendor does not run, or "" when it does.
func (v liveVendor) liveSkipReason(getenv func(string) string) string {
	miss := v.missing(getenv)
	if len(miss) == 0 {
		return ""
	}
	return fmt.Sprintf("live %s SKIPPED: %s not set (set %s to run it; %s overrides the endpoint, %s the model %s)",
		v.provider, strings.Join(miss, " and "), strings.Join(v.credentialEnvs(), " and "), v.baseEnv, v.modelEnv(), v.model)
}

// liveGateReason is why live mode does not run at all, or "" when it is opted in.
func liveGateReason(getenv func(string) string) string {
	if getenv(liveOptIn) == "1" {
		return ""
	}
	per := make([]string, len(liveVendors))
	for i, v := range liveVendors {
		per[i] = v.provider + ": " + strings.Join(v.credentialEnvs(), "+")
	}
	return "LIVE MODE SKIPPED: set " + liveOptIn + "=1 to run a few cheap requests against the real vendors " +
		"whose credentials are set (" + strings.Join(per, ", ") + "; <VENDOR>_BASE_URL overrides an endpoint, " +
		"HARBOR_LIVE_<PROVIDER>_MODEL a model). It costs a few tokens per vendor."
}

func liveIsChatCompletions(path string) bool { return strings.HasSuffix(path, "/chat/completions") }

const liveWenxinChat = "/wenxinworkshop/chat/"

var liveVendors = []liveVendor{
	{provider: deepseek.Name, spec: "deepseek", keyEnv: deepseek.EnvAPIKey, baseEnv: deepseek.EnvBaseURL, baseURL: deepseek.DefaultBaseURL,
		model: "deepseek-v4-flash", thinkingOff: true, isChat: liveIsChatCompletions, quirks: []liveQuirk{
			{"usage on the finish chunk", "a stream's usage rides on the finish chunk; there is no usage-only chunk",
				"providers/deepseek/stream.go", liveUsageOnFinishChunk},
			{"cache hit + miss split", "usage.prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens",
				"providers/deepseek/response.go", liveCacheSplit},
			{"stream ends with [DONE]", "the last stream event is data: [DONE]", "internal/wire/stream.go", liveEndsWithDone},
			liveInvalidKeyQuirk,
		}},
	{provider: doubao.Name, spec: "ark", keyEnv: doubao.EnvAPIKey, baseEnv: doubao.EnvBaseURL, baseURL: doubao.DefaultBaseURL,
		model: "doubao-seed-1-6-flash-250828", thinkingOff: true, isChat: liveIsChatCompletions, quirks: []liveQuirk{
			{"include_usage chunk", "include_usage adds a choices:[] chunk carrying the usage just before [DONE]",
				"providers/doubao/stream.go", liveUsageOnlyChunk},
			{"finish_reason key last only", "the finish_reason key is absent (not null) until the last choice chunk",
				"providers/doubao/stream.go, mockvendor.Ark", liveArkFinishKeyLastOnly},
			{"role on every chunk", `every choice chunk repeats "role":"assistant"`,
				"providers/doubao/stream.go", liveArkRoleEveryChunk},
			{"stream ends with [DONE]", "the last stream event is data: [DONE]", "internal/wire/stream.go", liveEndsWithDone},
			liveInvalidKeyQuirk,
		}},
	{provider: wenxin.Name, spec: "qianfan-v1", keyEnv: wenxin.EnvAPIKey, secretEnv: wenxin.EnvSecretKey, baseEnv: wenxin.EnvBaseURL,
		baseURL: wenxin.DefaultBaseURL, model: "ERNIE-Speed-8K",
		isChat: func(p string) bool { return strings.Contains(p, liveWenxinChat) }, quirks: []liveQuirk{
			{"30-day access token", "the token grant returns an access_token with expires_in 2592000",
				"providers/wenxin/token.go", liveWenxinTokenGrant},
			{"one token for the run", "one token grant serves every call (it is valid at once and stays valid)",
				"providers/wenxin/token.go", liveWenxinOneToken},
			{"result, not choices", "answers carry the text in result, with no choices",
				"providers/wenxin/response.go", liveWenxinResult},
			{"stream ends with is_end", "the last stream event has is_end:true and there is no [DONE]",
				"providers/wenxin/stream.go", liveWenxinIsEnd},
			{"errors with HTTP 200", "an error (here: an endpoint that does not exist) is an HTTP 200 {error_code, error_msg} body",
				"providers/wenxin/errors.go", liveWenxinErrorIn200},
			liveInvalidKeyQuirk,
		}},
	{provider: qianfan.Name, spec: "qianfan-v2", keyEnv: qianfan.EnvAPIKey, baseEnv: qianfan.EnvBaseURL, baseURL: qianfan.DefaultBaseURL,
		model: "ernie-speed-8k", isChat: liveIsChatCompletions, quirks: []liveQuirk{
			{`finish_reason "normal"`, `a plain ERNIE answer that ends naturally has finish_reason "normal"`,
				"providers/qianfan/response.go", liveQianfanNormal},
			{`"as-" ids`, `completion ids start with "as-"`, "providers/qianfan/errors.go (request id fallback)", liveQianfanID},
			{"usage on the last chunk", "with include_usage the real usage is on the last chunk before [DONE]",
				"providers/qianfan/stream.go", liveUsageOnLastChunk},
			{"stream ends with [DONE]", "the last stream event is data: [DONE]", "internal/wire/stream.go", liveEndsWithDone},
			liveInvalidKeyQuirk,
		}},
	{provider: openaicompat.Name, spec: "openai", keyEnv: openaicompat.EnvAPIKey, baseEnv: openaicompat.EnvBaseURL,
		baseURL: openaicompat.DefaultBaseURL, model: "gpt-4o-mini", isChat: liveIsChatCompletions, quirks: []liveQuirk{
			{"include_usage chunk", "include_usage adds a choices:[] chunk carrying the usage just before [DONE]",
				"providers/openaicompat/stream.go", liveUsageOnlyChunk},
			{"stream ends with [DONE]", "the last stream event is data: [DONE]", "internal/wire/stream.go", liveEndsWithDone},
			liveInvalidKeyQuirk,
		}},
}

// --- the run ---

// liveStatus is a quirk's outcome.
type liveStatus int

const (
	liveNotProbed liveStatus = iota
	liveHolds
	liveBroken
)

func (s liveStatus) String() string {
	switch s {
	case liveHolds:
		return "holds"
	case liveBroken:
		return "DOES NOT HOLD"
	}
	return "not probed"
}

// liveQuirk is one wire behaviour harbor assumes, and how to check it on a run.
type liveQuirk struct {
	name   string
	claim  string
	relied string // where harbor depends on it
	probe  func(r *liveRun) (liveStatus, string)
}

type liveResult struct {
	quirk  liveQuirk
	status liveStatus
	detail string
}

// liveRun is what one vendor's run produced: harbor's results and the raw
// exchanges behind them.
type liveRun struct {
	v       liveVendor
	model   string
	base    string
	secrets []string

	createRes *harbor.ChatCompletion
	createErr error
	createX   *liveExchange

	streamChunks int
	streamUsage  *harbor.Usage
	streamErr    error
	streamX      *liveExchange

	tokens []*liveExchange // Wenxin token grants of the main client

	badKeyErr error
	badKeyX   *liveExchange // the chat call, or Wenxin's token request

	errProbeErr error // Wenxin: the call to an endpoint that does not exist
	errProbeX   *liveExchange

	failures []string // harbor errors: the run fails on them
	results  []liveResult

	specMu    sync.Mutex
	specDrift []string // where the vendor's real traffic breaks harbor's spec
}

// newTap is a tap whose exchanges are also checked against the vendor's spec:
// what the real vendor sends back is the best test the spec can get.
func (r *liveRun) newTap() *liveTap {
	tap := newLiveTap()
	tap.base = speccheck.MustLoad(r.v.spec).Transport(tap.base, func(v speccheck.Violation) {
		r.specMu.Lock()
		defer r.specMu.Unlock()
		r.specDrift = append(r.specDrift, v.Error())
	})
	return tap
}

const (
	liveInvalidKey    = "harbor-live-invalid-key-000000000000"
	liveProbeModel    = "harbor-live-probe"
	liveProbeEndpoint = "harbor_live_no_such_endpoint"
	livePrompt        = "Reply with the single word: ok"
	liveMaxTokens     = 16
)

func (r *liveRun) request() *harbor.ChatRequest {
	req := &harbor.ChatRequest{
		Model:     r.v.provider + "/" + r.model, // the explicit form, so an overridden model still reaches this vendor
		Messages:  []harbor.Message{harbor.UserMessage(livePrompt)},
		MaxTokens: harbor.Some(liveMaxTokens),
	}
	if r.v.thinkingOff {
		req.Thinking = &harbor.Thinking{Type: harbor.ThinkingDisabled}
	}
	return req
}

// liveProbe runs one vendor: the calls, then every quirk's probe. It never
// calls into testing, so tests can inspect a run whose quirks fail.
func liveProbe(ctx context.Context, v liveVendor, getenv func(string) string) *liveRun {
	r := &liveRun{v: v, model: v.model, base: v.baseURL, secrets: liveSecrets(getenv)}
	if m := getenv(v.modelEnv()); m != "" {
		r.model = m
	}
	if b := getenv(v.baseEnv); b != "" {
		r.base = b
	}
	common := []harbor.Option{
		harbor.WithGetenv(getenv),
		harbor.WithMaxRetries(1),
		harbor.WithRetryWait(200*time.Millisecond, time.Second),
		harbor.WithRequestTimeout(45 * time.Second),
	}
	newClient := func(tap *liveTap, opts ...harbor.Option) (*harbor.Client, error) {
		return harbor.New(append(append(append([]harbor.Option{}, common...), harbor.WithTransport(tap)), opts...)...)
	}

	tap := r.newTap()
	client, err := newClient(tap)
	if err != nil {
		r.fail("building the client: %v", err)
		return r.finish()
	}
	defer client.Close()

	mark := tap.len()
	r.createRes, r.createErr = client.Chat.Completions.Create(ctx, r.request())
	r.createX = tap.last(mark, v.isChat)
	switch {
	case r.createErr != nil:
		r.fail("Create: %v", r.createErr)
	case len(r.createRes.Choices) == 0:
		r.fail("Create returned no choices")
	case r.createRes.Usage.TotalTokens == 0 && liveWireUsage(r.createX):
		r.fail("Create lost the usage the vendor sent")
	}

	mark = tap.len()
	r.stream(ctx, client)
	r.streamX = tap.last(mark, v.isChat)
	if r.streamErr == nil && r.streamUsage == nil && liveWireUsage(r.streamX) {
		// A vendor that stops sending usage is a quirk's business; harbor
		// dropping usage that was sent is harbor's.
		r.fail("Stream lost the usage the vendor sent")
	}
	r.tokens = tap.all(liveIsTokenPath)

	bad := r.newTap()
	badOpts := []harbor.Option{harbor.WithAPIKey(v.provider, liveInvalidKey), harbor.WithMaxRetries(0)}
	if v.secretEnv != "" {
		badOpts = append(badOpts, harbor.WithSecretKey(v.provider, liveInvalidKey))
	}
	if bc, err := newClient(bad, badOpts...); err != nil {
		r.fail("building the invalid-key client: %v", err)
	} else {
		_, r.badKeyErr = bc.Chat.Completions.Create(ctx, r.request())
		r.badKeyX = bad.last(0, func(p string) bool { return v.isChat(p) || liveIsTokenPath(p) })
		bc.Close()
	}

	if v.provider == wenxin.Name {
		probe := r.newTap()
		pc, err := newClient(probe, harbor.WithProviderConfig(wenxin.Name, harbor.ProviderConfig{
			Options: wenxin.Options{Endpoints: map[string]string{liveProbeModel: liveProbeEndpoint}},
		}), harbor.WithMaxRetries(0))
		if err != nil {
			r.fail("building the error-probe client: %v", err)
		} else {
			req := r.request()
			req.Model = wenxin.Name + "/" + liveProbeModel
			_, r.errProbeErr = pc.Chat.Completions.Create(ctx, req)
			r.errProbeX = probe.last(0, v.isChat)
			pc.Close()
			if r.errProbeX != nil {
				var he *harbor.Error
				code, ok := liveErrorCode(r.errProbeX)
				if ok && (!errors.As(r.errProbeErr, &he) || he.Code != strconv.Itoa(code)) {
					r.fail("the unknown-endpoint probe got error_code %d, but harbor returned %v", code, r.errProbeErr)
				}
			}
		}
	}
	return r.finish()
}

func (r *liveRun) stream(ctx context.Context, c *harbor.Client) {
	s, err := c.Chat.Completions.Stream(ctx, r.request())
	if err != nil {
		r.streamErr = err
		r.fail("Stream: %v", err)
		return
	}
	defer s.Close()
	for _, err := range s.All() {
		if err != nil {
			r.streamErr = err
			r.fail("Stream: %v", err)
			return
		}
		r.streamChunks++
	}
	r.streamUsage = s.Usage()
	if r.streamChunks == 0 {
		r.fail("Stream delivered no chunk")
	}
}

// liveWireUsage reports whether a response body (JSON, or a stream's data
// events) carried a usage object with total_tokens > 0.
func liveWireUsage(x *liveExchange) bool {
	if x == nil {
		return false
	}
	var m map[string]any
	if json.Unmarshal(bytes.TrimSpace(x.body()), &m) == nil {
		return liveHasUsage(m)
	}
	_, objs := liveChunks(x)
	for _, o := range objs {
		if liveHasUsage(o) {
			return true
		}
	}
	return false
}

func (r *liveRun) fail(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *liveRun) finish() *liveRun {
	for _, q := range r.v.quirks {
		st, detail := q.probe(r)
		r.results = append(r.results, liveResult{quirk: q, status: st, detail: detail})
	}
	return r
}

// liveT is the part of testing.T the report uses, so tests can check it.
type liveT interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
}

// liveReport logs the vendor's table of quirks and fails t on harbor errors and
// on quirks that no longer hold. Everything printed is scrubbed of the
// credentials in the environment.
func liveReport(t liveT, r *liveRun) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "live %s: model %s at %s\n", r.v.provider, r.model, r.base)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  QUIRK\tRESULT\tDETAIL\n")
	for _, res := range r.results {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", res.quirk.name, res.status, liveOneLine(res.detail))
	}
	r.specMu.Lock()
	drift := slices.Clone(r.specDrift)
	r.specMu.Unlock()
	specStatus := liveHolds
	if len(drift) > 0 {
		specStatus = liveBroken
	}
	fmt.Fprintf(tw, "  traffic matches spec/%s.yaml\t%s\t%d violations\n", r.v.spec, specStatus, len(drift))
	_ = tw.Flush()
	t.Logf("%s", r.redact(b.String()))
	for _, f := range r.failures {
		t.Errorf("%s", r.redact(fmt.Sprintf("live %s: harbor error: %s", r.v.provider, f)))
	}
	for i, d := range drift {
		if i == 10 {
			t.Errorf("live %s: … and %d more spec violations", r.v.provider, len(drift)-10)
			break
		}
		t.Errorf("%s", r.redact(fmt.Sprintf("live %s: the real vendor's traffic breaks spec/%s.yaml (fix the spec, then the mock): %s",
			r.v.provider, r.v.spec, d)))
	}
	for _, res := range r.results {
		if res.status == liveBroken {
			t.Errorf("%s", r.redact(fmt.Sprintf("live %s: quirk %q NO LONGER HOLDS: %s; observed: %s. "+
				"The vendor changed: revisit harbor's assumption in %s, the mock and shared/vendors.md.",
				r.v.provider, res.quirk.name, res.quirk.claim, liveOneLine(res.detail), res.quirk.relied)))
		}
	}
}

// liveSecrets are the credential values in the environment, never to be printed.
func liveSecrets(getenv func(string) string) []string {
	var out []string
	for _, v := range liveVendors {
		for _, k := range v.credentialEnvs() {
			if s := getenv(k); len(s) >= 4 {
				out = append(out, s)
			}
		}
	}
	return out
}

func (r *liveRun) redact(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "****")
	}
	return s
}

func liveOneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// liveSuite is TestLive's body, with the environment as a parameter so that
// tests can run it against the mocks. Each vendor that runs is handed to done.
func liveSuite(t *testing.T, getenv func(string) string, done func(*liveRun)) {
	if reason := liveGateReason(getenv); reason != "" {
		t.Skip(reason)
	}
	ran := 0
	for _, v := range liveVendors {
		t.Run(v.provider, func(t *testing.T) {
			if reason := v.liveSkipReason(getenv); reason != "" {
				t.Skip(reason)
			}
			ran++
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			r := liveProbe(ctx, v, getenv)
			liveReport(t, r)
			if done != nil {
				done(r)
			}
		})
	}
	if ran == 0 {
		t.Skip("LIVE MODE SKIPPED: " + liveOptIn + "=1 is set but no vendor has credentials; see the subtests for the variables each needs")
	}
}

// TestLive is live mode: HARBOR_LIVE=1 go test ./conformance -run TestLive -v
func TestLive(t *testing.T) {
	liveSuite(t, os.Getenv, nil)
}

// --- probes ---

var liveInvalidKeyQuirk = liveQuirk{"invalid key refused",
	"an invalid key is refused with HTTP 401 (Wenxin: by the token endpoint, invalid_client) and harbor reports ErrAuthentication",
	"the provider's errors.go (Wenxin: token.go)", liveInvalidKeyRefused}

func liveInvalidKeyRefused(r *liveRun) (liveStatus, string) {
	x := r.badKeyX
	if x == nil {
		return liveNotProbed, "the invalid-key call sent nothing: " + liveErrString(r.badKeyErr)
	}
	if r.badKeyErr == nil {
		return liveBroken, fmt.Sprintf("the call succeeded (HTTP %d)", x.status())
	}
	if !errors.Is(r.badKeyErr, harbor.ErrAuthentication) {
		return liveBroken, fmt.Sprintf("HTTP %d, harbor error: %v", x.status(), r.badKeyErr)
	}
	if r.v.provider == wenxin.Name {
		if !liveIsTokenPath(x.path) {
			return liveBroken, "the token endpoint granted a token for the invalid pair; the chat call refused it"
		}
		var body struct{ Error string }
		_ = json.Unmarshal(x.body(), &body)
		if body.Error != "invalid_client" {
			return liveBroken, fmt.Sprintf("token endpoint answered HTTP %d with error %q", x.status(), body.Error)
		}
		return liveHolds, fmt.Sprintf("token endpoint: HTTP %d invalid_client", x.status())
	}
	if x.status() != http.StatusUnauthorized {
		return liveBroken, fmt.Sprintf("HTTP %d (harbor still classified it as authentication)", x.status())
	}
	return liveHolds, "HTTP 401"
}

// liveChunks are a stream's data payloads, "[DONE]" included, and the JSON
// ones decoded (nil where a payload is not a JSON object).
func liveChunks(x *liveExchange) (data []string, objs []map[string]any) {
	for _, line := range strings.Split(strings.ReplaceAll(string(x.body()), "\r\n", "\n"), "\n") {
		d, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue
		}
		d = strings.TrimPrefix(d, " ")
		data = append(data, d)
		var m map[string]any
		if json.Unmarshal([]byte(d), &m) != nil {
			m = nil
		}
		objs = append(objs, m)
	}
	return data, objs
}

func liveChoices(m map[string]any) []map[string]any {
	raw, _ := m["choices"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, c := range raw {
		if cm, ok := c.(map[string]any); ok {
			out = append(out, cm)
		}
	}
	return out
}

func liveHasUsage(m map[string]any) bool {
	u, ok := m["usage"].(map[string]any)
	if !ok {
		return false
	}
	total, _ := u["total_tokens"].(float64)
	return total > 0
}

// liveStreamOf returns the stream's payloads, or why the stream cannot be probed.
func liveStreamOf(r *liveRun) ([]string, []map[string]any, string) {
	if r.streamX == nil {
		return nil, nil, "the stream call sent nothing: " + liveErrString(r.streamErr)
	}
	if r.streamX.status() != http.StatusOK {
		return nil, nil, fmt.Sprintf("the stream call got HTTP %d", r.streamX.status())
	}
	data, objs := liveChunks(r.streamX)
	if len(data) == 0 {
		return nil, nil, "the stream had no data events"
	}
	return data, objs, ""
}

// liveCreateOf returns the Create call's decoded body, or why it cannot be probed.
func liveCreateOf(r *liveRun) (map[string]any, string) {
	if r.createX == nil {
		return nil, "the Create call sent nothing: " + liveErrString(r.createErr)
	}
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(r.createX.body()), &m); err != nil {
		return nil, fmt.Sprintf("the Create answer (HTTP %d) is not a JSON object", r.createX.status())
	}
	if r.createX.status() != http.StatusOK {
		return nil, fmt.Sprintf("the Create call got HTTP %d", r.createX.status())
	}
	return m, ""
}

func liveEndsWithDone(r *liveRun) (liveStatus, string) {
	data, _, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	if last := data[len(data)-1]; last != "[DONE]" {
		return liveBroken, "last event: " + last
	}
	return liveHolds, fmt.Sprintf("%d events", len(data))
}

func liveUsageOnFinishChunk(r *liveRun) (liveStatus, string) {
	_, objs, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	finish := -1
	for i, m := range objs {
		if m == nil {
			continue
		}
		ch := liveChoices(m)
		if len(ch) == 0 {
			if liveHasUsage(m) {
				return liveBroken, fmt.Sprintf("chunk %d is a usage-only chunk (choices:[])", i)
			}
			continue
		}
		if fr, _ := ch[0]["finish_reason"].(string); fr != "" {
			finish = i
		}
	}
	if finish < 0 {
		return liveNotProbed, "no chunk carried a finish_reason"
	}
	if !liveHasUsage(objs[finish]) {
		return liveBroken, fmt.Sprintf("the finish chunk (%d) has no usage", finish)
	}
	return liveHolds, fmt.Sprintf("usage on chunk %d, the finish chunk", finish)
}

func liveUsageOnlyChunk(r *liveRun) (liveStatus, string) {
	data, objs, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	last := len(data) - 1
	if data[last] == "[DONE]" {
		last--
	}
	if last < 0 || objs[last] == nil {
		return liveBroken, "no JSON chunk before the end"
	}
	if len(liveChoices(objs[last])) != 0 || !liveHasUsage(objs[last]) {
		for i, m := range objs {
			if m != nil && len(liveChoices(m)) == 0 && liveHasUsage(m) {
				return liveBroken, fmt.Sprintf("the usage-only chunk is chunk %d, not the last", i)
			}
		}
		return liveBroken, "no choices:[] chunk with usage"
	}
	return liveHolds, fmt.Sprintf("chunk %d: choices:[] with usage", last)
}

func liveUsageOnLastChunk(r *liveRun) (liveStatus, string) {
	data, objs, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	last := len(data) - 1
	if data[last] == "[DONE]" {
		last--
	}
	if last < 0 || objs[last] == nil {
		return liveBroken, "no JSON chunk before the end"
	}
	if !liveHasUsage(objs[last]) {
		return liveBroken, fmt.Sprintf("the last chunk (%d) has no usage with total_tokens > 0", last)
	}
	return liveHolds, fmt.Sprintf("usage on chunk %d", last)
}

func liveCacheSplit(r *liveRun) (liveStatus, string) {
	m, why := liveCreateOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	u, _ := m["usage"].(map[string]any)
	prompt, okP := u["prompt_tokens"].(float64)
	hit, okH := u["prompt_cache_hit_tokens"].(float64)
	miss, okM := u["prompt_cache_miss_tokens"].(float64)
	if !okP || !okH || !okM {
		return liveBroken, fmt.Sprintf("usage fields present: prompt_tokens %v, prompt_cache_hit_tokens %v, prompt_cache_miss_tokens %v", okP, okH, okM)
	}
	if hit+miss != prompt {
		return liveBroken, fmt.Sprintf("%v + %v != %v", hit, miss, prompt)
	}
	return liveHolds, fmt.Sprintf("%v + %v = %v", hit, miss, prompt)
}

func liveArkFinishKeyLastOnly(r *liveRun) (liveStatus, string) {
	_, objs, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	var withChoices []int
	for i, m := range objs {
		if m != nil && len(liveChoices(m)) > 0 {
			withChoices = append(withChoices, i)
		}
	}
	if len(withChoices) < 2 {
		return liveNotProbed, fmt.Sprintf("only %d choice chunk(s)", len(withChoices))
	}
	for _, i := range withChoices[:len(withChoices)-1] {
		if v, ok := liveChoices(objs[i])[0]["finish_reason"]; ok {
			return liveBroken, fmt.Sprintf("chunk %d has finish_reason %v before the last choice chunk", i, v)
		}
	}
	lastCh := liveChoices(objs[withChoices[len(withChoices)-1]])[0]
	if fr, _ := lastCh["finish_reason"].(string); fr == "" {
		return liveBroken, "the last choice chunk has no finish_reason"
	}
	return liveHolds, fmt.Sprintf("%d choice chunks", len(withChoices))
}

func liveArkRoleEveryChunk(r *liveRun) (liveStatus, string) {
	_, objs, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	n := 0
	for i, m := range objs {
		for _, c := range liveChoices(m) {
			d, _ := c["delta"].(map[string]any)
			if role, _ := d["role"].(string); role != "assistant" {
				return liveBroken, fmt.Sprintf("chunk %d has role %q", i, role)
			}
			n++
		}
	}
	if n < 2 {
		return liveNotProbed, fmt.Sprintf("only %d choice chunk(s)", n)
	}
	return liveHolds, fmt.Sprintf("%d choice chunks", n)
}

func liveWenxinTokenGrant(r *liveRun) (liveStatus, string) {
	if len(r.tokens) == 0 {
		return liveNotProbed, "no token request was made: " + liveErrString(r.createErr)
	}
	x := r.tokens[0]
	var body struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	if x.status() != http.StatusOK || json.Unmarshal(x.body(), &body) != nil || body.AccessToken == "" {
		return liveBroken, fmt.Sprintf("token endpoint answered HTTP %d without an access_token", x.status())
	}
	if body.ExpiresIn != 2592000 {
		return liveBroken, fmt.Sprintf("expires_in is %v", body.ExpiresIn)
	}
	return liveHolds, "expires_in 2592000"
}

func liveWenxinOneToken(r *liveRun) (liveStatus, string) {
	if r.createX == nil || r.streamX == nil {
		return liveNotProbed, "a call sent nothing"
	}
	if n := len(r.tokens); n != 1 {
		return liveBroken, fmt.Sprintf("%d token requests for two calls", n)
	}
	return liveHolds, "1 token request for two calls"
}

func liveWenxinResult(r *liveRun) (liveStatus, string) {
	m, why := liveCreateOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	if _, ok := m["result"].(string); !ok {
		return liveBroken, "no result string"
	}
	if _, ok := m["choices"]; ok {
		return liveBroken, "the answer has choices"
	}
	return liveHolds, "result present, no choices"
}

func liveWenxinIsEnd(r *liveRun) (liveStatus, string) {
	data, objs, why := liveStreamOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	for i, d := range data {
		if d == "[DONE]" {
			return liveBroken, fmt.Sprintf("event %d is [DONE]", i)
		}
		if end, _ := objs[i]["is_end"].(bool); end && i != len(data)-1 {
			return liveBroken, fmt.Sprintf("event %d has is_end:true but is not the last", i)
		}
	}
	if end, _ := objs[len(objs)-1]["is_end"].(bool); !end {
		return liveBroken, "the last event does not have is_end:true"
	}
	return liveHolds, fmt.Sprintf("%d events, the last with is_end:true", len(data))
}

func liveWenxinErrorIn200(r *liveRun) (liveStatus, string) {
	x := r.errProbeX
	if x == nil {
		return liveNotProbed, "the probe sent nothing: " + liveErrString(r.errProbeErr)
	}
	code, ok := liveErrorCode(x)
	switch {
	case x.status() != http.StatusOK:
		return liveBroken, fmt.Sprintf("HTTP %d", x.status())
	case !ok:
		return liveBroken, "HTTP 200 without an error_code"
	}
	return liveHolds, fmt.Sprintf("HTTP 200, error_code %d", code)
}

// liveErrorCode is the error_code of a Wenxin error body.
func liveErrorCode(x *liveExchange) (int, bool) {
	var body struct {
		ErrorCode *int `json:"error_code"`
	}
	if json.Unmarshal(x.body(), &body) != nil || body.ErrorCode == nil {
		return 0, false
	}
	return *body.ErrorCode, true
}

func liveQianfanID(r *liveRun) (liveStatus, string) {
	m, why := liveCreateOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	id, _ := m["id"].(string)
	if !strings.HasPrefix(id, "as-") {
		return liveBroken, fmt.Sprintf("id %q", id)
	}
	return liveHolds, "id " + id
}

func liveQianfanNormal(r *liveRun) (liveStatus, string) {
	m, why := liveCreateOf(r)
	if why != "" {
		return liveNotProbed, why
	}
	ch := liveChoices(m)
	if len(ch) == 0 {
		return liveBroken, "no choices"
	}
	fr, _ := ch[0]["finish_reason"].(string)
	switch fr {
	case "normal":
		return liveHolds, `finish_reason "normal"`
	case "length":
		return liveNotProbed, "the answer hit max_tokens, so it did not end naturally"
	}
	return liveBroken, fmt.Sprintf("finish_reason %q", fr)
}

func liveErrString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// --- the tap ---

// liveTap is a RoundTripper that keeps every exchange's response (status,
// headers, the body as the client read it), so probes can look at the wire.
type liveTap struct {
	base http.RoundTripper
	mu   sync.Mutex
	xs   []*liveExchange
}

func newLiveTap() *liveTap {
	var tr *http.Transport
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = dt.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	tr.ResponseHeaderTimeout = time.Minute
	return &liveTap{base: tr}
}

type liveExchange struct {
	path string
	mu   sync.Mutex
	code int
	buf  bytes.Buffer
}

func (x *liveExchange) status() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.code
}

func (x *liveExchange) body() []byte {
	x.mu.Lock()
	defer x.mu.Unlock()
	return bytes.Clone(x.buf.Bytes())
}

func (t *liveTap) RoundTrip(req *http.Request) (*http.Response, error) {
	x := &liveExchange{path: req.URL.Path}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	x.code = resp.StatusCode
	t.mu.Lock()
	t.xs = append(t.xs, x)
	t.mu.Unlock()
	resp.Body = &liveTee{rc: resp.Body, x: x}
	return resp, nil
}

func (t *liveTap) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.xs)
}

// last is the last exchange from index from on whose path matches, or nil.
func (t *liveTap) last(from int, match func(string) bool) *liveExchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.xs) - 1; i >= from; i-- {
		if match(t.xs[i].path) {
			return t.xs[i]
		}
	}
	return nil
}

func (t *liveTap) all(match func(string) bool) []*liveExchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*liveExchange
	for _, x := range t.xs {
		if match(x.path) {
			out = append(out, x)
		}
	}
	return out
}

func liveIsTokenPath(p string) bool { return strings.HasSuffix(p, "/oauth/2.0/token") }

// liveTee copies what the client reads into its exchange; bodies are capped so a
// runaway answer cannot exhaust memory.
type liveTee struct {
	rc io.ReadCloser
	x  *liveExchange
}

const liveBodyCap = 1 << 20

func (l *liveTee) Read(p []byte) (int, error) {
	n, err := l.rc.Read(p)
	if n > 0 {
		l.x.mu.Lock()
		if room := liveBodyCap - l.x.buf.Len(); room > 0 {
			l.x.buf.Write(p[:min(n, room)])
		}
		l.x.mu.Unlock()
	}
	return n, err
}

func (l *liveTee) Close() error { return l.rc.Close() }

// --- tests of live mode itself ---

// liveMockEnv starts every vendor's mock and returns the environment that points
// live mode at them, as real keys and *_BASE_URL overrides would.
func liveMockEnv(t *testing.T) (map[string]string, map[string]*harbortest.Mock) {
	env := map[string]string{liveOptIn: "1"}
	mocks := map[string]*harbortest.Mock{}
	for _, v := range liveVendors {
		m := harbortest.Start(t, harbortest.Vendor(v.provider))
		mocks[v.provider] = m
		env[v.keyEnv] = m.APIKey()
		if v.secretEnv != "" {
			env[v.secretEnv] = m.SecretKey()
		}
		env[v.baseEnv] = m.BaseURL()
	}
	env[qianfan.EnvAppID] = mocks[qianfan.Name].AppID()
	return env, mocks
}

func liveGetenv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// The live suite, pointed at the mocks, runs every vendor and finds every quirk
// holding: the mocks encode what the probes check, so this proves the probes
// (and the calls) work end to end without keys or network.
func TestLiveAgainstMocks(t *testing.T) {
	env, mocks := liveMockEnv(t)
	env["HARBOR_LIVE_DOUBAO_MODEL"] = mockvendor.ArkExampleEndpoint // an endpoint id, as some Ark accounts must use
	var runs []*liveRun
	t.Run("suite", func(t *testing.T) {
		liveSuite(t, liveGetenv(env), func(r *liveRun) { runs = append(runs, r) })
	})
	require.Len(t, runs, len(liveVendors), "every vendor with credentials runs")
	for _, r := range runs {
		assert.Empty(t, r.failures, r.v.provider)
		require.Len(t, r.results, len(r.v.quirks))
		for _, res := range r.results {
			assert.Equal(t, liveHolds, res.status, "%s: %s: %s", r.v.provider, res.quirk.name, res.detail)
		}
		assert.Equal(t, env[r.v.baseEnv], r.base)
		assert.NotEmpty(t, mocks[r.v.provider].ChatRequests(), "%s: the calls reached the mock", r.v.provider)
	}
	// The model override reached the vendor.
	sent := sentBody(t, mocks[doubao.Name].ChatRequests(), 0)
	assert.Equal(t, mockvendor.ArkExampleEndpoint, sent["model"])
	assert.Equal(t, "deepseek-v4-flash", sentBody(t, mocks[deepseek.Name].ChatRequests(), 0)["model"])
	// Cheap: a small max_tokens and, where the vendor has the switch, no thinking.
	ds := sentBody(t, mocks[deepseek.Name].ChatRequests(), 0)
	assert.EqualValues(t, liveMaxTokens, ds["max_tokens"])
	assert.Equal(t, map[string]any{"type": "disabled"}, ds["thinking"])
}

// A vendor that changes is caught: canned replies make each vendor break one
// quirk, and the probe reports exactly that one as not holding.
func TestLiveDetectsChangedQuirks(t *testing.T) {
	dsChunk := `{"id":"x","object":"chat.completion.chunk","created":1,"model":"deepseek-v4-flash","choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":%s}],"usage":%s}`
	usage := `{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}`
	arkChunk := `{"id":"021x","object":"chat.completion.chunk","created":1,"model":"doubao-seed-1-6-flash-250828","choices":[{"index":0,"delta":{"role":"assistant","content":"%s"}%s}],"usage":null}`
	tests := []struct {
		vendor string
		script func(m *harbortest.Mock) // what the Create, Stream and invalid-key calls get, in order
		broken string
	}{
		{deepseek.Name, func(m *harbortest.Mock) {
			m.Enqueue(harbortest.Fault{}, harbortest.ReplySSE(
				fmt.Sprintf(dsChunk, "ok", `"stop"`, "null"),
				`{"id":"x","object":"chat.completion.chunk","created":1,"model":"deepseek-v4-flash","choices":[],"usage":`+usage+`}`,
				"[DONE]"))
		}, "usage on the finish chunk"},
		{doubao.Name, func(m *harbortest.Mock) {
			m.Enqueue(harbortest.Fault{}, harbortest.ReplySSE(
				fmt.Sprintf(arkChunk, "o", ""),
				fmt.Sprintf(arkChunk, "k", `,"finish_reason":"stop"`),
				"[DONE]")) // no include_usage chunk any more
		}, "include_usage chunk"},
		{wenxin.Name, func(m *harbortest.Mock) {
			m.Enqueue(harbortest.Fault{}, harbortest.Fault{}, harbortest.ReplyJSON(404, `{"error_code":336005,"error_msg":"API name not exist"}`))
		}, "errors with HTTP 200"},
		{qianfan.Name, func(m *harbortest.Mock) {
			m.Enqueue(harbortest.ReplyJSON(200, `{"id":"as-x","object":"chat.completion","created":1,"model":"ernie-speed-8k",`+
				`"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":`+usage+`}`))
		}, `finish_reason "normal"`},
		{openaicompat.Name, func(m *harbortest.Mock) {
			m.Enqueue(harbortest.Fault{}, harbortest.Fault{}, harbortest.ReplyJSON(200, `{"id":"chatcmpl-x","object":"chat.completion",`+
				`"created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":`+usage+`}`))
		}, "invalid key refused"},
	}
	env, mocks := liveMockEnv(t)
	for _, tt := range tests {
		t.Run(tt.vendor, func(t *testing.T) {
			var v liveVendor
			for _, lv := range liveVendors {
				if lv.provider == tt.vendor {
					v = lv
				}
			}
			tt.script(mocks[tt.vendor])
			r := liveProbe(ctxT(t), v, liveGetenv(env))
			assert.Empty(t, r.failures, "harbor copes with the change; only the quirk is reported")
			for _, res := range r.results {
				want := liveHolds
				if res.quirk.name == tt.broken {
					want = liveBroken
				}
				assert.Equal(t, want, res.status, "%s: %s", res.quirk.name, res.detail)
			}

			rec := &liveRecorder{}
			liveReport(rec, r)
			require.Len(t, rec.errors, 1)
			assert.Contains(t, rec.errors[0], fmt.Sprintf("quirk %q NO LONGER HOLDS", tt.broken))
			assert.Contains(t, rec.errors[0], "revisit harbor's assumption in")
			assert.Contains(t, rec.logs[0], "DOES NOT HOLD")
		})
	}
}

// liveRecorder is a liveT that keeps what it is told.
type liveRecorder struct{ logs, errors []string }

func (l *liveRecorder) Helper() {}
func (l *liveRecorder) Logf(format string, args ...any) {
	l.logs = append(l.logs, fmt.Sprintf(format, args...))
}
func (l *liveRecorder) Errorf(format string, args ...any) {
	l.errors = append(l.errors, fmt.Sprintf(format, args...))
}

// Harbor errors fail the run, quirks that cannot be checked say so, and no
// credential is ever printed.
func TestLiveReportsHarborErrorsWithoutSecrets(t *testing.T) {
	env, mocks := liveMockEnv(t)
	secret := "sk-live-secret-value-123456"
	env[deepseek.EnvAPIKey] = secret // the mock refuses it: every call fails
	var v liveVendor
	for _, lv := range liveVendors {
		if lv.provider == deepseek.Name {
			v = lv
		}
	}
	mocks[deepseek.Name].Enqueue(harbortest.Fault{}, harbortest.Fault{}, harbortest.ReplyJSON(401,
		`{"error":{"message":"Authentication Fails, Your api key: `+secret+` is invalid","type":"authentication_error"}}`))
	r := liveProbe(ctxT(t), v, liveGetenv(env))
	// harbor scrubs keys from its errors; the report scrubs whatever else it
	// prints, such as a vendor echoing the key in a field a probe quotes.
	r.results[0].status, r.results[0].detail = liveBroken, "id "+secret
	rec := &liveRecorder{}
	liveReport(rec, r)
	require.NotEmpty(t, rec.errors)
	assert.Contains(t, strings.Join(rec.errors, "\n"), "observed: id ****")
	assert.Contains(t, strings.Join(rec.errors, "\n"), "harbor error: Create:")
	assert.Contains(t, strings.Join(rec.errors, "\n"), "harbor error: Stream:")
	for _, s := range append(rec.logs, rec.errors...) {
		assert.NotContains(t, s, secret)
	}
	for _, res := range r.results[1:] {
		if res.quirk.name != liveInvalidKeyQuirk.name {
			assert.Equal(t, liveNotProbed, res.status, "%s cannot be judged from a failed call: %s", res.quirk.name, res.detail)
		}
	}
	assert.Contains(t, rec.logs[0], "not probed")
}

func TestLiveSkips(t *testing.T) {
	t.Run("gate message", func(t *testing.T) {
		reason := liveGateReason(liveGetenv(nil))
		assert.Contains(t, reason, "LIVE MODE SKIPPED")
		assert.Contains(t, reason, "HARBOR_LIVE=1")
		for _, name := range []string{"DEEPSEEK_API_KEY", "ARK_API_KEY", "WENXIN_API_KEY+WENXIN_SECRET_KEY", "QIANFAN_API_KEY", "OPENAI_API_KEY"} {
			assert.Contains(t, reason, name)
		}
		assert.NotContains(t, reason, "\n", "one line")
		assert.NotEmpty(t, liveGateReason(liveGetenv(map[string]string{liveOptIn: "true"})), "only 1 opts in")
		assert.Empty(t, liveGateReason(liveGetenv(map[string]string{liveOptIn: "1"})))
	})
	t.Run("vendor messages", func(t *testing.T) {
		wx := liveVendors[2]
		require.Equal(t, wenxin.Name, wx.provider)
		reason := wx.liveSkipReason(liveGetenv(map[string]string{"WENXIN_API_KEY": "k"}))
		assert.Contains(t, reason, "live wenxin SKIPPED: WENXIN_SECRET_KEY not set")
		assert.Contains(t, reason, "WENXIN_BASE_URL")
		assert.Contains(t, reason, "HARBOR_LIVE_WENXIN_MODEL")
		assert.Empty(t, wx.liveSkipReason(liveGetenv(map[string]string{"WENXIN_API_KEY": "k", "WENXIN_SECRET_KEY": "s"})))
		ds := liveVendors[0].liveSkipReason(liveGetenv(nil))
		assert.Contains(t, ds, "live deepseek SKIPPED: DEEPSEEK_API_KEY not set")
	})

	// The suite itself: skipped without the opt-in, and with it but no keys
	// every vendor is skipped, then the whole run.
	skipped := func(name string, env map[string]string) (parent bool, vendors []string) {
		t.Run(name, func(t *testing.T) {
			defer func() { parent = t.Skipped() }()
			liveSuite(t, liveGetenv(env), func(r *liveRun) { vendors = append(vendors, r.v.provider) })
		})
		return parent, vendors
	}
	parent, ran := skipped("suite without opt-in", nil)
	assert.True(t, parent, "no HARBOR_LIVE: skipped")
	assert.Empty(t, ran)
	parent, ran = skipped("suite without keys", map[string]string{liveOptIn: "1"})
	assert.True(t, parent, "HARBOR_LIVE=1 without keys: skipped")
	assert.Empty(t, ran)
}

// The env names are the ones the CLI documents (cmd/harbor/backend.go).
func TestLiveEnvNames(t *testing.T) {
	got := map[string][]string{}
	for _, v := range liveVendors {
		got[v.provider] = append(v.credentialEnvs(), v.baseEnv, v.modelEnv())
	}
	assert.Equal(t, map[string][]string{
		"deepseek": {"DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "HARBOR_LIVE_DEEPSEEK_MODEL"},
		"doubao":   {"ARK_API_KEY", "ARK_BASE_URL", "HARBOR_LIVE_DOUBAO_MODEL"},
		"wenxin":   {"WENXIN_API_KEY", "WENXIN_SECRET_KEY", "WENXIN_BASE_URL", "HARBOR_LIVE_WENXIN_MODEL"},
		"qianfan":  {"QIANFAN_API_KEY", "QIANFAN_BASE_URL", "HARBOR_LIVE_QIANFAN_MODEL"},
		"openai":   {"OPENAI_API_KEY", "OPENAI_BASE_URL", "HARBOR_LIVE_OPENAI_MODEL"},
	}, got)
}

// A real vendor whose answers break harbor's spec is reported, naming the
// spec: the live run is where the specs meet the vendors.
func TestLiveReportsSpecDrift(t *testing.T) {
	env, mocks := liveMockEnv(t)
	var v liveVendor
	for _, lv := range liveVendors {
		if lv.provider == deepseek.Name {
			v = lv
		}
	}
	// "created" as a string: harbor decodes it leniently or not, but the spec
	// says integer.
	mocks[deepseek.Name].Enqueue(harbortest.ReplyJSON(200,
		`{"id":"x","object":"chat.completion","created":"yesterday","model":"deepseek-v4-flash","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`))
	r := liveProbe(ctxT(t), v, liveGetenv(env))
	rec := &liveRecorder{}
	liveReport(rec, r)
	assert.Contains(t, strings.Join(rec.logs, "\n"), "traffic matches spec/deepseek.yaml  DOES NOT HOLD")
	assert.Contains(t, strings.Join(rec.errors, "\n"), `breaks spec/deepseek.yaml (fix the spec, then the mock): deepseek spec: POST /chat/completions: response 200: at "/created"`)
}
