package speccheck

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
)

// maxCapture bounds how much of a response body the transport keeps for
// checking; bodies beyond it are passed through unchecked, with a violation
// saying so. Chat responses are far smaller.
const maxCapture = 8 << 20

// Transport returns a RoundTripper that sends through base (http.DefaultTransport
// if nil) and checks every request before it is sent and every response once
// the client has read it to the end or closed it. report receives each
// violation; it is called from the goroutine that sends the request or reads
// or closes the body, never after Close has returned. Traffic is never
// altered: a request the spec rejects is still sent, so the test sees what
// the vendor (or mock) makes of it too.
func (s *Spec) Transport(base http.RoundTripper, report func(Violation)) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{spec: s, base: base, report: report}
}

type transport struct {
	spec   *Spec
	base   http.RoundTripper
	report func(Violation)
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		// RoundTrippers must not modify the request: send a shallow copy
		// carrying a fresh reader over the same bytes.
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r = r2
	}
	for _, v := range t.spec.CheckRequest(r, body) {
		t.report(v)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil || resp == nil {
		return resp, err
	}
	resp.Body = &checkedBody{rc: resp.Body, t: t, req: r, resp: resp}
	return resp, nil
}

// checkedBody keeps a copy of what the client reads and checks it at EOF, on
// a read error (the connection broke: only complete events are checked) or
// at Close. A JSON body closed before EOF is read to its end first, up to
// maxCapture, so that a client that stops early still has its response
// checked; a stream closed early has only its complete events checked.
type checkedBody struct {
	rc   io.ReadCloser
	t    *transport
	req  *http.Request
	resp *http.Response

	mu       sync.Mutex
	buf      bytes.Buffer
	overflow bool
	checked  bool
}

func (b *checkedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.capture(p[:n])
	if err != nil {
		b.check(errors.Is(err, io.EOF))
	}
	return n, err
}

func (b *checkedBody) capture(p []byte) {
	if b.overflow {
		return
	}
	if b.buf.Len()+len(p) > maxCapture {
		b.overflow = true
		return
	}
	b.buf.Write(p)
}

func (b *checkedBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.checked {
		if isEventStream(b.resp.Header) {
			// The client stopped reading a stream: check the events it got
			// (draining could wait on a stalled vendor forever).
			b.check(false)
		} else {
			rest, err := io.ReadAll(io.LimitReader(b.rc, maxCapture))
			b.capture(rest)
			b.check(err == nil && !b.overflow)
		}
	}
	return b.rc.Close()
}

// check runs once, with b.mu held.
func (b *checkedBody) check(complete bool) {
	if b.checked {
		return
	}
	b.checked = true
	if b.overflow {
		b.t.report(b.t.spec.violation(b.req, "response", errors.New("body larger than the checker's 8 MiB capture; not checked")))
		return
	}
	for _, v := range b.t.spec.CheckResponse(b.req, b.resp.StatusCode, b.resp.Header, b.buf.Bytes(), complete) {
		b.t.report(v)
	}
}
