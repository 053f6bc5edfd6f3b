package wenxin

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/jsonx"
)

// fastDecoder reads a Wenxin answer (a whole one, or one stream event) into the
// generated gen.ChatResponse with the generated DecodeJSON (generated/qianfanv1/
// fast_gen.go); decode returns false where that gives up, and the caller uses
// encoding/json. What is Wenxin's own is the reuse: every event of a stream
// repeats the answer id and "chat.completion", which are kept rather than
// allocated again, and usage goes to storage the caller owns. One decoder serves
// one goroutine.
type fastDecoder struct {
	l      jsonx.Lexer
	lastID string
}

// decode reads data into r; usage is where r.Usage points when the answer has one.
func (d *fastDecoder) decode(data []byte, r *gen.ChatResponse, usage *gen.Usage) bool {
	*r = gen.ChatResponse{Id: d.lastID, Object: "chat.completion", Usage: usage}
	if !r.DecodeJSON(&d.l, data) {
		return false
	}
	if r.Id != "" {
		d.lastID = r.Id
	}
	return true
}
