package wenxin

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/jsonx"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// encodeBody encodes the request as wire.EncodeBody does, with appendRequest in
// place of json.Marshal when there is no ExtraBody to merge.
func encodeBody(req *llm.ChatRequest, out *gen.ChatRequest) ([]byte, error) {
	return wire.EncodeBodyWith(Name, req.Model, out, req.ExtraBody, sizeHint(out), func(b []byte) ([]byte, bool) { return appendRequest(b, out) })
}

// sizeHint estimates the size of r's JSON.
func sizeHint(r *gen.ChatRequest) int {
	n := 0
	if r.System != nil {
		n += len(*r.System)
	}
	for i := range r.Messages {
		n += len(r.Messages[i].Content)
	}
	return wire.SizeHint(n, len(r.Messages), r.Stop)
}

// appendRequest appends r as json.Marshal would write it — the same bytes, the
// members in the generated struct's order — without reflection; the rarely used
// nested values (tools, tool choice, response format…) go through json.Marshal,
// and message contents, generated unions, are written as their MarshalJSON
// returns them instead of being compacted again. It reports false when
// json.Marshal must be used instead (it would fail). The tests check the output
// against json.Marshal for every field of the generated type.
func appendRequest(b []byte, r *gen.ChatRequest) ([]byte, bool) {
	w := jsonx.Writer{B: b}
	w.Open()
	if r.DisableSearch != nil {
		w.Key("disable_search")
		w.Bool(*r.DisableSearch)
	}
	if r.EnableCitation != nil {
		w.Key("enable_citation")
		w.Bool(*r.EnableCitation)
	}
	if r.EnableTrace != nil {
		w.Key("enable_trace")
		w.Bool(*r.EnableTrace)
	}
	if len(r.Functions) > 0 {
		w.Key("functions")
		w.Marshal(r.Functions)
	}
	if r.MaxOutputTokens != nil {
		w.Key("max_output_tokens")
		w.Int(int64(*r.MaxOutputTokens))
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
	if r.PenaltyScore != nil {
		w.Key("penalty_score")
		w.Float(*r.PenaltyScore)
	}
	if r.ResponseFormat != nil {
		w.Key("response_format")
		w.String(string(*r.ResponseFormat))
	}
	if len(r.Stop) > 0 {
		w.Key("stop")
		w.Strings(r.Stop)
	}
	if r.Stream != nil {
		w.Key("stream")
		w.Bool(*r.Stream)
	}
	if r.System != nil {
		w.Key("system")
		w.String(string(*r.System))
	}
	if r.Temperature != nil {
		w.Key("temperature")
		w.Float(*r.Temperature)
	}
	if r.ToolChoice != nil {
		w.Key("tool_choice")
		w.Marshal(r.ToolChoice)
	}
	if r.TopP != nil {
		w.Key("top_p")
		w.Float(*r.TopP)
	}
	if r.UserId != nil {
		w.Key("user_id")
		w.String(string(*r.UserId))
	}
	w.Close()
	return w.B, !w.Failed
}

var null = []byte("null")

func appendMessage(w *jsonx.Writer, m *gen.Message) {
	w.Open()
	w.Key("content")
	w.String(m.Content)
	if m.FunctionCall != nil {
		w.Key("function_call")
		w.Marshal(m.FunctionCall)
	}
	if m.Name != nil {
		w.Key("name")
		w.String(*m.Name)
	}
	w.Key("role")
	w.String(string(m.Role))
	w.Close()
}
