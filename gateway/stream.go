package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/llm"
)

// streamAnswer answers with OpenAI's server-sent events: one "data: <chunk>"
// event per chunk harbor delivers, flushed as it arrives, then "data: [DONE]".
//
// Errors before the first chunk (a refused request, a vendor that fails, a
// fallback chain that runs out) are ordinary error answers with their status;
// harbor moves a chain on only before the first chunk, so nothing is lost by
// waiting for it. An error after it is one data event with OpenAI's error
// object, and the stream ends without [DONE].
//
// Usage: harbor puts it on the last chunk; OpenAI sends it only when asked
// (stream_options.include_usage), on one extra chunk with no choices. The
// gateway does as OpenAI does.
//
// Every write has WriteTimeout: a caller that stops reading is cut off and its
// vendor stream closed, so it holds no goroutine or connection.
func (s *Server) streamAnswer(x *exchange, ctx context.Context, req *llm.ChatRequest, opts *wire.StreamOptions, memo string) {
	if n := s.streams.Add(1); n > int64(s.cfg.Server.MaxStreams) {
		s.streams.Add(-1)
		s.writeError(x, apiError{status: http.StatusServiceUnavailable, typ: typeUnavailable, code: "too_many_streams",
			message: "the gateway has as many streams open as it allows; retry shortly", retryAfter: time.Second,
			errorType: "too_many_streams"})
		return
	}
	defer s.streams.Add(-1)
	st, err := s.client.Chat.Completions.Stream(ctx, req)
	if err != nil {
		s.writeError(x, fromHarbor(err))
		return
	}
	defer st.Close()
	more := st.Next()
	if !more {
		if err := st.Err(); err != nil {
			s.writeError(x, fromHarbor(err))
			return
		}
	}
	h := x.Header()
	h["Content-Type"] = sseContentType
	h["Cache-Control"] = noCache
	h["X-Accel-Buffering"] = noBuffering // nginx: do not buffer the events
	s.answerHeaders(h, x)

	w := &sseWriter{x: x, timeout: s.cfg.Server.WriteTimeout}
	defer w.release()
	x.writeDeadline(w.timeout)
	x.WriteHeader(http.StatusOK)
	var last llm.Chunk
	turn := toolTurn{off: len(req.Tools) == 0} // no tools, no tool calls to remember
	defer func() { s.reasoning.rememberTurn(memo, &turn) }()
	for ; more; more = st.Next() {
		c := st.Current()
		c.Usage = nil // see above
		last = c
		turn.add(&c)
		if err := w.event(&c); err != nil {
			x.errorType = "write_failed"
			return
		}
	}
	if err := st.Err(); err != nil {
		turn = toolTurn{} // an answer cut short is not remembered
		e := fromHarbor(err)
		x.errorType = e.errorType
		if e.status != statusClientClosed {
			_ = w.raw(e.body())
		}
		return
	}
	// The usage chunk and [DONE] are the gateway's own events, not answers to a
	// vendor's: they go out in one write and one flush.
	if opts != nil && opts.IncludeUsage {
		if u := st.Usage(); u != nil {
			final := llm.Chunk{ID: last.ID, Object: last.Object, Created: last.Created, Model: last.Model,
				SystemFingerprint: last.SystemFingerprint, Choices: []llm.ChunkChoice{}, Usage: u}
			if final.Object == "" {
				final.Object = "chat.completion.chunk"
			}
			if err := w.encode(&final); err != nil {
				x.errorType = "write_failed"
				return
			}
			w.buf.WriteString("data: [DONE]\n\n")
			if err := w.flush(w.buf.Bytes()); err != nil {
				x.errorType = "write_failed"
			}
			return
		}
	}
	if err := w.raw(done); err != nil {
		x.errorType = "write_failed"
	}
}

var done = []byte("[DONE]")

// sseWriter writes data events, each within its own write deadline.
type sseWriter struct {
	x       *exchange
	timeout time.Duration
	buf     *bytes.Buffer
	enc     *json.Encoder
}

// event encodes v as one data event and flushes it.
func (w *sseWriter) event(v any) error {
	if err := w.encode(v); err != nil {
		return err
	}
	return w.flush(w.buf.Bytes())
}

// encode puts v, as one data event, in w.buf in place of what it held.
func (w *sseWriter) encode(v any) error {
	if w.buf == nil {
		w.buf = getBuffer()
		w.enc = json.NewEncoder(w.buf)
		w.enc.SetEscapeHTML(false)
	}
	w.buf.Reset()
	w.buf.WriteString("data: ")
	if err := w.enc.Encode(v); err != nil { // ends the line with \n
		return err
	}
	w.buf.WriteByte('\n')
	return nil
}

// raw writes data as one data event.
func (w *sseWriter) raw(data []byte) error {
	b := make([]byte, 0, len(data)+8)
	b = append(append(append(b, "data: "...), data...), "\n\n"...)
	return w.flush(b)
}

func (w *sseWriter) flush(p []byte) error {
	w.x.writeDeadline(w.timeout)
	if _, err := w.x.Write(p); err != nil {
		return err
	}
	return w.x.rc.Flush()
}

func (w *sseWriter) release() {
	if w.buf != nil {
		putBuffer(w.buf)
	}
}
