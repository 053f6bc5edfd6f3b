package harbor

import (
	"context"
	"math/rand/v2"
	"unsafe"

	"github.com/harborai/harbor-go/llm"
)

// Trace ids: every call has one. It is the caller's — from ContextWithTraceID or
// ContextWithTraceparent (an incoming request's W3C header), or from the
// WithTraceSource hook (an OpenTelemetry span) — or one harbor generates. harbor
// sends it to the vendor as a W3C traceparent header (with a span id of its own)
// and puts it on the answer (ChatCompletion.TraceID), the stream
// (Stream.TraceID), every *Error (TraceID) and every CallEvent.

type traceKey struct{}

// ContextWithTraceID returns a context whose calls carry trace id id: 32
// lowercase hex digits, not all zero (a W3C trace-id). A call with any other id is
// refused with ErrInvalidRequest before anything is sent.
func ContextWithTraceID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, traceKey{}, traceSource{id: id})
}

// ContextWithTraceparent returns a context whose calls join the trace of a W3C
// traceparent header value ("00-<trace-id>-<parent-id>-<flags>"), as a server
// receives it: the calls keep its trace id and flags and get span ids of their
// own. A malformed value is refused with ErrInvalidRequest when a call uses it.
func ContextWithTraceparent(ctx context.Context, traceparent string) context.Context {
	return context.WithValue(ctx, traceKey{}, traceSource{parent: traceparent})
}

type traceSource struct{ id, parent string }

// WithTraceSource sets where calls look for a trace when their context has none
// from ContextWithTraceID/ContextWithTraceparent: f returns a W3C traceparent
// value, or "" for none (then harbor generates a trace id). Package otelobserver
// provides one that reads the OpenTelemetry span in the context.
func WithTraceSource(f func(ctx context.Context) string) Option {
	return clientOption(func(o *Options) { o.traceSource = f })
}

// trace is a call's trace: its traceparent header value, built in buf (so the
// header, the value and the call's options are one allocation).
type trace struct {
	buf  [55]byte // "00-" 32 hex "-" 16 hex "-" 2 hex
	hdr  [1]string
	opts llm.CallOptions
}

// value is the traceparent header value; id is its trace id.
func (t *trace) value() string { return unsafe.String(&t.buf[0], len(t.buf)) }
func (t *trace) id() string    { return t.value()[3:35] }

const hexDigits = "0123456789abcdef"

func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = hexDigits[v&0xf]
		v >>= 4
	}
}

// newTrace builds the call's trace from ctx (or the source hook), or a new one.
func (c *Client) newTrace(ctx context.Context, header *llm.CallOptions) (*trace, error) {
	t := &trace{}
	copy(t.buf[:3], "00-")
	t.buf[35], t.buf[52] = '-', '-'
	src, _ := ctx.Value(traceKey{}).(traceSource)
	if src == (traceSource{}) && c.opts.traceSource != nil {
		src.parent = c.opts.traceSource(ctx)
	}
	flags := "01"
	switch {
	case src.id != "":
		if !validTraceID(src.id) {
			return nil, llm.InvalidRequest("", "", "trace id", "trace id %q is not 32 lowercase hex digits (a W3C trace-id, not all zero)", src.id)
		}
		copy(t.buf[3:35], src.id)
	case src.parent != "":
		p := src.parent
		if len(p) != 55 || p[:3] != "00-" || p[35] != '-' || p[52] != '-' || !validTraceID(p[3:35]) || !isHex(p[36:52]) || !isHex(p[53:55]) {
			return nil, llm.InvalidRequest("", "", "traceparent", "traceparent %q is not a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)", p)
		}
		copy(t.buf[3:35], p[3:35])
		flags = p[53:55]
	default:
		putHex(t.buf[3:19], rand.Uint64())
		putHex(t.buf[19:35], rand.Uint64()|1) // never all zero
	}
	putHex(t.buf[36:52], rand.Uint64()|1) // the span id of this call
	copy(t.buf[53:55], flags)
	t.hdr[0] = t.value()
	t.opts.Header = header.Header
	t.opts.Traceparent = t.hdr[:]
	return t, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func validTraceID(s string) bool {
	return len(s) == 32 && isHex(s) && s != "00000000000000000000000000000000"
}
