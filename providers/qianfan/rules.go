package qianfan

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// rules are Qianfan v2's rejections before I/O, in the order doc.go lists them.
var rules = [...]engine.Rule[*Provider]{
	oneChoice,
	noLogprobs,
	noThinking,
	noReasoningEffort,
	seedRange,
	stopLimit,
	webSearchRange,
	penaltyRange,
	metadataLimit,
	messageOrder,
	nonBlankContent,
	contentParts,
}

// Limits from vendors.md §4.
const (
	maxStop       = 4
	maxStopChars  = 20
	maxSeed       = 2147483646 // seed lies in (0, 2147483647)
	minSearchNum  = 1
	maxSearchNum  = 28
	minPenalty    = 1.0
	maxPenalty    = 2.0
	penaltyField  = "penalty_score"
	metadataField = "metadata"
)

// invalid is the error of a rule that r breaks.
func invalid(r *llm.ChatRequest, param, format string, args ...any) error {
	return llm.InvalidRequest(Name, r.Model, param, format, args...)
}

func oneChoice(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.N.Get(); ok && v != 1 {
		return invalid(r, "n", "Qianfan v2 returns one choice per request; n=%d is not supported", v)
	}
	return nil
}

func noLogprobs(_ *Provider, r *llm.ChatRequest) error {
	if r.Logprobs.Or(false) || r.TopLogprobs.IsSet() {
		return invalid(r, "logprobs", "Qianfan v2 does not return log probabilities; drop logprobs and top_logprobs")
	}
	return nil
}

func noThinking(_ *Provider, r *llm.ChatRequest) error {
	if r.Thinking != nil {
		return invalid(r, "thinking", "Qianfan v2 has no thinking switch in harbor's contract: pick a thinking model (ernie-x1-*, deepseek-r1) or a plain one, or send the vendor's field through ExtraBody")
	}
	return nil
}

func noReasoningEffort(_ *Provider, r *llm.ChatRequest) error {
	if r.ReasoningEffort != "" {
		return invalid(r, "reasoning_effort", "Qianfan v2 does not take reasoning_effort in harbor's contract; send the vendor's field through ExtraBody if the model supports it")
	}
	return nil
}

func seedRange(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.Seed.Get(); ok && (v < 1 || v > maxSeed) {
		return invalid(r, "seed", "Qianfan v2 takes a seed between 1 and %d, got %d", int64(maxSeed), v)
	}
	return nil
}

func stopLimit(_ *Provider, r *llm.ChatRequest) error {
	if len(r.Stop) > maxStop {
		return invalid(r, "stop", "Qianfan v2 accepts at most %d stop sequences, got %d", maxStop, len(r.Stop))
	}
	for i, s := range r.Stop {
		if n := utf8.RuneCountInString(s); n > maxStopChars {
			return invalid(r, "stop", "stop[%d] is %d characters long; Qianfan v2 allows at most %d", i, n, maxStopChars)
		}
	}
	return nil
}

func webSearchRange(_ *Provider, r *llm.ChatRequest) error {
	ws := r.WebSearch
	if ws == nil {
		return nil
	}
	if v, ok := ws.SearchNum.Get(); ok && (v < minSearchNum || v > maxSearchNum) {
		return invalid(r, "web_search", "web_search.search_num must be between %d and %d, got %d", minSearchNum, maxSearchNum, v)
	}
	if v, ok := ws.ReferenceNum.Get(); ok && (v < minSearchNum || v > maxSearchNum) {
		return invalid(r, "web_search", "web_search.reference_num must be between %d and %d, got %d", minSearchNum, maxSearchNum, v)
	}
	return nil
}

// penaltyRange checks penalty_score, a vendor field that travels in ExtraBody.
func penaltyRange(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.ExtraBody[penaltyField]; ok {
		if f, ok := number(v); ok && !(f >= minPenalty && f <= maxPenalty) {
			return invalid(r, penaltyField, "penalty_score must be between 1.0 and 2.0, got %g", f)
		}
	}
	return nil
}

