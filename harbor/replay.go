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

// assembler rebuilds a whole answer from a stream's chunks, for the cache.
type assembler struct {
	c       ChatCompletion
	choices map[int]int // choice index -> position in c.Choices
}

func (a *assembler) add(ch *llm.Chunk) {
	if a.c.ID == "" {
		a.c.ID, a.c.Created, a.c.Model, a.c.SystemFingerprint = ch.ID, ch.Created, ch.Model, ch.SystemFingerprint
		a.c.Object = "chat.completion"
	}
	if ch.Usage != nil {
		a.c.Usage = cloneUsage(*ch.Usage)
	}
	a.c.SearchResults = append(a.c.SearchResults, ch.SearchResults...)
	for i := range ch.Choices {
		cc := &ch.Choices[i]
		pos, ok := a.choices[cc.Index]
		if !ok {
			if a.choices == nil {
				a.choices = map[int]int{}
			}
			pos = len(a.c.Choices)
			a.choices[cc.Index] = pos
			a.c.Choices = append(a.c.Choices, Choice{Index: cc.Index})
		}
		dst := &a.c.Choices[pos]
		d := &cc.Delta
		if d.Role != "" {
			dst.Message.Role = d.Role
		}
		dst.Message.Content += d.Content
		dst.Message.ReasoningContent += d.ReasoningContent
		for _, tc := range d.ToolCalls {
			tcs := dst.Message.ToolCalls
			for len(tcs) <= tc.Index {
				tcs = append(tcs, ToolCall{})
			}
			t := &tcs[tc.Index]
			if tc.ID != "" {
				t.ID = tc.ID
			}
			if tc.Type != "" {
				t.Type = tc.Type
			}
			t.Function.Name += tc.Function.Name
			t.Function.Arguments += tc.Function.Arguments
			dst.Message.ToolCalls = tcs
		}
		if cc.FinishReason != "" {
			dst.FinishReason = cc.FinishReason
		}
		if l := cc.Logprobs; l != nil {
			if dst.Logprobs == nil {
				dst.Logprobs = &Logprobs{}
			}
			dst.Logprobs.Content = append(dst.Logprobs.Content, cloneTokens(l.Content)...)
			dst.Logprobs.ReasoningContent = append(dst.Logprobs.ReasoningContent, cloneTokens(l.ReasoningContent)...)
		}
	}
}

// result is the assembled answer; only complete choices (with a finish reason)
// make it cacheable (storable checks the rest).
func (a *assembler) result() *ChatCompletion {
	for _, ch := range a.c.Choices {
		if ch.FinishReason == "" {
			return &ChatCompletion{} // no choices: not storable
		}
	}
	for i := range a.c.Choices {
		if a.c.Choices[i].Message.Role == "" {
			a.c.Choices[i].Message.Role = llm.RoleAssistant
		}
	}
	return &a.c
}
