package mockvendor

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// QianfanV1Config configures a [QianfanV1] mock. The zero value is a mock
// that grants a token to any non-empty client id and secret, issues 30-day
// tokens and answers immediately.
type QianfanV1Config struct {
	// APIKey and SecretKey, if non-empty, are the client_id and
	// client_secret the token endpoint accepts. Empty means any non-empty
	// value is accepted.
	APIKey, SecretKey string
	// TokenTTL is the lifetime of issued access tokens, measured with Now;
	// 0 means 30 days (expires_in 2592000). A chat call with a token older
	// than this gets error_code 111 "Access token expired".
	TokenTTL time.Duration
	// Latency delays every response's headers (token and chat routes). It
	// ends early if the request's context is cancelled.
	Latency time.Duration
	// ChunkDelay is the pause between stream events.
	ChunkDelay time.Duration
	// Now supplies the "created" timestamps and the clock tokens expire by;
	// nil means time.Now.
	Now func() time.Time
	// Endpoints adds endpoint-path -> model-name mappings (for example
	// "my-deployment": "ERNIE-Speed-128K") on top of the built-in table of
	// the vendor notes. An extra endpoint naming a built-in model inherits
	// its max_output_tokens bound; others get [2, 2048].
	Endpoints map[string]string
}

// QianfanV1 is an http.Handler that mimics Baidu Qianfan's legacy v1 API
// (https://aip.baidubce.com, Wenxin/ERNIE with OAuth access tokens):
//
//	POST /oauth/2.0/token?grant_type=client_credentials&client_id=…&client_secret=…
//	POST /rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{endpoint}?access_token=…
//
// The token endpoint also answers GET, as Baidu's does. Chat errors follow
// the vendor: HTTP 200 with {"error_code":N,"error_msg":…}, also in place of
// a requested stream; only injected IAM-style faults (401/403) and other
// Status faults use a real error status. Streams end with an "is_end":true
// event and no [DONE].
//
// Use [NewQianfanV1] to create one; it is safe for concurrent use.
type QianfanV1 struct {
	cfg       QianfanV1Config
	ttl       time.Duration
	endpoints map[string]qf1Model
	base      mockBase      // base.seq counts completions served, for reproducible ids
	reqSeq    atomic.Uint64 // generated X-Baidu-Request-Id values
	fetches   atomic.Int64  // successful token grants
	expireGen atomic.Uint64 // tokens issued before this generation are expired

	tokMu  sync.RWMutex
	tokens map[string]qf1Token
}

// qf1Token is an issued access token's state.
type qf1Token struct {
	expires time.Time
	gen     uint64 // expireGen at issue time
}

// qf1DefaultTTL is Baidu's access-token lifetime.
const qf1DefaultTTL = 30 * 24 * time.Hour

// qf1TokenLimit bounds the token table; when full, invalid tokens are
// dropped (a dropped expired token then reads as invalid, 110, not 111).
const qf1TokenLimit = 1 << 16

// NewQianfanV1 returns a Qianfan v1 mock with recording switched on.
func NewQianfanV1(cfg QianfanV1Config) *QianfanV1 {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ttl := cfg.TokenTTL
	if ttl <= 0 {
		ttl = qf1DefaultTTL
	}
	return &QianfanV1{
		cfg:       cfg,
		ttl:       ttl,
		endpoints: qf1BuildEndpoints(cfg.Endpoints),
		tokens:    make(map[string]qf1Token),
	}
}

// Enqueue appends faults to the queue; each chat request (POST to the chat
// route) consumes the next one, in order. Token requests never consume
// faults.
func (q *QianfanV1) Enqueue(f ...Fault) { q.base.faults.push(f) }

// Requests returns a copy of every request received so far (token and chat
// routes, including rejected ones), in arrival order.
func (q *QianfanV1) Requests() []RecordedRequest { return q.base.rec.snapshot() }

// Reset clears recorded requests, pending faults, the id sequences and the
// TokenFetches count. Issued access tokens stay valid, so a client holding
// one keeps working across a Reset; use ExpireTokens to invalidate them.
// The recording switch is left as it is.
func (q *QianfanV1) Reset() {
	q.base.reset()
	q.reqSeq.Store(0)
	q.fetches.Store(0)
}

// SetRecording switches request recording on or off (it is on by default).
func (q *QianfanV1) SetRecording(on bool) { q.base.rec.off.Store(!on) }

// TokenFetches returns how many successful token requests have been served
// since the mock was created or last Reset; tests use it to check that a
// client fetches one token for many concurrent calls.
func (q *QianfanV1) TokenFetches() int { return int(q.fetches.Load()) }

// ExpireTokens expires every access token issued so far: the next chat call
// with one of them gets error_code 111 "Access token expired". Tokens
// issued afterwards are valid. (A token that was never issued gets 110.)
func (q *QianfanV1) ExpireTokens() {
	q.tokMu.Lock()
	q.expireGen.Add(1)
	q.tokMu.Unlock()
}

