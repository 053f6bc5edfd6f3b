package qianfan

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// encodeBody encodes the request as wire.EncodeBodyWith does, with the generated
// AppendJSON (generated/…/fast_gen.go) in place of json.Marshal when there is no ExtraBody to merge.
func encodeBody(req *llm.ChatRequest, out *gen.ChatCompletionRequest) ([]byte, error) {
	return wire.EncodeBodyWith(Name, req.Model, out, req.ExtraBody, sizeHint(out), out.AppendJSON)
}

// sizeHint estimates the size of r's JSON.
func sizeHint(r *gen.ChatCompletionRequest) int {
	n := 0
	for i := range r.Messages {
		m := &r.Messages[i]
		if m.Content != nil {
			b, _ := m.Content.MarshalJSON()
			n += len(b)
		}
		if m.ReasoningContent != nil {
			n += len(*m.ReasoningContent)
		}
	}
	return wire.SizeHint(n, len(r.Messages), r.Stop)
}
