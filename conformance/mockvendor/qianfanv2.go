package mockvendor

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// QianfanV2Config configures a [QianfanV2] mock. The zero value accepts any
// (or no) key and appid and answers immediately.
type QianfanV2Config struct {
	// APIKey, if non-empty, is required as "Authorization: Bearer <APIKey>"
	// (a console key looks like "bce-v3/ALTAK-…/…"); other requests get a
	// 401 access_denied.
	APIKey string
	// AppID, if non-empty, is required in the "appid" header; a missing or
	// different one gets a 401 no_parameter_permission.
	AppID string
	// Latency delays every response's headers. It ends early if the
	// request's context is cancelled.
	Latency time.Duration
	// ChunkDelay is the pause between stream events.
	ChunkDelay time.Duration
	// KeepAlives makes streams start with this many ": keep-alive" SSE
	// comments before the first data event.
	KeepAlives int
	// Now supplies the "created" timestamp; nil means time.Now.
	Now func() time.Time
}

// QianfanV2 is an http.Handler that mimics Baidu Qianfan's OpenAI-style v2
// API (https://qianfan.baidubce.com/v2), with or without the /v2 prefix:
//
//	POST /v2/chat/completions   chat, streaming or not
//	GET  /v2/models             the known models
//
// Where it differs from OpenAI it follows Qianfan: ids "as-…", a top-level
// "id" in error bodies, finish_reason "normal" for plain ERNIE answers,
// per-choice "flag", reasoning_content on thinking models (ernie-x1*,
// ernie-5.0-thinking-latest, deepseek-r1), top-level search_results with
// web_search, strict user/assistant alternation and "event:" lines in
// streams. The X-Request-Id request header is echoed. Use [NewQianfanV2]; it
// is safe for concurrent use.
//
// Error bodies are {"error":{"code","message","type"},"id":"as-…"}. The codes
// vendors.md documents are used where they apply (malformed_json,
// invalid_model, invalid_messages, tokens_too_long, invalid_argument,
// access_denied, no_parameter_permission, rpm_/tpm_rate_limit_exceeded);
// the 5xx codes and every message text except "Invalid Argument" and the
// rate-limit ones are guesses.
type QianfanV2 struct {
	cfg  QianfanV2Config
	base mockBase
}

// NewQianfanV2 returns a Qianfan v2 mock with recording switched on.
func NewQianfanV2(cfg QianfanV2Config) *QianfanV2 {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &QianfanV2{cfg: cfg}
}

// Enqueue appends faults to the queue; each chat request consumes the next
// one, in order. GET routes never consume faults. Fault.ErrorCode is
// ignored (Qianfan v2 reports errors with real HTTP statuses); ErrorAfter
// ends a stream with data: {"error":{…},"id":…} and no [DONE].
func (q *QianfanV2) Enqueue(f ...Fault) { q.base.faults.push(f) }

// Requests returns a copy of every request received so far (all routes,
// including rejected ones), in arrival order.
func (q *QianfanV2) Requests() []RecordedRequest { return q.base.rec.snapshot() }

// Reset clears recorded requests, pending faults and the id sequence. The
// recording switch is left as it is.
func (q *QianfanV2) Reset() { q.base.reset() }

// SetRecording switches request recording on or off (it is on by default).
func (q *QianfanV2) SetRecording(on bool) { q.base.rec.off.Store(!on) }

// QianfanV2RateLimited is Qianfan v2's 429 rpm_rate_limit_exceeded.
// retryAfter, if non-empty, is sent as Retry-After.
func QianfanV2RateLimited(retryAfter string) Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: "rpm_rate_limit_exceeded", RetryAfter: retryAfter}
}

// QianfanV2TPMLimited is Qianfan v2's 429 tpm_rate_limit_exceeded (tokens
// per minute), which a client must treat like any other 429.
func QianfanV2TPMLimited() Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: "tpm_rate_limit_exceeded"}
}

