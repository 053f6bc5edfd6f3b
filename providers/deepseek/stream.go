package deepseek

import (
	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/llm"
)

// fromReplyChunk is fromChunk for a chunk the fast decoder read.
func fromReplyChunk(r *fastreply.Reply) llm.Chunk { return r.Chunk() }

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:                c.Id,
		Object:            string(c.Object),
		Created:           c.Created,
		Model:             c.Model,
		SystemFingerprint: engine.Str(c.SystemFingerprint),
		Choices:           make([]llm.ChunkChoice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := llm.Delta{Role: engine.Str(ch.Delta.Role), Content: engine.Str(ch.Delta.Content), ReasoningContent: engine.Str(ch.Delta.ReasoningContent),
			ToolCalls: engine.Each(ch.Delta.ToolCalls, engine.ToolCallDeltaOf[gen.ToolCallDelta])}
		out.Choices[i] = llm.ChunkChoice{Index: ch.Index, Delta: d, Logprobs: fromLogprobs(ch.Logprobs), FinishReason: engine.Str(ch.FinishReason)}
	}
	if c.Usage != nil {
		u := fromUsage(c.Usage)
		out.Usage = &u
	}
	return out
}
