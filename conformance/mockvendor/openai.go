package mockvendor

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OpenAIConfig configures an [OpenAI] mock. The zero value accepts any (or
// no) key, serves [OpenAIModels] and answers immediately.
type OpenAIConfig struct {
	// APIKey, if non-empty, is required as "Authorization: Bearer <APIKey>"
	// on every route; other requests get a 401 invalid_api_key.
	APIKey string
	// Models is the set of model names served, in the order GET /models
	// lists them; any other name gets OpenAI's 404 model_not_found. Nil
	// means OpenAIModels(). To stand in for another OpenAI-compatible
	// server, list its names (Moonshot's "kimi-k2", a local "llama3"); to
	// add some to OpenAI's, append them to OpenAIModels().
	Models []string
	// Latency delays every response's headers. It ends early if the
	// request's context is cancelled.
	Latency time.Duration
	// ChunkDelay is the pause between stream events.
	ChunkDelay time.Duration
	// Now supplies the "created" timestamp; nil means time.Now.
	Now func() time.Time
}

// OpenAI is an http.Handler that mimics a generic OpenAI-compatible chat
// endpoint — OpenAI itself, and the compatible modes of Qwen (DashScope),
// Moonshot, Zhipu and local servers — with or without the /v1 prefix:
//
//	POST /v1/chat/completions   chat, streaming or not
//	GET  /v1/models             the configured models
//
// It validates the parameters those servers share (OpenAI's names, ranges
// and error wording), serves the models of [OpenAIConfig.Models] (OpenAI's
// 404 model_not_found for others, as typed clients expect), answers with
// the toy model (no reasoning_content: OpenAI's chat API returns none),
// supports n, logprobs, stream_options.include_usage and response_format
// text, json_object and json_schema, injects queued faults and records what
// it received. Use [NewOpenAI]; it is safe for concurrent use.
//
// Error bodies are {"error":{"message","type","param","code"}}, param and
// code being null where OpenAI sends null. Defaults per status: 401
// invalid_api_key, 404 model_not_found, 429 rate_limit_exceeded (type
// "requests"), 5xx server_error.
type OpenAI struct {
	cfg        OpenAIConfig
	base       mockBase
	models     map[string]bool
	modelsBody []byte
}

// OpenAIModels returns the model names an [OpenAI] mock serves by default:
// the ids harbor's openai provider lists (providers/openaicompat.OpenAI),
// plus gpt-5-nano, o1 and o3-mini, current OpenAI chat models that the
// provider reaches by prefix. The slice is new on every call.
func OpenAIModels() []string {
	return []string{
		"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
		"gpt-5", "gpt-5-mini", "gpt-5-nano", "o1", "o3", "o3-mini", "o4-mini",
	}
}

// NewOpenAI returns an OpenAI-compatible mock with recording switched on.
// cfg.Models is copied.
func NewOpenAI(cfg OpenAIConfig) *OpenAI {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Models == nil {
		cfg.Models = OpenAIModels()
	} else {
		cfg.Models = slices.Clone(cfg.Models)
	}
	o := &OpenAI{cfg: cfg, models: make(map[string]bool, len(cfg.Models))}
	list := oaiModelList{Object: "list", Data: []oaiModel{}}
	for _, m := range cfg.Models {
		if !o.models[m] {
			o.models[m] = true
			list.Data = append(list.Data, oaiModel{ID: m, Object: "model", Created: oaiModelCreated, OwnedBy: "system"})
		}
	}
	o.modelsBody = mustStatic(list)
	return o
}

// oaiModelCreated is the fixed "created" of listed models, so the listing
// is reproducible.
const oaiModelCreated = 1700000000

// Enqueue appends faults to the queue; each chat request consumes the next
// one, in order. GET routes never consume faults. Fault.Code overrides the
// error code (for example "insufficient_quota"); ErrorAfter ends a stream
// with data: {"error":{…}} and no [DONE]; ErrorCode is ignored.
func (o *OpenAI) Enqueue(f ...Fault) { o.base.faults.push(f) }

// Requests returns a copy of every request received so far (all routes,
// including rejected ones), in arrival order.
func (o *OpenAI) Requests() []RecordedRequest { return o.base.rec.snapshot() }

// Reset clears recorded requests, pending faults and the id sequence. The
// recording switch is left as it is.
func (o *OpenAI) Reset() { o.base.reset() }

// SetRecording switches request recording on or off (it is on by default).
func (o *OpenAI) SetRecording(on bool) { o.base.rec.off.Store(!on) }

// OpenAIInsufficientQuota is OpenAI's 429 insufficient_quota: same status
// as a rate limit, but retrying cannot help, so clients must tell them apart
// by the code.
func OpenAIInsufficientQuota() Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: "insufficient_quota"}
}