// QianfanV2StreamError ends a stream after afterEvents data events with an
// in-band error event (a 500-class internal_error) and no [DONE].
// Non-streaming requests are unaffected.
func QianfanV2StreamError(afterEvents int) Fault { return Fault{ErrorAfter: afterEvents} }

// qf2Models lists the models the mock serves, from vendors.md §4.
var qf2Models = []string{
	"ernie-4.0-8k", "ernie-4.0-turbo-8k", "ernie-4.0-turbo-128k", "ernie-3.5-8k", "ernie-3.5-128k",
	"ernie-speed-8k", "ernie-speed-128k", "ernie-speed-pro-128k", "ernie-lite-8k", "ernie-lite-pro-128k",
	"ernie-tiny-8k", "ernie-char-8k", "ernie-novel-8k",
	"ernie-4.5-turbo-128k", "ernie-4.5-turbo-32k", "ernie-x1-32k", "ernie-x1-turbo-32k", "ernie-5.0-thinking-latest",
	"deepseek-v3", "deepseek-r1", "deepseek-v3.2",
}

var (
	qf2ModelSet = func() map[string]bool {
		m := make(map[string]bool, len(qf2Models))
		for _, id := range qf2Models {
			m[id] = true
		}
		return m
	}()
	qf2ModelsBody = func() []byte {
		l := qf2ModelList{Object: "list", Data: make([]qf2Model, len(qf2Models))}
		for i, id := range qf2Models {
			owner := "baidu"
			if strings.HasPrefix(id, "deepseek-") {
				owner = "deepseek"
			}
			l.Data[i] = qf2Model{ID: id, Object: "model", OwnedBy: owner}
		}
		return mustStatic(l)
	}()
)

// qf2Thinking reports the models that return reasoning_content.
func qf2Thinking(model string) bool {
	return strings.HasPrefix(model, "ernie-x1") || model == "deepseek-r1" || model == "ernie-5.0-thinking-latest"
}

// qf2UserLast reports the models whose last message must be from the user
// (vendors.md: ERNIE 4.5 and X1 Turbo accept no trailing tool result).
func qf2UserLast(model string) bool {
	return strings.HasPrefix(model, "ernie-4.5") || strings.HasPrefix(model, "ernie-x1-turbo")
}

// qf2Context is the context window the mock assumes: the size in the model
// name (8k, 32k, 128k), else 128k. Counted in toy tokens.
func qf2Context(model string) int {
	i := strings.LastIndexByte(model, '-')
	if i >= 0 && strings.HasSuffix(model, "k") {
		if n, err := strconv.Atoi(model[i+1 : len(model)-1]); err == nil && n > 0 {
			return n * 1024
		}
	}
	return 128 * 1024
}

type qf2Route uint8

const (
	qf2RouteNone qf2Route = iota
	qf2RouteChat
	qf2RouteModels
)

func qf2RouteFor(path string) (qf2Route, string) {
	switch strings.TrimPrefix(path, "/v2") {
	case "/chat/completions":
		return qf2RouteChat, http.MethodPost
	case "/models":
		return qf2RouteModels, http.MethodGet
	}
	return qf2RouteNone, ""
}

