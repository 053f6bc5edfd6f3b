package llm

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One case per rule of Validate (and per branch that names a different
// parameter), each breaking exactly that rule of an otherwise valid request.
func TestValidateRules(t *testing.T) {
	valid := func() *ChatRequest {
		return &ChatRequest{Model: "m", Messages: []Message{UserMessage("hi")},
			Tools: []Tool{FunctionTool("f", "", nil)}}
	}
	require.NoError(t, valid().Validate())
	cases := []struct {
		name, param string
		edit        func(*ChatRequest)
	}{
		{"model", "model", func(r *ChatRequest) { r.Model = "" }},
		{"no messages", "messages", func(r *ChatRequest) { r.Messages = nil }},
		{"zero message", "messages", func(r *ChatRequest) { r.Messages = []Message{{}} }},
		{"unknown role", "messages", func(r *ChatRequest) { r.Messages[0].Role = "robot" }},
		{"tool without id", "messages", func(r *ChatRequest) { r.Messages = []Message{{Role: RoleTool, Content: "x"}} }},
		{"user tool calls", "messages", func(r *ChatRequest) { r.Messages[0].ToolCalls = []ToolCall{{ID: "1"}} }},
		{"tool call without name", "messages", func(r *ChatRequest) {
			r.Messages = append(r.Messages, Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "1"}}})
		}},
		{"image without url", "messages", func(r *ChatRequest) { r.Messages[0].Parts = []ContentPart{{Type: PartImageURL}} }},
		{"unknown part", "messages", func(r *ChatRequest) { r.Messages[0].Parts = []ContentPart{{Type: "hologram"}} }},
		{"temperature", "temperature", func(r *ChatRequest) { r.Temperature = Some(2.5) }},
		{"temperature NaN", "temperature", func(r *ChatRequest) { r.Temperature = Some(math.NaN()) }},
		{"top_p", "top_p", func(r *ChatRequest) { r.TopP = Some(-0.1) }},
		{"frequency_penalty", "frequency_penalty", func(r *ChatRequest) { r.FrequencyPenalty = Some(3.0) }},
		{"presence_penalty", "presence_penalty", func(r *ChatRequest) { r.PresencePenalty = Some(-3.0) }},
		{"max_tokens", "max_tokens", func(r *ChatRequest) { r.MaxTokens = Some(0) }},
		{"max_completion_tokens", "max_completion_tokens", func(r *ChatRequest) { r.MaxCompletionTokens = Some(-1) }},
		{"n", "n", func(r *ChatRequest) { r.N = Some(0) }},
		{"top_logprobs", "top_logprobs", func(r *ChatRequest) { r.TopLogprobs = Some(21) }},
		{"tool type", "tools", func(r *ChatRequest) { r.Tools[0].Type = "retrieval" }},
		{"tool name", "tools", func(r *ChatRequest) { r.Tools[0].Function.Name = "" }},
		{"tool_choice function", "tool_choice", func(r *ChatRequest) { r.ToolChoice = &ToolChoice{Function: "g"} }},
		{"tool_choice mode", "tool_choice", func(r *ChatRequest) { r.ToolChoice = &ToolChoice{Mode: "sometimes"} }},
		{"response_format type", "response_format", func(r *ChatRequest) { r.ResponseFormat = &ResponseFormat{Type: "yaml"} }},
		{"json_schema name", "response_format", func(r *ChatRequest) { r.ResponseFormat = &ResponseFormat{Type: "json_schema"} }},
		{"thinking", "thinking", func(r *ChatRequest) { r.Thinking = &Thinking{Type: "maybe"} }},
	}
	for _, tc := range cases {
		r := valid()
		tc.edit(r)
		err := r.Validate()
		require.ErrorIs(t, err, ErrInvalidRequest, tc.name)
		var e *Error
		require.ErrorAs(t, err, &e, tc.name)
		assert.Equal(t, tc.param, e.Param, tc.name)
	}
}

func TestValidateAllocatesNothing(t *testing.T) {
	r := &ChatRequest{Model: "m", Messages: []Message{SystemMessage("s"), UserMessage("hi")},
		Temperature: Some(0.0), MaxTokens: Some(10), Tools: []Tool{FunctionTool("f", "", nil)},
		ToolChoice: &ToolChoice{Function: "f"}}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = r.Validate() }))
}