type oaiRoute uint8

const (
	oaiRouteNone oaiRoute = iota
	oaiRouteChat
	oaiRouteModels
)

func oaiRouteFor(path string) (oaiRoute, string) {
	switch strings.TrimPrefix(path, "/v1") {
	case "/chat/completions":
		return oaiRouteChat, http.MethodPost
	case "/models":
		return oaiRouteModels, http.MethodGet
	}
	return oaiRouteNone, ""
}

// ServeHTTP implements http.Handler.
func (o *OpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	buf, tooLarge, err := o.base.readBody(w, r)
	defer releaseBody(buf)
	if err != nil {
		if tooLarge {
			oaiWriteError(w, &oaiReqError{status: http.StatusRequestEntityTooLarge, msg: "Request body too large."})
		}
		return
	}
	route, method := oaiRouteFor(r.URL.Path)
	f, ok := o.base.prelude(w, r, route == oaiRouteChat && r.Method == method, o.cfg.Latency)
	if !ok {
		return
	}
	switch {
	case f.Status != 0:
		setRetryAfter(w, f)
		e := oaiFaultError(f)
		if f.Status == http.StatusUnauthorized && f.Message == "" {
			e.msg = oaiAuthMessage(bearerKey(r))
		}
		oaiWriteError(w, e)
		return
	case route == oaiRouteNone || r.Method != method:
		// OpenAI answers both with "Invalid URL"; the mock adds a 405
		// status for a known path so that clients see which it was.
		status := http.StatusNotFound
		if route != oaiRouteNone {
			status = http.StatusMethodNotAllowed
			w.Header().Set("Allow", method)
		}
		oaiWriteError(w, &oaiReqError{status: status, msg: "Invalid URL (" + r.Method + " " + r.URL.Path + ")", noCode: true})
		return
	}
	if o.cfg.APIKey != "" {
		if key := bearerKey(r); subtle.ConstantTimeCompare([]byte(key), []byte(o.cfg.APIKey)) != 1 {
			oaiWriteError(w, &oaiReqError{status: http.StatusUnauthorized, msg: oaiAuthMessage(key)})
			return
		}
	}
	switch route {
	case oaiRouteModels:
		writeStatic(w, o.modelsBody)
	case oaiRouteChat:
		o.chat(w, r, buf.Bytes(), f)
	}
}

// --- errors ---

// oaiReqError is an error response: status plus the body fields; empty
// fields take the defaults for status, except that noCode forces a null
// code. An empty param is null.
type oaiReqError struct {
	status      int
	msg, typ    string
	param, code string
	noCode      bool
}

// oaiErrorDefaults returns OpenAI's message, type and code for status.
func oaiErrorDefaults(status int) (msg, typ, code string) {
	switch status {
	case 400:
		return "Invalid request.", "invalid_request_error", ""
	case 401:
		return oaiAuthMessage(""), "invalid_request_error", "invalid_api_key"
	case 403:
		return "You are not allowed to make this request.", "invalid_request_error", ""
	case 404:
		return "The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found"
	case 429:
		return "Rate limit reached for requests. Please try again later.", "requests", "rate_limit_exceeded"
	case 500:
		return "The server had an error while processing your request. Sorry about that!", "server_error", "server_error"
	case 503:
		return "The engine is currently overloaded, please try again later.", "server_error", "server_error"
	}
	msg = http.StatusText(status)
	if msg == "" {
		msg = "Error " + strconv.Itoa(status)
	}
	if status >= 500 {
		return msg, "server_error", "server_error"
	}
	return msg, "invalid_request_error", ""
}

// oaiFaultError is the error a Status fault answers with. A quota code
// brings OpenAI's quota type and message.
func oaiFaultError(f Fault) *oaiReqError {
	e := &oaiReqError{status: faultStatus(f), msg: f.Message, code: f.Code}
	if f.Code == "insufficient_quota" {
		e.typ = "insufficient_quota"
		if e.msg == "" {
			e.msg = "You exceeded your current quota, please check your plan and billing details."
		}
	}
	return e
}

func oaiAuthMessage(key string) string {
	if key == "" {
		return "You didn't provide an API key. You need to provide your API key in an Authorization header " +
			"using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
	}
	return "Incorrect API key provided: " + maskKey(key) + "."
}

