package qianfan

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

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

type badFunc func(param, format string, args ...any) error

// encode applies Qianfan v2's rules to req and returns the JSON body to send.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	bad := func(param, format string, args ...any) error {
		return llm.InvalidRequest(Name, req.Model, param, format, args...)
	}
	if err := p.check(req, bad); err != nil {
		return nil, err
	}
	out := gen.ChatCompletionRequest{
		Model:               req.Model,
		Messages:            make([]gen.Message, len(req.Messages)),
		Temperature:         req.Temperature.Ptr(),
		TopP:                req.TopP.Ptr(),
		FrequencyPenalty:    req.FrequencyPenalty.Ptr(),
		PresencePenalty:     req.PresencePenalty.Ptr(),
		MaxCompletionTokens: req.MaxCompletionTokens.Ptr(),
		Seed:                req.Seed.Ptr(),
		Stop:                req.Stop,
		ParallelToolCalls:   req.ParallelToolCalls.Ptr(),
		Metadata:            p.metadata,
	}
	if out.MaxCompletionTokens == nil { // v2 has no max_tokens of its own [?]
		out.MaxCompletionTokens = req.MaxTokens.Ptr()
	}
	if req.User != "" {
		u := req.User
		out.User = &u
	}
	if stream {
		t := true
		out.Stream = &t
		out.StreamOptions = &gen.StreamOptions{IncludeUsage: &t}
	}
	if ws := req.WebSearch; ws != nil {
		out.WebSearch = webSearch(ws)
	}
	if rf := req.ResponseFormat; rf != nil {
		out.ResponseFormat = &gen.ResponseFormat{Type: gen.ResponseFormatType(rf.Type)}
		if js := rf.JSONSchema; js != nil && rf.Type == "json_schema" {
			f := &gen.JSONSchemaFormat{Name: js.Name, Strict: js.Strict.Ptr()}
			if js.Description != "" {
				d := js.Description
				f.Description = &d
			}
			if len(js.Schema) > 0 {
				s, err := wire.RawJSON(js.Schema)
				if err != nil {
					return nil, bad("response_format", "response_format.json_schema.schema: %v", err)
				}
				f.Schema = &s
			}
			out.ResponseFormat.JsonSchema = f
		}
	}
	for i := range req.Messages {
		if err := message(&out.Messages[i], &req.Messages[i], i, bad); err != nil {
			return nil, err
		}
	}
	if len(req.Tools) > 0 {
		out.Tools = make([]gen.Tool, len(req.Tools))
		for i := range req.Tools {
			t, err := tool(&req.Tools[i])
			if err != nil {
				return nil, bad("tools", "tools[%d].function.parameters: %v", i, err)
			}
			out.Tools[i] = t
		}
	}
	if tc := req.ToolChoice; tc != nil {
		out.ToolChoice = new(gen.ToolChoice)
		var err error
		if tc.Function != "" {
			n := gen.NamedToolChoice{Type: gen.NamedToolChoiceTypeFunction}
			n.Function.Name = tc.Function
			err = out.ToolChoice.FromNamedToolChoice(n)
		} else {
			err = out.ToolChoice.FromToolChoice0(gen.ToolChoice0(tc.Mode))
		}
		if err != nil {
			return nil, bad("tool_choice", "%v", err)
		}
	}

	body, err := encodeBody(req, &out)
	if err != nil {
		return nil, err
	}
	return body, nil
}

