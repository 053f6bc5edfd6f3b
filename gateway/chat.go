package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harborai/harbor-go/gateway/internal/fastreq"
	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// chat answers POST /v1/chat/completions: authenticate, admit, read and decode
// the body, check the model, then call harbor — Create, or Stream re-encoded
// as OpenAI's server-sent events.
func (s *Server) chat(x *exchange, r *http.Request) {
	ctx := traceOf(r.Context(), r, x)
	setTraceHeaders(x.Header(), x)
	if s.closing.Load() {
		s.writeError(x, errShuttingDown)
		return
	}
	key, ok := s.authenticate(x, r)
	if !ok {
		return
	}
	if key != nil && !s.admit(x, ctx, key) {
		return
	}
	body, ok := s.readBody(x, r)
	if !ok {
		return
	}
	defer putBuffer(body)
	var in wire.ChatCompletionRequest
	if e, bad := s.decode(body.Bytes(), &in); bad {
		s.writeError(x, e)
		return
	}
	req := in.Request()
	x.model, x.stream = req.Model, in.Stream
	if req.Model == "" {
		s.writeError(x, invalid("model", "invalid_value", "model is required"))
		return
	}
	if key != nil && !key.allows(req.Model, s.routing) {
		s.writeError(x, apiError{status: http.StatusForbidden, typ: typePermission, code: "model_not_allowed", param: "model",
			message: fmt.Sprintf("this key (%s) may not use the model %q", key.id, req.Model), errorType: "model_not_allowed"})
		return
	}
	if !s.offers(req.Model) {
		s.writeError(x, apiError{status: http.StatusNotFound, typ: typeInvalidRequest, code: "model_not_found", param: "model",
			message: fmt.Sprintf("the model %q does not exist on this gateway", req.Model), errorType: "unknown_model"})
		return
	}
	for i := range req.Messages {
		if req.Messages[i].Role == "developer" { // OpenAI's newer name for system
			req.Messages[i].Role = llm.RoleSystem
		}
	}
	memo := keyIDOf(key)
	s.reasoning.restore(memo, req)
	ctx = x.callContext(ctx)
	if in.Stream {
		s.streamAnswer(x, ctx, req, in.StreamOptions, memo)
		s.charge(ctx, x)
	} else {
		s.reasoning.remember(memo, s.complete(x, ctx, req))
	}
}

// errShuttingDown refuses a call that arrives once Shutdown has closed the
// listeners (on a kept-alive connection), and ends a stream it cut.
var errShuttingDown = apiError{status: http.StatusServiceUnavailable, typ: typeUnavailable, code: "shutting_down",
	message: "the gateway is shutting down; try another instance", retryAfter: time.Second, errorType: "shutting_down"}

// charge counts what the request's calls used against its key. A plain
// answer is charged before it is written — the server sends an answer the
// moment it is whole, so a caller's next request, or its read of /stats,
// already sees the charge; a stream once it has ended.
func (s *Server) charge(ctx context.Context, x *exchange) {
	if x.key == nil {
		return
	}
	x.mu.Lock()
	tokens, cost := x.usage.TotalTokens, x.cost
	if x.cache.Hit() {
		tokens = 0 // no vendor tokens were used
	}
	x.mu.Unlock()
	s.chargeKey(ctx, x.key, tokens, cost)
}

// authenticate finds the caller's virtual key; ok is false when an error was
// written. With no keys configured every caller is anonymous (nil key).
func (s *Server) authenticate(x *exchange, r *http.Request) (*vkey, bool) {
	if s.anonymous {
		return nil, true
	}
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		s.writeError(x, apiError{status: http.StatusUnauthorized, typ: typeInvalidRequest, code: "missing_api_key",
			message: "no API key: send a virtual key of this gateway as Authorization: Bearer <key>", errorType: "unauthenticated"})
		return nil, false
	}
	k := s.keys.lookup(strings.TrimSpace(h[len(prefix):]))
	if k == nil {
		s.writeError(x, apiError{status: http.StatusUnauthorized, typ: typeInvalidRequest, code: "invalid_api_key",
			message: "the API key is not a key of this gateway", errorType: "unauthenticated"})
		return nil, false
	}
	x.key = k
	return k, true
}

