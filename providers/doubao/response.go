package doubao

import (
	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// listed converts one entry of the model list (engine.Spec.Models).
func listed(m *gen.Model) llm.Model {
	return llm.Model{ID: m.Id, Object: "model", OwnedBy: wire.Str(m.OwnedBy)}
}

func fromCompletion(c *gen.ChatCompletion) *llm.ChatCompletion {
	out := &llm.ChatCompletion{
		ID:          c.Id,
		Object:      string(c.Object),
		Created:     c.Created,
		Model:       c.Model,
		ServiceTier: wire.Str(c.ServiceTier),
		Choices:     make([]llm.Choice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		m := llm.Message{
			Role:             llm.RoleAssistant,
			Content:          wire.Str(ch.Message.Content),
			ReasoningContent: wire.Str(ch.Message.ReasoningContent),
		}
		if n := len(ch.Message.ToolCalls); n > 0 {
			m.ToolCalls = make([]llm.ToolCall, n)
			for j, tc := range ch.Message.ToolCalls {
				m.ToolCalls[j] = llm.ToolCall{ID: tc.Id, Type: string(tc.Type), Function: llm.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
			}
		}
		out.Choices[i] = llm.Choice{Index: ch.Index, Message: m, Logprobs: fromLogprobs(ch.Logprobs)}
		if ch.FinishReason != nil {
			out.Choices[i].FinishReason = string(*ch.FinishReason)
		}
	}
	if c.Usage != nil {
		out.Usage = fromUsage(c.Usage)
	}
	return out
}

// fromReply is fromCompletion for an answer the fast decoder read.
func fromReply(r *wire.Reply) *llm.ChatCompletion { return r.Completion() }

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
	out := make([]llm.TokenLogprob, len(l.Content))
	for i := range l.Content {
		t := &l.Content[i]
		out[i] = llm.TokenLogprob{Token: t.Token, Logprob: t.Logprob, Bytes: t.Bytes}
		if n := len(t.TopLogprobs); n > 0 {
			out[i].TopLogprobs = make([]llm.TopLogprob, n)
			for j, alt := range t.TopLogprobs {
				out[i].TopLogprobs[j] = llm.TopLogprob{Token: alt.Token, Logprob: alt.Logprob, Bytes: alt.Bytes}
			}
		}
	}
	return &llm.Logprobs{Content: out}
}
