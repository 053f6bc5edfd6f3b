package speccheck

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Handler wraps a server (a mock vendor) so that every response it writes is
// checked against the spec once the handler returns; report receives each
// violation. Requests are checked too when checkRequests is set — leave it off
// for servers whose tests send invalid requests on purpose, to see the
// vendor's error. A handler that aborts the response (panic
// http.ErrAbortHandler, as a mock does to break a stream) has only its
// complete events checked; a hijacked connection (a reset) has no response to
// check. Responses to requests the spec has no operation for are not checked
// unless checkRequests is set (then the request itself is the violation).
func (s *Spec) Handler(h http.Handler, checkRequests bool, report func(Violation)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, "speccheck: reading the request: "+err.Error(), http.StatusBadRequest)
				return
			}
			body = b
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if checkRequests {
			for _, v := range s.CheckRequest(r, body) {
				report(v)
			}
		}
		if _, _, err := s.route(r); err != nil && !checkRequests {
			// A request for a path or method the spec does not have: the
			// answer (a 404 or 405) has no schema to be checked against.
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w}
		complete := false
		defer func() {
			if !rec.hijacked && rec.status != 0 {
				for _, v := range s.CheckResponse(r, rec.status, rec.Header(), rec.buf.Bytes(), complete) {
					report(v)
				}
			}
		}()
		h.ServeHTTP(rec, r)
		if rec.status == 0 && !rec.hijacked && r.Context().Err() == nil {
			// Nothing written to a client still there: net/http sends an
			// empty 200, which is checked like any other answer. (A handler
			// that gave up because the client left has answered no one.)
			rec.status = http.StatusOK
		}
		complete = true
	})
}

// recorder passes writes through and keeps a copy. Flush and Hijack reach the
// real writer through Unwrap (http.ResponseController) or Flush.
type recorder struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	hijacked bool
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.buf.Len()+len(p) <= maxCapture {
		r.buf.Write(p)
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Flush() { _ = http.NewResponseController(r.ResponseWriter).Flush() }

// Hijack marks the exchange as having no response to check.
func (r *recorder) Hijack() (c net.Conn, rw *bufio.ReadWriter, err error) {
	c, rw, err = http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.hijacked = true
	}
	return c, rw, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
