package mockvendor

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// DeepSeekConfig configures a [DeepSeek] mock. The zero value is a mock that
// accepts any (or no) API key and answers immediately.
type DeepSeekConfig struct {
	// APIKey, if non-empty, is required as "Authorization: Bearer <APIKey>"
	// on every route; other requests get DeepSeek's 401 with the sent key
	// masked.
	APIKey string
	// Latency delays every response's headers, as a slow network or a busy
	// vendor would. It ends early if the request's context is cancelled.
	Latency time.Duration
	// QueueBlankLines makes non-streaming responses start with this many
	// "\n" lines, flushed one by one, before the JSON body: DeepSeek sends
	// them while a request waits in its queue, and clients must skip them.
	QueueBlankLines int
	// KeepAlives makes streams start with this many ": keep-alive" SSE
	// comments before the first data event, as DeepSeek does while queued.
	KeepAlives int
	// ChunkDelay is the pause between stream events and between queue blank
	// lines; use it to exercise clients' read timeouts.
	ChunkDelay time.Duration
	// Now supplies the "created" timestamp; nil means time.Now. Fix it to
	// get byte-identical responses (golden files).
	Now func() time.Time
}

// DeepSeek is an http.Handler that mimics DeepSeek's API
// (https://api.deepseek.com), with or without the /v1 prefix:
//
//	POST /chat/completions   chat, streaming or not
//	GET  /models             model list
//	GET  /user/balance       account balance
//
// It validates requests the way DeepSeek does (see the package
// documentation for the toy model that produces answers), injects queued
// faults and records what it received. Use [NewDeepSeek] to create one; it
// is safe for concurrent use.
//
// Error bodies are {"error":{"message","type","param":null,"code"}}. DeepSeek
// publishes no list of codes, so this mock always sends a string code:
// "invalid_request_error" for 4xx (the value seen in captures),
// "rate_limit_exceeded" for 429 and "server_error" for 5xx. Clients should
// key on the status and type, not the code.
type DeepSeek struct {
	cfg  DeepSeekConfig
	base mockBase

	mu    sync.Mutex
	cache map[uint64]struct{} // (model, first message) pairs seen
}

// NewDeepSeek returns a DeepSeek mock with recording switched on.
func NewDeepSeek(cfg DeepSeekConfig) *DeepSeek {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &DeepSeek{cfg: cfg}
}

// Enqueue appends faults to the queue; each chat request consumes the next
// one, in order. GET routes never consume faults.
func (d *DeepSeek) Enqueue(f ...Fault) { d.base.faults.push(f) }

// Requests returns a copy of every request received so far (all routes,
// including rejected ones), in arrival order.
func (d *DeepSeek) Requests() []RecordedRequest { return d.base.rec.snapshot() }

// Reset returns the mock to its freshly created state: recorded requests,
// pending faults, the simulated context cache and the id sequence are
// cleared. The recording switch is left as it is.
func (d *DeepSeek) Reset() {
	d.base.reset()
	d.mu.Lock()
	d.cache = nil
	d.mu.Unlock()
}

// SetRecording switches request recording on or off (it is on by default).
// Benchmarks turn it off so memory does not grow with the request count.
func (d *DeepSeek) SetRecording(on bool) { d.base.rec.off.Store(!on) }

// dsCacheLimit bounds the simulated context cache; when full it is emptied,
// which at worst turns a would-be hit into a miss.
const dsCacheLimit = 1 << 16

// cacheHit reports whether key was seen before, and remembers it.
func (d *DeepSeek) cacheHit(key uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.cache[key]; ok {
		return true
	}
	if d.cache == nil || len(d.cache) >= dsCacheLimit {
		d.cache = make(map[uint64]struct{})
	}
	d.cache[key] = struct{}{}
	return false
}

type dsRoute uint8

const (
	dsRouteNone dsRoute = iota
	dsRouteChat
	dsRouteModels
	dsRouteBalance
)

func routeDeepSeek(path string) (dsRoute, string) {
	path = strings.TrimPrefix(path, "/v1")
	switch path {
	case "/chat/completions":
		return dsRouteChat, http.MethodPost
	case "/models":
		return dsRouteModels, http.MethodGet
	case "/user/balance":
		return dsRouteBalance, http.MethodGet
	}
	return dsRouteNone, ""
}