func (e *oaiReqError) body() oaiErrorBody {
	msg, typ, code := oaiErrorDefaults(e.status)
	if e.msg != "" {
		msg = e.msg
	}
	if e.typ != "" {
		typ = e.typ
	}
	if e.code != "" || e.noCode {
		code = e.code
	}
	b := oaiErrorBody{Error: oaiErrorDetail{Message: msg, Type: typ}}
	if e.param != "" {
		b.Error.Param = &e.param
	}
	if code != "" {
		b.Error.Code = &code
	}
	return b
}

func oaiWriteError(w http.ResponseWriter, e *oaiReqError) {
	b := e.body()
	writeJSON(w, e.status, &b)
}

const oaiParseMessage = "We could not parse the JSON body of your request. (HINT: This likely means you aren't using " +
	"your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"

// oaiDecodeError words a body decoding failure as OpenAI does.
func oaiDecodeError(err error) *oaiReqError {
	var te *json.UnmarshalTypeError
	var de *deserializeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return &oaiReqError{
			status: http.StatusBadRequest,
			msg:    "Invalid type for '" + te.Field + "': expected " + expectedName(te.Type) + ", but got " + te.Value + " instead.",
			param:  te.Field, code: "invalid_type",
		}
	case errors.As(err, &de):
		param, _, _ := strings.Cut(de.msg, ":")
		return &oaiReqError{
			status: http.StatusBadRequest, msg: "Invalid type for '" + param + "'.",
			param: param, code: "invalid_type",
		}
	}
	return &oaiReqError{status: http.StatusBadRequest, msg: oaiParseMessage}
}

// --- chat ---

const oaiFingerprint = "fp_mock_openai"

func (o *OpenAI) chat(w http.ResponseWriter, r *http.Request, body []byte, f Fault) {
	var req oaiChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		oaiWriteError(w, oaiDecodeError(err))
		return
	}
	p, rerr := o.validate(&req)
	if rerr != nil {
		oaiWriteError(w, rerr)
		return
	}
	a := p.turn.answer()
	a.script(f.Content)
	u := &oaiUsage{PromptTokens: p.turn.promptTokens, CompletionTokens: p.n * a.completionTokens()}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	id := oaiID("chatcmpl-", oaiMixedAlnum, 29, o.base.seq.Add(1))
	created := o.cfg.Now().Unix()
	if p.stream {
		o.writeStream(w, r, p, &a, u, id, created, f)
		return
	}
	resp := oaiCompletion{
		ID: id, Object: "chat.completion", Created: created, Model: p.turn.model,
		Choices: make([]oaiChoice, p.n), Usage: u, SystemFingerprint: oaiFingerprint,
	}
	msg := oaiOutMsg{Role: "assistant", ToolCalls: oaiToolCalls(&a)}
	if a.tool == nil {
		msg.Content = &a.content
	}
	var lp *dsLogprobs
	if p.logprobs && a.tool == nil {
		lp = buildLogprobs(a.content)
	}
	for i := range resp.Choices {
		resp.Choices[i] = oaiChoice{Index: i, Message: msg, Logprobs: lp, FinishReason: a.finish}
	}
	writeJSON(w, http.StatusOK, &resp)
}

func (o *OpenAI) writeStream(w http.ResponseWriter, r *http.Request, p *oaiPlan, a *answer, u *oaiUsage, id string, created int64, f Fault) {
	errBody := oaiFaultError(Fault{Status: http.StatusInternalServerError, Code: f.Code, Message: f.Message}).body()
	s := newSSEStream(w, r, o.cfg.ChunkDelay, f, &errBody)
	chunk := oaiChunk{
		ID: id, Object: "chat.completion.chunk", Created: created, Model: p.turn.model,
		SystemFingerprint: oaiFingerprint, Choices: make([]oaiChunkChoice, 1),
	}
	if p.includeUsage {
		chunk.Usage = (*oaiUsage)(nil) // "usage":null until the usage chunk
	}
	ch := &chunk.Choices[0]
	emit := func(delta any, finish *string) bool {
		ch.Delta, ch.FinishReason, ch.Logprobs = delta, finish, nil
		if cd, ok := delta.(*dsContentDelta); ok && p.logprobs {
			ch.Logprobs = buildLogprobs(cd.Content)
		}
		return s.event("", &chunk)
	}
	for i := 0; i < p.n; i++ {
		ch.Index = i
		if !oaiStreamAnswer(a, &oaiRoleDelta{Role: "assistant"}, oaiEmptyDelta{}, emit) {
			return
		}
	}
	if p.includeUsage {
		chunk.Choices = chunk.Choices[:0]
		chunk.Usage = u
		if !s.event("", &chunk) {
			return
		}
	}
	s.done()
}
