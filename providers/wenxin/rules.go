package wenxin

import (
	"unicode/utf8"

	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// rules are Wenxin v1's rejections before I/O, in the order doc.go lists them.
var rules = [...]engine.Rule[*Provider]{
	knownModel,
	oneChoice,
	noSeed,
	noLogprobs,
	noPenalties,
	noParallelToolCalls,
	noThinking,
	noReasoningEffort,
	temperatureRange,
	outputTokensRange,
	stopLimit,
	responseFormat,
	webSearchOptions,
	textOnly,
	turnOrder,
	requiredChoice,
}

// Wenxin's request limits (shared/vendors.md §3).
const (
	maxStops       = 4
	maxStopRunes   = 20
	minOutputToken = 2
)

// invalid is the error of a rule that r breaks.
func invalid(r *llm.ChatRequest, param, format string, args ...any) error {
	return llm.InvalidRequest(Name, r.Model, param, format, args...)
}

// knownModel: the model maps to an endpoint (DefaultEndpoints, Options.Endpoints).
func knownModel(p *Provider, r *llm.ChatRequest) error {
	_, err := p.endpoint(r.Model)
	return err
}

func oneChoice(_ *Provider, r *llm.ChatRequest) error {
	if r.N.IsSet() && r.N.Or(1) != 1 {
		return invalid(r, "n", "Wenxin returns one answer per request; n=%d is not supported", r.N.Or(1))
	}
	return nil
}

func noSeed(_ *Provider, r *llm.ChatRequest) error {
	if r.Seed.IsSet() {
		return invalid(r, "seed", "Wenxin v1 does not support seed")
	}
	return nil
}

func noLogprobs(_ *Provider, r *llm.ChatRequest) error {
	if r.Logprobs.Or(false) || r.TopLogprobs.IsSet() {
		return invalid(r, "logprobs", "Wenxin does not return logprobs")
	}
	return nil
}

func noPenalties(_ *Provider, r *llm.ChatRequest) error {
	if r.FrequencyPenalty.IsSet() || r.PresencePenalty.IsSet() {
		return invalid(r, "frequency_penalty", "Wenxin has no frequency_penalty or presence_penalty; its repetition penalty is penalty_score (1.0–2.0): "+
			"set wenxin.Options.PenaltyScore, or ExtraBody{\"penalty_score\": 1.2} per call")
	}
	return nil
}

func noParallelToolCalls(_ *Provider, r *llm.ChatRequest) error {
	if r.ParallelToolCalls.Or(false) {
		return invalid(r, "parallel_tool_calls", "Wenxin calls at most one function per turn; parallel_tool_calls=true is not supported")
	}
	return nil
}

func noThinking(_ *Provider, r *llm.ChatRequest) error {
	if r.Thinking != nil && r.Thinking.Type != llm.ThinkingDisabled {
		return invalid(r, "thinking", "Wenxin v1 models have no thinking mode")
	}
	return nil
}

func noReasoningEffort(_ *Provider, r *llm.ChatRequest) error {
	if r.ReasoningEffort != "" {
		return invalid(r, "reasoning_effort", "Wenxin v1 models have no reasoning_effort")
	}
	return nil
}

// temperatureRange: above 1 (0 is sent as ZeroTemperature).
func temperatureRange(_ *Provider, r *llm.ChatRequest) error {
	if v, ok := r.Temperature.Get(); ok && v > 1 {
		return invalid(r, "temperature", "Wenxin accepts temperature in (0, 1], got %g (0 is sent as %g)", v, ZeroTemperature)
	}
	return nil
}

// outputTokensRange: max_tokens (else max_completion_tokens) in [2, the
// endpoint's ceiling]; a user endpoint's ceiling is unknown.
func outputTokensRange(p *Provider, r *llm.ChatRequest) error {
	v, ok := outputLimit(r).Get()
	if !ok {
		return nil
	}
	ep, _ := p.lookup(r.Model)
	switch ceil := maxOutputFor(ep); {
	case v >= minOutputToken && (ceil == 0 || v <= ceil):
		return nil
	case ceil == 0:
		return invalid(r, "max_tokens", "Wenxin's max_output_tokens must be at least %d, got %d", minOutputToken, v)
	default:
		return invalid(r, "max_tokens", "Wenxin's max_output_tokens for %s must be between %d and %d, got %d", r.Model, minOutputToken, ceil, v)
	}
}

// outputLimit is what is sent as max_output_tokens.
func outputLimit(r *llm.ChatRequest) llm.Opt[int] {
	if r.MaxTokens.IsSet() {
		return r.MaxTokens
	}
	return r.MaxCompletionTokens
}

func stopLimit(_ *Provider, r *llm.ChatRequest) error {
	if len(r.Stop) > maxStops {
		return invalid(r, "stop", "Wenxin accepts at most %d stop sequences, got %d", maxStops, len(r.Stop))
	}
	for i, s := range r.Stop {
		if utf8.RuneCountInString(s) > maxStopRunes {
			return invalid(r, "stop", "stop[%d]: Wenxin's stop sequences are at most %d characters, got %d", i, maxStopRunes, utf8.RuneCountInString(s))
		}
	}
	return nil
}

func responseFormat(_ *Provider, r *llm.ChatRequest) error {
	if rf := r.ResponseFormat; rf != nil && rf.Type != "text" && rf.Type != "json_object" {
		return invalid(r, "response_format", "Wenxin v1 supports response_format text and json_object only, not %q (Qianfan v2 has json_schema)", rf.Type)
	}
	return nil
}

func webSearchOptions(_ *Provider, r *llm.ChatRequest) error {
	if ws := r.WebSearch; ws != nil && (ws.EnableStatus || ws.SearchNum.IsSet() || ws.ReferenceNum.IsSet()) {
		return invalid(r, "web_search", "Wenxin v1 supports web_search enable, enable_citation and enable_trace only (enable_status, search_num and reference_num are Qianfan v2 options)")
	}
	return nil
}

func textOnly(_ *Provider, r *llm.ChatRequest) error {
	if i, j, ok := engine.FindPart(r, engine.NonText); ok {
		return invalid(r, "messages", "messages[%d]: Wenxin accepts text only, not %s parts", i, r.Messages[i].Parts[j].Type)
	}
	return nil
}

// turnOrder: after the leading system messages (which become the top-level
// system field), user first, then assistant and user (or a tool result right
// after an assistant's function call) alternating, ending with user or tool — an
// odd count; no empty turn, one function call per assistant turn.
func turnOrder(_ *Provider, r *llm.ChatRequest) error {
	const order = "Wenxin needs the conversation after the system messages to alternate user, assistant, user, … " +
		"(a tool result may stand where a user turn would, right after the assistant's tool call) and to end with a user or tool turn"
	msgs := r.Messages
	first := leadingSystem(msgs)
	turns := 0
	for i := first; i < len(msgs); i, turns = i+1, turns+1 {
		m := &msgs[i]
		userSlot := turns%2 == 0
		switch m.Role {
		case llm.RoleSystem:
			return invalid(r, "messages", "messages[%d]: Wenxin takes system messages only at the start (they become its top-level system field); move this one before the first user message", i)
		case llm.RoleUser:
			switch {
			case !userSlot:
				return invalid(r, "messages", "messages[%d]: an assistant turn was expected here: %s", i, order)
			case empty(m):
				return invalid(r, "messages", "messages[%d]: Wenxin rejects empty user messages", i)
			case m.Name != "":
				return invalid(r, "messages", "messages[%d]: Wenxin has no name field on user messages", i)
			}
		case llm.RoleAssistant:
			switch {
			case userSlot:
				return invalid(r, "messages", "messages[%d]: a user turn was expected here: %s", i, order)
			case len(m.ToolCalls) == 0 && empty(m):
				return invalid(r, "messages", "messages[%d]: Wenxin rejects empty assistant messages (without a tool call)", i)
			case len(m.ToolCalls) > 1:
				return invalid(r, "messages", "messages[%d]: Wenxin calls one function per turn; this assistant message has %d tool calls", i, len(m.ToolCalls))
			}
		case llm.RoleTool:
			if !userSlot || i == 0 {
				return invalid(r, "messages", "messages[%d]: a tool result must directly follow the assistant's tool call: %s", i, order)
			}
			if prev := &msgs[i-1]; len(prev.ToolCalls) != 1 || prev.ToolCalls[0].ID != m.ToolCallID {
				return invalid(r, "messages", "messages[%d]: tool_call_id %q does not match the tool call of the assistant message just before it", i, m.ToolCallID)
			}
			if empty(m) {
				return invalid(r, "messages", "messages[%d]: Wenxin rejects an empty tool result; send something like \"{}\" or \"done\"", i)
			}
		}
	}
	if turns == 0 {
		return invalid(r, "messages", "Wenxin needs at least one user message besides the system messages")
	}
	if turns%2 == 0 {
		return invalid(r, "messages", "messages[%d]: the conversation ends with an assistant turn: %s", len(msgs)-1, order)
	}
	return nil
}

// leadingSystem is the number of system messages at the start.
func leadingSystem(msgs []llm.Message) int {
	n := 0
	for n < len(msgs) && msgs[n].Role == llm.RoleSystem {
		n++
	}
	return n
}

// empty reports whether m's text (its text parts joined) is "".
func empty(m *llm.Message) bool {
	if len(m.Parts) == 0 {
		return m.Content == ""
	}
	for i := range m.Parts {
		if m.Parts[i].Text != "" {
			return false
		}
	}
	return true
}

// requiredChoice: tool_choice "required" with more than one tool (Wenxin can
// force a named function, not "any of them").
func requiredChoice(_ *Provider, r *llm.ChatRequest) error {
	if tc := r.ToolChoice; tc != nil && len(r.Tools) > 0 && tc.Function == "" && tc.Mode == llm.ToolChoiceRequired && len(r.Tools) != 1 {
		return invalid(r, "tool_choice", "Wenxin can force a named function but not \"any of them\"; with %d tools, name the one to call in tool_choice", len(r.Tools))
	}
	return nil
}
