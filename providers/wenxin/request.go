package wenxin

import (
	"strings"
	"unicode/utf8"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// ZeroTemperature is what temperature 0 is sent as. Wenxin accepts temperature in
// (0, 1] and rejects 0; a caller asking for 0 wants "as deterministic as possible",
// so harbor sends a positive value small enough that sampling is effectively
// greedy. Baidu documents no lower bound other than "> 0", so the value is a choice,
// not a documented minimum: if the vendor ever rejects it, override it per call with
// ExtraBody{"temperature": 0.01}.
const ZeroTemperature = 0.0001

// Wenxin's request limits (shared/vendors.md §3).
const (
	maxStops       = 4
	maxStopRunes   = 20
	minOutputToken = 2
)

// encode applies Wenxin's rules to req and returns the endpoint and the JSON body.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) (string, []byte, error) {
	bad := func(param, format string, args ...any) error {
		return llm.InvalidRequest(Name, req.Model, param, format, args...)
	}
	ep, err := p.endpoint(req.Model)
	if err != nil {
		return "", nil, err
	}
	if err := unsupported(req, bad); err != nil {
		return "", nil, err
	}

	out := gen.ChatRequest{TopP: req.TopP.Ptr(), Stop: req.Stop}
	if v, ok := req.Temperature.Get(); ok {
		switch {
		case v == 0:
			v = ZeroTemperature
		case v > 1:
			return "", nil, bad("temperature", "Wenxin accepts temperature in (0, 1], got %g (0 is sent as %g)", v, ZeroTemperature)
		}
		out.Temperature = &v
	}
	limit := req.MaxTokens
	if !limit.IsSet() {
		limit = req.MaxCompletionTokens
	}
	if v, ok := limit.Get(); ok {
		if ceil := maxOutputFor(ep); v < minOutputToken || ceil > 0 && v > ceil {
			if ceil == 0 {
				return "", nil, bad("max_tokens", "Wenxin's max_output_tokens must be at least %d, got %d", minOutputToken, v)
			}
			return "", nil, bad("max_tokens", "Wenxin's max_output_tokens for %s must be between %d and %d, got %d", req.Model, minOutputToken, ceil, v)
		}
		out.MaxOutputTokens = &v
	}
	if len(req.Stop) > maxStops {
		return "", nil, bad("stop", "Wenxin accepts at most %d stop sequences, got %d", maxStops, len(req.Stop))
	}
	for i, s := range req.Stop {
		if utf8.RuneCountInString(s) > maxStopRunes {
			return "", nil, bad("stop", "stop[%d]: Wenxin's stop sequences are at most %d characters, got %d", i, maxStopRunes, utf8.RuneCountInString(s))
		}
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text", "json_object":
			f := gen.ChatRequestResponseFormat(rf.Type)
			out.ResponseFormat = &f
		default:
			return "", nil, bad("response_format", "Wenxin v1 supports response_format text and json_object only, not %q (Qianfan v2 has json_schema)", rf.Type)
		}
	}
	if req.User != "" {
		u := req.User
		out.UserId = &u
	}
	if ws := req.WebSearch; ws != nil {
		if ws.EnableStatus || ws.SearchNum.IsSet() || ws.ReferenceNum.IsSet() {
			return "", nil, bad("web_search", "Wenxin v1 supports web_search enable, enable_citation and enable_trace only (enable_status, search_num and reference_num are Qianfan v2 options)")
		}
		off := !ws.Enable
		out.DisableSearch = &off
		if ws.EnableCitation {
			t := true
			out.EnableCitation = &t
		}
		if ws.EnableTrace {
			t := true
			out.EnableTrace = &t
		}
	}
	if p.penalty != 0 {
		ps := p.penalty
		out.PenaltyScore = &ps
	}
	if stream {
		t := true
		out.Stream = &t
	}
	if out.System, out.Messages, err = messages(req, bad); err != nil {
		return "", nil, err
	}
	if out.Functions, out.ToolChoice, err = functions(req, bad); err != nil {
		return "", nil, err
	}

	body, err := encodeBody(req, &out)
	if err != nil {
		return "", nil, err
	}
	return ep, body, nil
}

type badFunc func(param, format string, args ...any) error

// unsupported rejects the OpenAI parameters Wenxin v1 has no equivalent for.
func unsupported(req *llm.ChatRequest, bad badFunc) error {
	switch {
	case req.N.IsSet() && req.N.Or(1) != 1:
		return bad("n", "Wenxin returns one answer per request; n=%d is not supported", req.N.Or(1))
	case req.Seed.IsSet():
		return bad("seed", "Wenxin v1 does not support seed")
	case req.Logprobs.Or(false) || req.TopLogprobs.IsSet():
		return bad("logprobs", "Wenxin does not return logprobs")
	case req.FrequencyPenalty.IsSet() || req.PresencePenalty.IsSet():
		return bad("frequency_penalty", "Wenxin has no frequency_penalty or presence_penalty; its repetition penalty is penalty_score (1.0–2.0): "+
			"set wenxin.Options.PenaltyScore, or ExtraBody{\"penalty_score\": 1.2} per call")
	case req.ParallelToolCalls.Or(false):
		return bad("parallel_tool_calls", "Wenxin calls at most one function per turn; parallel_tool_calls=true is not supported")
	case req.Thinking != nil && req.Thinking.Type != llm.ThinkingDisabled:
		return bad("thinking", "Wenxin v1 models have no thinking mode")
	case req.ReasoningEffort != "":
		return bad("reasoning_effort", "Wenxin v1 models have no reasoning_effort")
	}
	return nil
}

