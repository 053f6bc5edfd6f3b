package doubao

import (
	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// model is the id sent for r: the endpoint id its name maps to
// (Options.Endpoints), else the name itself.
func (p *Provider) model(r *llm.ChatRequest) string {
	if id, ok := p.endpoints[r.Model]; ok {
		return id
	}
	return r.Model
}

// encode checks req against Ark's rules (rules.go) and returns the JSON body to
// send.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	if err := engine.Check(p, req, rules[:]); err != nil {
		return nil, err
	}
	out := gen.ChatCompletionRequest{
		Model:               p.model(req),
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
		out.Thinking = &gen.Thinking{Type: gen.ThinkingType(t.Type)}
	}
	if e := req.ReasoningEffort; e != "" {
		re := gen.ChatCompletionRequestReasoningEffort(e)
		out.ReasoningEffort = &re
	}
	if stream {
		t := true
		out.Stream = &t
		out.StreamOptions = &gen.StreamOptions{IncludeUsage: &t} // usage arrives in a last choices:[] chunk
	}
	err := engine.Messages(Name, req, out.Messages, message)
	if err != nil {
		return nil, err
	}
	if out.ResponseFormat, err = engine.ResponseFormat(Name, req, responseFormat); err != nil {
		return nil, err
	}
	if out.Tools, out.ToolChoice, err = engine.ToolsAndChoice[gen.ToolChoice](Name, req, tool); err != nil {
		return nil, err
	}
	return encodeBody(req, &out)
}

// message translates one turn. Content is always sent, "" included: Ark itself
// answers tool-call turns with content "" and accepts them back as they are.
// Parts pass through unchanged (contentParts has checked them).
func message(g *gen.Message, m *llm.Message) error {
	g.Role = gen.MessageRole(m.Role)
	g.Content = new(gen.MessageContent)
	if len(m.Parts) == 0 {
		if err := g.Content.FromMessageContent0(m.Content); err != nil {
			return err
		}
	} else {
		parts := make([]gen.ContentPart, len(m.Parts))
		for j := range m.Parts {
			if err := part(&parts[j], &m.Parts[j]); err != nil {
				return err
			}
		}
		if err := g.Content.FromMessageContent1(parts); err != nil {
			return err
		}
	}
	t := engine.TurnOf(m, true)
	g.Name, g.ToolCallId, g.ReasoningContent = t.Name, t.ToolCallID, t.ReasoningContent
	g.ToolCalls = engine.ToolCalls(m, genToolCall)
	return nil
}

// part translates one content part, which contentParts has checked.
func part(g *gen.ContentPart, p *llm.ContentPart) error {
	switch p.Type {
	case llm.PartImageURL:
		img := gen.ImageURL{Url: p.ImageURL.URL}
		if d := p.ImageURL.Detail; d != "" {
			detail := gen.ImageURLDetail(d)
			img.Detail = &detail
		}
		return g.FromImageURLPart(gen.ImageURLPart{ImageUrl: img})
	case llm.PartVideoURL:
		return g.FromVideoURLPart(gen.VideoURLPart{VideoUrl: gen.VideoURL{Url: p.VideoURL.URL}})
	case llm.PartInputAudio:
		return g.FromInputAudioPart(gen.InputAudioPart{InputAudio: gen.InputAudio{Data: p.InputAudio.Data, Format: p.InputAudio.Format}})
	}
	return g.FromTextPart(gen.TextPart{Text: p.Text})
}

// tool is a function tool; Ark's have no strict flag (noStrictTools).
func tool(f engine.Function) gen.Tool {
	return gen.Tool{Type: gen.ToolTypeFunction, Function: gen.FunctionDefinition{Name: f.Name, Description: f.Description, Parameters: f.Parameters}}
}

func genToolCall(id, name, arguments string) gen.ToolCall {
	return gen.ToolCall{Id: id, Type: gen.ToolCallTypeFunction, Function: gen.FunctionCall{Name: name, Arguments: arguments}}
}

func responseFormat(typ string, s *engine.Schema) gen.ResponseFormat {
	f := gen.ResponseFormat{Type: gen.ResponseFormatType(typ)}
	if s != nil {
		f.JsonSchema = &gen.JSONSchemaFormat{Name: s.Name, Description: s.Description, Schema: s.Schema, Strict: s.Strict}
	}
	return f
}
