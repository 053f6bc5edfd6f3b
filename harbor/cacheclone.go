package harbor

import (
	"slices"
	"unsafe"
)

// cloneCompletion returns a deep copy of c: the cache hands every caller its own
// copy, so that no caller can change what another caller (or the cache) holds.
// Strings are immutable and shared; every slice and pointer is copied.
// TestCloneCompletionSharesNothing fails when a field is added that this misses.
func cloneCompletion(c *ChatCompletion) *ChatCompletion {
	out := *c
	out.Choices = slices.Clone(c.Choices)
	for i := range out.Choices {
		ch := &out.Choices[i]
		ch.Message = cloneMessage(ch.Message)
		ch.Logprobs = cloneLogprobs(ch.Logprobs)
	}
	out.Usage = cloneUsage(c.Usage)
	out.SearchResults = slices.Clone(c.SearchResults)
	if c.Fallback != nil {
		f := *c.Fallback
		f.Failed = slices.Clone(f.Failed)
		out.Fallback = &f
	}
	return &out
}

func cloneMessage(m Message) Message {
	m.Parts = slices.Clone(m.Parts)
	for i := range m.Parts {
		p := &m.Parts[i]
		p.ImageURL = clonePtr(p.ImageURL)
		p.VideoURL = clonePtr(p.VideoURL)
		p.InputAudio = clonePtr(p.InputAudio)
	}
	m.ToolCalls = slices.Clone(m.ToolCalls)
	return m
}

func cloneUsage(u Usage) Usage {
	u.PromptTokensDetails = clonePtr(u.PromptTokensDetails)
	u.CompletionTokensDetails = clonePtr(u.CompletionTokensDetails)
	return u
}

func cloneLogprobs(l *Logprobs) *Logprobs {
	if l == nil {
		return nil
	}
	return &Logprobs{Content: cloneTokens(l.Content), ReasoningContent: cloneTokens(l.ReasoningContent)}
}

func cloneTokens(ts []TokenLogprob) []TokenLogprob {
	ts = slices.Clone(ts)
	for i := range ts {
		ts[i].Bytes = slices.Clone(ts[i].Bytes)
		ts[i].TopLogprobs = slices.Clone(ts[i].TopLogprobs)
		for j := range ts[i].TopLogprobs {
			ts[i].TopLogprobs[j].Bytes = slices.Clone(ts[i].TopLogprobs[j].Bytes)
		}
	}
	return ts
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// completionSize is roughly how many bytes c holds in memory: its structs, slices
// and string bytes. The L1 cache weighs entries by it, so MaxBytes bounds memory,
// not an entry count.
func completionSize(c *ChatCompletion) int {
	n := int(unsafe.Sizeof(*c)) + len(c.ID) + len(c.Object) + len(c.Model) + len(c.SystemFingerprint) +
		len(c.ServiceTier) + len(c.Provider) + len(c.RequestID)
	for i := range c.Choices {
		ch := &c.Choices[i]
		n += int(unsafe.Sizeof(*ch)) + len(ch.FinishReason) + messageSize(&ch.Message)
		if l := ch.Logprobs; l != nil {
			n += int(unsafe.Sizeof(*l)) + tokensSize(l.Content) + tokensSize(l.ReasoningContent)
		}
	}
	if c.Usage.PromptTokensDetails != nil {
		n += int(unsafe.Sizeof(*c.Usage.PromptTokensDetails))
	}
	if c.Usage.CompletionTokensDetails != nil {
		n += int(unsafe.Sizeof(*c.Usage.CompletionTokensDetails))
	}
	for _, s := range c.SearchResults {
		n += int(unsafe.Sizeof(s)) + len(s.URL) + len(s.Title)
	}
	return n
}

func messageSize(m *Message) int {
	n := len(m.Role) + len(m.Content) + len(m.Name) + len(m.ReasoningContent) + len(m.ToolCallID)
	for _, p := range m.Parts {
		n += int(unsafe.Sizeof(p)) + len(p.Type) + len(p.Text)
		for _, u := range [...]*MediaURL{p.ImageURL, p.VideoURL} {
			if u != nil {
				n += int(unsafe.Sizeof(*u)) + len(u.URL) + len(u.Detail)
			}
		}
		if a := p.InputAudio; a != nil {
			n += int(unsafe.Sizeof(*a)) + len(a.Data) + len(a.Format)
		}
	}
	for _, t := range m.ToolCalls {
		n += int(unsafe.Sizeof(t)) + len(t.ID) + len(t.Type) + len(t.Function.Name) + len(t.Function.Arguments)
	}
	return n
}

func tokensSize(ts []TokenLogprob) int {
	n := 0
	for _, t := range ts {
		n += int(unsafe.Sizeof(t)) + len(t.Token) + 8*len(t.Bytes)
		for _, tt := range t.TopLogprobs {
			n += int(unsafe.Sizeof(tt)) + len(tt.Token) + 8*len(tt.Bytes)
		}
	}
	return n
}
