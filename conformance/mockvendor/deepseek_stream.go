package mockvendor

import (
	"context"
	"net/http"
	"time"
)

// Streaming responses for the DeepSeek mock: SSE framing, chunk shapes and
// the stream cuts of injected faults.

// sseStream writes DeepSeek's SSE framing and applies the stream cuts of a
// fault. Every event is flushed so clients see it immediately.
type sseStream struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	ctx      context.Context
	delay    time.Duration
	wrote    bool
	events   int // data events written
	truncate int
	abort    int
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
// aborting the connection instead when the fault asks for that.
func (s *sseStream) cut() bool {
	if s.abort > 0 && s.events >= s.abort {
		panic(http.ErrAbortHandler)
	}
	return s.truncate > 0 && s.events >= s.truncate
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

func (s *sseStream) data(v any) bool {
	if s.cut() || !s.pause() {
		return false
	}
	e := getEnc()
	defer putEnc(e)
	e.buf.WriteString("data: ")
	if err := e.enc.Encode(v); err != nil {
		return false
	}
	e.buf.WriteByte('\n')
	s.events++
	return s.send(e.buf.Bytes())
}

func (s *sseStream) done() {
	if s.cut() || !s.pause() {
		return
	}
	s.events++
	s.send([]byte("data: [DONE]\n\n"))
}

func (d *DeepSeek) writeStream(w http.ResponseWriter, r *http.Request, p *chatPlan, a *answer, u *dsUsage, id string, created int64, f Fault) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	s := &sseStream{
		w: w, rc: http.NewResponseController(w), ctx: r.Context(),
		delay: d.cfg.ChunkDelay, truncate: f.TruncateAfter, abort: f.AbortAfter,
	}
	_ = s.rc.Flush()

	for i := 0; i < d.cfg.KeepAlives; i++ {
		if !s.comment(": keep-alive\n\n") {
			return
		}
	}

	chunk := dsChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: p.model, SystemFingerprint: dsFingerprint}
	if p.includeUsage {
		chunk.Usage = (*dsUsage)(nil) // encodes as "usage":null
	}
	ch := &chunk.Choices[0]

	ch.Delta = &dsRoleDelta{Role: "assistant"}
	if !s.data(&chunk) {
		return
	}
	if a.thinking {
		rd := &dsReasoningDelta{}
		ch.Delta = rd
		for rest := a.reasoning; rest != ""; {
			rd.ReasoningContent, rest = nextPiece(rest)
			if !s.data(&chunk) {
				return
			}
		}
	}
	if a.tool != nil {
		td := &dsToolDelta{}
		td.ToolCalls[0] = dsToolCallDelta{ID: a.tool.id, Type: "function", Function: dsFunctionDelta{Name: a.tool.name}}
		ch.Delta = td
		if !s.data(&chunk) {
			return
		}
		td.ToolCalls[0] = dsToolCallDelta{}
		for rest := a.tool.args; rest != ""; {
			td.ToolCalls[0].Function.Arguments, rest = nextPiece(rest)
			if !s.data(&chunk) {
				return
			}
		}
	}
	cd := &dsContentDelta{}
	ch.Delta = cd
	for rest := a.content; rest != ""; {
		cd.Content, rest = nextPiece(rest)
		if !s.data(&chunk) {
			return
		}
	}
	cd.Content = ""
	finish := a.finish
	ch.FinishReason = &finish
	chunk.Usage = u
	if !s.data(&chunk) {
		return
	}
	s.done()
}
