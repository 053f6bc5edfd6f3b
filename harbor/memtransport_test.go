package harbor_test

import (
	"context"
	"io"
	"net/http"
)

// memTransport serves every request with h in memory, streaming, for tests in a
// testing/synctest bubble: real sockets are not "durably blocking", so the bubble's
// clock would not move past them. The handler runs in its own goroutine; the
// response comes back once it writes its header (or returns), and its body is a
// pipe that the handler's writes feed. Cancelling the request's context, or
// closing the body, ends a body read and the handler's r.Context(), as a closed
// connection would; a handler that panics with http.ErrAbortHandler cuts the body.
type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	in := req.Clone(ctx) // as a server sees it: a body, maybe empty, and a RequestURI
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = req.URL.RequestURI()
	pr, pw := io.Pipe()
	w := &memWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := serve(t.h, w, in)
		if err == nil {
			err = ctx.Err() // a handler that stopped because the client left did not finish
		}
		w.WriteHeader(http.StatusOK)
		pw.CloseWithError(err) // nil: EOF
		in.Body.Close()
	}()
	select {
	case <-w.ready:
	case <-ctx.Done():
		cancel()
		pw.CloseWithError(ctx.Err())
		return nil, ctx.Err()
	}
	go func() {
		select {
		case <-ctx.Done():
			pw.CloseWithError(ctx.Err()) // a read now fails with the context's error
		case <-done:
		}
	}()
	return &http.Response{
		Status: http.StatusText(w.status), StatusCode: w.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.sent, Body: memBody{pr, cancel}, ContentLength: -1, Request: req,
	}, nil
}

// serve runs h, turning its http.ErrAbortHandler panic into a cut body.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler {
				panic(p)
			}
			err = io.ErrUnexpectedEOF
		}
	}()
	h.ServeHTTP(w, r)
	return nil
}

// memWriter is the handler's side: the header is sent on the first WriteHeader,
// Write or Flush.
type memWriter struct {
	header, sent http.Header
	status       int
	body         *io.PipeWriter
	ready        chan struct{} // closed once status and sent are set
}

func (w *memWriter) Header() http.Header { return w.header }

func (w *memWriter) WriteHeader(code int) {
	if w.sent != nil {
		return
	}
	w.status, w.sent = code, w.header.Clone()
	close(w.ready)
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *memWriter) Flush() { w.WriteHeader(http.StatusOK) }

// memBody is the client's side: closing it hangs up on the handler.
type memBody struct {
	*io.PipeReader
	hangUp context.CancelFunc
}

func (b memBody) Close() error {
	b.hangUp()
	return b.PipeReader.Close()
}
