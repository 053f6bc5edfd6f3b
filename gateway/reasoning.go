package gateway

import (
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/harborai/harbor-go/llm"
)

// reasoningMemo remembers, for a while, the reasoning of answers that called
// tools, by the caller's key and the tool call's id. DeepSeek's thinking mode
// needs an assistant turn with tool calls sent back with its reasoning_content;
// some SDKs drop that field when they turn an answer into the next request's
// message (openai-go's ToParam), and the vendor then refuses the turn. The
// gateway puts it back when the turn comes without it. It is per process (in a
// fleet, a turn that reaches another instance is sent as the caller wrote it),
// scoped to the virtual key that received the answer, and bounded.
type reasoningMemo struct {
	c *otter.Cache[string, string]
}

// Bounds of the memo: the reasoning text it may hold, and for how long.
const (
	reasoningMemoBytes = 32 << 20
	reasoningMemoTTL   = 30 * time.Minute
)

func newReasoningMemo() *reasoningMemo {
	return &reasoningMemo{c: otter.Must(&otter.Options[string, string]{
		MaximumWeight:    reasoningMemoBytes,
		Weigher:          func(k, v string) uint32 { return uint32(min(len(k)+len(v), 1<<31)) },
		ExpiryCalculator: otter.ExpiryCreating[string, string](reasoningMemoTTL),
	})}
}

func memoKey(keyID, toolCallID string) string { return keyID + "\x00" + toolCallID }

// remember keeps the reasoning of every choice of res that called tools.
func (m *reasoningMemo) remember(keyID string, res *llm.ChatCompletion) {
	if m == nil || res == nil {
		return
	}
	for i := range res.Choices {
		msg := &res.Choices[i].Message
		if msg.ReasoningContent == "" {
			continue
		}
		for _, tc := range msg.ToolCalls {
			if tc.ID != "" {
				m.c.Set(memoKey(keyID, tc.ID), msg.ReasoningContent)
			}
		}
	}
}

// restore gives back their reasoning to the request's assistant turns that
// carry tool calls and came without it.
func (m *reasoningMemo) restore(keyID string, req *llm.ChatRequest) {
	if m == nil {
		return
	}
	for i := range req.Messages {
		msg := &req.Messages[i]
		if msg.Role != llm.RoleAssistant || len(msg.ToolCalls) == 0 || msg.ReasoningContent != "" {
			continue
		}
		if rc, ok := m.c.GetIfPresent(memoKey(keyID, msg.ToolCalls[0].ID)); ok {
			msg.ReasoningContent = rc
		}
	}
}

func (m *reasoningMemo) close() {
	if m != nil {
		m.c.StopAllGoroutines()
	}
}

// toolTurn collects, while a stream goes out, what the memo keeps of it: the
// first choice's reasoning and tool call ids. It costs nothing for answers
// without reasoning.
type toolTurn struct {
	off       bool // the request has no tools
	reasoning []byte
	ids       []string
}

func (t *toolTurn) add(c *llm.Chunk) {
	if t.off {
		return
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			continue
		}
		t.reasoning = append(t.reasoning, ch.Delta.ReasoningContent...)
		for _, tc := range ch.Delta.ToolCalls {
			if tc.ID != "" {
				t.ids = append(t.ids, tc.ID)
			}
		}
	}
}

// rememberTurn keeps a streamed answer's reasoning for its tool calls.
func (m *reasoningMemo) rememberTurn(keyID string, t *toolTurn) {
	if m == nil || len(t.ids) == 0 || len(t.reasoning) == 0 {
		return
	}
	rc := string(t.reasoning)
	for _, id := range t.ids {
		m.c.Set(memoKey(keyID, id), rc)
	}
}
