package vendorerr

import (
	"net/http"
	"strconv"
	"time"
)

// RetryAfter parses a Retry-After header in seconds or as an HTTP date; 0 if absent
// or unparsable.
func RetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// RequestID returns the vendor's request id from the usual headers.
func RequestID(h http.Header) string {
	// The names are in canonical form: looked up directly, without Header.Get's
	// canonicalisation of each name on every call.
	for _, k := range [...]string{"X-Request-Id", "X-Client-Request-Id", "X-Baidu-Request-Id", "X-Tt-Logid"} {
		if vs := h[k]; len(vs) > 0 && vs[0] != "" {
			return vs[0]
		}
	}
	return ""
}
