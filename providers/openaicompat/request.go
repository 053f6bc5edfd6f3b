package openaicompat

import (
	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// encode checks req against what the generic OpenAI API can express and returns the
// JSON body to send. Nothing in req is modified.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	bad := func(param, format string, args ...any) error {
		return llm.InvalidRequest(p.name, req.Model, param, format, args...)
	}
	if req.WebSearch != nil {
		return nil, bad("web_search", "%s speaks the OpenAI chat API, which has no web_search (a Baidu ERNIE option); drop WebSearch or call an ERNIE model", p.name)
	}
	if req.Thinking != nil && !p.passThinking {
		return nil, bad("thinking", "%s speaks the OpenAI chat API, which has no thinking switch: use reasoning_effort with a reasoning model, "+
			"or set Endpoint.PassThinking if this server accepts {\"thinking\":{\"type\":…}}", p.name)
	}

	model := serverModel(p.aliases, req.Model)
	out := gen.ChatCompletionRequest{
		Model:               model,
		Messages:            make([]gen.Message, len(req.Messages)),
		Temperature:         req.Temperature.Ptr(),
		TopP:                req.TopP.Ptr(),
		FrequencyPenalty:    req.FrequencyPenalty.Ptr(),
		PresencePenalty:     req.PresencePenalty.Ptr(),
		MaxTokens:           req.MaxTokens.Ptr(),
		MaxCompletionTokens: req.MaxCompletionTokens.Ptr(),
		N:                   req.N.Ptr(),
		Seed:                req.Seed.Ptr(),
		Stop:                req.Stop,
		ParallelToolCalls:   req.ParallelToolCalls.Ptr(),
		Logprobs:            req.Logprobs.Ptr(),
		TopLogprobs:         req.TopLogprobs.Ptr(),
	}
	if req.User != "" {
		u := req.User
		out.User = &u
	}
	if e := req.ReasoningEffort; e != "" {
		out.ReasoningEffort = &e // values differ by server and model: the server judges them
	}
	if req.Thinking != nil {
		out.Thinking = &gen.Thinking{Type: gen.ThinkingType(req.Thinking.Type)}
	}
	if stream {
		t := true
		out.Stream = &t
		out.StreamOptions = &gen.StreamOptions{IncludeUsage: &t}
	}

	for i := range req.Messages {
		if err := p.message(&out.Messages[i], &req.Messages[i], i, bad); err != nil {
			return nil, err
		}
	}
	if err := tools(&out, req, bad); err != nil {
		return nil, err
	}
	if rf := req.ResponseFormat; rf != nil {
		f := &gen.ResponseFormat{Type: gen.ResponseFormatType(rf.Type)}
		if s := rf.JSONSchema; s != nil && rf.Type == "json_schema" {
			js := &gen.JSONSchema{Name: s.Name, Strict: s.Strict.Ptr()}
			if s.Description != "" {
				d := s.Description
				js.Description = &d
			}
			if len(s.Schema) > 0 {
				raw, err := wire.RawJSON(s.Schema)
				if err != nil {
					return nil, bad("response_format", "response_format.json_schema.schema: %v", err)
				}
				js.Schema = &raw
			}
			f.JsonSchema = js
		}
		out.ResponseFormat = f
	}

	body, err := encodeBody(p.name, req, &out)
	if err != nil {
		return nil, err
	}
	return body, nil
}

// message fills g from m: string content, or parts for multi-part turns.
func (p *Provider) message(g *gen.Message, m *llm.Message, i int, bad func(string, string, ...any) error) error {
	g.Role = gen.MessageRole(m.Role)
	var err error
	switch {
	case len(m.Parts) > 0:
		parts := make([]gen.ContentPart, len(m.Parts))
		for j := range m.Parts {
			if parts[j], err = part(&m.Parts[j], m.Role, i, j, bad); err != nil {
				return err
			}
		}
		g.Content = new(gen.MessageContent)
		err = g.Content.FromMessageContent1(parts)
	case m.Content != "" || len(m.ToolCalls) == 0:
		g.Content = new(gen.MessageContent)
		err = g.Content.FromMessageContent0(m.Content)
	}
	if err != nil {
		return bad("messages", "messages[%d]: cannot encode content: %v", i, err)
	}
	if m.Name != "" {
		n := m.Name
		g.Name = &n
	}
	if m.ToolCallID != "" {
		id := m.ToolCallID
		g.ToolCallId = &id
	}
	// reasoning_content is output in OpenAI's API; only servers that asked for it
	// (PassThinking) get it back.
	if p.passThinking && m.Role == llm.RoleAssistant && m.ReasoningContent != "" {
		rc := m.ReasoningContent
		g.ReasoningContent = &rc
	}
	if len(m.ToolCalls) > 0 {
		g.ToolCalls = make([]gen.ToolCall, len(m.ToolCalls))
		for j, tc := range m.ToolCalls {
			g.ToolCalls[j] = gen.ToolCall{Id: tc.ID, Type: "function", Function: gen.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}}
		}
	}
	return nil
}

func part(c *llm.ContentPart, role string, i, j int, bad func(string, string, ...any) error) (gen.ContentPart, error) {
	if c.Type != llm.PartText && role != llm.RoleUser {
		return gen.ContentPart{}, bad("messages", "messages[%d].content[%d]: only user turns may carry %s parts in the OpenAI chat API", i, j, c.Type)
	}
	switch c.Type {
	case llm.PartText:
		t := c.Text
		return gen.ContentPart{Type: gen.ContentPartTypeText, Text: &t}, nil
	case llm.PartImageURL:
		if c.ImageURL == nil {
			return gen.ContentPart{}, bad("messages", "messages[%d].content[%d]: image_url.url is required", i, j)
		}
		img := &gen.ImageURL{Url: c.ImageURL.URL}
		if d := c.ImageURL.Detail; d != "" {
			dd := gen.ImageURLDetail(d)
			img.Detail = &dd
		}
		return gen.ContentPart{Type: gen.ContentPartTypeImageUrl, ImageUrl: img}, nil
	case llm.PartInputAudio:
		if c.InputAudio == nil {
			return gen.ContentPart{}, bad("messages", "messages[%d].content[%d]: input_audio.data is required", i, j)
		}
		return gen.ContentPart{Type: gen.ContentPartTypeInputAudio, InputAudio: &gen.InputAudio{Data: c.InputAudio.Data, Format: c.InputAudio.Format}}, nil
	}
	return gen.ContentPart{}, bad("messages", "messages[%d].content[%d]: the OpenAI chat API takes text, image_url and input_audio parts, not %s", i, j, c.Type)
}

func tools(out *gen.ChatCompletionRequest, req *llm.ChatRequest, bad func(string, string, ...any) error) error {
	if len(req.Tools) > 0 {
		out.Tools = make([]gen.Tool, len(req.Tools))
		for i, t := range req.Tools {
			fd := gen.FunctionDefinition{Name: t.Function.Name, Strict: t.Function.Strict.Ptr()}
			if t.Function.Description != "" {
				d := t.Function.Description
				fd.Description = &d
			}
			if t.Function.Parameters != nil {
				raw, err := wire.RawJSON(t.Function.Parameters)
				if err != nil {
					return bad("tools", "tools[%d].function.parameters: %v", i, err)
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
			return bad("tool_choice", "%v", err)
		}
		out.ToolChoice = &choice
	}
	return nil
}
