package doubao

import (
	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/llm"
)

// listed converts one entry of the model list (engine.Spec.Models).
func listed(m *gen.Model) llm.Model {
	out := llm.Model{ID: m.Id, Object: "model", OwnedBy: engine.Str(m.OwnedBy)}
	if m.Created != nil {
		out.Created = *m.Created
	}
	return out
}

func fromCompletion(c *gen.ChatCompletion) *llm.ChatCompletion {
	out := &llm.ChatCompletion{
		ID:          c.Id,
		Object:      string(c.Object),
		Created:     c.Created,
		Model:       c.Model,
		ServiceTier: engine.Str(c.ServiceTier),
		Choices:     make([]llm.Choice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		out.Choices[i] = llm.Choice{Index: ch.Index, FinishReason: engine.Str(ch.FinishReason), Logprobs: fromLogprobs(ch.Logprobs),
			Message: engine.Answer(ch.Message.Content, ch.Message.ReasoningContent, engine.ToolCallsOf(ch.Message.ToolCalls))}
	}
	if c.Usage != nil {
		out.Usage = fromUsage(c.Usage)
	}
	return out
}

// fromReply is fromCompletion for an answer the fast decoder read.
func fromReply(r *fastreply.Reply) *llm.ChatCompletion { return r.Completion() }

// fromUsage keeps the OpenAI fields; Ark's provisioned_tokens (tokens served by
// provisioned throughput) has no place in llm.Usage.
func fromUsage(u *gen.Usage) llm.Usage {
	out := llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil && d.CachedTokens != nil {
		out.PromptTokensDetails = &llm.PromptTokensDetails{CachedTokens: *d.CachedTokens}
	}
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil {
		out.CompletionTokensDetails = &llm.CompletionTokensDetails{ReasoningTokens: *d.ReasoningTokens}
	}
	return out
}

// fromLogprobs converts Ark's logprobs, which cover the answer only.
func fromLogprobs(l *gen.Logprobs) *llm.Logprobs {
	if l == nil || len(l.Content) == 0 {
		return nil
	}
	return &llm.Logprobs{Content: engine.Tokens(l.Content)}
}
