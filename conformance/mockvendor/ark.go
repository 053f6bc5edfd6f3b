package mockvendor

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ArkConfig configures an [Ark] mock. The zero value is a mock that accepts
// any (or no) API key, answers immediately and knows one example endpoint.
type ArkConfig struct {
	// APIKey, if non-empty, is required as "Authorization: Bearer <APIKey>"
	// on every route; other requests get Ark's 401 AuthenticationError.
	APIKey string
	// Latency delays every response's headers, as a slow network or a busy
	// vendor would. It ends early if the request's context is cancelled.
	Latency time.Duration
	// ChunkDelay is the pause between stream lines (noise lines and data
	// events); use it to exercise clients' read timeouts.
	ChunkDelay time.Duration
	// Now supplies the "created" timestamp and the time part of ids; nil
	// means time.Now. Fix it to get byte-identical responses (golden files).
	Now func() time.Time
	// NoiseLines makes streams start with this many non-data lines before
	// the first data event: ": ping" comments, and "event: ping" lines each
	// followed by the blank line that closes the (dataless) event. Ark's
	// SDK tolerates up to 300 such lines; clients must skip them.
	NoiseLines int
	// Endpoints maps endpoint ids ("ep-20240607092512-c5wnh") to the model
	// each one serves. A request's model may be a known model id or one of
	// these endpoint ids; the response's model is the resolved model name.
	// A target model the mock does not know is still served, its thinking
	// default inferred from its name. nil means
	// {"ep-20240607092512-c5wnh": "doubao-seed-1-6-251015"}; an empty
	// non-nil map means no endpoints.
	Endpoints map[string]string
}

// ArkExampleEndpoint is the endpoint id an [Ark] mock serves when
// [ArkConfig.Endpoints] is nil; it resolves to doubao-seed-1-6-251015.
const ArkExampleEndpoint = "ep-20240607092512-c5wnh"

// Ark is an http.Handler that mimics Volcengine Ark's chat API for Doubao
// and the third-party models Ark hosts
// (https://ark.cn-beijing.volces.com/api/v3), with or without the /api/v3
// prefix:
//
//	POST /chat/completions   chat, streaming or not
//	GET  /models             the models the mock knows
//
// It validates requests the way Ark documents (400 MissingParameter /
// InvalidParameter with the parameter named in "param", 404
// InvalidEndpointOrModel.NotFound for an unknown model or endpoint), answers
// with the same toy model as the other mocks (see the package
// documentation), injects queued faults and records what it received.
//
// Ark's quirks are reproduced: response ids are long hex strings starting
// "021"; every stream chunk repeats "role":"assistant" and carries
// "usage":null; the finish_reason key is absent, not null, until the last
// choice chunk; stream_options.include_usage adds a "choices":[] chunk with
// the usage before [DONE], and Ark's own chunk_include_usage puts the
// cumulative usage on every chunk; errors are
// {"error":{"code","message","param","type"}} with a CamelCase type (the
// HTTP reason: BadRequest, Unauthorized, ...), a dotted code and a message
// ending "Request id: <id>". Every response carries X-Request-Id (the same
// id as the completion's), and X-Client-Request-Id is echoed.
//
// Thinking follows each model's default: enabled on the doubao-seed-2-0,
// 1-8 and 1-6 families (reasoning_content is returned), disabled on
// deepseek-v3-2 and deepseek-v3-1-terminus (switchable with thinking.type),
// absent on doubao-1-5 models (thinking is ignored) and always on for
// doubao-seed-1-6-thinking. thinking.type "auto" is accepted only by
// doubao-seed-1-6-250615, where the toy model then thinks;
// reasoning_effort "minimal" turns thinking off. max_tokens limits the
// answer only, max_completion_tokens the answer plus reasoning. Ark reports
// no context-cache hits for plain chat, so cached_tokens is always 0.
// logprobs are returned on non-streaming responses only.
//
// Use [NewArk] to create one; it is safe for concurrent use.
type Ark struct {
	cfg       ArkConfig
	endpoints map[string]string
	base      mockBase // base.seq counts requests served, for reproducible ids
}

