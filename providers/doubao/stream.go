package doubao

import (
	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// chunks is the generated hot path's schema of Ark's chunks (fastreply.Decoder),
// made on its first use.
var chunks fastreply.LazySchema[gen.ChatCompletionChunk]

// newChunkDecoder returns the decoder for one stream. Ark repeats "role":"assistant"
// in every delta; OpenAI sends it on a candidate's first delta only, so the decoder
// remembers which candidates already had theirs. The rest needs no state: the
// finish_reason key Ark leaves out until the last chunk decodes as "", reasoning
// chunks' "content":"" is simply empty, and the usage-only chunk (choices:[]) that
// include_usage adds after the finish chunk becomes a chunk with no choices and the
// usage, the last before [DONE]. Events are read by the fast decoder, or, for what
// it does not read (tool calls, logprobs), by encoding/json into the generated type.
func newChunkDecoder(model string) wire.ChunkDecoder {
	var roleSent []bool // by choice index
	d := chunks.Get("delta").NewDecoder(model)
	var r fastreply.Reply
	return func(data []byte) (llm.Chunk, bool, error) {
		var out llm.Chunk
		if d.Decode(data, &r) {
			out = fromReplyChunk(&r)
		} else {
			var c gen.ChatCompletionChunk
			if err := fastreply.Unmarshal(data, &c); err != nil {
				return llm.Chunk{}, false, err
			}
			out = fromChunk(&c)
		}
		for i := range out.Choices {
			ch := &out.Choices[i]
			if ch.Delta.Role == "" || ch.Index < 0 {
				continue
			}
			for len(roleSent) <= ch.Index {
				roleSent = append(roleSent, false)
			}
			if roleSent[ch.Index] {
				ch.Delta.Role = ""
			}
			roleSent[ch.Index] = true
		}
		return out, false, nil
	}
}

// fromReplyChunk is fromChunk for a chunk the fast decoder read.
func fromReplyChunk(r *fastreply.Reply) llm.Chunk { return r.Chunk() }

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:      c.Id,
		Object:  string(c.Object),
		Created: c.Created,
		Model:   c.Model,
		Choices: make([]llm.ChunkChoice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := llm.Delta{Role: engine.Str(ch.Delta.Role), Content: engine.Str(ch.Delta.Content), ReasoningContent: engine.Str(ch.Delta.ReasoningContent),
			ToolCalls: toolCallDeltas(ch.Delta.ToolCalls)}
		out.Choices[i] = llm.ChunkChoice{Index: ch.Index, Delta: d, Logprobs: fromLogprobs(ch.Logprobs), FinishReason: engine.Str(ch.FinishReason)}
	}
	if c.Usage != nil {
		u := fromUsage(c.Usage)
		out.Usage = &u
	}
	return out
}

// toolCallDeltas converts a delta's tool calls. The SDK treats index as optional:
// a call without one is at its position.
func toolCallDeltas(tcs []gen.ToolCallDelta) []llm.ToolCallDelta {
	if len(tcs) == 0 {
		return nil
	}
	out := make([]llm.ToolCallDelta, len(tcs))
	for j := range tcs {
		tc := &tcs[j]
		out[j] = llm.ToolCallDelta{Index: j, ID: engine.Str(tc.Id)}
		if tc.Index != nil {
			out[j].Index = *tc.Index
		}
		if tc.Type != nil {
			out[j].Type = string(*tc.Type)
		}
		if tc.Function != nil {
			out[j].Function = llm.FunctionCallDelta{Name: engine.Str(tc.Function.Name), Arguments: engine.Str(tc.Function.Arguments)}
		}
	}
	return out
}
