package doubao

import (
	"errors"
	"fmt"
	"strings"

	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Ark's documented limits (shared/vendors.md §2).
const (
	maxStop                = 4
	maxCompletionTokensCap = 65536
	// autoThinkingModel is the only model that accepts thinking.type "auto".
	autoThinkingModel = "doubao-seed-1-6-250615"
)

// encode applies Ark's rules to req and returns the JSON body to send.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	model := req.Model
	if id, ok := p.endpoints[model]; ok {
		model = id
	}
	bad := func(param, format string, args ...any) error {
		return llm.InvalidRequest(Name, req.Model, param, format, args...)
	}
	if req.WebSearch != nil {
		return nil, bad("web_search", "Ark's chat API has no web search (web_search is a Baidu ERNIE option)")
	}
	if req.Seed.IsSet() {
		return nil, bad("seed", "Ark's chat API does not support seed")
	}
	if len(req.Stop) > maxStop {
		return nil, bad("stop", "Ark accepts at most %d stop sequences, got %d", maxStop, len(req.Stop))
	}
	if req.MaxTokens.IsSet() && req.MaxCompletionTokens.IsSet() {
		return nil, bad("max_completion_tokens", "Ark takes max_tokens (caps the answer) or max_completion_tokens (caps answer plus reasoning), not both: drop one")
	}
	if v, ok := req.MaxCompletionTokens.Get(); ok && v > maxCompletionTokensCap {
		return nil, bad("max_completion_tokens", "Ark allows max_completion_tokens up to %d, got %d", maxCompletionTokensCap, v)
	}

	out := gen.ChatCompletionRequest{
		Model:               model,
		Messages:            make([]gen.Message, len(req.Messages)),
		FrequencyPenalty:    req.FrequencyPenalty.Ptr(),
		PresencePenalty:     req.PresencePenalty.Ptr(),
		Temperature:         req.Temperature.Ptr(),
		TopP:                req.TopP.Ptr(),
		MaxTokens:           req.MaxTokens.Ptr(),
		MaxCompletionTokens: req.MaxCompletionTokens.Ptr(),
		N:                   req.N.Ptr(),
		Logprobs:            req.Logprobs.Ptr(),
		TopLogprobs:         req.TopLogprobs.Ptr(),
		ParallelToolCalls:   req.ParallelToolCalls.Ptr(),
		Stop:                req.Stop,
	}
	if req.User != "" {
		u := req.User
		out.User = &u
	}
	if t := req.Thinking; t != nil {
		// Endpoint ids hide their model, so "auto" on an ep-… is left to Ark to judge.
		if t.Type == llm.ThinkingAuto && model != autoThinkingModel && !strings.HasPrefix(model, "ep-") {
			return nil, bad("thinking", "thinking type auto is only available on %s; use enabled or disabled with %s", autoThinkingModel, model)
		}
		out.Thinking = &gen.Thinking{Type: gen.ThinkingType(t.Type)}
	}
	if e := req.ReasoningEffort; e != "" {
		re := gen.ChatCompletionRequestReasoningEffort(e)
		if !re.Valid() {
			return nil, bad("reasoning_effort", "Ark accepts reasoning_effort minimal, low, medium or high, not %q", e)
		}
		out.ReasoningEffort = &re
	}
	if rf := req.ResponseFormat; rf != nil {
		f, err := responseFormat(rf)
		if err != nil {
			return nil, bad("response_format", "response_format.json_schema.schema: %v", err)
		}
		out.ResponseFormat = f
	}
	if stream {
		t := true
		out.Stream = &t
		out.StreamOptions = &gen.StreamOptions{IncludeUsage: &t} // usage arrives in a last choices:[] chunk
	}

	for i := range req.Messages {
		if err := message(&out.Messages[i], &req.Messages[i]); err != nil {
			return nil, bad("messages", "messages[%d]%s", i, err.Error())
		}
	}

	if len(req.Tools) > 0 {
		out.Tools = make([]gen.Tool, len(req.Tools))
		for i, t := range req.Tools {
			if t.Function.Strict.IsSet() {
				return nil, bad("tools", "tools[%d]: Ark's function tools have no strict flag; remove it (response_format json_schema has one)", i)
			}
			fd := gen.FunctionDefinition{Name: t.Function.Name}
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
			out.Tools[i] = gen.Tool{Type: gen.ToolTypeFunction, Function: fd}
		}
	}
	if tc := req.ToolChoice; tc != nil {
		var choice gen.ToolChoice
		var err error
		if tc.Function != "" {
			n := gen.NamedToolChoice{Type: gen.NamedToolChoiceTypeFunction}
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

func responseFormat(rf *llm.ResponseFormat) (*gen.ResponseFormat, error) {
	out := &gen.ResponseFormat{Type: gen.ResponseFormatType(rf.Type)}
	if s := rf.JSONSchema; s != nil && rf.Type == "json_schema" {
		js := gen.JSONSchemaFormat{Name: s.Name, Strict: s.Strict.Ptr()}
		if s.Description != "" {
			d := s.Description
			js.Description = &d
		}
		if len(s.Schema) > 0 {
			raw, err := wire.RawJSON(s.Schema)
			if err != nil {
				return nil, err
			}
			js.Schema = &raw
		}
		out.JsonSchema = &js
	}
	return out, nil
}

// message translates one turn. Content is always sent, "" included: Ark itself
// answers tool-call turns with content "" and accepts them back as they are.
func message(g *gen.Message, m *llm.Message) error {
	g.Role = gen.MessageRole(m.Role)
	var content gen.MessageContent
	var err error
	if len(m.Parts) == 0 {
		err = content.FromMessageContent0(m.Content)
	} else {
		parts := make([]gen.ContentPart, len(m.Parts))
		for j := range m.Parts {
			if err = part(&parts[j], &m.Parts[j]); err != nil {
				return fmt.Errorf(".content[%d]: %w", j, err)
			}
		}
		err = content.FromMessageContent1(parts)
	}
	if err != nil {
		return fmt.Errorf(": %w", err)
	}
	g.Content = &content
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
		g.ToolCalls = make([]gen.ToolCall, len(m.ToolCalls))
		for j, tc := range m.ToolCalls {
			g.ToolCalls[j] = gen.ToolCall{Id: tc.ID, Type: gen.ToolCallTypeFunction, Function: gen.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
		}
	}
	return nil
}

// part translates one content part; llm.Validate has checked the required fields.
func part(g *gen.ContentPart, p *llm.ContentPart) error {
	switch p.Type {
	case llm.PartText:
		return g.FromTextPart(gen.TextPart{Text: p.Text})
	case llm.PartImageURL:
		img := gen.ImageURL{Url: p.ImageURL.URL}
		if d := p.ImageURL.Detail; d != "" {
			detail := gen.ImageURLDetail(d)
			if !detail.Valid() {
				return fmt.Errorf("image_url.detail must be high, low or auto on Ark, got %q", d)
			}
			img.Detail = &detail
		}
		return g.FromImageURLPart(gen.ImageURLPart{ImageUrl: img})
	case llm.PartVideoURL:
		if p.VideoURL.Detail != "" {
			return errors.New("Ark's video_url has no detail setting; leave it empty")
		}
		return g.FromVideoURLPart(gen.VideoURLPart{VideoUrl: gen.VideoURL{Url: p.VideoURL.URL}})
	case llm.PartInputAudio:
		return g.FromInputAudioPart(gen.InputAudioPart{InputAudio: gen.InputAudio{Data: p.InputAudio.Data, Format: p.InputAudio.Format}})
	}
	return fmt.Errorf("Ark does not accept %q parts", p.Type)
}
