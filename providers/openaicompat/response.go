package openaicompat

import (
	gen "github.com/harborai/harbor-go/generated/openai"
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
	if m.Object != nil && *m.Object != "" {
		out.Object = *m.Object
	}
	return out
}

func fromCompletion(c *gen.ChatCompletion) *llm.ChatCompletion {
	out := &llm.ChatCompletion{
		ID:                c.Id,
		Object:            c.Object,
		Created:           c.Created,
		Model:             c.Model,
		SystemFingerprint: engine.Str(c.SystemFingerprint),
		ServiceTier:       engine.Str(c.ServiceTier),
		Choices:           make([]llm.Choice, len(c.Choices)),
	}
	if out.Object == "" {
		out.Object = "chat.completion"
	}
	for i := range c.Choices {
		src := &c.Choices[i]
		dst := &out.Choices[i]
		dst.Index = src.Index
		dst.FinishReason = engine.Str(src.FinishReason)
		dst.Logprobs = logprobs(src.Logprobs)
		dst.Message = engine.Answer(src.Message.Content, src.Message.ReasoningContent, engine.Each(src.Message.ToolCalls, fromToolCall))
	}
	if c.Usage != nil {
		out.Usage = usage(c.Usage)
	}
	return out
}

// fromReply is fromCompletion for an answer the fast decoder read.
func fromReply(r *fastreply.Reply) *llm.ChatCompletion {
	out := r.Completion()
	if out.Object == "" {
		out.Object = "chat.completion"
	}
	return out
}

func fromToolCall(tc *gen.ToolCall) llm.ToolCall {
	out := llm.ToolCall{ID: tc.Id, Type: string(tc.Type), Function: llm.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
	if out.Type == "" {
		out.Type = "function"
	}
	return out
}

func usage(u *gen.Usage) llm.Usage {
	out := llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil && d.CachedTokens != nil {
		out.PromptTokensDetails = &llm.PromptTokensDetails{CachedTokens: *d.CachedTokens}
	}
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil {
		out.CompletionTokensDetails = &llm.CompletionTokensDetails{ReasoningTokens: *d.ReasoningTokens}
	}
	return out
}

func logprobs(l *gen.Logprobs) *llm.Logprobs {
	if l == nil || len(l.Content) == 0 {
		return nil
	}
	return &llm.Logprobs{Content: engine.Tokens(l.Content)}
}
