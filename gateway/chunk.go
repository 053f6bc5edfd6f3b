package gateway

import (
	"bytes"

	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/llm"
)

// encodeChunk appends c to b as one stream event's data, with the newline
// json.Encoder ends it with: the bytes a json.Encoder with SetEscapeHTML(false)
// writes for c, which is how chunks were encoded before, written by
// appendChunk in one pass without reflection. When it cannot (a NaN or an
// infinity among the log probabilities) the Encoder runs (encodeOnePass), so
// that the error is still encoding/json's and b is unchanged: sseWriter.event
// drops the event and ends the stream as it did.
func encodeChunk(b *bytes.Buffer, c *sseChunk) error {
	return encodeOnePass(b, c, chunkSizeHint(c), appendChunk)
}

// chunkSizeHint is about the size of c's JSON when little needs escaping, so
// that a buffer without room for it grows once rather than as appendChunk
// writes.
func chunkSizeHint(c *sseChunk) int {
	n := 128 + len(c.ID) + len(c.Object) + len(c.Model) + len(c.SystemFingerprint)
	for i := range c.Choices {
		d := &c.Choices[i].Delta
		n += 96 + len(d.Role) + len(d.Content) + len(d.ReasoningContent)
		for j := range d.ToolCalls {
			t := &d.ToolCalls[j]
			n += 80 + len(t.ID) + len(t.Type) + len(t.Function.Name) + len(t.Function.Arguments)
		}
		if lp := c.Choices[i].Logprobs; lp != nil {
			n += 64 * (len(lp.Content) + len(lp.ReasoningContent))
		}
	}
	if c.Usage != nil {
		n += 192
	}
	for i := range c.SearchResults {
		n += 48 + len(c.SearchResults[i].URL) + len(c.SearchResults[i].Title)
	}
	return n
}

// appendChunk appends c's JSON to b as a json.Encoder with SetEscapeHTML(false)
// writes it, without Encode's newline, and reports whether it could (false for
// a NaN or an infinity, which the Encoder refuses). The Encoder reflects over
// sseChunk and everything it reaches for every chunk of every stream (about
// 4% of a stream's CPU); this is one pass with no allocation but b's growth.
//
// No string is HTML-escaped: no type a chunk reaches has a MarshalJSON of its
// own (llm.Delta, llm.ToolCallDelta, llm.Usage, llm.Logprobs… are plain
// structs), so the Encoder writes them all under SetEscapeHTML(false), unlike
// an answer's messages (appendAnswer). sseChoice's logprobs and finish_reason
// are null when nil, as their tags have no omitempty; the other omitempty
// fields are left out when empty, as the tags say.
//
// The bytes must stay the Encoder's, which chunk_internal_test.go keeps as
// the reference: TestAppendChunkEveryField fails when a field added to
// sseChunk or to a type it reaches (a delta, a tool call delta, the usage, the
// log probabilities) is not written here, or when one of those types gains a
// MarshalJSON; FuzzAppendChunk compares both encoders on generated chunks.
func appendChunk(b []byte, c *sseChunk) ([]byte, bool) {
	w := jsonx.Writer{B: b, NoHTMLEscape: true}
	openCompletion(&w, c.ID, c.Object, c.Created, c.Model, c.SystemFingerprint)
	w.Key("choices")
	appendSlice(&w, c.Choices, appendSSEChoice) // null if nil, which toSSE never leaves it
	if c.Usage != nil {
		w.Key("usage")
		appendUsage(&w, c.Usage)
	}
	omitEmptySlice(&w, "search_results", c.SearchResults, appendSearchResult)
	w.Close()
	return w.B, !w.Failed
}

func appendSSEChoice(w jsonx.Writer, ch *sseChoice) jsonx.Writer {
	w.Open()
	w.Key("index")
	w.Int(int64(ch.Index))
	w.Key("delta")
	appendDelta(&w, &ch.Delta)
	w.Key("logprobs")
	if ch.Logprobs == nil {
		w.Null()
	} else {
		appendLogprobs(&w, ch.Logprobs)
	}
	w.Key("finish_reason")
	if ch.FinishReason == nil {
		w.Null()
	} else {
		w.String(*ch.FinishReason)
	}
	w.Close()
	return w
}

// appendDelta writes d with its omitempty fields as their tags say: "delta":
// {} when it adds nothing (the last chunk's, with its finish_reason).
func appendDelta(w *jsonx.Writer, d *llm.Delta) {
	w.Open()
	omitEmpty(w, "role", d.Role)
	omitEmpty(w, "content", d.Content)
	omitEmpty(w, "reasoning_content", d.ReasoningContent)
	omitEmptySlice(w, "tool_calls", d.ToolCalls, appendToolCallDelta)
	w.Close()
}

// appendToolCallDelta writes t's "index" and "function" always (the index
// says which call a piece belongs to, 0 included), its other fields when
// set, as their tags say.
func appendToolCallDelta(w jsonx.Writer, t *llm.ToolCallDelta) jsonx.Writer {
	w.Open()
	w.Key("index")
	w.Int(int64(t.Index))
	omitEmpty(&w, "id", t.ID)
	omitEmpty(&w, "type", t.Type)
	w.Key("function")
	w.Open()
	omitEmpty(&w, "name", t.Function.Name)
	omitEmpty(&w, "arguments", t.Function.Arguments)
	w.Close()
	w.Close()
	return w
}
