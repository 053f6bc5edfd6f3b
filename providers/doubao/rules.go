package doubao

import (
	"strings"

	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// rules are Ark's rejections before I/O, in the order doc.go lists them.
var rules = [...]engine.Rule[*Provider]{
	noWebSearch,
	noSeed,
	stopLimit,
	oneTokenCap,
	maxCompletionTokensLimit,
	autoThinking,
	reasoningEffort,
	contentParts,
	noStrictTools,
}

// Ark's documented limits (shared/vendors.md §2).
const (
	maxStop                = 4
	maxCompletionTokensCap = 65536
	// autoThinkingModel is the only model that accepts thinking.type "auto".
	autoThinkingModel = "doubao-seed-1-6-250615"
)

// invalid is the error of a rule that r breaks.
func invalid(r *llm.ChatRequest, param, format string, args ...any) error {
	return llm.InvalidRequest(Name, r.Model, param, format, args...)
}

func noWebSearch(_ *Provider, r *llm.ChatRequest) error {
	if r.WebSearch != nil {
		return invalid(r, "web_search", "Ark's chat API has no web search (web_search is a Baidu ERNIE option)")
	}
	return nil
}

func noSeed(_ *Provider, r *llm.ChatRequest) error {
	if r.Seed.IsSet() {
		return invalid(r, "seed", "Ark's chat API does not support seed")
	}
	return nil
}

func stopLimit(_ *Provider, r *llm.ChatRequest) error {
	if len(r.Stop) > maxStop {
		return invalid(r, "stop", "Ark accepts at most %d stop sequences, got %d", maxStop, len(r.Stop))
	}
	return nil
}

func oneTokenCap(_ *Provider, r *llm.ChatRequest) error {
	if r.MaxTokens.IsSet() && r.MaxCompletionTokens.IsSet() {
		return invalid(r, "max_completion_tokens", "Ark takes max_tokens (caps the answer) or max_completion_tokens (caps answer plus reasoning), not both: drop one")
	}
	return nil
}

func maxCompletionTokensLimit(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.MaxCompletionTokens.Get(); ok && v > maxCompletionTokensCap {
		return invalid(r, "max_completion_tokens", "Ark allows max_completion_tokens up to %d, got %d", maxCompletionTokensCap, v)
	}
	return nil
}

// autoThinking: endpoint ids hide their model, so "auto" on an ep-… is left to
// Ark to judge.
func autoThinking(p *Provider, r *llm.ChatRequest) error {
	if t := r.Thinking; t != nil && t.Type == llm.ThinkingAuto {
		if model := p.model(r); model != autoThinkingModel && !strings.HasPrefix(model, "ep-") {
			return invalid(r, "thinking", "thinking type auto is only available on %s; use enabled or disabled with %s", autoThinkingModel, model)
		}
	}
	return nil
}

func reasoningEffort(_ *Provider, r *llm.ChatRequest) error {
	if e := r.ReasoningEffort; e != "" && !gen.ChatCompletionRequestReasoningEffort(e).Valid() {
		return invalid(r, "reasoning_effort", "Ark accepts reasoning_effort minimal, low, medium or high, not %q", e)
	}
	return nil
}

// contentParts: parts are text, image_url (detail high, low or auto), video_url
// (no detail) or input_audio; llm.Validate has checked their payloads.
func contentParts(_ *Provider, r *llm.ChatRequest) error {
	for i := range r.Messages {
		for j := range r.Messages[i].Parts {
			p := &r.Messages[i].Parts[j]
			switch p.Type {
			case llm.PartText, llm.PartInputAudio:
			case llm.PartImageURL:
				if d := p.ImageURL.Detail; d != "" && !gen.ImageURLDetail(d).Valid() {
					return invalid(r, "messages", "messages[%d].content[%d]: image_url.detail must be high, low or auto on Ark, got %q", i, j, d)
				}
			case llm.PartVideoURL:
				if p.VideoURL.Detail != "" {
					return invalid(r, "messages", "messages[%d].content[%d]: Ark's video_url has no detail setting; leave it empty", i, j)
				}
			default:
				return invalid(r, "messages", "messages[%d].content[%d]: Ark does not accept %q parts", i, j, p.Type)
			}
		}
	}
	return nil
}

func noStrictTools(_ *Provider, r *llm.ChatRequest) error {
	for i := range r.Tools {
		if r.Tools[i].Function.Strict.IsSet() {
			return invalid(r, "tools", "tools[%d]: Ark's function tools have no strict flag; remove it (response_format json_schema has one)", i)
		}
	}
	return nil
}
