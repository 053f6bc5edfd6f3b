package mockvendor

import (
	"net/http"
)

// Streaming responses for the DeepSeek mock: chunk shapes and the order of
// deltas; the SSE framing and stream cuts are in stream.go.

func (d *DeepSeek) writeStream(w http.ResponseWriter, r *http.Request, p *chatPlan, a *answer, u *dsUsage, id string, created int64, f Fault) {
	s := newSSEStream(w, r, d.cfg.ChunkDelay, f, nil) // DeepSeek has no mid-stream error event

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
		if !splitArgs(a.tool.args, func(piece string) bool {
			td.ToolCalls[0].Function.Arguments = piece
			return s.data(&chunk)
		}) {
			return
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