// check rejects, before any I/O, what Qianfan v2 would refuse or cannot do.
func (p *Provider) check(req *llm.ChatRequest, bad badFunc) error {
	if v, ok := req.N.Get(); ok && v != 1 {
		return bad("n", "Qianfan v2 returns one choice per request; n=%d is not supported", v)
	}
	if req.Logprobs.Or(false) || req.TopLogprobs.IsSet() {
		return bad("logprobs", "Qianfan v2 does not return log probabilities; drop logprobs and top_logprobs")
	}
	if req.Thinking != nil {
		return bad("thinking", "Qianfan v2 has no thinking switch in harbor's contract: pick a thinking model (ernie-x1-*, deepseek-r1) or a plain one, or send the vendor's field through ExtraBody")
	}
	if req.ReasoningEffort != "" {
		return bad("reasoning_effort", "Qianfan v2 does not take reasoning_effort in harbor's contract; send the vendor's field through ExtraBody if the model supports it")
	}
	if v, ok := req.Seed.Get(); ok && (v < 1 || v > maxSeed) {
		return bad("seed", "Qianfan v2 takes a seed between 1 and %d, got %d", int64(maxSeed), v)
	}
	if len(req.Stop) > maxStop {
		return bad("stop", "Qianfan v2 accepts at most %d stop sequences, got %d", maxStop, len(req.Stop))
	}
	for i, s := range req.Stop {
		if n := utf8.RuneCountInString(s); n > maxStopChars {
			return bad("stop", "stop[%d] is %d characters long; Qianfan v2 allows at most %d", i, n, maxStopChars)
		}
	}
	if ws := req.WebSearch; ws != nil {
		if v, ok := ws.SearchNum.Get(); ok && (v < minSearchNum || v > maxSearchNum) {
			return bad("web_search", "web_search.search_num must be between %d and %d, got %d", minSearchNum, maxSearchNum, v)
		}
		if v, ok := ws.ReferenceNum.Get(); ok && (v < minSearchNum || v > maxSearchNum) {
			return bad("web_search", "web_search.reference_num must be between %d and %d, got %d", minSearchNum, maxSearchNum, v)
		}
	}
	if err := checkExtra(req.ExtraBody, bad); err != nil {
		return err
	}
	if p.loose {
		return nil
	}
	return checkOrder(req.Model, req.Messages, bad)
}

