package mockvendor

import (
	"context"
	"net/http"
	"time"
)

// sseStream writes the SSE framing every mock shares and applies the stream
// cuts of a fault (TruncateAfter, AbortAfter, StallAfter and, for vendors that
// have a mid-stream error event, ErrorAfter). Every event is flushed so clients see
// it immediately.
type sseStream struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	ctx      context.Context
	delay    time.Duration
	wrote    bool
	events   int // data events written
	truncate int
	abort    int
	stall    int
	errAfter int // data events before errBody ends the stream; 0: never
	errBody  any // the vendor's mid-stream error event
}

// newSSEStream writes the stream's headers and returns its writer (a value,
// so that a caller's stream can stay on the stack). errBody
// is the vendor's mid-stream error event for f.ErrorAfter; nil means the
// vendor has none and ErrorAfter is ignored.
func newSSEStream(w http.ResponseWriter, r *http.Request, delay time.Duration, f Fault, errBody any) sseStream {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := sseStream{
		w: w, rc: http.NewResponseController(w), ctx: r.Context(),
		delay: delay, truncate: f.TruncateAfter, abort: f.AbortAfter, stall: f.StallAfter,
	}
	if errBody != nil {
		s.errAfter, s.errBody = f.ErrorAfter, errBody
	}
	_ = s.rc.Flush()
	return s
}

// pause waits ChunkDelay between writes; false means the client is gone.
func (s *sseStream) pause() bool {
	if s.ctx.Err() != nil {
		return false
	}
	if s.wrote && !sleepCtx(s.ctx, s.delay) {
		return false
	}
	s.wrote = true
	return true
}

// cut reports whether the stream must end before the next data event,
// aborting the connection instead, or first stalling until the client is gone,
// when the fault asks for that.
func (s *sseStream) cut() bool {
	return cutStream(s.ctx, s.events, s.abort, s.stall, s.truncate)
}

// cutStream applies a fault's stream cuts before the next data event, events
// having been written (see Fault.AbortAfter, StallAfter and TruncateAfter), and
// reports whether the stream must end there.
func cutStream(ctx context.Context, events, abort, stall, truncate int) bool {
	if abort > 0 && events >= abort {
		panic(http.ErrAbortHandler)
	}
	if stall > 0 && events >= stall {
		<-ctx.Done() // the client went away, or the server is closing
		return true
	}
	return truncate > 0 && events >= truncate
}

// failNow reports whether the fault's error event is due, sending it if so;
// the stream is over either way once it returns true.
func (s *sseStream) failNow() bool {
	if s.errAfter <= 0 || s.events < s.errAfter {
		return false
	}
	s.errAfter = 0
	s.write("", s.errBody)
	return true
}

func (s *sseStream) send(b []byte) bool {
	if _, err := s.w.Write(b); err != nil {
		return false
	}
	_ = s.rc.Flush()
	return true
}

func (s *sseStream) comment(c string) bool {
	return s.pause() && s.send([]byte(c))
}

// data sends v as an unnamed data event; false means the stream is over.
func (s *sseStream) data(v any) bool { return s.event("", v) }

// event sends v as a data event, preceded by "event: <name>" when name is
// not empty. false means the stream is over.
func (s *sseStream) event(name string, v any) bool {
	if s.failNow() {
		return false
	}
	return s.write(name, v)
}

// done sends the terminating [DONE] (or the fault's error event instead).
func (s *sseStream) done() {
	if s.failNow() || s.cut() || !s.pause() {
		return
	}
	s.events++
	s.send([]byte("data: [DONE]\n\n"))
}

func (s *sseStream) write(name string, v any) bool {
	if s.cut() || !s.pause() {
		return false
	}
	e := getEnc()
	defer putEnc(e)
	if name != "" {
		e.buf.WriteString("event: ")
		e.buf.WriteString(name)
		e.buf.WriteByte('\n')
	}
	e.buf.WriteString("data: ")
	if err := e.enc.Encode(v); err != nil {
		return false
	}
	e.buf.WriteByte('\n')
	s.events++
	return s.send(e.buf.Bytes())
}