// ServeHTTP implements http.Handler.
func (q *QianfanV2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	buf, tooLarge, err := q.base.readBody(w, r)
	defer releaseBody(buf)
	if rid := r.Header.Get("X-Request-Id"); rid != "" {
		w.Header().Set("X-Request-Id", rid)
	}
	if err != nil {
		if tooLarge {
			q.writeError(w, http.StatusRequestEntityTooLarge, "characters_too_long", "Request body too large", "")
		}
		return
	}
	route, method := qf2RouteFor(r.URL.Path)
	f, ok := q.base.prelude(w, r, route == qf2RouteChat && r.Method == method, q.cfg.Latency)
	if !ok {
		return
	}
	switch {
	case f.Status != 0:
		setRetryAfter(w, f)
		q.writeError(w, faultStatus(f), f.Code, f.Message, "")
		return
	case route == qf2RouteNone:
		q.writeError(w, http.StatusNotFound, "", "Not Found: "+r.URL.Path, "")
		return
	case r.Method != method:
		w.Header().Set("Allow", method)
		q.writeError(w, http.StatusMethodNotAllowed, "", "Method Not Allowed", "")
		return
	}
	if q.cfg.APIKey != "" {
		if key := bearerKey(r); subtle.ConstantTimeCompare([]byte(key), []byte(q.cfg.APIKey)) != 1 {
			q.writeError(w, http.StatusUnauthorized, "", "", "")
			return
		}
	}
	if q.cfg.AppID != "" && r.Header.Get("appid") != q.cfg.AppID {
		// Guess: vendors.md lists no_parameter_permission among the 401
		// codes but not which check sends it; a foreign appid is the
		// likeliest permission failure.
		q.writeError(w, http.StatusUnauthorized, "no_parameter_permission",
			"No permission to use the appid "+strconv.Quote(r.Header.Get("appid")), "access_denied")
		return
	}
	switch route {
	case qf2RouteModels:
		writeStatic(w, qf2ModelsBody)
	case qf2RouteChat:
		q.chat(w, r, buf.Bytes(), f)
	}
}

// --- errors ---

// qf2ErrorDefaults returns the code, message and type for status.
// vendors.md documents the 400/401/429 codes; the rest are guesses.
func qf2ErrorDefaults(status int) (code, msg, typ string) {
	switch status {
	case 400:
		return "invalid_argument", "Invalid Argument", "invalid_request_error"
	case 401:
		return "access_denied", "Access denied: the API key is missing or invalid", "access_denied"
	case 403:
		return "access_denied", "Access denied", "access_denied"
	case 404:
		return "not_found", "Not Found", "invalid_request_error"
	case 429:
		return "rpm_rate_limit_exceeded", "Rate limit reached for RPM", "rate_limit_exceeded"
	case 500:
		return "internal_error", "Internal error, please try again later", "server_error"
	case 503:
		return "service_unavailable", "Service unavailable, please try again later", "server_error"
	}
	msg = http.StatusText(status)
	if msg == "" {
		msg = "Error " + strconv.Itoa(status)
	}
	if status >= 500 {
		return "internal_error", msg, "server_error"
	}
	return "invalid_argument", msg, "invalid_request_error"
}

// qf2CodeMessages are the default messages of codes finer than a status.
var qf2CodeMessages = map[string]string{
	"rpm_rate_limit_exceeded": "Rate limit reached for RPM",
	"tpm_rate_limit_exceeded": "Rate limit reached for TPM",
	"malformed_json":          "Invalid Argument",
	"invalid_model":           "Invalid model",
	"invalid_messages":        "Invalid messages",
	"tokens_too_long":         "Prompt tokens too long",
	"characters_too_long":     "Prompt characters too long",
	"no_parameter_permission": "No permission to use the parameter",
}

// qf2Error builds an error body whose empty fields take the defaults for
// status (a non-default code brings its own message); the caller sets ID.
func qf2Error(status int, code, msg, typ string) qf2ErrorBody {
	dcode, dmsg, dtyp := qf2ErrorDefaults(status)
	if msg == "" {
		msg = dmsg
		if m, ok := qf2CodeMessages[code]; ok {
			msg = m
		}
	}
	if code == "" {
		code = dcode
	}
	if typ == "" {
		typ = dtyp
	}
	return qf2ErrorBody{Error: qf2ErrorDetail{Code: code, Message: msg, Type: typ}}
}

func (q *QianfanV2) writeError(w http.ResponseWriter, status int, code, msg, typ string) {
	body := qf2Error(status, code, msg, typ)
	body.ID = q.nextID()
	writeJSON(w, status, &body)
}

// nextID issues Qianfan's "as-" + 10 lowercase alphanumerics.
func (q *QianfanV2) nextID() string {
	return oaiID("as-", oaiLowerAlnum, 10, q.base.seq.Add(1))
}

// --- chat ---

