package wenxin

import (
	"strings"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/llm"
)

// ZeroTemperature is what temperature 0 is sent as. Wenxin accepts temperature in
// (0, 1] and rejects 0; a caller asking for 0 wants "as deterministic as possible",
// so harbor sends a positive value small enough that sampling is effectively
// greedy. Baidu documents no lower bound other than "> 0", so the value is a choice,
// not a documented minimum: if the vendor ever rejects it, override it per call with
// ExtraBody{"temperature": 0.01}.
const ZeroTemperature = 0.0001

// encode checks req against Wenxin's rules (rules.go) and returns the endpoint
// and the JSON body.
func (p *Provider) encode(req *llm.ChatRequest, stream bool) (string, []byte, error) {
	if err := engine.Check(p, req, rules[:]); err != nil {
		return "", nil, err
	}
	ep, err := p.endpoint(req.Model)
	if err != nil {
		return "", nil, err
	}
	out := gen.ChatRequest{TopP: req.TopP.Ptr(), Stop: req.Stop, MaxOutputTokens: outputLimit(req).Ptr()}
	if v, ok := req.Temperature.Get(); ok {
		if v == 0 {
			v = ZeroTemperature
		}
		out.Temperature = &v
	}
	if rf := req.ResponseFormat; rf != nil {
		f := gen.ChatRequestResponseFormat(rf.Type)
		out.ResponseFormat = &f
	}
	if req.User != "" {
		u := req.User
		out.UserId = &u
	}
	if ws := req.WebSearch; ws != nil {
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
	out.System, out.Messages = messages(req)
	if out.Functions, out.ToolChoice, err = functions(req); err != nil {
		return "", nil, err
	}
	body, err := encodeBody(req, &out)
	if err != nil {
		return "", nil, err
	}
	return ep, body, nil
}

// messages moves leading system messages to the top-level system field, and
// sends a tool result as role function named after the called function
// (turnOrder has checked the turns).
func messages(req *llm.ChatRequest) (*string, []gen.Message) {
	msgs := req.Messages
	first := leadingSystem(msgs)
	var sys *string
	if first > 0 {
		system := make([]string, first)
		for i := range system {
			system[i] = msgs[i].Text()
		}
		s := strings.Join(system, "\n")
		sys = &s
	}
	out := make([]gen.Message, len(msgs)-first)
	for i := first; i < len(msgs); i++ {
		m := &msgs[i]
		g := &out[i-first]
		g.Content = m.Text()
		switch m.Role {
		case llm.RoleUser:
			g.Role = gen.MessageRoleUser
		case llm.RoleAssistant:
			g.Role = gen.MessageRoleAssistant
			if len(m.ToolCalls) == 1 {
				tc := &m.ToolCalls[0]
				fc := &gen.FunctionCall{Name: tc.Function.Name, Arguments: tc.Function.Arguments}
				if m.ReasoningContent != "" {
					th := m.ReasoningContent
					fc.Thoughts = &th
				}
				g.FunctionCall = fc
			}
		case llm.RoleTool:
			name := msgs[i-1].ToolCalls[0].Function.Name
			g.Role, g.Name = gen.MessageRoleFunction, &name
		}
	}
	return sys, out
}

// functions maps tools to Wenxin's functions and tool_choice to its forced-function
// object. "none" is honoured by not offering the functions at all; "required" means
// the one function (requiredChoice has checked there is exactly one).
func functions(req *llm.ChatRequest) ([]gen.Function, *gen.ToolChoice, error) {
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
			forced = req.Tools[0].Function.Name
		}
	}
	fns, err := engine.Tools(Name, req, function)
	if err != nil || forced == "" {
		return fns, nil, err
	}
	choice := &gen.ToolChoice{Type: gen.ToolChoiceTypeFunction}
	choice.Function.Name = forced
	return fns, choice, nil
}

// function is a tool as Wenxin's function; it has no strict flag.
func function(f engine.Function) gen.Function {
	return gen.Function{Name: f.Name, Description: f.Description, Parameters: f.Parameters}
}
