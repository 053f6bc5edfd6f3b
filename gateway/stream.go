package gateway

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// streamAnswer answers with OpenAI's server-sent events: one "data: <chunk>"
// event per chunk harbor delivers, then "data: [DONE]".
//
// Writes follow the vendor's pace, not the chunk count: an event is written
// and flushed as soon as the stream has no further chunk in memory
// (llm.Stream.Buffered), so none waits for the next; while the vendor's events
// come in a burst (already read, or replayed from the cache) they are framed
// one after the other into one buffer and go out in one write, at most
// maxPending bytes at a time. A write syscall a chunk was a third of the
// gateway's CPU per stream (benchmarks/results/gateway-profile.md). The chunks
// are OpenAI's, with "finish_reason": null and "logprobs": null until there is
// one (see sseChunk).
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
		s.writeError(x, s.callError(x, err))
		return
	}
	defer st.Close()
	more := st.Next()
	if !more {
		if err := st.Err(); err != nil {
			s.writeError(x, s.callError(x, err))
			return
		}
	}
	h := x.Header()
	h["Content-Type"] = sseContentType
	h["Cache-Control"] = noCache
	h["X-Accel-Buffering"] = noBuffering // nginx: do not buffer the events
	s.answerHeaders(h, x)
	if c := st.CacheStatus(); c != "" {
		// How the cache took part is known at the stream's end (the access
		// log has it); a replay is known now.
		h["X-Harbor-Cache"] = []string{c}
	}

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
		if err := w.event(&c, st.Buffered()); err != nil {
			x.errorType = writeFailure(err)
			return
		}
	}
	if err := st.Err(); err != nil {
		turn = toolTurn{} // an answer cut short is not remembered
		e := fromHarbor(err)
		x.errorType = e.errorType
		switch {
		case e.status != statusClientClosed:
			_ = w.raw(e.body())
		case s.baseCtx.Err() != nil: // Shutdown cut it; the caller may still be there
			x.errorType = errShuttingDown.errorType
			_ = w.raw(errShuttingDown.body())
		}
		return
	}
	// The usage chunk and [DONE] are the gateway's own events, not answers to a
	// vendor's: they go out in one write, with any chunk still held.
	if opts != nil && opts.IncludeUsage {
		if u := st.Usage(); u != nil {
			final := llm.Chunk{ID: last.ID, Object: last.Object, Created: last.Created, Model: last.Model,
				SystemFingerprint: last.SystemFingerprint, Usage: u}
			if final.Object == "" {
				final.Object = "chat.completion.chunk"
			}
			if err := w.event(&final, true); err != nil {
				x.errorType = writeFailure(err)
				return
			}
		}
	}
	if err := w.raw(done); err != nil {
		x.errorType = writeFailure(err)
	}
}

var done = []byte("[DONE]")

// writeFailure names a failed write to the caller for the access log and the
// metrics' error_type: "canceled" for a caller who hung up (the connection
// reset or closed by its end), as when the hang-up watch finds it first;
// "write_timeout" for one that stopped reading for server.write_timeout;
// "write_failed" for anything else.
func writeFailure(err error) string {
	switch {
	case errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNRESET):
		return harbor.ErrorType(harbor.ErrCanceled)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "write_timeout"
	}
	return "write_failed"
}

// maxPending bounds the events held back while more are ready: past it they
// go out even in the middle of a burst, so that a fast vendor cannot make the
// gateway hold a long answer in memory. 64 KiB is a few hundred ordinary
// chunks.
const maxPending = 64 << 10

// sseWriter frames data events into buf and writes what it holds in one
// write and one flush, each write within its own deadline.
type sseWriter struct {
	x       *exchange
	timeout time.Duration
	buf     *bytes.Buffer // events framed, not yet written
	out     sseChunk      // reused for every chunk
	choices []sseChoice   // out.Choices' storage
}

