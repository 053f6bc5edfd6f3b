package qianfan

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/llm"
)

// finishNormal is ERNIE's finish_reason for a natural end, OpenAI's "stop".
const finishNormal = "normal"

func finishReason(f *gen.FinishReason) string {
	switch {
	case f == nil:
		return ""
	case *f == finishNormal:
		return llm.FinishReasonStop
	}
	return string(*f)
}

// fromReply is fromCompletion for an answer the fast decoder read.
func fromReply(r *fastreply.Reply) *llm.ChatCompletion {
	out := r.Completion()
	for i := range out.Choices {
		if out.Choices[i].FinishReason == finishNormal {
			out.Choices[i].FinishReason = llm.FinishReasonStop
		}
	}
	return out
}

// listed converts one entry of the model list (engine.Spec.Models).
func listed(m *gen.Model) llm.Model {
	return llm.Model{ID: m.Id, Object: "model", OwnedBy: engine.Str(m.OwnedBy)}
}

func fromCompletion(c *gen.ChatCompletion) *llm.ChatCompletion {
	out := &llm.ChatCompletion{
		ID:      c.Id,
		Object:  string(c.Object),
		Created: c.Created,
		Model:   c.Model,
		Choices: make([]llm.Choice, len(c.Choices)),
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		out.Choices[i] = llm.Choice{Index: ch.Index, FinishReason: finishReason(ch.FinishReason),
			Message: engine.Answer(ch.Message.Content, ch.Message.ReasoningContent, engine.ToolCallsOf(ch.Message.ToolCalls))}
	}
	if c.Usage != nil {
		out.Usage = fromUsage(c.Usage)
	}
	out.SearchResults = engine.Each(c.SearchResults, searchResult)
	return out
}

// searchResult is one of web_search's sources.
func searchResult(r *gen.SearchResult) llm.SearchResult {
	return llm.SearchResult{Index: r.Index, URL: r.Url, Title: r.Title}
}

// fromUsage maps the counts harbor has fields for; search_tokens (the part of
// prompt_tokens a web search added) has none and stays inside prompt_tokens.
func fromUsage(u *gen.Usage) llm.Usage {
	out := llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if d := u.PromptTokensDetails; d != nil && d.CachedTokens != nil {
		out.PromptTokensDetails = &llm.PromptTokensDetails{CachedTokens: *d.CachedTokens}
	}
	return out
}
