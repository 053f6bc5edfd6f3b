package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/llm"
)

const weatherTools = `"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]`

// secondTurn is the tool turn a client sends back without the reasoning that
// came with the tool call, as openai-go's ToParam does.
func secondTurn(call llm.ToolCall) string {
	tc, _ := json.Marshal([]llm.ToolCall{call})
	return `{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"weather in Paris"},` +
		`{"role":"assistant","content":null,"tool_calls":` + string(tc) + `},` +
		`{"role":"tool","tool_call_id":"` + call.ID + `","content":"sunny"}],` + weatherTools + `}`
}

// DeepSeek's thinking mode refuses a tool turn without its reasoning; the
// gateway puts back the reasoning it answered the tool call with, for plain
// and streamed answers.
func TestReasoningRestoredOnToolTurns(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	c.badRequests = true // the control turn below is refused on purpose

	// Control: a tool turn the gateway never answered is refused by the vendor.
	res, body := c.chat(secondTurn(llm.ToolCall{ID: "call_unknown", Type: "function", Function: llm.FunctionCall{Name: "weather", Arguments: `{"query":"x"}`}}))
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", body)
	assert.Contains(t, string(body), "reasoning_content")

	// A plain answer's tool call.
	res, body = c.chat(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"weather in Paris"}],` + weatherTools + `}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var cc llm.ChatCompletion
	require.NoError(t, json.Unmarshal(body, &cc))
	msg := cc.Choices[0].Message
	require.NotEmpty(t, msg.ReasoningContent, "thinking mode: the answer carries reasoning")
	require.Len(t, msg.ToolCalls, 1)
	res, body = c.chat(secondTurn(msg.ToolCalls[0]))
	assert.Equal(t, http.StatusOK, res.StatusCode, "the dropped reasoning was put back: %s", body)

	// A streamed answer's tool call.
	res, body = c.chat(`{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"weather in Paris"}],` + weatherTools + `}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var call llm.ToolCall
	for _, line := range strings.Split(string(body), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ch llm.Chunk
		require.NoError(t, json.Unmarshal([]byte(data), &ch))
		for _, c := range ch.Choices {
			for _, tc := range c.Delta.ToolCalls {
				if tc.ID != "" {
					call.ID, call.Type, call.Function.Name = tc.ID, "function", tc.Function.Name
				}
				call.Function.Arguments += tc.Function.Arguments
			}
		}
	}
	require.NotEmpty(t, call.ID)
	res, body = c.chat(secondTurn(call))
	assert.Equal(t, http.StatusOK, res.StatusCode, "the streamed turn's reasoning was put back: %s", body)
}
