package doubao

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// The generated AppendJSON writes json.Marshal's bytes for every field of the
// generated request.
func TestAppendRequestMatchesMarshal(t *testing.T) {
	wiretest.CheckEncoder[gen.ChatCompletionRequest](t, unionHooks, 500)
}

// The generated DecodeJSON reads what json.Unmarshal reads, or gives up.
func TestDecodeJSONMatchesUnmarshal(t *testing.T) {
	wiretest.CheckDecoder[gen.ChatCompletion](t, unionHooks, 300)
	wiretest.CheckDecoder[gen.ChatCompletionChunk](t, unionHooks, 300)
}

// unionHooks fill the generated unions, whose JSON is unexported: contents as
// strings (what harbor sends for text) or parts, tool choices as modes.
var unionHooks = map[reflect.Type]func(*rand.Rand, reflect.Value){
	reflect.TypeFor[gen.MessageContent](): func(r *rand.Rand, v reflect.Value) {
		c := v.Addr().Interface().(*gen.MessageContent)
		if r.IntN(4) == 0 {
			var parts []gen.ContentPart
			_ = json.Unmarshal([]byte(`[{"type":"text","text":"part <text>"}]`), &parts)
			_ = c.FromMessageContent1(parts)
			return
		}
		_ = c.FromMessageContent0([]string{"", "hi", "<b>&\"q\"</b>\n", "中文 😀", "bad \xff", "\u2028"}[r.IntN(6)])
	},
	reflect.TypeFor[gen.ToolChoice](): func(r *rand.Rand, v reflect.Value) {
		_ = v.Addr().Interface().(*gen.ToolChoice).FromToolChoice0(gen.ToolChoice0("auto"))
	},
}
