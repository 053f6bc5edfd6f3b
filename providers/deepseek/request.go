package deepseek

import (
	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// identifier reports whether s is 1 to max characters of [A-Za-z0-9_-], the
// shape DeepSeek requires of tool names (max 64) and user_id (max 512). A loop,
// not a regexp: a package-level regexp is compiled at init in every program
// that imports harbor (about 7 ms and 1,500 allocations of cold start).
func identifier(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// encode applies DeepSeek's rules to req and returns the JSON body to send.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	// thinking "" leaves the vendor default (enabled on v4).
	model, thinking := rewrite(p.aliases, req.Model)
	bad := func(param, format string, args ...any) error {
		return llm.InvalidRequest(Name, req.Model, param, format, args...)
	}
	if t := req.Thinking; t != nil {
		if t.Type != llm.ThinkingEnabled && t.Type != llm.ThinkingDisabled {
			return nil, bad("thinking", "DeepSeek supports thinking enabled or disabled, not %q", t.Type)
		}
		thinking = t.Type
	}
	if v, ok := req.N.Get(); ok && v != 1 {
		return nil, bad("n", "DeepSeek returns one choice per request; n=%d is not supported", v)
	}
	if req.WebSearch != nil {
		return nil, bad("web_search", "DeepSeek's API has no web search (web_search is a Baidu ERNIE option)")
	}
	if req.Seed.IsSet() {
		return nil, bad("seed", "DeepSeek does not support seed")
	}
	if req.ParallelToolCalls.IsSet() {
		return nil, bad("parallel_tool_calls", "DeepSeek does not support parallel_tool_calls")
	}
	if len(req.Stop) > 16 {
		return nil, bad("stop", "DeepSeek accepts at most 16 stop sequences, got %d", len(req.Stop))
	}
	if len(req.Tools) > 128 {
		return nil, bad("tools", "DeepSeek accepts at most 128 tools, got %d", len(req.Tools))
	}
	if req.User != "" && !identifier(req.User, 512) {
		return nil, bad("user", "DeepSeek's user_id must match [a-zA-Z0-9_-]{1,512}")
	}
	if v, ok := req.MaxTokens.Get(); ok && v > 393216 {
		return nil, bad("max_tokens", "DeepSeek allows max_tokens up to 393216, got %d", v)
	}

	out := gen.ChatCompletionRequest{
		Model:            model,
		Messages:         make([]gen.Message, len(req.Messages)),
		FrequencyPenalty: req.FrequencyPenalty.Ptr(),
		PresencePenalty:  req.PresencePenalty.Ptr(),
		Temperature:      req.Temperature.Ptr(),
		TopP:             req.TopP.Ptr(),
		MaxTokens:        req.MaxTokens.Ptr(),
		Logprobs:         req.Logprobs.Ptr(),
		TopLogprobs:      req.TopLogprobs.Ptr(),
		Stop:             req.Stop,
	}
	if out.MaxTokens == nil {
		out.MaxTokens = req.MaxCompletionTokens.Ptr()
	}
	if req.User != "" {
		u := req.User
		out.UserId = &u
	}
	if thinking != "" {
		out.Thinking = &gen.Thinking{Type: gen.ThinkingType(thinking)}
	}
	if e := req.ReasoningEffort; e != "" {
		switch e {
		case "low", "medium", "high", "max", "xhigh":
			re := gen.ChatCompletionRequestReasoningEffort(e)
			out.ReasoningEffort = &re
		default:
			return nil, bad("reasoning_effort", "DeepSeek accepts reasoning_effort low, medium, high, max or xhigh, not %q", e)
		}
	}
	if rf := req.ResponseFormat; rf != nil {
		switch rf.Type {
		case "text":
		case "json_object":
			if !wire.MentionsJSON(req.Messages) {
				return nil, bad("response_format", `DeepSeek's json_object mode needs the word "json" in the prompt (say what JSON you want)`)
			}
		default:
			return nil, bad("response_format", "DeepSeek supports response_format text and json_object only, not %q", rf.Type)
		}
		out.ResponseFormat = &gen.ResponseFormat{Type: gen.ResponseFormatType(rf.Type)}
	}
	if stream {
		t := true
		out.Stream = &t
		out.StreamOptions = &gen.StreamOptions{IncludeUsage: &t}
	}

	// Messages. The current turn is everything after the last user message.
	lastUser := -1
	for i := range req.Messages {
		if req.Messages[i].Role == llm.RoleUser {
			lastUser = i
		}
	}
	thinkingOn := thinking != llm.ThinkingDisabled
	for i := range req.Messages {
		m := &req.Messages[i]
		g := &out.Messages[i]
		g.Role = gen.MessageRole(m.Role)
		for j := range m.Parts {
			if m.Parts[j].Type != llm.PartText {
				return nil, bad("messages", "messages[%d]: DeepSeek accepts text only, not %s parts", i, m.Parts[j].Type)
			}
		}
		text := m.Text()
		if text != "" || len(m.ToolCalls) == 0 {
			g.Content = &text
		}
		if m.Name != "" {
			name := m.Name
			g.Name = &name
		}
		if m.ToolCallID != "" {
			id := m.ToolCallID
			g.ToolCallId = &id
		}
		if m.ReasoningContent != "" && m.Role == llm.RoleAssistant {
			rc := m.ReasoningContent
			g.ReasoningContent = &rc
		}
		if len(m.ToolCalls) > 0 {
			if thinkingOn && i > lastUser && m.ReasoningContent == "" {
				return nil, bad("messages", "messages[%d]: in thinking mode DeepSeek needs the assistant turn's reasoning_content sent back with its tool_calls; pass the assistant message from the previous response unchanged", i)
			}
			g.ToolCalls = make([]gen.ToolCall, len(m.ToolCalls))
			for j, tc := range m.ToolCalls {
				g.ToolCalls[j] = gen.ToolCall{Id: tc.ID, Type: "function", Function: gen.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
			}
		}
	}

	if len(req.Tools) > 0 {
		out.Tools = make([]gen.Tool, len(req.Tools))
		for i, t := range req.Tools {
			if !identifier(t.Function.Name, 64) {
				return nil, bad("tools", "tools[%d]: DeepSeek function names must match [A-Za-z0-9_-]{1,64}, got %q", i, t.Function.Name)
			}
			fd := gen.FunctionDefinition{Name: t.Function.Name, Strict: t.Function.Strict.Ptr()}
			if t.Function.Description != "" {
				d := t.Function.Description
				fd.Description = &d
			}
			if t.Function.Parameters != nil {
				raw, err := wire.RawJSON(t.Function.Parameters)
				if err != nil {
					return nil, bad("tools", "tools[%d].function.parameters: %v", i, err)
				}
				fd.Parameters = &raw
			}
			out.Tools[i] = gen.Tool{Type: "function", Function: fd}
		}
	}
	if tc := req.ToolChoice; tc != nil {
		var choice gen.ToolChoice
		var err error
		if tc.Function != "" {
			n := gen.NamedToolChoice{Type: "function"}
			n.Function.Name = tc.Function
			err = choice.FromNamedToolChoice(n)
		} else {
			err = choice.FromToolChoice0(gen.ToolChoice0(tc.Mode))
		}
		if err != nil {
			return nil, bad("tool_choice", "%v", err)
		}
		out.ToolChoice = &choice
	}

	body, err := encodeBody(req, &out)
	if err != nil {
		return nil, err
	}
	return body, nil
}