// checkExtra checks the vendor fields that travel only in ExtraBody.
func checkExtra(extra map[string]any, bad badFunc) error {
	if v, ok := extra[penaltyField]; ok {
		if f, ok := number(v); ok && !(f >= minPenalty && f <= maxPenalty) {
			return bad(penaltyField, "penalty_score must be between 1.0 and 2.0, got %g", f)
		}
	}
	if v, ok := extra[metadataField]; ok {
		n := 0
		switch m := v.(type) {
		case map[string]string:
			n = len(m)
		case map[string]any:
			n = len(m)
			for k, x := range m {
				if _, ok := x.(string); !ok {
					return bad(metadataField, "metadata[%q]: Qianfan takes string values only", k)
				}
			}
		}
		if n > MaxMetadata {
			return bad(metadataField, "metadata has %d entries; Qianfan accepts at most %d", n, MaxMetadata)
		}
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

// userLast reports the models whose conversation must end with a user message (a
// trailing tool result is refused): ERNIE 4.5 and ERNIE X1 Turbo.
func userLast(model string) bool {
	return strings.HasPrefix(model, "ernie-4.5") || strings.HasPrefix(model, "ernie-x1-turbo")
}

// checkOrder enforces Qianfan's strict alternation. An assistant turn may be a
// chain: assistant messages with tool_calls, each followed by its tool results, and
// optionally a final assistant answer; it alternates with user turns as a whole.
func checkOrder(model string, msgs []llm.Message, bad badFunc) error {
	const (
		afterUser = iota
		afterAnswer
		afterCalls // an assistant message with tool_calls, awaiting its results
		afterTool
	)
	first := msgs[0].Role
	if first != llm.RoleUser && first != llm.RoleSystem {
		return bad("messages", "Qianfan v2 needs the first message to be user or system, got %s", first)
	}
	if len(msgs) == 1 && first == llm.RoleSystem {
		return bad("messages", "a system message alone is not a conversation: add a user message after it")
	}
	state := -1 // start of the conversation, after the optional system message
	for i := range msgs {
		m := &msgs[i]
		switch m.Role {
		case llm.RoleSystem:
			if i > 0 {
				return bad("messages", "messages[%d]: Qianfan v2 takes a system message only as the first message; merge it into that one", i)
			}
			continue
		case llm.RoleUser:
			switch state {
			case afterUser:
				return bad("messages", "messages[%d]: two user turns in a row; Qianfan v2 needs user and assistant turns to alternate (merge them into one user message)", i)
			case afterCalls:
				return bad("messages", "messages[%d]: the assistant's tool_calls in messages[%d] need their tool results before the next user message", i, i-1)
			}
			state = afterUser
		case llm.RoleAssistant:
			switch state {
			case afterAnswer:
				return bad("messages", "messages[%d]: two assistant turns in a row; Qianfan v2 needs user and assistant turns to alternate (put a user message between them)", i)
			case afterCalls:
				return bad("messages", "messages[%d]: the assistant's tool_calls in messages[%d] need their tool results before another assistant message", i, i-1)
			}
			state = afterAnswer
			if len(m.ToolCalls) > 0 {
				state = afterCalls
			}
		case llm.RoleTool:
			if state != afterCalls && state != afterTool {
				return bad("messages", "messages[%d]: a tool message must follow the assistant message whose tool_calls it answers", i)
			}
			state = afterTool
		}
	}
	switch last := msgs[len(msgs)-1].Role; {
	case last == llm.RoleTool && userLast(model):
		return bad("messages", "%s needs the last message to be from the user; a trailing tool result is not accepted by this model (add a user message, or use a model that takes tool results last)", model)
	case last != llm.RoleUser && last != llm.RoleTool:
		return bad("messages", "Qianfan v2 needs the last message to be user or tool, got %s", last)
	}
	return nil
}

// message translates one turn.
func message(g *gen.Message, m *llm.Message, i int, bad badFunc) error {
	g.Role = gen.MessageRole(m.Role)
	media := hasMedia(m.Parts)
	if m.Role != llm.RoleAssistant && !media && strings.TrimSpace(m.Text()) == "" {
		return bad("messages", "messages[%d]: Qianfan v2 refuses empty %s content; give it text or drop the message", i, m.Role)
	}
	var err error
	switch {
	case media:
		parts := make([]gen.ContentPart, 0, len(m.Parts))
		for j := range m.Parts {
			pt := &m.Parts[j]
			switch pt.Type {
			case llm.PartText:
				t := pt.Text
				parts = append(parts, gen.ContentPart{Type: gen.ContentPartTypeText, Text: &t})
			case llm.PartImageURL:
				u := &gen.ImageURL{Url: pt.ImageURL.URL}
				if pt.ImageURL.Detail != "" {
					d := pt.ImageURL.Detail
					u.Detail = &d
				}
				parts = append(parts, gen.ContentPart{Type: gen.ContentPartTypeImageUrl, ImageUrl: u})
			default:
				return bad("messages", "messages[%d].content[%d]: Qianfan v2 takes text and image_url parts, not %s", i, j, pt.Type)
			}
		}
		g.Content = new(gen.MessageContent)
		err = g.Content.FromMessageContent1(parts)
	default: // a tool-calling assistant turn sends "", as Qianfan's own examples do
		g.Content = new(gen.MessageContent)
		err = g.Content.FromMessageContent0(m.Text())
	}
	if err != nil {
		return bad("messages", "messages[%d]: %v", i, err)
	}
	if m.Name != "" {
		n := m.Name
		g.Name = &n
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
		g.ToolCalls = make([]gen.ToolCall, len(m.ToolCalls))
		for j := range m.ToolCalls {
			tc := &m.ToolCalls[j]
			g.ToolCalls[j] = gen.ToolCall{Id: tc.ID, Type: gen.ToolCallTypeFunction,
				Function: gen.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
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

func tool(t *llm.Tool) (gen.Tool, error) {
	fd := gen.FunctionDefinition{Name: t.Function.Name}
	if t.Function.Description != "" {
		d := t.Function.Description
		fd.Description = &d
	}
	if t.Function.Parameters != nil {
		raw, err := wire.RawJSON(t.Function.Parameters)
		if err != nil {
			return gen.Tool{}, err
		}
		fd.Parameters = &raw
	}
	return gen.Tool{Type: gen.ToolTypeFunction, Function: fd}, nil
}

func webSearch(ws *llm.WebSearch) *gen.WebSearch {
	on := true
	out := &gen.WebSearch{SearchNum: ws.SearchNum.Ptr(), ReferenceNum: ws.ReferenceNum.Ptr()}
	enable := ws.Enable
	out.Enable = &enable // sent even when false: an explicit off
	if ws.EnableCitation {
		out.EnableCitation = &on
	}
	if ws.EnableTrace {
		out.EnableTrace = &on
	}
	if ws.EnableStatus {
		out.EnableStatus = &on
	}
	return out
}
