package qianfan

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

func toolCall(id string) llm.Message {
	return llm.Message{Role: llm.RoleAssistant, ToolCalls: []llm.ToolCall{{ID: id, Type: "function", Function: llm.FunctionCall{Name: "f", Arguments: "{}"}}}}
}

var (
	sys  = llm.SystemMessage("s")
	usr  = llm.UserMessage("u")
	asst = llm.AssistantMessage("a")
)

func TestMessageOrderAccepted(t *testing.T) {
	cases := []struct {
		name  string
		model string
		msgs  []llm.Message
	}{
		{"single user", "ernie-4.0-8k", []llm.Message{usr}},
		{"system then user", "ernie-4.0-8k", []llm.Message{sys, usr}},
		{"multi-turn", "ernie-4.0-8k", []llm.Message{sys, usr, asst, usr, asst, usr}},
		{"tool result last", "ernie-4.0-8k", []llm.Message{usr, toolCall("c1"), llm.ToolMessage("c1", "r")}},
		{"parallel tool results", "ernie-4.0-8k", []llm.Message{usr, toolCall("c1"), llm.ToolMessage("c1", "r"), llm.ToolMessage("c2", "r")}},
		{"tool loop then answer then user", "ernie-4.0-8k", []llm.Message{usr, toolCall("c1"), llm.ToolMessage("c1", "r"), asst, usr}},
		{"chained tool calls", "ernie-4.0-8k", []llm.Message{usr, toolCall("c1"), llm.ToolMessage("c1", "r"), toolCall("c2"), llm.ToolMessage("c2", "r")}},
		{"tool loop then user on ernie 4.5", "ernie-4.5-turbo-128k", []llm.Message{usr, toolCall("c1"), llm.ToolMessage("c1", "r"), usr}},
		{"other hosted model takes tool last", "deepseek-v3", []llm.Message{usr, toolCall("c1"), llm.ToolMessage("c1", "r")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.NoError(t, checkOrder(&llm.ChatRequest{Model: tc.model, Messages: tc.msgs}))
		})
	}
}