// NewArk returns an Ark mock with recording switched on. cfg.Endpoints is
// copied, so later changes to the caller's map do not affect the mock.
func NewArk(cfg ArkConfig) *Ark {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Ark{cfg: cfg}
	if cfg.Endpoints == nil {
		a.endpoints = map[string]string{ArkExampleEndpoint: "doubao-seed-1-6-251015"}
	} else {
		a.endpoints = make(map[string]string, len(cfg.Endpoints))
		for k, v := range cfg.Endpoints {
			a.endpoints[k] = v
		}
	}
	a.cfg.Endpoints = nil // the copy above is the one in use
	return a
}

// Enqueue appends faults to the queue; each chat request consumes the next
// one, in order. GET routes never consume faults. Ark honours Content,
// Status (with Code and Message), RetryAfter, Reset, TruncateAfter,
// AbortAfter, StallAfter, ErrorAfter and Latency; ErrorCode is ignored.
func (a *Ark) Enqueue(f ...Fault) { a.base.faults.push(f) }

// Requests returns a copy of every request received so far (all routes,
// including rejected ones), in arrival order.
func (a *Ark) Requests() []RecordedRequest { return a.base.rec.snapshot() }

// Reset returns the mock to its freshly created state: recorded requests,
// pending faults and the id sequence are cleared. The recording switch is
// left as it is.
func (a *Ark) Reset() { a.base.reset() }

// SetRecording switches request recording on or off (it is on by default).
// Benchmarks turn it off so memory does not grow with the request count.
func (a *Ark) SetRecording(on bool) { a.base.rec.off.Store(!on) }

// --- presets ---

// ArkRateLimited is Ark's 429 RateLimitExceeded.EndpointRPMExceeded.
// retryAfter, if non-empty, is sent as Retry-After (whether Ark itself sends
// one is unconfirmed; its SDK honours it).
func ArkRateLimited(retryAfter string) Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: "RateLimitExceeded.EndpointRPMExceeded", RetryAfter: retryAfter}
}

// ArkTPMLimited is Ark's 429 RateLimitExceeded.EndpointTPMExceeded.
func ArkTPMLimited(retryAfter string) Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: "RateLimitExceeded.EndpointTPMExceeded", RetryAfter: retryAfter}
}

// ArkOverdue is Ark's 403 AccountOverdueError (the account is in arrears).
func ArkOverdue() Fault {
	return Fault{Status: http.StatusForbidden, Code: "AccountOverdueError"}
}

// ArkSensitiveContent is Ark's 400 SensitiveContentDetected.SevereViolation
// input moderation rejection.
func ArkSensitiveContent() Fault {
	return Fault{Status: http.StatusBadRequest, Code: "SensitiveContentDetected.SevereViolation"}
}

// ArkModelNotOpen is Ark's 404 ModelNotOpen: the account has not activated
// the model.
func ArkModelNotOpen() Fault {
	return Fault{Status: http.StatusNotFound, Code: "ModelNotOpen"}
}

// ArkMidStreamError ends a stream after afterEvents data events with
// data: {"error":{...}} (InternalServiceError unless the fault's Code says
// otherwise) and no [DONE]. Non-streaming requests are unaffected.
func ArkMidStreamError(afterEvents int) Fault { return Fault{ErrorAfter: afterEvents} }

// --- routing ---

type arkRoute uint8

const (
	arkRouteNone arkRoute = iota
	arkRouteChat
	arkRouteModels
)

func arkRouteOf(path string) (arkRoute, string) {
	path = strings.TrimPrefix(path, "/api/v3")
	switch path {
	case "/chat/completions":
		return arkRouteChat, http.MethodPost
	case "/models":
		return arkRouteModels, http.MethodGet
	}
	return arkRouteNone, ""
}