// admit applies the key's budget and rate limits.
func (s *Server) admit(x *exchange, ctx context.Context, k *vkey) bool {
	why, wait := s.admitKey(ctx, k)
	switch why {
	case limitsUnavailable:
		s.writeError(x, apiError{status: http.StatusServiceUnavailable, typ: typeUnavailable, code: "limits_unavailable",
			message:    fmt.Sprintf("this key's (%s) limits are counted in Redis, which does not answer; try again shortly", k.id),
			retryAfter: wait, errorType: "limits_unavailable"})
		return false
	case overBudget:
		e := apiError{status: http.StatusPaymentRequired, typ: typeQuota, code: "budget_exceeded",
			message: fmt.Sprintf("this key (%s) has spent its budget of %g CNY", k.id, k.budget), errorType: "budget_exceeded"}
		if wait > 0 {
			e.message += "; it renews in " + wait.Round(time.Second).String()
			e.retryAfter = wait
		}
		s.writeError(x, e)
		return false
	case overRPM, overTPM:
		what := "requests"
		if why == overTPM {
			what = "tokens"
		}
		s.writeError(x, apiError{status: http.StatusTooManyRequests, typ: typeRateLimit, code: "rate_limit_exceeded",
			message:    fmt.Sprintf("this key (%s) is over its %s per minute; retry after %s", k.id, what, wait.Round(time.Millisecond)),
			retryAfter: wait, errorType: "rate_limited"})
		return false
	}
	return true
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // let a huge one go rather than pin it
	}
	b.Reset()
	buffers.Put(b)
}

// readBody reads the request body, at most MaxBodyBytes: a body announced
// larger is refused before a byte of it is read, one that turns out larger is
// refused when the limit is reached, and one that does not arrive within
// ReadTimeout is a 408. It then lifts the read deadline, so that ReadTimeout
// does not cut the answer: the server's watch for a caller who hangs up reads
// the connection, and would stop at the deadline (net/http's background read,
// when the gateway is mounted in a net/http server, would cancel the request).
func (s *Server) readBody(x *exchange, r *http.Request) (*bytes.Buffer, bool) {
	limit := int64(s.cfg.Server.MaxBodyBytes)
	tooLarge := apiError{status: http.StatusRequestEntityTooLarge, typ: typeInvalidRequest, code: "request_too_large",
		message: fmt.Sprintf("the request body is larger than this gateway's limit of %d bytes", limit), errorType: "request_too_large"}
	if r.ContentLength > limit {
		x.Header().Set("Connection", "close")
		s.writeError(x, tooLarge)
		return nil, false
	}
	b := getBuffer()
	if r.ContentLength > 0 {
		b.Grow(int(r.ContentLength))
	}
	_, err := b.ReadFrom(http.MaxBytesReader(x, r.Body, limit))
	if err != nil {
		putBuffer(b)
		var mbe *http.MaxBytesError
		var ne net.Error
		switch {
		case errors.As(err, &mbe):
			s.writeError(x, tooLarge)
		case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
			x.Header().Set("Connection", "close")
			s.writeError(x, apiError{status: http.StatusRequestTimeout, typ: typeInvalidRequest, code: "request_timeout",
				message: "the request body did not arrive in time", errorType: "request_timeout"})
		default:
			// The framing is broken (a chunk size that is not hex) or the
			// body ended before its length: a 400 and the connection closed,
			// for a caller still waiting. One who has gone reads nothing.
			msg := "the request body could not be read: " + err.Error()
			if errors.Is(err, io.ErrUnexpectedEOF) {
				msg = "the request body ended before it was complete"
			}
			x.Header().Set("Connection", "close")
			s.writeError(x, apiError{status: http.StatusBadRequest, typ: typeInvalidRequest, code: "invalid_body",
				message: msg, errorType: "invalid_request"})
		}
		return nil, false
	}
	_ = x.rc.SetReadDeadline(time.Time{})
	return b, true
}

// decode reads the body into in. Fields neither harbor's ChatRequest nor
// OpenAI's stream fields have are ignored, as OpenAI does, unless the
// deployment passes them through (PassthroughFields), into ExtraBody.
//
// fastreq reads the common request in one pass without reflection; it gives
// up on anything it does not read exactly as encoding/json would, and
// encoding/json then reads the body, so the value and any error are
// encoding/json's either way.
func (s *Server) decode(body []byte, in *wire.ChatCompletionRequest) (apiError, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalid("", "invalid_json", "the request body is empty; it must be a JSON chat completion request"), true
	}
	if !fastreq.Decode(body, in) {
		if err := json.Unmarshal(body, in); err != nil {
			return decodeError(err), true
		}
	}
	if s.passAll || s.pass != nil {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return decodeError(err), true
		}
		known := requestFields()
		for k, v := range fields {
			if known[k] || !(s.passAll || s.pass[k]) {
				continue
			}
			if in.ExtraBody == nil {
				in.ExtraBody = map[string]any{}
			}
			in.ExtraBody[k] = v
		}
	}
	return apiError{}, false
}

