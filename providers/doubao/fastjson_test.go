package doubao

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"

	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/wiretest"
)

// appendRequest writes json.Marshal's bytes for every field of the generated
// request: a field added to the spec and not to appendRequest fails here.
func TestAppendRequestMatchesMarshal(t *testing.T) {
	wiretest.CheckEncoder[gen.ChatCompletionRequest](t, appendRequest, unionHooks, 500)
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