// ServeHTTP implements http.Handler.
func (a *Ark) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	buf, tooLarge, err := a.base.readBody(w, r)
	defer releaseBody(buf)

	now := a.cfg.Now()
	reqID := arkID(now, a.base.seq.Add(1))
	h := w.Header()
	h.Set("X-Request-Id", reqID)
	if c := r.Header.Get("X-Client-Request-Id"); c != "" {
		h.Set("X-Client-Request-Id", c)
	}
	if err != nil {
		if tooLarge {
			writeArkError(w, http.StatusRequestEntityTooLarge, "", "The request body is too large.", "", reqID)
		}
		return // otherwise the client is gone
	}

	route, method := arkRouteOf(r.URL.Path)
	f, ok := a.base.prelude(w, r, route == arkRouteChat && r.Method == method, a.cfg.Latency)
	if !ok {
		return
	}
	switch {
	case f.Status != 0:
		writeArkFault(w, f, reqID)
		return
	case route == arkRouteNone:
		writeArkError(w, http.StatusNotFound, "NotFound", "The requested path "+r.URL.Path+" was not found.", "", reqID)
		return
	case r.Method != method:
		h.Set("Allow", method)
		writeArkError(w, http.StatusMethodNotAllowed, "", "The method "+r.Method+" is not allowed for this path.", "", reqID)
		return
	}
	if a.cfg.APIKey != "" {
		if key := bearerKey(r); subtle.ConstantTimeCompare([]byte(key), []byte(a.cfg.APIKey)) != 1 {
			writeArkError(w, http.StatusUnauthorized, "AuthenticationError", "", "", reqID)
			return
		}
	}
	switch route {
	case arkRouteModels:
		writeStatic(w, arkModelsBody)
	case arkRouteChat:
		a.chat(w, r, buf.Bytes(), f, reqID, now.Unix())
	}
}

// --- ids ---

// arkID is Ark's request id, which is also the completion id: "021", the
// 13-digit Unix time in milliseconds and 37 hex digits, 53 characters in
// all, as in captured ids such as
// 0217426318107460cfa43dc3f3683b1de1c09624ff49085a456ac. The hex tail is
// derived from the per-mock sequence number, so a fresh mock with a fixed
// clock repeats its ids.
func arkID(now time.Time, seq uint64) string {
	const hexdigits = "0123456789abcdef"
	var b [53]byte
	copy(b[:], "021")
	ms := now.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	for i := 15; i >= 3; i-- {
		b[i] = byte('0' + ms%10)
		ms /= 10
	}
	x := splitmix64(seq)
	for i, word := 16, x; i < len(b); i++ {
		if i > 16 && (i-16)%16 == 0 {
			x = splitmix64(x ^ seq)
			word = x
		}
		b[i] = hexdigits[word>>60]
		word <<= 4
	}
	return string(b[:])
}

// --- models ---

// arkThink is a model's thinking behaviour.
type arkThink uint8

const (
	arkThinkOn     arkThink = iota // enabled by default, switchable
	arkThinkOff                    // disabled by default, switchable
	arkThinkNone                   // no reasoning; the thinking field is ignored
	arkThinkAlways                 // always reasons; "disabled" is ignored
)

type arkModelInfo struct {
	id    string
	think arkThink
	auto  bool // accepts thinking.type "auto"
}

// arkModels are the model ids the mock knows (vendors.md §2), in the order
// GET /models lists them. The defaults of deepseek-v3-1-terminus and
// glm-4-7 are assumptions; the others are documented.
var arkModels = []arkModelInfo{
	{id: "doubao-seed-2-0-pro-260215"},
	{id: "doubao-seed-2-0-lite-260215"},
	{id: "doubao-seed-2-0-mini-260215"},
	{id: "doubao-seed-2-0-code-preview-260215"},
	{id: "doubao-seed-1-8-251228"},
	{id: "doubao-seed-1-6-251015"},
	{id: "doubao-seed-1-6-250615", auto: true},
	{id: "doubao-seed-1-6-flash-250828"},
	{id: "doubao-seed-1-6-flash-250615"},
	{id: "doubao-seed-1-6-lite-251015"},
	{id: "doubao-seed-1-6-vision-250815"},
	{id: "doubao-seed-1-6-thinking-250715", think: arkThinkAlways},
	{id: "doubao-1-5-pro-32k-250115", think: arkThinkNone},
	{id: "doubao-1-5-pro-256k-250115", think: arkThinkNone},
	{id: "doubao-1-5-lite-32k-250115", think: arkThinkNone},
	{id: "doubao-1-5-vision-pro-32k-250115", think: arkThinkNone},
	{id: "deepseek-v3-2-251201", think: arkThinkOff},
	{id: "deepseek-v3-1-terminus", think: arkThinkOff},
	{id: "glm-4-7-251222"},
}

