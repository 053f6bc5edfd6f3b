package openaicompat

import (
	"fmt"

	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// encode checks req against what the generic OpenAI API can express (rules.go)
// and returns the JSON body to send. Nothing in req is modified.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	if err := engine.Check(p, req, rules[:]); err != nil {
		return nil, err
	}
	out := gen.ChatCompletionRequest{
		Model:               serverModel(p.aliases, req.Model),
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
	err := engine.Messages(p.name, req, out.Messages, p.message)
	if err != nil {
		return nil, err
	}
	if out.ResponseFormat, err = engine.ResponseFormat(p.name, req, responseFormat); err != nil {
		return nil, err
	}
	if out.Tools, out.ToolChoice, err = engine.ToolsAndChoice[gen.ToolChoice](p.name, req, tool); err != nil {
		return nil, err
	}
	return encodeBody(p.name, req, &out)
}

// message fills g from m: string content, or parts for multi-part turns
// (contentParts has checked them).
func (p *Provider) message(g *gen.Message, m *llm.Message) error {
	g.Role = gen.MessageRole(m.Role)
	var err error
	switch {
	case len(m.Parts) > 0:
		parts := make([]gen.ContentPart, len(m.Parts))
		for j := range m.Parts {
			parts[j] = part(&m.Parts[j])
		}
		g.Content = new(gen.MessageContent)
		err = g.Content.FromMessageContent1(parts)
	case m.Content != "" || len(m.ToolCalls) == 0:
		g.Content = new(gen.MessageContent)
		err = g.Content.FromMessageContent0(m.Content)
	}
	if err != nil {
		return fmt.Errorf("cannot encode content: %w", err)
	}
	// reasoning_content is output in OpenAI's API; only servers that asked for it
	// (PassThinking) get it back.
	t := engine.TurnOf(m, p.passThinking)
	g.Name, g.ToolCallId, g.ReasoningContent = t.Name, t.ToolCallID, t.ReasoningContent
	g.ToolCalls = engine.ToolCalls(m, genToolCall)
	return nil
}

// part translates a text, image_url or input_audio part.
func part(c *llm.ContentPart) gen.ContentPart {
	switch c.Type {
	case llm.PartImageURL:
		img := &gen.ImageURL{Url: c.ImageURL.URL}
		if d := c.ImageURL.Detail; d != "" {
			dd := gen.ImageURLDetail(d)
			img.Detail = &dd
		}
		return gen.ContentPart{Type: gen.ContentPartTypeImageUrl, ImageUrl: img}
	case llm.PartInputAudio:
		return gen.ContentPart{Type: gen.ContentPartTypeInputAudio, InputAudio: &gen.InputAudio{Data: c.InputAudio.Data, Format: c.InputAudio.Format}}
	}
	t := c.Text
	return gen.ContentPart{Type: gen.ContentPartTypeText, Text: &t}
}

func tool(f engine.Function) gen.Tool {
	return gen.Tool{Type: gen.ToolTypeFunction, Function: gen.FunctionDefinition{Name: f.Name, Description: f.Description, Parameters: f.Parameters, Strict: f.Strict}}
}

func genToolCall(id, name, arguments string) gen.ToolCall {
	return gen.ToolCall{Id: id, Type: "function", Function: gen.FunctionCall{Name: name, Arguments: arguments}}
}

func responseFormat(typ string, s *engine.Schema) gen.ResponseFormat {
	f := gen.ResponseFormat{Type: gen.ResponseFormatType(typ)}
	if s != nil {
		f.JsonSchema = &gen.JSONSchema{Name: s.Name, Description: s.Description, Schema: s.Schema, Strict: s.Strict}
	}
	return f
}
