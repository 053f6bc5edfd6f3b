package deepseek

import (
	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// resolve is the model id and thinking mode sent for r: a retired name's
// stand-in and mode, then r's explicit thinking mode, which wins ("" leaves the
// vendor default, enabled on v4).
func (p *Provider) resolve(r *llm.ChatRequest) (model, thinking string) {
	model, thinking = rewrite(p.aliases, r.Model)
	if t := r.Thinking; t != nil {
		thinking = t.Type
	}
	return model, thinking
}

// encode checks req against DeepSeek's rules (rules.go) and returns the JSON body
// to send.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) ([]byte, error) {
	if err := engine.Check(p, req, rules[:]); err != nil {
		return nil, err
	}
	model, thinking := p.resolve(req)
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
		re := gen.ChatCompletionRequestReasoningEffort(e)
		out.ReasoningEffort = &re
	}
	if rf := req.ResponseFormat; rf != nil {
		out.ResponseFormat = &gen.ResponseFormat{Type: gen.ResponseFormatType(rf.Type)}
	}
	if stream {
		t := true
		out.Stream = &t
		out.StreamOptions = &gen.StreamOptions{IncludeUsage: &t}
	}
	for i := range req.Messages {
		message(&out.Messages[i], &req.Messages[i])
	}
	var err error
	if out.Tools, out.ToolChoice, err = engine.ToolsAndChoice[gen.ToolChoice](Name, req, tool); err != nil {
		return nil, err
	}
	return encodeBody(req, &out)
}

// message translates one turn; its parts are text (textOnly), joined.
func message(g *gen.Message, m *llm.Message) {
	g.Role = gen.MessageRole(m.Role)
	text := m.Text()
	if text != "" || len(m.ToolCalls) == 0 {
		g.Content = &text
	}
	t := engine.TurnOf(m, true)
	g.Name, g.ToolCallId, g.ReasoningContent = t.Name, t.ToolCallID, t.ReasoningContent
	g.ToolCalls = engine.ToolCalls(m, genToolCall)
}

func tool(f engine.Function) gen.Tool {
	return gen.Tool{Type: "function", Function: gen.FunctionDefinition{Name: f.Name, Description: f.Description, Parameters: f.Parameters, Strict: f.Strict}}
}

func genToolCall(id, name, arguments string) gen.ToolCall {
	return gen.ToolCall{Id: id, Type: "function", Function: gen.FunctionCall{Name: name, Arguments: arguments}}
}
