package engine

import (
	"encoding/json"
	"errors"

	"github.com/harborai/harbor-go/llm"
)

// The translations every OpenAI-shaped spec shares: tools, tool_choice and
// response_format's json_schema are declared the same way in each, under each
// generated package's own type names.

// Function is a function tool, ready to copy into the vendor's generated
// FunctionDefinition (a vendor without strict leaves Strict out).
type Function struct {
	Name        string
	Description *string
	Parameters  *json.RawMessage
	Strict      *bool
}

// Tools translates req.Tools with build, which wraps a Function in the vendor's
// generated Tool; nil when there are none. Parameters that are not valid JSON are
// an llm.ErrInvalidRequest of provider.
func Tools[T any](provider string, req *llm.ChatRequest, build func(Function) T) ([]T, error) {
	if len(req.Tools) == 0 {
		return nil, nil
	}
	out := make([]T, len(req.Tools))
	for i := range req.Tools {
		f := &req.Tools[i].Function
		fn := Function{Name: f.Name, Strict: f.Strict.Ptr()}
		if f.Description != "" {
			d := f.Description
			fn.Description = &d
		}
		if f.Parameters != nil {
			raw, err := rawJSON(f.Parameters)
			if err != nil {
				return nil, llm.InvalidRequest(provider, req.Model, "tools", "tools[%d].function.parameters: %v", i, err)
			}
			fn.Parameters = &raw
		}
		out[i] = build(fn)
	}
	return out, nil
}

// namedToolChoice is every spec's NamedToolChoice, members in the generated order.
type namedToolChoice struct {
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
	Type string `json:"type"`
}

// toolChoice translates req.ToolChoice into the vendor's generated union C (a
// mode string, or a named function): the bytes its FromToolChoice0 and
// FromNamedToolChoice would hold. nil when there is none.
func toolChoice[C any, PC interface {
	*C
	UnmarshalJSON([]byte) error
}](provider string, req *llm.ChatRequest) (*C, error) {
	tc := req.ToolChoice
	if tc == nil {
		return nil, nil
	}
	var b []byte
	var err error
	if tc.Function != "" {
		n := namedToolChoice{Type: "function"}
		n.Function.Name = tc.Function
		b, err = json.Marshal(n)
	} else {
		b, err = json.Marshal(tc.Mode)
	}
	out := new(C)
	if err == nil {
		err = PC(out).UnmarshalJSON(b)
	}
	if err != nil {
		return nil, llm.InvalidRequest(provider, req.Model, "tool_choice", "%v", err)
	}
	return out, nil
}

// Schema is response_format.json_schema, ready to copy into the vendor's
// generated type.
type Schema struct {
	Name        string
	Description *string
	Schema      *json.RawMessage
	Strict      *bool
}

// jsonSchema translates req.ResponseFormat's json_schema; nil unless the type is
// json_schema with a schema given. A schema that is not valid JSON is an
// llm.ErrInvalidRequest of provider.
func jsonSchema(provider string, req *llm.ChatRequest) (*Schema, error) {
	rf := req.ResponseFormat
	if rf == nil || rf.Type != "json_schema" || rf.JSONSchema == nil {
		return nil, nil
	}
	s := rf.JSONSchema
	out := &Schema{Name: s.Name, Strict: s.Strict.Ptr()}
	if s.Description != "" {
		d := s.Description
		out.Description = &d
	}
	if len(s.Schema) > 0 {
		raw, err := rawJSON(s.Schema)
		if err != nil {
			return nil, llm.InvalidRequest(provider, req.Model, "response_format", "response_format.json_schema.schema: %v", err)
		}
		out.Schema = &raw
	}
	return out, nil
}

// Turn is what every spec's Message carries besides its content and tool calls,
// as pointers the generated types take (nil: not sent).
type Turn struct {
	Name, ToolCallID, ReasoningContent *string
}

// TurnOf is m's Turn. An assistant's reasoning_content is sent back when reasoning
// is true (a vendor whose API takes it as input).
func TurnOf(m *llm.Message, reasoning bool) Turn {
	var t Turn
	if m.Name != "" {
		name := m.Name
		t.Name = &name
	}
	if m.ToolCallID != "" {
		id := m.ToolCallID
		t.ToolCallID = &id
	}
	if reasoning && m.ReasoningContent != "" && m.Role == llm.RoleAssistant {
		rc := m.ReasoningContent
		t.ReasoningContent = &rc
	}
	return t
}

// ToolCalls translates an assistant turn's tool calls with build, which fills
// the vendor's generated ToolCall; nil when there are none.
func ToolCalls[T any](m *llm.Message, build func(id, name, arguments string) T) []T {
	if len(m.ToolCalls) == 0 {
		return nil
	}
	out := make([]T, len(m.ToolCalls))
	for i := range m.ToolCalls {
		tc := &m.ToolCalls[i]
		out[i] = build(tc.ID, tc.Function.Name, tc.Function.Arguments)
	}
	return out
}

// ResponseFormat translates req.ResponseFormat with build, which fills the
// vendor's generated type from the format's type and its json_schema (nil unless
// the type is json_schema); nil when there is none.
func ResponseFormat[F any](provider string, req *llm.ChatRequest, build func(typ string, s *Schema) F) (*F, error) {
	if req.ResponseFormat == nil {
		return nil, nil
	}
	s, err := jsonSchema(provider, req)
	if err != nil {
		return nil, err
	}
	f := build(req.ResponseFormat.Type, s)
	return &f, nil
}

// ToolsAndChoice is Tools and ToolChoice in one call: the vendor's generated
// tools (built by tool) and tool_choice union C.
func ToolsAndChoice[C any, PC interface {
	*C
	UnmarshalJSON([]byte) error
}, T any](provider string, req *llm.ChatRequest, tool func(Function) T) ([]T, *C, error) {
	tools, err := Tools(provider, req, tool)
	if err != nil {
		return nil, nil, err
	}
	choice, err := toolChoice[C, PC](provider, req)
	if err != nil {
		return nil, nil, err
	}
	return tools, choice, nil
}

// Messages translates each turn of req into msgs (as long as req.Messages) with
// message; its error is an llm.ErrInvalidRequest of provider naming the turn.
func Messages[M any](provider string, req *llm.ChatRequest, msgs []M, message func(g *M, m *llm.Message) error) error {
	for i := range req.Messages {
		if err := message(&msgs[i], &req.Messages[i]); err != nil {
			return llm.InvalidRequest(provider, req.Model, "messages", "messages[%d]: %v", i, err)
		}
	}
	return nil
}

// rawJSON turns a tool's parameters (a Go value, or JSON as json.RawMessage,
// []byte or string) into raw JSON, checking that pre-encoded input is valid.
func rawJSON(v any) (json.RawMessage, error) {
	var b []byte
	switch x := v.(type) {
	case json.RawMessage:
		b = x
	case []byte:
		b = x
	case string:
		b = []byte(x)
	default:
		return json.Marshal(v)
	}
	if !json.Valid(b) {
		return nil, errInvalidJSON
	}
	return json.RawMessage(b), nil
}

var errInvalidJSON = errors.New("not valid JSON")
