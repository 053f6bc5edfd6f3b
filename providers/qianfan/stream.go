package qianfan

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/llm"
)

// chunkObject is the object every harbor chunk carries, whatever Qianfan wrote.
const chunkObject = "chat.completion.chunk"

// fromReplyChunk is fromChunk for a chunk the fast decoder read.
func fromReplyChunk(r *fastreply.Reply) llm.Chunk {
	out := r.Chunk()
	out.Object = chunkObject // some models say chat.completion [?]
	for i := range out.Choices {
		if out.Choices[i].FinishReason == finishNormal {
			out.Choices[i].FinishReason = llm.FinishReasonStop
		}
	}
	// Without include_usage Qianfan may put a zero placeholder on every chunk; only
	// real counts are passed on, so the stream's usage is the last chunk's.
	if u := out.Usage; u != nil && u.PromptTokens == 0 && u.CompletionTokens == 0 && u.TotalTokens == 0 {
		out.Usage = nil
	}
	return out
}

func fromChunk(c *gen.ChatCompletionChunk) llm.Chunk {
	out := llm.Chunk{
		ID:      c.Id,
		Object:  chunkObject, // some models say chat.completion [?]
		Created: c.Created,
		Model:   engine.Str(c.Model),
		Choices: make([]llm.ChunkChoice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := llm.Delta{Role: engine.Str(ch.Delta.Role), Content: engine.Str(ch.Delta.Content), ReasoningContent: engine.Str(ch.Delta.ReasoningContent),
			ToolCalls: engine.Each(ch.Delta.ToolCalls, engine.ToolCallDeltaOf[gen.ToolCallDelta])}
		out.Choices[i] = llm.ChunkChoice{Index: ch.Index, Delta: d, FinishReason: finishReason(ch.FinishReason)}
	}
	// Without include_usage Qianfan may put a zero placeholder on every chunk; only
	// real counts are passed on, so the stream's usage is the last chunk's.
	if u := c.Usage; u != nil && (u.PromptTokens != 0 || u.CompletionTokens != 0 || u.TotalTokens != 0) {
		v := fromUsage(u)
		out.Usage = &v
	}
	out.SearchResults = engine.Each(c.SearchResults, searchResult)
	return out
}