// messages moves leading system messages to the top-level system field and checks
// Wenxin's turn rules: user first, then assistant and user (or a tool result after an
// assistant function call) alternating, ending with user or tool — an odd count.
func messages(req *llm.ChatRequest, bad badFunc) (*string, []gen.Message, error) {
	msgs := req.Messages
	first := 0
	var system []string
	for first < len(msgs) && msgs[first].Role == llm.RoleSystem {
		text, err := textOf(&msgs[first], first, bad)
		if err != nil {
			return nil, nil, err
		}
		system = append(system, text)
		first++
	}
	out := make([]gen.Message, 0, len(msgs)-first)
	const order = "Wenxin needs the conversation after the system messages to alternate user, assistant, user, … " +
		"(a tool result may stand where a user turn would, right after the assistant's tool call) and to end with a user or tool turn"
	for i := first; i < len(msgs); i++ {
		m := &msgs[i]
		userSlot := len(out)%2 == 0
		text, err := textOf(m, i, bad)
		if err != nil {
			return nil, nil, err
		}
		g := gen.Message{Content: text}
		switch m.Role {
		case llm.RoleSystem:
			return nil, nil, bad("messages", "messages[%d]: Wenxin takes system messages only at the start (they become its top-level system field); move this one before the first user message", i)
		case llm.RoleUser:
			if !userSlot {
				return nil, nil, bad("messages", "messages[%d]: an assistant turn was expected here: %s", i, order)
			}
			if text == "" {
				return nil, nil, bad("messages", "messages[%d]: Wenxin rejects empty user messages", i)
			}
			if m.Name != "" {
				return nil, nil, bad("messages", "messages[%d]: Wenxin has no name field on user messages", i)
			}
			g.Role = gen.MessageRoleUser
		case llm.RoleAssistant:
			if userSlot {
				return nil, nil, bad("messages", "messages[%d]: a user turn was expected here: %s", i, order)
			}
			g.Role = gen.MessageRoleAssistant
			switch len(m.ToolCalls) {
			case 0:
				if text == "" {
					return nil, nil, bad("messages", "messages[%d]: Wenxin rejects empty assistant messages (without a tool call)", i)
				}
			case 1:
				tc := &m.ToolCalls[0]
				fc := &gen.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}
				if m.ReasoningContent != "" {
					th := m.ReasoningContent
					fc.Thoughts = &th
				}
				g.FunctionCall = fc
			default:
				return nil, nil, bad("messages", "messages[%d]: Wenxin calls one function per turn; this assistant message has %d tool calls", i, len(m.ToolCalls))
			}
		case llm.RoleTool:
			if !userSlot || i == 0 {
				return nil, nil, bad("messages", "messages[%d]: a tool result must directly follow the assistant's tool call: %s", i, order)
			}
			prev := &msgs[i-1]
			if len(prev.ToolCalls) != 1 || prev.ToolCalls[0].ID != m.ToolCallID {
				return nil, nil, bad("messages", "messages[%d]: tool_call_id %q does not match the tool call of the assistant message just before it", i, m.ToolCallID)
			}
			if text == "" {
				return nil, nil, bad("messages", "messages[%d]: Wenxin rejects an empty tool result; send something like \"{}\" or \"done\"", i)
			}
			name := prev.ToolCalls[0].Function.Name
			g.Role, g.Name = gen.MessageRoleFunction, &name
		}
		out = append(out, g)
	}
	if len(out) == 0 {
		return nil, nil, bad("messages", "Wenxin needs at least one user message besides the system messages")
	}
	if len(out)%2 == 0 {
		return nil, nil, bad("messages", "messages[%d]: the conversation ends with an assistant turn: %s", len(msgs)-1, order)
	}
	var sys *string
	if len(system) > 0 {
		s := strings.Join(system, "\n")
		sys = &s
	}
	return sys, out, nil
}

// textOf returns a message's text; Wenxin takes text only.
func textOf(m *llm.Message, i int, bad badFunc) (string, error) {
	for j := range m.Parts {
		if m.Parts[j].Type != llm.PartText {
			return "", bad("messages", "messages[%d]: Wenxin accepts text only, not %s parts", i, m.Parts[j].Type)
		}
	}
	return m.Text(), nil
}

// functions maps tools to Wenxin's functions and tool_choice to its forced-function
// object. "none" is honoured by not offering the functions at all; "required" means
// the one function when there is exactly one.
func functions(req *llm.ChatRequest, bad badFunc) ([]gen.Function, *gen.ToolChoice, error) {
	if len(req.Tools) == 0 {
		return nil, nil, nil
	}
	var forced string
	if tc := req.ToolChoice; tc != nil {
		switch {
		case tc.Function != "":
			forced = tc.Function
		case tc.Mode == llm.ToolChoiceNone:
			return nil, nil, nil
		case tc.Mode == llm.ToolChoiceRequired:
			if len(req.Tools) != 1 {
				return nil, nil, bad("tool_choice", "Wenxin can force a named function but not \"any of them\"; with %d tools, name the one to call in tool_choice", len(req.Tools))
			}
			forced = req.Tools[0].Function.Name
		}
	}
	fns := make([]gen.Function, len(req.Tools))
	for i := range req.Tools {
		f := &req.Tools[i].Function
		fns[i] = gen.Function{Name: f.Name}
		if f.Description != "" {
			d := f.Description
			fns[i].Description = &d
		}
		if f.Parameters != nil {
			raw, err := wire.RawJSON(f.Parameters)
			if err != nil {
				return nil, nil, bad("tools", "tools[%d].function.parameters: %v", i, err)
			}
			fns[i].Parameters = &raw
		}
	}
	if forced == "" {
		return fns, nil, nil
	}
	choice := &gen.ToolChoice{Type: gen.ToolChoiceTypeFunction}
	choice.Function.Name = forced
	return fns, choice, nil
}
