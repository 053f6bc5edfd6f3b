package wenxin

import (
	"hash/fnv"
	"strconv"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/llm"
)

// fromResponse maps Wenxin's answer (no choices, no model: the text is in result) to
// a one-choice completion for model.
func fromResponse(r *gen.ChatResponse, model string) *llm.ChatCompletion {
	msg := llm.Message{Role: llm.RoleAssistant, Content: r.Result}
	if fc := r.FunctionCall; fc != nil {
		msg.ToolCalls = []llm.ToolCall{toolCall(r.Id, fc)}
		if fc.Thoughts != nil {
			msg.ReasoningContent = *fc.Thoughts
		}
	}
	out := &llm.ChatCompletion{
		ID:       r.Id,
		Object:   "chat.completion",
		Created:  r.Created,
		Model:    model,
		Choices:  []llm.Choice{{Index: 0, Message: msg, FinishReason: finishReason(r)}},
		Provider: Name,
	}
	if r.Usage != nil {
		out.Usage = usage(r.Usage)
	}
	if si := r.SearchInfo; si != nil && len(si.SearchResults) > 0 {
		out.SearchResults = make([]llm.SearchResult, len(si.SearchResults))
		for i, s := range si.SearchResults {
			out.SearchResults[i] = llm.SearchResult{Index: s.Index, URL: s.Url, Title: s.Title}
		}
	}
	return out
}

// finishReason maps Wenxin's finish_reason to OpenAI's: "normal" is "stop"; a
// function call is "tool_calls", since harbor presents it as a tool call; an answer
// flagged need_clear_history (the input was judged unsafe and result is a canned
// refusal) is "content_filter".
func finishReason(r *gen.ChatResponse) string {
	switch {
	case r.FunctionCall != nil:
		return llm.FinishReasonToolCalls
	case r.NeedClearHistory && (r.FinishReason == gen.ChatResponseFinishReasonNormal || r.FinishReason == ""):
		return llm.FinishReasonContentFilter
	case r.FinishReason == gen.ChatResponseFinishReasonNormal || r.FinishReason == "":
		return llm.FinishReasonStop
	case r.FinishReason == gen.ChatResponseFinishReasonFunctionCall:
		return llm.FinishReasonToolCalls
	}
	return string(r.FinishReason)
}

// toolCall turns Wenxin's function_call into a tool call. Wenxin gives calls no id,
// so one is derived from the answer id (or, without one, from the call itself): the
// same answer always yields the same id, and the tool result that quotes it maps back
// to the function role.
func toolCall(answerID string, fc *gen.FunctionCall) llm.ToolCall {
	id := answerID
	if id == "" {
		h := fnv.New64a()
		h.Write([]byte(fc.Name))
		h.Write([]byte{0})
		h.Write([]byte(fc.Arguments))
		id = strconv.FormatUint(h.Sum64(), 36)
	}
	return llm.ToolCall{ID: "call_" + id, Type: "function", Function: llm.FunctionCall{Name: fc.Name, Arguments: fc.Arguments}}
}

func usage(u *gen.Usage) llm.Usage {
	return llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}
