package openaicompat

import (
	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// chunkSchema and completionSchema tell the fast decoder (wire.ReplyDecoder) how
// encoding/json would read OpenAI-style answers into the generated types. Each is built
// on its first use, not at package init.
var (
	chunks      wire.LazySchema[gen.ChatCompletionChunk]
	completions wire.LazySchema[gen.ChatCompletion]
)

func chunkSchema() *wire.ReplySchema      { return chunks.Get("delta") }
func completionSchema() *wire.ReplySchema { return completions.Get("message") }

// newChunkDecoder returns the decoder of one stream's events. wire.Stream does the
// rest: `data: [DONE]` ends the stream, an end of body before it is a truncation,
// and an {"error":…} event ends the stream with that error. Events are read by the
// fast decoder, or, for what it does not read (tool calls, logprobs, usage on a
// choice), by encoding/json into the generated type.
func newChunkDecoder(model string) wire.ChunkDecoder {
	return wire.FastChunks(chunkSchema(), model, fromReplyChunk, decodeChunk)
}

// decodeChunk decodes one event with the generated decoder (wire.Unmarshal).
func decodeChunk(data []byte) (llm.Chunk, bool, error) {
	var c gen.ChatCompletionChunk
	if err := wire.Unmarshal(data, &c); err != nil {
		return llm.Chunk{}, false, err
	}
	return fromChunk(&c), false, nil
}

// fromReplyChunk is fromChunk for a chunk the fast decoder read.
func fromReplyChunk(r *wire.Reply) llm.Chunk {
	out := r.Chunk()
	out.Object = "chat.completion.chunk" // some servers label chunks chat.completion
	return out
}

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:                c.Id,
		Object:            "chat.completion.chunk", // some servers label chunks chat.completion
		Model:             wire.Str(c.Model),
		SystemFingerprint: wire.Str(c.SystemFingerprint),
		Choices:           make([]llm.ChunkChoice, len(c.Choices)),
	}
	if c.Created != nil {
		out.Created = *c.Created
	}
	u := c.Usage
	for i := range c.Choices {
		src := &c.Choices[i]
		dst := &out.Choices[i]
		dst.Index = src.Index
		dst.FinishReason = wire.Str(src.FinishReason)
		dst.Logprobs = logprobs(src.Logprobs)
		dst.Delta = llm.Delta{
			Role:             wire.Str(src.Delta.Role),
			Content:          wire.Str(src.Delta.Content),
			ReasoningContent: wire.Str(src.Delta.ReasoningContent),
			ToolCalls:        toolCallDeltas(src.Delta.ToolCalls),
		}
		if u == nil {
			u = src.Usage // Moonshot reports usage on the finish choice
		}
	}
	if u != nil {
		lu := usage(u)
		out.Usage = &lu
	}
	return out
}

func toolCallDeltas(ds []gen.ToolCallDelta) []llm.ToolCallDelta {
	if len(ds) == 0 {
		return nil
	}
	out := make([]llm.ToolCallDelta, len(ds))
	for i := range ds {
		d := &ds[i]
		out[i] = llm.ToolCallDelta{Index: d.Index, ID: wire.Str(d.Id), Type: wire.Str(d.Type)}
		if f := d.Function; f != nil {
			out[i].Function = llm.FunctionCallDelta{Name: wire.Str(f.Name), Arguments: wire.Str(f.Arguments)}
		}
	}
	return out
}