var arkModelIndex = func() map[string]*arkModelInfo {
	m := make(map[string]*arkModelInfo, len(arkModels))
	for i := range arkModels {
		m[arkModels[i].id] = &arkModels[i]
	}
	return m
}()

// arkInferModel describes a model an endpoint serves that the mock does not
// list, from its name.
func arkInferModel(id string) arkModelInfo {
	switch {
	case strings.HasPrefix(id, "doubao-1-5-"), strings.HasPrefix(id, "doubao-pro-"), strings.HasPrefix(id, "doubao-lite-"):
		return arkModelInfo{id: id, think: arkThinkNone}
	case strings.Contains(id, "thinking"), strings.HasPrefix(id, "deepseek-r1"):
		return arkModelInfo{id: id, think: arkThinkAlways}
	case strings.HasPrefix(id, "deepseek-v3"):
		return arkModelInfo{id: id, think: arkThinkOff}
	}
	return arkModelInfo{id: id}
}

// resolveModel maps a request's model (a model id or a configured endpoint
// id) to the model that serves it.
func (a *Ark) resolveModel(name string) (arkModelInfo, bool) {
	if m, ok := arkModelIndex[name]; ok {
		return *m, true
	}
	target, ok := a.endpoints[name]
	if !ok {
		return arkModelInfo{}, false
	}
	if m, ok := arkModelIndex[target]; ok {
		return *m, true
	}
	return arkInferModel(target), true
}

var arkModelsBody = func() []byte {
	l := arkModelList{Object: "list", Data: make([]arkModel, len(arkModels))}
	for i, m := range arkModels {
		l.Data[i] = arkModel{ID: m.id, Object: "model", OwnedBy: "volcengine"}
	}
	return mustStatic(l)
}()

// --- errors ---

// arkErrorType is the error "type": the HTTP reason phrase without spaces.
func arkErrorType(status int) string {
	switch status {
	case 400:
		return "BadRequest"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "NotFound"
	case 429:
		return "TooManyRequests"
	case 500:
		return "InternalServerError"
	case 503:
		return "ServiceUnavailable"
	}
	t := http.StatusText(status)
	if t == "" {
		return "Error" + strconv.Itoa(status)
	}
	return strings.NewReplacer(" ", "", "-", "", "'", "").Replace(t)
}

// arkDefaultCode is the code a Status fault gets when it names none.
func arkDefaultCode(status int) string {
	switch status {
	case 400:
		return "InvalidParameter"
	case 401:
		return "AuthenticationError"
	case 403:
		return "AccountOverdueError"
	case 404:
		return "InvalidEndpointOrModel.NotFound"
	case 429:
		return "RateLimitExceeded.EndpointRPMExceeded"
	case 500:
		// Unverified: Ark's docs list no 5xx code names; this one and
		// ServiceUnavailable below are what its SDK and relays report.
		return "InternalServiceError"
	case 503:
		return "ServiceUnavailable" // unverified, see above
	}
	return arkErrorType(status)
}

