package deepseek

import (
	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// encodeBody encodes the request as wire.EncodeBody does, with appendRequest in
// place of json.Marshal when there is no ExtraBody to merge.
func encodeBody(req *llm.ChatRequest, out *gen.ChatCompletionRequest) ([]byte, error) {
	return wire.EncodeBodyWith(Name, req.Model, out, req.ExtraBody, sizeHint(out), func(b []byte) ([]byte, bool) { return appendRequest(b, out) })
}

// sizeHint estimates the size of r's JSON.
func sizeHint(r *gen.ChatCompletionRequest) int {
	n := 0
	for i := range r.Messages {
		m := &r.Messages[i]
		if m.Content != nil {
			n += len(*m.Content)
		}
		if m.ReasoningContent != nil {
			n += len(*m.ReasoningContent)
		}
	}
	return wire.SizeHint(n, len(r.Messages), r.Stop)
}

// appendRequest appends r as json.Marshal would write it — the same bytes, the
// members in the generated struct's order — without reflection; the rarely used
// nested values (tools, tool choice, response format) go through json.Marshal. It
// reports false when json.Marshal must be used instead (it would fail). The tests
// check the output against json.Marshal for every field of the generated type.
func appendRequest(b []byte, r *gen.ChatCompletionRequest) ([]byte, bool) {
	w := jsonx.Writer{B: b}
	w.Open()
	if r.FrequencyPenalty != nil {
		w.Key("frequency_penalty")
		w.Float(*r.FrequencyPenalty)
	}
	if r.Logprobs != nil {
		w.Key("logprobs")
		w.Bool(*r.Logprobs)
	}
	if r.MaxTokens != nil {
		w.Key("max_tokens")
		w.Int(int64(*r.MaxTokens))
	}
	w.Key("messages")
	if r.Messages == nil {
		w.Raw(null)
	} else {
		w.OpenArray()
		for i := range r.Messages {
			w.Elem()
			appendMessage(&w, &r.Messages[i])
		}
		w.CloseArray()
	}
	w.Key("model")
	w.String(r.Model)
	if r.PresencePenalty != nil {
		w.Key("presence_penalty")
		w.Float(*r.PresencePenalty)
	}
	if r.ReasoningEffort != nil {
		w.Key("reasoning_effort")
		w.String(string(*r.ReasoningEffort))
	}
	if r.ResponseFormat != nil {
		w.Key("response_format")
		w.Marshal(r.ResponseFormat)
	}
	if len(r.Stop) > 0 {
		w.Key("stop")
		w.Strings(r.Stop)
	}
	if r.Stream != nil {
		w.Key("stream")
		w.Bool(*r.Stream)
	}
	if o := r.StreamOptions; o != nil {
		w.Key("stream_options")
		w.Open()
		if o.IncludeUsage != nil {
			w.Key("include_usage")
			w.Bool(*o.IncludeUsage)
		}
		w.Close()
	}
	if r.Temperature != nil {
		w.Key("temperature")
		w.Float(*r.Temperature)
	}
	if t := r.Thinking; t != nil {
		w.Key("thinking")
		w.Open()
		w.Key("type")
		w.String(string(t.Type))
		w.Close()
	}
	if r.ToolChoice != nil {
		w.Key("tool_choice")
		w.Marshal(r.ToolChoice)
	}
	if len(r.Tools) > 0 {
		w.Key("tools")
		w.Marshal(r.Tools)
	}
	if r.TopLogprobs != nil {
		w.Key("top_logprobs")
		w.Int(int64(*r.TopLogprobs))
	}
	if r.TopP != nil {
		w.Key("top_p")
		w.Float(*r.TopP)
	}
	if r.UserId != nil {
		w.Key("user_id")
		w.String(*r.UserId)
	}
	w.Close()
	return w.B, !w.Failed
}

var null = []byte("null")

func appendMessage(w *jsonx.Writer, m *gen.Message) {
	w.Open()
	if m.Content != nil {
		w.Key("content")
		w.String(*m.Content)
	}
	if m.Name != nil {
		w.Key("name")
		w.String(*m.Name)
	}
	if m.Prefix != nil {
		w.Key("prefix")
		w.Bool(*m.Prefix)
	}
	if m.ReasoningContent != nil {
		w.Key("reasoning_content")
		w.String(*m.ReasoningContent)
	}
	w.Key("role")
	w.String(string(m.Role))
	if m.ToolCallId != nil {
		w.Key("tool_call_id")
		w.String(*m.ToolCallId)
	}
	if len(m.ToolCalls) > 0 {
		w.Key("tool_calls")
		w.Marshal(m.ToolCalls)
	}
	w.Close()
}
