package harbor_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// On every vendor, a streamed tool call assembled by the Accumulator is the tool
// call Create returns for the same request, and it is reported complete once,
// with arguments that parse.
func TestAccumulatorAssemblesToolCallsOnEveryVendor(t *testing.T) {
	params := map[string]any{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}}}
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			c := m.Client()
			req := hi(m.Model())
			req.Messages[0].Content = "weather in Beijing"
			req.Tools = []harbor.Tool{harbor.FunctionTool("search", "search the web", params)}
			ctx := context.Background()

			want, err := c.Chat.Completions.Create(ctx, req)
			require.NoError(t, err)
			require.NotEmpty(t, want.Choices[0].Message.ToolCalls, "the mock calls the tool")

			s, err := c.Chat.Completions.Stream(ctx, req)
			require.NoError(t, err)
			defer s.Close()
			var acc harbor.Accumulator
			var finished []harbor.ToolCall
			for s.Next() {
				acc.Add(s.Current())
				if tc, ok := acc.JustFinishedToolCall(); ok {
					finished = append(finished, tc)
				}
			}
			require.NoError(t, s.Err())
			got := acc.Completion()
			require.Len(t, got.Choices, 1)
			gotCalls, wantCalls := got.Choices[0].Message.ToolCalls, want.Choices[0].Message.ToolCalls
			require.Len(t, gotCalls, len(wantCalls))
			for i := range wantCalls {
				assert.Equal(t, wantCalls[i].Function.Name, gotCalls[i].Function.Name)
				assert.JSONEq(t, wantCalls[i].Function.Arguments, gotCalls[i].Function.Arguments)
				assert.Equal(t, "function", gotCalls[i].Type)
			}
			assert.Equal(t, want.Choices[0].FinishReason, got.Choices[0].FinishReason)
			require.Len(t, finished, len(wantCalls), "each tool call reported complete once")
			var args map[string]any
			assert.NoError(t, json.Unmarshal([]byte(finished[0].Function.Arguments), &args))
		})
	}
}

// Pieces of several tool calls, interleaved by index, and content before them.
func TestAccumulatorJoinsPiecesByIndex(t *testing.T) {
	chunks := []harbor.Chunk{
		{ID: "c1", Model: "m", Choices: []harbor.ChunkChoice{{Delta: harbor.Delta{Role: "assistant", Content: "Let me "}}}},
		{Choices: []harbor.ChunkChoice{{Delta: harbor.Delta{Content: "check."}}}},
		{Choices: []harbor.ChunkChoice{{Delta: harbor.Delta{ToolCalls: []harbor.ToolCallDelta{{Index: 0, ID: "a", Function: harbor.FunctionCallDelta{Name: "f", Arguments: `{"x":`}}}}}}},
		{Choices: []harbor.ChunkChoice{{Delta: harbor.Delta{ToolCalls: []harbor.ToolCallDelta{{Index: 0, Function: harbor.FunctionCallDelta{Arguments: `1}`}}}}}}},
		{Choices: []harbor.ChunkChoice{{Delta: harbor.Delta{ToolCalls: []harbor.ToolCallDelta{{Index: 1, ID: "b", Function: harbor.FunctionCallDelta{Name: "g", Arguments: `{}`}}}}}}},
		{Choices: []harbor.ChunkChoice{{FinishReason: "tool_calls"}}, Usage: &harbor.Usage{TotalTokens: 9}},
	}
	var acc harbor.Accumulator
	var content []string
	var calls []string
	for _, ch := range chunks {
		acc.Add(ch)
		if s, ok := acc.JustFinishedContent(); ok {
			content = append(content, s)
		}
		for _, tc := range acc.JustFinishedToolCalls() {
			calls = append(calls, tc.ID+":"+tc.Function.Arguments)
		}
	}
	assert.Equal(t, []string{"Let me check."}, content, "content completes when the first tool call begins")
	assert.Equal(t, []string{`a:{"x":1}`, `b:{}`}, calls)
	res := acc.Completion()
	assert.Equal(t, "tool_calls", res.Choices[0].FinishReason)
	assert.Equal(t, 9, res.Usage.TotalTokens)
	assert.Equal(t, "assistant", res.Choices[0].Message.Role)
}