// ServeHTTP implements http.Handler.
func (d *DeepSeek) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	buf, tooLarge, err := d.base.readBody(w, r)
	defer releaseBody(buf)
	if err != nil {
		if tooLarge {
			writeDSError(w, http.StatusRequestEntityTooLarge, "Request body too large", "", "")
		}
		return // otherwise the client is gone
	}

	route, method := routeDeepSeek(r.URL.Path)
	f, ok := d.base.prelude(w, r, route == dsRouteChat && r.Method == method, d.cfg.Latency)
	if !ok {
		return
	}
	switch {
	case f.Status != 0:
		writeDSFault(w, r, f)
		return
	case route == dsRouteNone:
		writeDSError(w, http.StatusNotFound, "Not Found: "+r.URL.Path, "", "")
		return
	case r.Method != method:
		w.Header().Set("Allow", method)
		writeDSError(w, http.StatusMethodNotAllowed, "Method Not Allowed", "", "")
		return
	}
	if d.cfg.APIKey != "" {
		if key := bearerKey(r); subtle.ConstantTimeCompare([]byte(key), []byte(d.cfg.APIKey)) != 1 {
			writeDSError(w, http.StatusUnauthorized, authMessage(key), "", "")
			return
		}
	}
	switch route {
	case dsRouteModels:
		writeStatic(w, dsModelsBody)
	case dsRouteBalance:
		writeStatic(w, dsBalanceBody)
	case dsRouteChat:
		d.chat(w, r, buf.Bytes(), f)
	}
}

// --- errors ---

// dsErrorDefaults returns DeepSeek's documented message and type for status.
func dsErrorDefaults(status int) (msg, typ, code string) {
	code = "invalid_request_error"
	if status >= 500 {
		code = "server_error"
	}
	switch status {
	case 400:
		return "Invalid request", "invalid_request_error", code
	case 401:
		return authMessage(""), "authentication_error", code
	case 402:
		return "Insufficient Balance", "unknown_error", code
	case 422:
		return deserializePrefix + "invalid request body", "invalid_request_error", code
	case 429:
		return "Your current concurrency is 40, which exceeds your concurrency limit of 39. " +
			"Please reduce concurrent requests or try again later.", "rate_limit_error", "rate_limit_exceeded"
	case 500:
		return "Internal server error, please try again later.", "server_error", code
	case 503:
		return "Server overloaded, please try again later.", "server_error", code
	}
	msg = http.StatusText(status)
	if msg == "" {
		msg = "Error " + strconv.Itoa(status)
	}
	if status >= 500 {
		return msg, "server_error", code
	}
	return msg, "invalid_request_error", code
}

const deserializePrefix = "Failed to deserialize the JSON body into the target type: "

// authMessage is DeepSeek's 401 message. Only the last four characters of a
// key are ever shown, and none of a short key, so a log of mock traffic never
// leaks a whole credential.
func authMessage(key string) string {
	return "Authentication Fails, Your api key: " + maskKey(key) + " is invalid"
}

func maskKey(key string) string {
	if utf8.RuneCountInString(key) < 8 {
		return "****"
	}
	i := len(key)
	for n := 0; n < 4; n++ {
		_, size := utf8.DecodeLastRuneInString(key[:i])
		i -= size
	}
	return "****" + key[i:]
}

func bearerKey(r *http.Request) string {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) < len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return ""
	}
	return strings.TrimSpace(h[len(prefix):])
}

// writeDSError writes the error envelope; empty typ/code take the defaults
// for status.
func writeDSError(w http.ResponseWriter, status int, msg, typ, code string) {
	dmsg, dtyp, dcode := dsErrorDefaults(status)
	if msg == "" {
		msg = dmsg
	}
	if typ == "" {
		typ = dtyp
	}
	if code == "" {
		code = dcode
	}
	writeJSON(w, status, dsErrorBody{Error: dsErrorDetail{Message: msg, Type: typ, Code: code}})
}

func writeDSFault(w http.ResponseWriter, r *http.Request, f Fault) {
	status := faultStatus(f)
	msg := f.Message
	if msg == "" && status == http.StatusUnauthorized {
		msg = authMessage(bearerKey(r))
	}
	setRetryAfter(w, f)
	writeDSError(w, status, msg, "", "")
}

// resetConn drops the connection without a response. SetLinger(0) makes the
// close send an RST, which is what "connection reset by peer" looks like.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2, a recorder): abort the response instead.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// --- static routes ---

var (
	dsModelsBody = mustStatic(dsModelList{Object: "list", Data: []dsModel{
		{ID: "deepseek-v4-flash", Object: "model", OwnedBy: "deepseek"},
		{ID: "deepseek-v4-pro", Object: "model", OwnedBy: "deepseek"},
	}})
	dsBalanceBody = mustStatic(dsBalance{IsAvailable: true, BalanceInfos: []dsBalanceInfo{{
		Currency: "CNY", TotalBalance: "59.40", GrantedBalance: "59.40", ToppedUpBalance: "0.00",
	}}})
)