// metadataLimit checks metadata given in ExtraBody (Options.Metadata is checked
// by New).
func metadataLimit(_ *Provider, r *llm.ChatRequest) error {
	v, ok := r.ExtraBody[metadataField]
	if !ok {
		return nil
	}
	n := 0
	switch m := v.(type) {
	case map[string]string:
		n = len(m)
	case map[string]any:
		n = len(m)
		for k, x := range m {
			if _, ok := x.(string); !ok {
				return invalid(r, metadataField, "metadata[%q]: Qianfan takes string values only", k)
			}
		}
	}
	if n > MaxMetadata {
		return invalid(r, metadataField, "metadata has %d entries; Qianfan accepts at most %d", n, MaxMetadata)
	}
	return nil
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// messageOrder is checkOrder unless Options.LooseMessageOrder turns it off.
func messageOrder(p *Provider, r *llm.ChatRequest) error {
	if p.loose {
		return nil
	}
	return checkOrder(r)
}

// userLast reports the models whose conversation must end with a user message (a
// trailing tool result is refused): ERNIE 4.5 and ERNIE X1 Turbo.
func userLast(model string) bool {
	return strings.HasPrefix(model, "ernie-4.5") || strings.HasPrefix(model, "ernie-x1-turbo")
}

// checkOrder enforces Qianfan's strict alternation. An assistant turn may be a
// chain: assistant messages with tool_calls, each followed by its tool results, and
// optionally a final assistant answer; it alternates with user turns as a whole.
func checkOrder(r *llm.ChatRequest) error {
	const (
		afterUser = iota
		afterAnswer
		afterCalls // an assistant message with tool_calls, awaiting its results
		afterTool
	)
	msgs := r.Messages
	first := msgs[0].Role
	if first != llm.RoleUser && first != llm.RoleSystem {
		return invalid(r, "messages", "Qianfan v2 needs the first message to be user or system, got %s", first)
	}
	if len(msgs) == 1 && first == llm.RoleSystem {
		return invalid(r, "messages", "a system message alone is not a conversation: add a user message after it")
	}
	state := -1 // start of the conversation, after the optional system message
	for i := range msgs {
		m := &msgs[i]
		switch m.Role {
		case llm.RoleSystem:
			if i > 0 {
				return invalid(r, "messages", "messages[%d]: Qianfan v2 takes a system message only as the first message; merge it into that one", i)
			}
			continue
		case llm.RoleUser:
			switch state {
			case afterUser:
				return invalid(r, "messages", "messages[%d]: two user turns in a row; Qianfan v2 needs user and assistant turns to alternate (merge them into one user message)", i)
			case afterCalls:
				return invalid(r, "messages", "messages[%d]: the assistant's tool_calls in messages[%d] need their tool results before the next user message", i, i-1)
			}
			state = afterUser
		case llm.RoleAssistant:
			switch state {
			case afterAnswer:
				return invalid(r, "messages", "messages[%d]: two assistant turns in a row; Qianfan v2 needs user and assistant turns to alternate (put a user message between them)", i)
			case afterCalls:
				return invalid(r, "messages", "messages[%d]: the assistant's tool_calls in messages[%d] need their tool results before another assistant message", i, i-1)
			}
			state = afterAnswer
			if len(m.ToolCalls) > 0 {
				state = afterCalls
			}
		case llm.RoleTool:
			if state != afterCalls && state != afterTool {
				return invalid(r, "messages", "messages[%d]: a tool message must follow the assistant message whose tool_calls it answers", i)
			}
			state = afterTool
		}
	}
	switch last := msgs[len(msgs)-1].Role; {
	case last == llm.RoleTool && userLast(r.Model):
		return invalid(r, "messages", "%s needs the last message to be from the user; a trailing tool result is not accepted by this model (add a user message, or use a model that takes tool results last)", r.Model)
	case last != llm.RoleUser && last != llm.RoleTool:
		return invalid(r, "messages", "Qianfan v2 needs the last message to be user or tool, got %s", last)
	}
	return nil
}

// nonBlankContent: user, system and tool messages without media need text.
func nonBlankContent(_ *Provider, r *llm.ChatRequest) error {
	for i := range r.Messages {
		m := &r.Messages[i]
		if m.Role != llm.RoleAssistant && !hasMedia(m.Parts) && strings.TrimSpace(m.Text()) == "" {
			return invalid(r, "messages", "messages[%d]: Qianfan v2 refuses empty %s content; give it text or drop the message", i, m.Role)
		}
	}
	return nil
}

// contentParts: a message with media carries text and image_url parts only.
func contentParts(_ *Provider, r *llm.ChatRequest) error {
	for i := range r.Messages {
		parts := r.Messages[i].Parts
		if !hasMedia(parts) {
			continue
		}
		for j := range parts {
			if t := parts[j].Type; t != llm.PartText && t != llm.PartImageURL {
				return invalid(r, "messages", "messages[%d].content[%d]: Qianfan v2 takes text and image_url parts, not %s", i, j, t)
			}
		}
	}
	return nil
}

// hasMedia reports whether parts carry anything but text; text-only parts are
// joined and sent as a plain string, which every Qianfan model takes.
func hasMedia(parts []llm.ContentPart) bool {
	for i := range parts {
		if parts[i].Type != llm.PartText {
			return true
		}
	}
	return false
}