func (q *QianfanV2) chat(w http.ResponseWriter, r *http.Request, body []byte, f Fault) {
	var req qf2ChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		// Syntax and type errors alike: the body does not fit the schema.
		q.writeError(w, http.StatusBadRequest, "malformed_json", "Invalid Argument", "")
		return
	}
	p, rerr := qf2Validate(&req)
	if rerr != nil {
		q.writeError(w, http.StatusBadRequest, rerr.code, rerr.msg, "")
		return
	}
	a := p.turn.answer()
	a.script(f.Content)
	if a.finish == "stop" && strings.HasPrefix(p.turn.model, "ernie-") {
		a.finish = "normal" // ERNIE's word for a natural end
	}
	u := qf2Usage{
		PromptTokens:     p.turn.promptTokens + p.searchTokens,
		CompletionTokens: a.completionTokens(),
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	if p.search != nil {
		u.PromptTokensDetails = &qf2PromptDetails{SearchTokens: p.searchTokens}
	}
	flag, banRound := 0, (*int)(nil)
	if a.finish == "content_filter" {
		flag, banRound = 1, new(int)
		*banRound = -1 // the current question
	}
	id := q.nextID()
	created := q.cfg.Now().Unix()
	if p.stream {
		q.writeStream(w, r, p, &a, &u, id, created, flag, banRound, f)
		return
	}
	resp := qf2Completion{
		ID: id, Object: "chat.completion", Created: created, Model: p.turn.model,
		Usage: &u, SearchResults: p.search,
	}
	c := &resp.Choices[0]
	c.Message = qf2OutMsg{Role: "assistant", Content: a.content, ToolCalls: oaiToolCalls(&a)}
	if a.thinking {
		c.Message.ReasoningContent = &a.reasoning
	}
	c.FinishReason, c.Flag, c.BanRound = a.finish, flag, banRound
	writeJSON(w, http.StatusOK, &resp)
}

// qf2SearchResults makes n deterministic results for the query.
func qf2SearchResults(query string, n int) ([]qf2SearchResult, int) {
	out := make([]qf2SearchResult, n)
	tokens := 0
	for i := range out {
		idx := strconv.Itoa(i + 1)
		out[i] = qf2SearchResult{
			Index: i + 1,
			URL:   "https://example.com/search/" + idx + "?q=" + url.QueryEscape(query),
			Title: "Result " + idx + " for " + query,
		}
		tokens += countWords(out[i].Title)
	}
	return out, tokens
}

// --- streaming ---

// qf2NamedEvent is the event name put on the first and the finish chunk:
// vendors.md lists "event:" lines among Qianfan's stream noise, and a
// client must read the data that follows them.
const qf2NamedEvent = "message"

func (q *QianfanV2) writeStream(w http.ResponseWriter, r *http.Request, p *qf2Plan, a *answer, u *qf2Usage, id string, created int64, flag int, banRound *int, f Fault) {
	// Guess: the in-band error reuses the envelope with a 500-class code
	// and the stream's id.
	errBody := qf2Error(http.StatusInternalServerError, f.Code, f.Message, "")
	errBody.ID = id
	s := newSSEStream(w, r, q.cfg.ChunkDelay, f, &errBody)

	for i := 0; i < q.cfg.KeepAlives; i++ {
		if !s.comment(": keep-alive\n\n") {
			return
		}
	}
	chunk := qf2Chunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: p.turn.model, SearchResults: p.search}
	if p.includeUsage {
		chunk.Usage = (*qf2Usage)(nil) // "usage":null until the last chunk
	}
	ch := &chunk.Choices[0]
	ch.Flag = flag
	first := true
	ok := oaiStreamAnswer(a, &dsRoleDelta{Role: "assistant"}, &dsContentDelta{}, func(delta any, finish *string) bool {
		ch.Delta, ch.FinishReason = delta, finish
		name := ""
		if first || finish != nil {
			name = qf2NamedEvent
		}
		if finish != nil {
			ch.BanRound = banRound
			if p.includeUsage {
				chunk.Usage = u
			}
		}
		sent := s.event(name, &chunk)
		if first {
			first = false
			chunk.SearchResults = nil // only the first chunk carries them
		}
		return sent
	})
	if ok {
		s.done()
	}
}