// --- presets ---

// QianfanV1Error answers a chat request with HTTP 200 and
// {"error_code":code,"error_msg":<the documented message for code>}.
func QianfanV1Error(code int) Fault { return Fault{ErrorCode: code} }

// QianfanV1RateLimited is error_code 336501 "RPM limit reached" (retryable).
func QianfanV1RateLimited() Fault { return Fault{ErrorCode: qf1ErrRPMLimit} }

// QianfanV1TPMLimited is error_code 336502 "TPM limit reached" (retryable).
func QianfanV1TPMLimited() Fault { return Fault{ErrorCode: qf1ErrTPMLimit} }

// QianfanV1Overloaded is error_code 336100 "Server high load" (retryable).
func QianfanV1Overloaded() Fault { return Fault{ErrorCode: qf1ErrServerHighLoad} }

// QianfanV1TokenExpired is error_code 111 "Access token expired", whatever
// token was sent; a client should fetch a new token and retry.
func QianfanV1TokenExpired() Fault { return Fault{ErrorCode: qf1ErrTokenExpired} }

// QianfanV1TokenInvalid is error_code 110 "Access token invalid or no longer
// valid", whatever token was sent.
func QianfanV1TokenInvalid() Fault { return Fault{ErrorCode: qf1ErrTokenInvalid} }

// QianfanV1QPSLimit is error_code 18 "Open api qps request limit reached"
// (retryable).
func QianfanV1QPSLimit() Fault { return Fault{ErrorCode: qf1ErrQPSLimit} }

// QianfanV1IAMUnauthorized is an IAM authentication failure: HTTP 401 with
// X-Bce-Error-Code/X-Bce-Error-Message headers and error_code 14.
func QianfanV1IAMUnauthorized() Fault { return Fault{Status: http.StatusUnauthorized} }

// QianfanV1StreamError ends a stream after afterEvents events with
// data: {"error_code":336000,"error_msg":"Internal error"}. Non-streaming
// requests are unaffected.
func QianfanV1StreamError(afterEvents int) Fault { return Fault{ErrorAfter: afterEvents} }

// --- routing ---

type qf1Route uint8

const (
	qf1RouteNone qf1Route = iota
	qf1RouteToken
	qf1RouteChat
)

const (
	qf1TokenPath  = "/oauth/2.0/token"
	qf1ChatPrefix = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"
)

func qf1RouteOf(path string) (qf1Route, string) {
	if path == qf1TokenPath {
		return qf1RouteToken, ""
	}
	if ep, ok := strings.CutPrefix(path, qf1ChatPrefix); ok {
		return qf1RouteChat, ep
	}
	return qf1RouteNone, ""
}

// ServeHTTP implements http.Handler.
func (q *QianfanV1) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	buf, tooLarge, err := q.base.readBody(w, r)
	defer releaseBody(buf)
	route, endpoint := qf1RouteOf(r.URL.Path)
	if err != nil {
		if tooLarge {
			if route == qf1RouteToken {
				writeJSON(w, http.StatusRequestEntityTooLarge, qf1OAuthError{"invalid_request", "request body too large"})
			} else {
				qf1WriteError(w, http.StatusOK, qf1ErrInvalidArgument, "Invalid Argument: request body too large")
			}
		}
		return // otherwise the client is gone
	}
	switch route {
	case qf1RouteToken:
		q.token(w, r)
	case qf1RouteChat:
		q.chatRoute(w, r, endpoint, buf.Bytes())
	default:
		if sleepCtx(r.Context(), q.cfg.Latency) {
			qf1WriteError(w, http.StatusOK, qf1ErrUnsupportedMethod, qf1ErrorMessage(qf1ErrUnsupportedMethod))
		}
	}
}

// --- token endpoint ---

func (q *QianfanV1) token(w http.ResponseWriter, r *http.Request) {
	if !sleepCtx(r.Context(), q.cfg.Latency) {
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, qf1OAuthError{"invalid_request", "unsupported HTTP method " + r.Method})
		return
	}
	qv := r.URL.Query()
	grant, id, secret := qv.Get("grant_type"), qv.Get("client_id"), qv.Get("client_secret")
	var oerr *qf1OAuthError
	status := http.StatusBadRequest
	switch {
	case grant == "":
		oerr = &qf1OAuthError{"invalid_request", "missing required parameter: grant_type"}
	case grant != "client_credentials":
		oerr = &qf1OAuthError{"unsupported_grant_type", "The authorization grant type is not supported"}
	case id == "":
		oerr = &qf1OAuthError{"invalid_request", "missing required parameter: client_id"}
	case secret == "":
		oerr = &qf1OAuthError{"invalid_request", "missing required parameter: client_secret"}
	case q.cfg.APIKey != "" && subtle.ConstantTimeCompare([]byte(id), []byte(q.cfg.APIKey)) != 1:
		oerr, status = &qf1OAuthError{"invalid_client", "unknown client id"}, http.StatusUnauthorized
	case q.cfg.SecretKey != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(q.cfg.SecretKey)) != 1:
		oerr, status = &qf1OAuthError{"invalid_client", "Client authentication failed"}, http.StatusUnauthorized
	}
	if oerr != nil {
		writeJSON(w, status, oerr)
		return
	}
	access := "24." + qf1RandHex(16)
	q.issue(access)
	q.fetches.Add(1)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, &qf1TokenResponse{
		RefreshToken:  "25." + qf1RandHex(16),
		ExpiresIn:     int64(q.ttl / time.Second),
		SessionKey:    qf1RandHex(32),
		AccessToken:   access,
		Scope:         qf1Scope,
		SessionSecret: qf1RandHex(16),
	})
}

