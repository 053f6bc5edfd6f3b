package harbor

import (
	"io"

	"github.com/harborai/harbor-go/llm"
)

// replay streams a cached answer: per choice, one chunk with its role, reasoning,
// text and tool calls and one with its finish reason; the last chunk carries the
// usage, as vendors send it with stream_options.include_usage.
type replay struct {
	chunks    []llm.Chunk
	i         int
	requestID string
}

// RequestID is the cached answer's vendor request id.
func (r *replay) RequestID() string { return r.requestID }

func newReplay(c *ChatCompletion) *replay {
	r := &replay{chunks: make([]llm.Chunk, 0, 2*len(c.Choices)), requestID: c.RequestID}
	head := llm.Chunk{ID: c.ID, Object: "chat.completion.chunk", Created: c.Created, Model: c.Model,
		SystemFingerprint: c.SystemFingerprint}
	for i, ch := range c.Choices {
		m := ch.Message
		d := llm.Delta{Role: m.Role, Content: m.Content, ReasoningContent: m.ReasoningContent}
		if len(m.ToolCalls) > 0 {
			d.ToolCalls = make([]llm.ToolCallDelta, len(m.ToolCalls))
			for j, tc := range m.ToolCalls {
				d.ToolCalls[j] = llm.ToolCallDelta{Index: j, ID: tc.ID, Type: tc.Type,
					Function: llm.FunctionCallDelta{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
			}
		}
		body := head
		body.Choices = []llm.ChunkChoice{{Index: ch.Index, Delta: d, Logprobs: ch.Logprobs}}
		if i == 0 {
			body.SearchResults = c.SearchResults
		}
		end := head
		end.Choices = []llm.ChunkChoice{{Index: ch.Index, FinishReason: ch.FinishReason}}
		r.chunks = append(r.chunks, body, end)
	}
	if n := len(r.chunks); n > 0 {
		u := c.Usage
		r.chunks[n-1].Usage = &u
	}
	return r
}

func (r *replay) Next() (llm.Chunk, error) {
	if r.i >= len(r.chunks) {
		return llm.Chunk{}, io.EOF
	}
	c := r.chunks[r.i]
	r.i++
	return c, nil
}

func (r *replay) Close() error { return nil }

// Buffered is true: a replayed answer is all in memory, its end included, so
// that a relay (harbor's gateway) sends it in one write (read by
// llm.Stream.Buffered).
func (r *replay) Buffered() bool { return true }
