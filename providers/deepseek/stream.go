package deepseek

import (
	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// chunkSchema and completionSchema tell the fast decoder (wire.ReplyDecoder) how
// encoding/json would read DeepSeek's answers into the generated types. Each is built
// on its first use, not at package init.
var (
	chunks      wire.LazySchema[gen.ChatCompletionChunk]
	completions wire.LazySchema[gen.ChatCompletion]
)

func chunkSchema() *wire.ReplySchema      { return chunks.Get("delta") }
func completionSchema() *wire.ReplySchema { return completions.Get("message") }

// newChunkDecoder returns the decoder of one stream's events. wire.Stream does the
// rest: `: keep-alive` comments and blank lines are skipped, `data: [DONE]` ends the
// stream, and usage rides on the finish chunk. Events are read by the fast decoder,
// or, for what it does not read (tool calls, logprobs), by encoding/json into the
// generated type.
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
func fromReplyChunk(r *wire.Reply) llm.Chunk { return r.Chunk() }

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:                c.Id,
		Object:            string(c.Object),
		Created:           c.Created,
		Model:             c.Model,
		SystemFingerprint: wire.Str(c.SystemFingerprint),
		Choices:           make([]llm.ChunkChoice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := llm.Delta{Content: wire.Str(ch.Delta.Content), ReasoningContent: wire.Str(ch.Delta.ReasoningContent)}
		if ch.Delta.Role != nil {
			d.Role = string(*ch.Delta.Role)
		}
		if n := len(ch.Delta.ToolCalls); n > 0 {
			d.ToolCalls = make([]llm.ToolCallDelta, n)
			for j, tc := range ch.Delta.ToolCalls {
				td := llm.ToolCallDelta{Index: tc.Index, ID: wire.Str(tc.Id)}
				if tc.Type != nil {
					td.Type = string(*tc.Type)
				}
				if tc.Function != nil {
					td.Function = llm.FunctionCallDelta{Name: wire.Str(tc.Function.Name), Arguments: wire.Str(tc.Function.Arguments)}
				}
				d.ToolCalls[j] = td
			}
		}
		out.Choices[i] = llm.ChunkChoice{Index: ch.Index, Delta: d, Logprobs: fromLogprobs(ch.Logprobs)}
		if ch.FinishReason != nil {
			out.Choices[i].FinishReason = string(*ch.FinishReason)
		}
	}
	if c.Usage != nil {
		u := fromUsage(c.Usage)
		out.Usage = &u
	}
	return out
}