// arkMessages are Ark's documented messages per code, without the
// "Request id: ..." suffix that arkError appends.
var arkMessages = map[string]string{
	"MissingParameter":                         "The request failed because it is missing one or multiple required parameters.",
	"InvalidParameter":                         "One or more parameters specified in the request are not valid.",
	"InvalidEndpoint.ClosedEndpoint":           "The request targeted an endpoint that is currently closed or temporarily unavailable.",
	"SensitiveContentDetected":                 "The request failed because the input text may contain sensitive information.",
	"SensitiveContentDetected.SevereViolation": "The request failed because the input text may contain severe violation information.",
	"SensitiveContentDetected.Violence":        "The request failed because the input text may contain violence information.",
	"InputTextSensitiveContentDetected":        "The request failed because the input text may contain sensitive information.",
	"InputImageSensitiveContentDetected":       "The request failed because the input image may contain sensitive information.",
	"AuthenticationError":                      "The API key in the request is missing or invalid.",
	"AccountOverdueError":                      "The request failed because your account has an overdue balance.",
	"AccessDenied":                             "The request failed because you do not have access to the requested resource.",
	"InvalidEndpointOrModel.NotFound":          "The model or endpoint does not exist or you do not have access to it.",
	"InvalidEndpointOrModel.ModelIDAccessDisabled": "Accessing the model via Model ID is not allowed for your account. " +
		"Please use a custom endpoint ID instead.",
	"ModelNotOpen":                                 "Your account has not activated the model. Please activate the model service in the Ark Console.",
	"RateLimitExceeded.EndpointRPMExceeded":        "The Requests Per Minute (RPM) limit of the associated endpoint for your account has been exceeded.",
	"RateLimitExceeded.EndpointTPMExceeded":        "The Tokens Per Minute (TPM) limit of the associated endpoint for your account has been exceeded.",
	"RateLimitExceeded.FoundationModelRPMExceeded": "The Requests Per Minute (RPM) limit of the foundation model for your account has been exceeded.",
	"InternalServiceError":                         "The service encountered an unexpected internal error.",
	"ServiceUnavailable":                           "The service is temporarily unavailable. Please try again later.",
}

// arkCodeStatus guesses the HTTP status that goes with a code, for errors
// sent without one (mid-stream error events).
func arkCodeStatus(code string) int {
	for _, p := range []struct {
		prefix string
		status int
	}{
		{"MissingParameter", 400}, {"InvalidParameter", 400}, {"InvalidEndpoint.", 400},
		{"SensitiveContentDetected", 400}, {"InputTextSensitive", 400}, {"InputImageSensitive", 400},
		{"OutputTextSensitive", 400}, {"AuthenticationError", 401}, {"AccountOverdueError", 403},
		{"AccessDenied", 403}, {"OperationDenied", 403}, {"InvalidEndpointOrModel", 404},
		{"ModelNotOpen", 404}, {"RateLimitExceeded", 429}, {"ServiceUnavailable", 503},
	} {
		if strings.HasPrefix(code, p.prefix) {
			return p.status
		}
	}
	return http.StatusInternalServerError
}

// arkError builds an error body. Empty code takes the default for status;
// empty msg takes the code's documented message. " Request id: <id>" is
// appended unless msg already carries one.
func arkError(status int, code, msg, param, reqID string) arkErrorBody {
	if code == "" {
		code = arkDefaultCode(status)
	}
	if msg == "" {
		msg = arkMessages[code]
		if msg == "" {
			msg = "The request failed: " + strings.ToLower(http.StatusText(status)) + "."
		}
	}
	if !strings.Contains(msg, "Request id:") {
		msg += " Request id: " + reqID
	}
	return arkErrorBody{Error: arkErrorDetail{Code: code, Message: msg, Param: param, Type: arkErrorType(status)}}
}

func writeArkError(w http.ResponseWriter, status int, code, msg, param, reqID string) {
	writeJSON(w, status, arkError(status, code, msg, param, reqID))
}

func writeArkFault(w http.ResponseWriter, f Fault, reqID string) {
	setRetryAfter(w, f)
	writeArkError(w, faultStatus(f), f.Code, f.Message, "", reqID)
}

// arkMidStreamError is the body of a Fault.ErrorAfter event.
func arkMidStreamError(f Fault, reqID string) arkErrorBody {
	code := f.Code
	if code == "" {
		code = "InternalServiceError"
	}
	return arkError(arkCodeStatus(code), code, f.Message, "", reqID)
}