// decodeError describes what encoding/json found wrong, naming the field.
func decodeError(err error) apiError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return invalid("", "invalid_json", fmt.Sprintf("the request body is not valid JSON: %s (at byte %d)",
			strings.TrimPrefix(se.Error(), "json: "), se.Offset))
	case errors.As(err, &te) && te.Field == "":
		return invalid("", "invalid_type", fmt.Sprintf("the request body must be a JSON object, not %s", te.Value))
	case errors.As(err, &te):
		// Fields of the embedded llm.ChatRequest are named after it.
		field := strings.TrimPrefix(te.Field, "ChatRequest.")
		want := jsonKind(te.Type)
		if field == "messages.content" { // llm.Message reads three forms
			want = "a string, an array of content parts or null"
		}
		return invalid(field, "invalid_type", fmt.Sprintf("%s must be %s, not %s", field, want, te.Value))
	}
	return invalid("", "invalid_value", "the request body is not a valid chat completion request: "+strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go type as the JSON it is read from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}

// requestFields are the JSON names the request type reads.
var requestFields = sync.OnceValue(func() map[string]bool {
	known := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				walk(f.Type)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				known[name] = true
			}
		}
	}
	walk(reflect.TypeFor[wire.ChatCompletionRequest]())
	return known
})

// offers reports whether the gateway routes model to a provider it offers.
// Unknown models pass: harbor says so with its own error.
func (s *Server) offers(model string) bool {
	if s.b.offered == nil || s.chains[model] {
		return true
	}
	route, err := s.client.Route(model)
	return err != nil || s.b.offered[route.Provider]
}

// complete answers with one JSON completion.
// complete answers a plain call; it returns the answer it wrote, nil after an
// error.
func (s *Server) complete(x *exchange, ctx context.Context, req *llm.ChatRequest) *llm.ChatCompletion {
	res, err := s.client.Chat.Completions.Create(ctx, req)
	s.charge(ctx, x)
	if err != nil {
		s.writeError(x, s.callError(x, err))
		return nil
	}
	b := getBuffer()
	defer putBuffer(b)
	if err := encodeAnswer(b, res); err != nil {
		s.writeError(x, apiError{status: http.StatusInternalServerError, typ: typeServer, code: "internal_error",
			message: "the answer could not be encoded", errorType: "internal"})
		return nil
	}
	h := x.Header()
	h["Content-Type"] = jsonContentType
	s.answerHeaders(h, x)
	s.write(x, http.StatusOK, b.Bytes())
	return res
}

// keyIDOf is the id of a caller's key, "" for an anonymous caller.
func keyIDOf(k *vkey) string {
	if k == nil {
		return ""
	}
	return k.id
}

var (
	jsonContentType = []string{"application/json"}
	shouldNotRetry  = []string{"false"}
	sseContentType  = []string{"text/event-stream"}
	noCache         = []string{"no-cache"}
	noBuffering     = []string{"no"}
)

// answerHeaders says who answered (provider, cache).
func (s *Server) answerHeaders(h http.Header, x *exchange) {
	x.mu.Lock()
	p, c := x.provider, x.cache
	x.mu.Unlock()
	if p != "" {
		h["X-Harbor-Provider"] = []string{p}
	}
	if c != harbor.CacheOff {
		h["X-Harbor-Cache"] = []string{c.String()}
	}
}

// write sends a whole answer, within WriteTimeout.
func (s *Server) write(x *exchange, status int, body []byte) {
	x.writeDeadline(s.cfg.Server.WriteTimeout)
	x.Header()["Content-Length"] = []string{strconv.Itoa(len(body))}
	x.WriteHeader(status)
	if _, err := x.Write(body); err != nil && x.errorType == "" {
		x.errorType = writeFailure(err)
	}
}

// writeError sends e in OpenAI's error shape — nothing for a caller that
// left (or a call Shutdown cut): when no answer has started, the handler
// aborts with http.ErrAbortHandler, so that the server closes the connection
// rather than send the empty 200 it would send for a handler that wrote
// nothing (an SDK would read that as a success). The access log line is
// written on the way out, with 499.
func (s *Server) writeError(x *exchange, e apiError) {
	if x.errorType == "" {
		x.errorType = e.errorType
	}
	if e.status == statusClientClosed {
		x.status = statusClientClosed
		if !x.answered {
			panic(http.ErrAbortHandler)
		}
		return
	}
	h := x.Header()
	h["Content-Type"] = jsonContentType
	if e.retryAfter > 0 {
		h["Retry-After"] = []string{retryAfterSeconds(e.retryAfter)}
	}
	if e.final {
		h["X-Should-Retry"] = shouldNotRetry
	}
	s.write(x, e.status, e.body())
}

// CreateChatCompletion is chat for the generated router. ServeHTTP routes the
// chat path itself, so this runs only when the generated router is asked
// (BenchmarkChatJSONGeneratedRouter); the parameters are read again from the
// request.
func (s routes) CreateChatCompletion(w http.ResponseWriter, r *http.Request, _ harborapi.CreateChatCompletionParams) {
	s.chat(exchangeOf(w), r)
}
