package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// exchange is one request and its answer as the gateway sees them: the
// ResponseWriter it wraps (to learn the status), and what the access log line
// and the key's accounting need. harbor's events for the request's calls reach
// it through the call's context (see observer).
type exchange struct {
	http.ResponseWriter
	rc       *http.ResponseController // deadlines and flushes of the connection
	status   int
	answered bool // the answer's status went to the server
	written  int64

	start     time.Time
	traceID   string
	requestID string // the caller's X-Request-Id, if usable
	key       *vkey
	model     string // as the caller asked
	stream    bool
	errorType string // the gateway's reason, or harbor's error class

	mu       sync.Mutex // harbor may report a hedged call's two attempts at once
	provider string
	sent     string // the model sent to the vendor
	usage    harbor.Usage
	cost     float64
	cache    harbor.CacheResult
	attempts int
	// cause is the error behind a failed answer, whole — the last failed
	// call's (observer), Redis's for /ready — for the access log (secrets
	// redacted, as harbor builds its errors): the caller gets only the
	// gateway's summary (fromHarbor), which never names an address.
	cause error
}

func (x *exchange) WriteHeader(code int) {
	if x.status == 0 {
		x.status = code
	}
	if code >= 200 {
		x.answered = true
	}
	x.ResponseWriter.WriteHeader(code)
}

func (x *exchange) Write(p []byte) (int, error) {
	if x.status == 0 {
		x.status = http.StatusOK
	}
	x.answered = true
	n, err := x.ResponseWriter.Write(p)
	x.written += int64(n)
	return n, err
}

// exchangeOf is the exchange ServeHTTP wrapped w in, or a new one for a
// handler reached some other way (harborapi.Handler(server) directly).
func exchangeOf(w http.ResponseWriter) *exchange {
	if x, ok := w.(*exchange); ok {
		return x
	}
	return newExchange(w)
}

func newExchange(w http.ResponseWriter) *exchange {
	x := &exchange{ResponseWriter: w, start: time.Now()}
	x.rc = http.NewResponseController(x)
	return x
}

// writeDeadline gives the next write d from now. Every write of an answer sets
// one (the server has no WriteTimeout, which would bound a whole stream);
// the server clears it when the request ends, so a kept-alive connection's next
// request starts without one (TestKeptAliveConnectionOutlivesWriteTimeout).
func (x *exchange) writeDeadline(d time.Duration) {
	_ = x.rc.SetWriteDeadline(time.Now().Add(d))
}

// Unwrap lets http.ResponseController reach the connection (Flush, deadlines).
func (x *exchange) Unwrap() http.ResponseWriter { return x.ResponseWriter }

type exchangeKey struct{}

// observer is the gateway's harbor.Observer: it copies each call's provider,
// usage, cost and cache result into the exchange of the request that made it,
// found in the call's context. Streams report their usage and cost only
// through events, so this is how a stream is charged to its key.
type observer struct {
	next harbor.Observer // prommetrics, when on; set before the first call
}

func (o *observer) Observe(e harbor.CallEvent) {
	if o.next != nil {
		o.next.Observe(e)
	}
	if e.Context == nil {
		return
	}
	x, _ := e.Context.Value(exchangeKey{}).(*exchange)
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch e.Kind {
	case harbor.EventStart:
		x.provider, x.sent = e.Provider, e.Model
	case harbor.EventEnd:
		x.cost += e.Cost.Total
		x.attempts += e.Attempts
		if e.Err == nil {
			x.provider, x.sent, x.usage, x.cache = e.Provider, e.Model, e.Usage, e.Cache
		} else {
			x.cause = e.Err
		}
	}
}

// callContext is the request's context carrying the exchange for observer.
func (x *exchange) callContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, exchangeKey{}, x)
}

// logLine writes the access log line: one per request, never a key, a prompt
// or an answer. A failed call's error is harbor's Error(), scrubbed of
// secrets, which quotes at most 200 bytes of a vendor's error body. The line
// goes to the gateway's own encoder (jsonLines) when the gateway owns the
// access log, else to Config.AccessLog; both get the attributes accessAttrs
// makes, so the two cannot disagree on a field.
func (s *Server) logLine(x *exchange, r *http.Request) {
	if s.accessLog == nil && s.accessJSON == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	now := time.Now()
	var buf [20]slog.Attr
	attrs, level := x.accessAttrs(buf[:0], r, now)
	if s.accessJSON != nil {
		s.accessJSON.log(now, level, "request", attrs)
		return
	}
	s.accessLog.LogAttrs(context.Background(), level, "request", attrs...)
}

// accessAttrs appends the access log line's attributes to attrs, in the
// line's order, and returns them with the line's level: WARN for a 5xx the
// gateway answered, INFO otherwise. now is the line's time (latency_ms runs
// to it). x.mu is held. This is the one list of the line's fields: add a
// field here and both writers have it.
func (x *exchange) accessAttrs(attrs []slog.Attr, r *http.Request, now time.Time) ([]slog.Attr, slog.Level) {
	status := x.status
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 500 && status != statusClientClosed {
		level = slog.LevelWarn
	}
	attrs = append(attrs,
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Float64("latency_ms", float64(now.Sub(x.start).Microseconds())/1000),
		slog.String("trace_id", x.traceID),
	)
	if x.requestID != "" {
		attrs = append(attrs, slog.String("request_id", x.requestID))
	}
	if x.key != nil {
		attrs = append(attrs, slog.String("key_id", x.key.id))
	}
	if x.model != "" {
		attrs = append(attrs, slog.String("model", x.model), slog.Bool("stream", x.stream))
	}
	if x.provider != "" {
		attrs = append(attrs, slog.String("provider", x.provider), slog.String("sent_model", x.sent))
	}
	if x.usage.TotalTokens > 0 {
		attrs = append(attrs,
			slog.Int("prompt_tokens", x.usage.PromptTokens),
			slog.Int("completion_tokens", x.usage.CompletionTokens),
			slog.Int("total_tokens", x.usage.TotalTokens))
	}
	if x.cost > 0 {
		attrs = append(attrs, slog.Float64("cost_cny", x.cost))
	}
	if x.cache != harbor.CacheOff {
		attrs = append(attrs, slog.String("cache", x.cache.String()))
	}
	if x.attempts > 1 {
		attrs = append(attrs, slog.Int("attempts", x.attempts))
	}
	if x.errorType != "" {
		attrs = append(attrs, slog.String("error_type", x.errorType))
		if x.cause != nil {
			// Redact again: a cause harbor did not wrap could still quote a key.
			attrs = append(attrs, slog.String("error", llm.Redact(x.cause.Error())))
		}
	}
	attrs = append(attrs, slog.Int64("bytes", x.written))
	return attrs, level
}