// mustStatic encodes a constant body once at init; it can only fail on a
// programming error in this file.
func mustStatic(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

func writeStatic(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// --- chat ---

// chatPlan is a validated request reduced to what the toy model needs.
type chatPlan struct {
	model        string
	thinking     bool
	maxTokens    int // 0: unlimited
	stream       bool
	includeUsage bool
	logprobs     bool
	toolName     string // non-empty: the model may call this tool
	toolParams   []byte // that tool's parameter schema (JSON), if any
	format       answerFormat
	schema       []byte // json_schema's schema (JSON), if any
	lastRole     string
	lastContent  string
	lastUser     string
	promptTokens int
	firstTokens  int
	cacheKey     uint64
}

// requestError is a validation failure: status plus DeepSeek's message.
type requestError struct {
	status int
	msg    string
}

func badRequest(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func unprocessable(detail string) *requestError {
	return &requestError{status: http.StatusUnprocessableEntity, msg: deserializePrefix + detail}
}

func (d *DeepSeek) chat(w http.ResponseWriter, r *http.Request, body []byte, f Fault) {
	var req dsChatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeDSError(w, http.StatusUnprocessableEntity, deserializePrefix+describeJSONError(err, body), "", "")
		return
	}
	p, rerr := validateDeepSeek(&req)
	if rerr != nil {
		writeDSError(w, rerr.status, rerr.msg, "", "")
		return
	}
	a := generate(p)
	a.script(f.Content)

	hit := 0
	if d.cacheHit(p.cacheKey) {
		hit = min(p.firstTokens, p.promptTokens)
	}
	u := dsUsage{
		PromptTokens:            p.promptTokens,
		CompletionTokens:        a.completionTokens(),
		TotalTokens:             p.promptTokens + a.completionTokens(),
		PromptTokensDetails:     dsPromptDetails{CachedTokens: hit},
		PromptCacheHitTokens:    hit,
		PromptCacheMissTokens:   p.promptTokens - hit,
		CompletionTokensDetails: dsCompletionDetails{ReasoningTokens: a.reasoningTokens},
	}
	id := mockUUID(d.base.seq.Add(1))
	created := d.cfg.Now().Unix()
	if p.stream {
		d.writeStream(w, r, p, &a, &u, id, created, f)
		return
	}
	d.writeCompletion(w, r, p, &a, &u, id, created)
}

// --- non-streaming ---

func (d *DeepSeek) writeCompletion(w http.ResponseWriter, r *http.Request, p *chatPlan, a *answer, u *dsUsage, id string, created int64) {
	resp := dsCompletion{
		ID:                id,
		Object:            "chat.completion",
		Created:           created,
		Model:             p.model,
		SystemFingerprint: dsFingerprint,
		Usage:             u,
	}
	c := &resp.Choices[0]
	c.Message.Role = "assistant"
	c.Message.Content = a.content
	c.FinishReason = a.finish
	if a.thinking {
		c.Message.ReasoningContent = &a.reasoning
	}
	if a.tool != nil {
		c.Message.ToolCalls = []dsOutToolCall{{
			ID: a.tool.id, Type: "function",
			Function: dsOutFunction{Name: a.tool.name, Arguments: a.tool.args},
		}}
	}
	if p.logprobs {
		c.Logprobs = buildLogprobs(a.content)
	}
	e := getEnc()
	defer putEnc(e)
	_ = e.enc.Encode(&resp)

	h := w.Header()
	h.Set("Content-Type", "application/json")
	if d.cfg.QueueBlankLines <= 0 {
		h.Set("Content-Length", strconv.Itoa(e.buf.Len()))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(e.buf.Bytes())
		return
	}
	// Queued: headers first, then keep-alive blank lines, then the body.
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	ctx := r.Context()
	for i := 0; i < d.cfg.QueueBlankLines; i++ {
		if i > 0 && !sleepCtx(ctx, d.cfg.ChunkDelay) {
			return
		}
		if _, err := io.WriteString(w, "\n"); err != nil {
			return
		}
		_ = rc.Flush()
	}
	if !sleepCtx(ctx, d.cfg.ChunkDelay) {
		return
	}
	_, _ = w.Write(e.buf.Bytes())
}

const dsFingerprint = "fp_mock_deepseek"

// buildLogprobs gives every answer token the same high-confidence logprob;
// enough for clients to exercise their logprobs plumbing.
func buildLogprobs(content string) *dsLogprobs {
	lp := &dsLogprobs{Content: make([]dsTokenLogprob, 0, countWords(content))}
	for rest := content; rest != ""; {
		var piece string
		piece, rest = nextPiece(rest)
		b := make([]int, len(piece))
		for i := 0; i < len(piece); i++ {
			b[i] = int(piece[i])
		}
		lp.Content = append(lp.Content, dsTokenLogprob{Token: piece, Logprob: -0.01, Bytes: b, TopLogprobs: []dsTokenLogprob{}})
	}
	return lp
}

// sleepCtx waits for d, returning false if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
