package gateway

import (
	"context"
	"math/rand/v2"
	"net/http"

	"github.com/harborai/harbor-go/harbor"
)

// Every request gets a trace id, which the vendor call carries (harbor sends it
// as traceparent), the access log records and the answer returns in
// X-Trace-Id. It comes from, in order:
//
//  1. a well-formed W3C traceparent header: the calls join that trace;
//  2. an X-Request-Id of 32 lowercase hex digits (a trace id itself);
//  3. a new random one.
//
// A malformed traceparent is ignored, as the W3C recommendation asks, rather
// than failing the call. X-Request-Id, when it is printable and at most 128
// bytes, is echoed back and logged whatever it is; without one, X-Request-Id is
// the trace id.

// traceOf reads the request's trace and returns the context its calls use.
func traceOf(ctx context.Context, r *http.Request, x *exchange) context.Context {
	if rid := r.Header.Get("X-Request-Id"); usableRequestID(rid) {
		x.requestID = rid
	}
	if tp := r.Header.Get("Traceparent"); validTraceparent(tp) {
		x.traceID = tp[3:35]
		return harbor.ContextWithTraceparent(ctx, tp)
	}
	if isTraceID(x.requestID) {
		x.traceID = x.requestID
	} else {
		x.traceID = newTraceID()
	}
	return harbor.ContextWithTraceID(ctx, x.traceID)
}

// setTraceHeaders puts the ids on the answer.
func setTraceHeaders(h http.Header, x *exchange) {
	id := x.requestID
	if id == "" {
		id = x.traceID
	}
	h["X-Request-Id"] = []string{id}
	h["X-Trace-Id"] = []string{x.traceID}
}

func usableRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validTraceparent accepts version 00's "00-<32 hex>-<16 hex>-<2 hex>" with
// neither id all zeros.
func validTraceparent(s string) bool {
	if len(s) != 55 || s[0] != '0' || s[1] != '0' || s[2] != '-' || s[35] != '-' || s[52] != '-' {
		return false
	}
	return isHex(s[3:35]) && isHex(s[36:52]) && isHex(s[53:55]) && !allZero(s[3:35]) && !allZero(s[36:52])
}

func isTraceID(s string) bool { return len(s) == 32 && isHex(s) && !allZero(s) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

func newTraceID() string {
	var b [32]byte
	for {
		hi, lo := rand.Uint64(), rand.Uint64()
		if hi|lo == 0 {
			continue
		}
		for i := 15; i >= 0; i-- {
			b[i], b[16+i] = hexDigits[hi&0xf], hexDigits[lo&0xf]
			hi, lo = hi>>4, lo>>4
		}
		return string(b[:])
	}
}
