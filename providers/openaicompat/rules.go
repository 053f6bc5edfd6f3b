package openaicompat

import (
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// rules are the rejections before I/O of what the generic OpenAI API cannot
// express, in the order doc.go lists them.
var rules = [...]engine.Rule[*Provider]{
	noWebSearch,
	thinkingPassed,
	contentParts,
}

// invalid is the error of a rule that r breaks.
func (p *Provider) invalid(r *llm.ChatRequest, param, format string, args ...any) error {
	return llm.InvalidRequest(p.name, r.Model, param, format, args...)
}

func noWebSearch(p *Provider, r *llm.ChatRequest) error {
	if r.WebSearch != nil {
		return p.invalid(r, "web_search", "%s speaks the OpenAI chat API, which has no web_search (a Baidu ERNIE option); drop WebSearch or call an ERNIE model", p.name)
	}
	return nil
}

func thinkingPassed(p *Provider, r *llm.ChatRequest) error {
	if r.Thinking != nil && !p.passThinking {
		return p.invalid(r, "thinking", "%s speaks the OpenAI chat API, which has no thinking switch: use reasoning_effort with a reasoning model, "+
			"or set Endpoint.PassThinking if this server accepts {\"thinking\":{\"type\":…}}", p.name)
	}
	return nil
}

// contentParts: text, image_url and input_audio parts, the non-text ones in user
// turns only.
func contentParts(p *Provider, r *llm.ChatRequest) error {
	for i := range r.Messages {
		m := &r.Messages[i]
		for j := range m.Parts {
			c := &m.Parts[j]
			if c.Type != llm.PartText && m.Role != llm.RoleUser {
				return p.invalid(r, "messages", "messages[%d].content[%d]: only user turns may carry %s parts in the OpenAI chat API", i, j, c.Type)
			}
			switch {
			case c.Type == llm.PartText:
			case c.Type == llm.PartImageURL && c.ImageURL == nil:
				return p.invalid(r, "messages", "messages[%d].content[%d]: image_url.url is required", i, j)
			case c.Type == llm.PartInputAudio && c.InputAudio == nil:
				return p.invalid(r, "messages", "messages[%d].content[%d]: input_audio.data is required", i, j)
			case c.Type != llm.PartImageURL && c.Type != llm.PartInputAudio:
				return p.invalid(r, "messages", "messages[%d].content[%d]: the OpenAI chat API takes text, image_url and input_audio parts, not %s", i, j, c.Type)
			}
		}
	}
	return nil
}
