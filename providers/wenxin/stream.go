package wenxin

import (
	"encoding/json"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/llm"
)

// chunkDecoder turns Wenxin's stream events into OpenAI-shaped chunks. Every event
// is a whole ChatResponse ("object":"chat.completion", cumulative usage, its own
// piece of text in result); the one with is_end:true is the last — no [DONE] follows,
// so it returns last=true and wire.Stream ends there. One decoder serves one stream.
type chunkDecoder struct {
	model     string
	requestID string
	secrets   []string
	usage     *gen.Usage // the latest cumulative usage, in case the last event lacks it
	started   bool       // the role has been sent
	called    bool       // a function_call was streamed
	fast      fastDecoder
	store     [2]gen.Usage // where fast-decoded usage goes, alternately: usage may point to the other
	n         int
}

func (d *chunkDecoder) decode(data []byte) (llm.Chunk, bool, error) {
	var ev gen.ChatResponse
	d.n++
	if !d.fast.decode(data, &ev, &d.store[d.n%2]) {
		ev = gen.ChatResponse{}
		if err := json.Unmarshal(data, &ev); err != nil {
			return llm.Chunk{}, false, err
		}
	}
	if ev.ErrorCode != 0 {
		// Part of the answer may be with the caller already: not retryable as is.
		e := codeError(d.model, &ev, d.requestID, d.secrets...)
		e.Transient = false
		return llm.Chunk{}, true, e
	}
	delta := llm.Delta{Content: ev.Result}
	if !d.started {
		delta.Role, d.started = llm.RoleAssistant, true
	}
	if fc := ev.FunctionCall; fc != nil {
		d.called = true
		tc := toolCall(ev.Id, fc)
		delta.ToolCalls = []llm.ToolCallDelta{{Index: 0, ID: tc.ID, Type: tc.Type,
			Function: llm.FunctionCallDelta{Name: fc.Name, Arguments: fc.Arguments}}}
		if fc.Thoughts != nil {
			delta.ReasoningContent = *fc.Thoughts
		}
	}
	c := llm.Chunk{
		ID:      ev.Id,
		Object:  "chat.completion.chunk",
		Created: ev.Created,
		Model:   d.model,
		Choices: []llm.ChunkChoice{{Index: 0, Delta: delta}},
	}
	if ev.Usage != nil {
		d.usage = ev.Usage
	}
	if ev.IsEnd {
		c.Choices[0].FinishReason = finishReason(&ev)
		if d.called && c.Choices[0].FinishReason == llm.FinishReasonStop {
			c.Choices[0].FinishReason = llm.FinishReasonToolCalls
		}
		if d.usage != nil {
			u := usage(d.usage)
			c.Usage = &u
		}
	}
	return c, ev.IsEnd, nil
}
