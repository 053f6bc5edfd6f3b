package qianfan

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// encode checks req against Qianfan v2's rules (rules.go) and returns the JSON body
// to send.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	if err := engine.Check(p, req, rules[:]); err != nil {
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

// message translates one turn: text joined into a string, or, with media, parts
// (text and image_url: contentParts has checked them). A tool-calling assistant
// turn sends "", as Qianfan's own examples do.
func message(g *gen.Message, m *llm.Message) error {
	g.Role = gen.MessageRole(m.Role)
	g.Content = new(gen.MessageContent)
	var err error
	if hasMedia(m.Parts) {
		parts := make([]gen.ContentPart, len(m.Parts))
		for j := range m.Parts {
			parts[j] = part(&m.Parts[j])
		}
		err = g.Content.FromMessageContent1(parts)
	} else {
		err = g.Content.FromMessageContent0(m.Text())
	}
	if err != nil {
		return err
	}
	t := engine.TurnOf(m, true)
	g.Name, g.ToolCallId, g.ReasoningContent = t.Name, t.ToolCallID, t.ReasoningContent
	g.ToolCalls = engine.ToolCalls(m, genToolCall)
	return nil
}

// part translates a text or image_url part.
func part(pt *llm.ContentPart) gen.ContentPart {
	if pt.Type == llm.PartImageURL {
		u := &gen.ImageURL{Url: pt.ImageURL.URL}
		if pt.ImageURL.Detail != "" {
			d := pt.ImageURL.Detail
			u.Detail = &d
		}
		return gen.ContentPart{Type: gen.ContentPartTypeImageUrl, ImageUrl: u}
	}
	t := pt.Text
	return gen.ContentPart{Type: gen.ContentPartTypeText, Text: &t}
}

// tool is a function tool; Qianfan v2's have no strict flag.
func tool(f engine.Function) gen.Tool {
	return gen.Tool{Type: gen.ToolTypeFunction, Function: gen.FunctionDefinition{Name: f.Name, Description: f.Description, Parameters: f.Parameters}}
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