// event frames c as one data event after those held, and writes them all
// unless more is true (the stream's next chunk is already in memory) and
// they stay under maxPending. An event that fails to encode (a NaN log
// probability) is dropped, and the ones before it are written all the same.
// The chunk is encoded by encodeChunk, in one pass with the json.Encoder's
// bytes.
func (w *sseWriter) event(c *llm.Chunk, more bool) error {
	if w.buf == nil {
		w.buf = getBuffer()
	}
	held := w.buf.Len()
	w.buf.WriteString("data: ")
	if err := encodeChunk(w.buf, w.toSSE(c)); err != nil { // ends the line with \n
		w.buf.Truncate(held)
		if held > 0 {
			_ = w.flush()
		}
		return err
	}
	w.buf.WriteByte('\n')
	if more && w.buf.Len() < maxPending {
		return nil
	}
	return w.flush()
}

// raw frames data as one data event after those held, and writes them all.
func (w *sseWriter) raw(data []byte) error {
	if w.buf == nil {
		w.buf = getBuffer()
	}
	w.buf.WriteString("data: ")
	w.buf.Write(data)
	w.buf.WriteString("\n\n")
	return w.flush()
}

// flush writes the events held, in one write within its own deadline, and
// flushes the connection.
func (w *sseWriter) flush() error {
	w.x.writeDeadline(w.timeout)
	_, err := w.x.Write(w.buf.Bytes())
	w.buf.Reset()
	if err != nil {
		return err
	}
	return w.x.rc.Flush()
}

// toSSE is c as the gateway sends it, in w.out: valid until the next call.
func (w *sseWriter) toSSE(c *llm.Chunk) *sseChunk {
	if w.choices == nil || cap(w.choices) < len(c.Choices) {
		w.choices = make([]sseChoice, 0, max(len(c.Choices), 1))
	}
	ch := w.choices[:len(c.Choices)] // never nil: "choices": [] on the usage chunk
	for i := range c.Choices {
		src := &c.Choices[i]
		ch[i] = sseChoice{Index: src.Index, Delta: src.Delta, Logprobs: src.Logprobs}
		if src.FinishReason != "" {
			ch[i].FinishReason = &src.FinishReason
		}
	}
	w.out = sseChunk{ID: c.ID, Object: c.Object, Created: c.Created, Model: c.Model,
		SystemFingerprint: c.SystemFingerprint, Choices: ch, Usage: c.Usage, SearchResults: c.SearchResults}
	return &w.out
}

// sseChunk is llm.Chunk as the gateway's events carry it: OpenAI's
// chat.completion.chunk, whose choices always have "finish_reason" and
// "logprobs", null until there is one: OpenAI sends both on every choice, and
// clients written against it may read them without checking they are there.
// llm.ChunkChoice omits them when empty, and stays so: its FinishReason is a
// string, which can say null only as a pointer or with a marshaller of its
// own, a change to the SDK's public type (and its JSON) for the gateway's
// sake. TestSSEChunkMirrorsChunk keeps the two types' fields in step;
// appendChunk writes it as the json.Encoder would (TestAppendChunkEveryField).
type sseChunk struct {
	ID                string             `json:"id"`
	Object            string             `json:"object"`
	Created           int64              `json:"created"`
	Model             string             `json:"model"`
	SystemFingerprint string             `json:"system_fingerprint,omitempty"`
	Choices           []sseChoice        `json:"choices"`
	Usage             *llm.Usage         `json:"usage,omitempty"`
	SearchResults     []llm.SearchResult `json:"search_results,omitempty"`
}

// sseChoice is llm.ChunkChoice with its nulls (see sseChunk).
type sseChoice struct {
	Index        int           `json:"index"`
	Delta        llm.Delta     `json:"delta"`
	Logprobs     *llm.Logprobs `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

func (w *sseWriter) release() {
	if w.buf != nil {
		putBuffer(w.buf)
	}
}