func (q *QianfanV1) issue(tok string) {
	t := qf1Token{expires: q.cfg.Now().Add(q.ttl)}
	q.tokMu.Lock()
	defer q.tokMu.Unlock()
	t.gen = q.expireGen.Load()
	if len(q.tokens) >= qf1TokenLimit {
		now := q.cfg.Now()
		for k, v := range q.tokens {
			if v.gen != t.gen || !now.Before(v.expires) {
				delete(q.tokens, k)
			}
		}
		if len(q.tokens) >= qf1TokenLimit {
			clear(q.tokens)
		}
	}
	q.tokens[tok] = t
}

// checkToken returns 0 for a usable token, else the error code to send.
func (q *QianfanV1) checkToken(tok string) int {
	if tok == "" {
		return qf1ErrTokenInvalid
	}
	q.tokMu.RLock()
	t, ok := q.tokens[tok]
	gen := q.expireGen.Load()
	q.tokMu.RUnlock()
	switch {
	case !ok:
		return qf1ErrTokenInvalid
	case t.gen != gen || !q.cfg.Now().Before(t.expires):
		return qf1ErrTokenExpired
	}
	return 0
}

func qf1RandHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand crashes the program instead)
	return hex.EncodeToString(b)
}

// --- chat route ---

func (q *QianfanV1) chatRoute(w http.ResponseWriter, r *http.Request, endpoint string, body []byte) {
	f, ok := q.base.prelude(w, r, r.Method == http.MethodPost, q.cfg.Latency)
	if !ok {
		return
	}
	h := w.Header()
	reqID := r.Header.Get(qf1ClientRequestIDHeader)
	if reqID == "" {
		reqID = mockUUID(q.reqSeq.Add(1) ^ 0x9f1)
	}
	h.Set(qf1RequestIDHeader, reqID)
	h.Set("X-Ratelimit-Limit-Requests", qf1RateLimitRequests)
	h.Set("X-Ratelimit-Limit-Tokens", qf1RateLimitTokens)

	switch {
	case f.Status != 0:
		qf1WriteStatusFault(w, f)
		return
	case f.ErrorCode != 0:
		msg := f.Message
		if msg == "" {
			msg = qf1ErrorMessage(f.ErrorCode)
		}
		qf1WriteError(w, http.StatusOK, f.ErrorCode, msg)
		return
	case r.Method != http.MethodPost:
		qf1WriteError(w, http.StatusOK, qf1ErrInvalidHTTPMethod, qf1ErrorMessage(qf1ErrInvalidHTTPMethod))
		return
	}
	if code := q.checkToken(r.URL.Query().Get("access_token")); code != 0 {
		qf1WriteError(w, http.StatusOK, code, qf1ErrorMessage(code))
		return
	}
	m, ok := q.endpoints[endpoint]
	if !ok {
		qf1WriteError(w, http.StatusOK, qf1ErrAPINameNotExist, qf1ErrorMessage(qf1ErrAPINameNotExist))
		return
	}
	q.chat(w, r, m, body, f)
}

// qf1WriteStatusFault answers a Status fault: IAM-style headers for 401 and
// 403, and an error_code body in every case.
func qf1WriteStatusFault(w http.ResponseWriter, f Fault) {
	status := faultStatus(f)
	code := f.ErrorCode
	if code == 0 {
		code = qf1StatusCode(status)
	}
	msg := f.Message
	if msg == "" {
		msg = qf1ErrorMessage(code)
	}
	h := w.Header()
	switch status {
	case http.StatusUnauthorized:
		h.Set("X-Bce-Error-Code", "IamSignatureInvalid")
		h.Set("X-Bce-Error-Message", "Could not find credential")
	case http.StatusForbidden:
		h.Set("X-Bce-Error-Code", "AccessDenied")
		h.Set("X-Bce-Error-Message", "Access denied.")
	}
	setRetryAfter(w, f)
	qf1WriteError(w, status, code, msg)
}

func qf1WriteError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, qf1ErrorBody{ErrorCode: code, ErrorMsg: msg})
}
