package fastreply

import "github.com/harborai/harbor-go/llm"

// completionBlock is a completion and what it points to, in one allocation.
type completionBlock struct {
	c   llm.ChatCompletion
	ch  [1]llm.Choice
	ptd llm.PromptTokensDetails
	ctd llm.CompletionTokensDetails
}

// Completion returns r as harbor's completion, mapped as the OpenAI-shaped
// providers map the generated ChatCompletion: the message of every choice is the
// assistant's; the usage details are set only when the vendor sent their count.
// Fields the vendor's schema does not have are empty in r, so they stay empty here.
// A one-choice completion is allocated in one piece with its choice and details.
func (r *Reply) Completion() *llm.ChatCompletion {
	var out *llm.ChatCompletion
	var ptd *llm.PromptTokensDetails
	var ctd *llm.CompletionTokensDetails
	if len(r.Choices) == 1 {
		b := new(completionBlock)
		out, ptd, ctd = &b.c, &b.ptd, &b.ctd
		out.Choices = b.ch[:1:1]
	} else {
		out = &llm.ChatCompletion{Choices: make([]llm.Choice, len(r.Choices))}
	}
	out.ID, out.Object, out.Created, out.Model = r.ID, r.Object, r.Created, r.Model
	out.SystemFingerprint, out.ServiceTier = r.SystemFingerprint, r.ServiceTier
	for i := range r.Choices {
		ch := &r.Choices[i]
		out.Choices[i] = llm.Choice{Index: ch.Index, FinishReason: ch.FinishReason,
			Message: llm.Message{Role: llm.RoleAssistant, Content: ch.Content, ReasoningContent: ch.ReasoningContent}}
	}
	if r.Has&HasUsage != 0 {
		r.Usage.into(&out.Usage, ptd, ctd)
	}
	return out
}

// chunkBlock is a chunk's choice and usage, in one allocation.
type chunkBlock struct {
	ch  [1]llm.ChunkChoice
	u   llm.Usage
	ptd llm.PromptTokensDetails
	ctd llm.CompletionTokensDetails
}

// Chunk returns r as harbor's chunk, mapped as the OpenAI-shaped providers map the
// generated ChatCompletionChunk (see Completion). A chunk with usage (the last one)
// is allocated in one piece with its choice, if any, and the usage.
func (r *Reply) Chunk() llm.Chunk {
	out := llm.Chunk{ID: r.ID, Object: r.Object, Created: r.Created, Model: r.Model, SystemFingerprint: r.SystemFingerprint}
	hasUsage := r.Has&HasUsage != 0
	switch {
	case hasUsage && len(r.Choices) <= 1:
		b := new(chunkBlock)
		out.Choices = b.ch[:len(r.Choices):len(r.Choices)]
		if hasUsage {
			r.Usage.into(&b.u, &b.ptd, &b.ctd)
			out.Usage = &b.u
		}
	default:
		out.Choices = make([]llm.ChunkChoice, len(r.Choices))
		if hasUsage {
			var u llm.Usage
			r.Usage.into(&u, nil, nil)
			out.Usage = &u
		}
	}
	for i := range r.Choices {
		ch := &r.Choices[i]
		out.Choices[i] = llm.ChunkChoice{Index: ch.Index, FinishReason: ch.FinishReason,
			Delta: llm.Delta{Role: ch.Role, Content: ch.Content, ReasoningContent: ch.ReasoningContent}}
	}
	return out
}

// into writes the usage to out, with its details at ptd and ctd (allocated when
// nil) when the vendor sent their counts.
func (u *Usage) into(out *llm.Usage, ptd *llm.PromptTokensDetails, ctd *llm.CompletionTokensDetails) {
	*out = llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens,
		PromptCacheHitTokens: u.PromptCacheHitTokens, PromptCacheMissTokens: u.PromptCacheMissTokens}
	if u.Has&HasCachedTokens != 0 {
		if ptd == nil {
			ptd = new(llm.PromptTokensDetails)
		}
		*ptd = llm.PromptTokensDetails{CachedTokens: u.CachedTokens}
		out.PromptTokensDetails = ptd
	}
	if u.Has&HasReasoningTokens != 0 {
		if ctd == nil {
			ctd = new(llm.CompletionTokensDetails)
		}
		*ctd = llm.CompletionTokensDetails{ReasoningTokens: u.ReasoningTokens}
		out.CompletionTokensDetails = ctd
	}
}
