package wire

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/harborai/harbor-go/llm"
)

// Endpoint is one request a provider sends on the hot path (the chat call),
// prepared once from a template built by the generated client's request builder:
// its URL (path and query parameters encoded by the generated code) and its
// headers. Requests are then built from it without parsing any URL and without
// copying the body; the generated builders parse the server URL twice and the
// operation path once per call, which shows on a loopback benchmark. The generated
// client stays the contract: the template is its output, and the conformance suite
// checks what goes on the wire against the spec.
type Endpoint struct {
	u      url.URL
	host   string
	header http.Header // values are shared by every request: see NewRequest
}

// NewEndpoint prepares requests like tmpl (method POST, tmpl's URL and headers),
// with header added: the credentials the generated client's request editors would
// set. tmpl's body is ignored.
func NewEndpoint(tmpl *http.Request, header http.Header) *Endpoint {
	e := &Endpoint{u: *tmpl.URL, host: tmpl.Host, header: make(http.Header, len(tmpl.Header)+len(header))}
	for _, h := range []http.Header{tmpl.Header, header} {
		for k, vs := range h {
			e.header[http.CanonicalHeaderKey(k)] = fixed(vs...)
		}
	}
	return e
}

// fixed returns vs in a slice of exactly its length, so that appending to it (a
// per-call header with the same name) always copies instead of writing into the
// array every request shares.
func fixed(vs ...string) []string {
	s := make([]string, len(vs))
	copy(s, vs)
	return s[:len(s):len(s)]
}

// URL returns the endpoint's URL (a copy).
func (e *Endpoint) URL() *url.URL {
	u := e.u
	return &u
}

var (
	acceptEventStream = fixed("text/event-stream")
)

// NewRequest builds the POST of body. stream asks for an event stream; call's
// headers are added after the endpoint's. The body is not copied: body must not
// change until the response is read. GetBody is set, so that the transport and the
// retrying Doer can replay it.
//
// The header values of the endpoint are shared by every request built from it
// (slices with no spare capacity): Header.Add, Set and Del replace them, never write
// into them, and http.RoundTripper implementations must not modify requests.
func (e *Endpoint) NewRequest(ctx context.Context, body []byte, call *llm.CallOptions, stream bool) (*http.Request, error) {
	// An empty URL parses without allocating more than the URL itself, which is
	// then overwritten with the prepared one.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "", nil)
	if err != nil {
		return nil, err
	}
	*req.URL = e.u
	req.Host = e.host
	for k, vs := range e.header {
		req.Header[k] = vs
	}
	if stream {
		req.Header["Accept"] = acceptEventStream
	}
	if call != nil {
		// A caller's header replaces the endpoint's of the same name (harbor's
		// WithHeader promises it: a proxy's Authorization, a User-Agent), rather
		// than adding a second value that vendors would not read.
		for k, vs := range call.Header {
			req.Header[k] = vs
		}
		if call.Traceparent != nil {
			req.Header["Traceparent"] = call.Traceparent
		}
	}
	setBody(req, body)
	return req, nil
}

// setBody makes b the body of req, replayable through req.GetBody, without copying.
//
// The body is an io.NopCloser over a *bytes.Reader on purpose: net/http recognises
// that pair as an in-memory body and writes the headers and the body with one
// write (one TCP segment); any other reader type makes it flush the headers first,
// which costs a second write system call per request.
func setBody(req *http.Request, b []byte) {
	req.ContentLength = int64(len(b))
	if len(b) == 0 {
		req.Body, req.GetBody = http.NoBody, noBody
		return
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// Post sends the request built by NewRequest through d.
func (e *Endpoint) Post(ctx context.Context, d llm.Doer, body []byte, call *llm.CallOptions, stream bool) (*http.Response, error) {
	req, err := e.NewRequest(ctx, body, call, stream)
	if err != nil {
		return nil, err
	}
	return d.Do(req)
}
