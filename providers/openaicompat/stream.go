package openaicompat

import (
	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/llm"
)

// fromReplyChunk is fromChunk for a chunk the fast decoder read.
func fromReplyChunk(r *fastreply.Reply) llm.Chunk {
	out := r.Chunk()
	out.Object = "chat.completion.chunk" // some servers label chunks chat.completion
	return out
}

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:                c.Id,
		Object:            "chat.completion.chunk", // some servers label chunks chat.completion
		Model:             engine.Str(c.Model),
		SystemFingerprint: engine.Str(c.SystemFingerprint),
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
		dst.FinishReason = engine.Str(src.FinishReason)
		dst.Logprobs = logprobs(src.Logprobs)
		dst.Delta = llm.Delta{
			Role:             engine.Str(src.Delta.Role),
			Content:          engine.Str(src.Delta.Content),
			ReasoningContent: engine.Str(src.Delta.ReasoningContent),
			ToolCalls:        engine.Each(src.Delta.ToolCalls, engine.ToolCallDeltaOf[gen.ToolCallDelta]),
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
