package wenxin

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// encodeBody encodes the request as wire.EncodeBodyWith does, with the generated
// AppendJSON (generated/…/fast_gen.go) in place of json.Marshal when there is no ExtraBody to merge.
func encodeBody(req *llm.ChatRequest, out *gen.ChatRequest) ([]byte, error) {
	return wire.EncodeBodyWith(Name, req.Model, out, req.ExtraBody, sizeHint(out), out.AppendJSON)
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
