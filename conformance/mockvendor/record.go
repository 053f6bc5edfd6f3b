package mockvendor

import (
	"bytes"
	"net/http"
	"sync"
	"sync/atomic"
)

// RecordedRequest is one request as the mock received it, so tests can
// assert what a client actually put on the wire (headers, path, exact body).
type RecordedRequest struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// recorder keeps received requests. Recording is on by default because tests
// want it; benchmarks switch it off so memory stays flat. The on/off flag is
// atomic so the hot path does not take the lock when recording is off.
type recorder struct {
	off  atomic.Bool
	mu   sync.Mutex
	reqs []RecordedRequest
}

// record stores a copy of r and body. body may be a pooled buffer, so it is
// cloned here.
func (rc *recorder) record(r *http.Request, body []byte) {
	if rc.off.Load() {
		return
	}
	rr := RecordedRequest{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     bytes.Clone(body),
	}
	if rr.Body == nil {
		rr.Body = []byte{}
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, rr)
	rc.mu.Unlock()
}

// snapshot returns a deep copy, so callers may modify the result freely while
// the mock keeps serving.
func (rc *recorder) snapshot() []RecordedRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]RecordedRequest, len(rc.reqs))
	for i, r := range rc.reqs {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

func (rc *recorder) clear() {
	rc.mu.Lock()
	rc.reqs = nil
	rc.mu.Unlock()
}