// TestRejectedBeforeIO pins every vendor rule checked locally: each request is
// refused with ErrInvalidRequest, a message saying what to do, and no request sent.
func TestRejectedBeforeIO(t *testing.T) {
	req := func(model string, msgs ...llm.Message) *llm.ChatRequest {
		return &llm.ChatRequest{Model: model, Messages: msgs}
	}
	with := func(r *llm.ChatRequest, f func(*llm.ChatRequest)) *llm.ChatRequest { f(r); return r }
	cases := []struct {
		name  string
		req   *llm.ChatRequest
		param string
		msg   string
	}{
		{"first message assistant", req("ernie-4.0-8k", toolCall("c1"), llm.ToolMessage("c1", "r")), "messages", "first message to be user or system"},
		{"first message tool", req("ernie-4.0-8k", llm.ToolMessage("c1", "r"), usr), "messages", "first message to be user or system"},
		{"system alone", req("ernie-4.0-8k", sys), "messages", "add a user message"},
		{"system later", req("ernie-4.0-8k", usr, asst, sys, usr), "messages", "only as the first message"},
		{"two users", req("ernie-4.0-8k", usr, usr), "messages", "two user turns in a row"},
		{"two assistants", req("ernie-4.0-8k", usr, asst, asst, usr), "messages", "two assistant turns in a row"},
		{"assistant last", req("ernie-4.0-8k", usr, asst), "messages", "last message to be user or tool"},
		{"tool calls without results", req("ernie-4.0-8k", usr, toolCall("c1"), usr), "messages", "need their tool results"},
		{"tool calls then assistant", req("ernie-4.0-8k", usr, toolCall("c1"), asst, usr), "messages", "need their tool results"},
		{"stray tool", req("ernie-4.0-8k", usr, asst, llm.ToolMessage("c1", "r")), "messages", "must follow the assistant message"},
		{"ernie 4.5 tool last", req("ernie-4.5-turbo-32k", usr, toolCall("c1"), llm.ToolMessage("c1", "r")), "messages", "last message to be from the user"},
		{"x1 turbo tool last", req("ernie-x1-turbo-32k", usr, toolCall("c1"), llm.ToolMessage("c1", "r")), "messages", "last message to be from the user"},
		{"five stops", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.Stop = []string{"a", "b", "c", "d", "e"} }), "stop", "at most 4"},
		{"long stop", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.Stop = []string{strings.Repeat("停", 21)} }), "stop", "at most 20"},
		{"search_num 0", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) {
			r.WebSearch = &llm.WebSearch{Enable: true, SearchNum: llm.Some(0)}
		}), "web_search", "search_num must be between 1 and 28"},
		{"search_num 29", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) {
			r.WebSearch = &llm.WebSearch{Enable: true, SearchNum: llm.Some(29)}
		}), "web_search", "search_num must be between 1 and 28"},
		{"reference_num 29", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) {
			r.WebSearch = &llm.WebSearch{Enable: true, ReferenceNum: llm.Some(29)}
		}), "web_search", "reference_num must be between 1 and 28"},
		{"blank user message", req("ernie-4.0-8k", llm.UserMessage(" \n")), "messages", "empty user content"},
		{"empty tool result", req("ernie-4.0-8k", usr, toolCall("c1"), llm.ToolMessage("c1", "")), "messages", "empty tool content"},
		{"seed 0", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.Seed = llm.Some[int64](0) }), "seed", "between 1 and 2147483646"},
		{"seed too big", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.Seed = llm.Some[int64](1 << 31) }), "seed", "between 1 and 2147483646"},
		{"n 2", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.N = llm.Some(2) }), "n", "one choice"},
		{"logprobs", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.Logprobs = llm.Some(true) }), "logprobs", "log probabilities"},
		{"thinking", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.Thinking = &llm.Thinking{Type: llm.ThinkingEnabled} }), "thinking", "ExtraBody"},
		{"reasoning effort", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.ReasoningEffort = "high" }), "reasoning_effort", "ExtraBody"},
		{"penalty_score", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) { r.ExtraBody = map[string]any{"penalty_score": 2.5} }), "penalty_score", "between 1.0 and 2.0"},
		{"metadata too big", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) {
			m := map[string]string{}
			for i := range 17 {
				m[strings.Repeat("k", i+1)] = "v"
			}
			r.ExtraBody = map[string]any{"metadata": m}
		}), "metadata", "at most 16"},
		{"metadata not strings", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) {
			r.ExtraBody = map[string]any{"metadata": map[string]any{"n": 1}}
		}), "metadata", "string values"},
		{"video part", req("ernie-4.0-8k", llm.Message{Role: llm.RoleUser, Parts: []llm.ContentPart{{Type: llm.PartVideoURL, VideoURL: &llm.MediaURL{URL: "https://v"}}}}), "messages", "text and image_url parts"},
		{"bad schema", with(userReq("ernie-4.0-8k", "u"), func(r *llm.ChatRequest) {
			r.Tools = []llm.Tool{llm.FunctionTool("f", "", "{not json")}
		}), "tools", "not valid JSON"},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			name := tc.name
			if stream {
				name += "/stream"
			}
			t.Run(name, func(t *testing.T) {
				require.NoError(t, tc.req.Validate(), "harbor's own checks pass; the vendor rule is what fails")
				v := newVendor(t, 200, completionBody, nil)
				p := newProvider(t, v.URL, nil)
				var err error
				if stream {
					_, err = p.ChatStream(context.Background(), tc.req, nil)
				} else {
					_, err = p.Chat(context.Background(), tc.req, nil)
				}
				e := asError(t, err)
				assert.ErrorIs(t, err, llm.ErrInvalidRequest)
				assert.Equal(t, tc.req.Model, e.Model)
				assert.Equal(t, tc.param, e.Param)
				assert.Contains(t, e.Message, tc.msg)
				assert.Empty(t, v.requests(), "no I/O")
			})
		}
	}
}

func TestLooseMessageOrder(t *testing.T) {
	v := newVendor(t, 200, completionBody, nil)
	p := newProvider(t, v.URL, func(c *llm.Config) { c.Options = Options{LooseMessageOrder: true} })
	_, err := p.Chat(context.Background(), &llm.ChatRequest{Model: "ernie-4.5-turbo-32k", Messages: []llm.Message{usr, usr}}, nil)
	require.NoError(t, err)
	assert.Len(t, v.requests(), 1)
}
