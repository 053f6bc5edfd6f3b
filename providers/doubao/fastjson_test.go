package doubao

import (
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

// unionHooks fill the generated unions (see wiretest.OpenAIUnionHooks).
var unionHooks = wiretest.OpenAIUnionHooks(
	func(c *gen.MessageContent, s string) error { return c.FromMessageContent0(s) },
	func(c *gen.MessageContent, p []gen.ContentPart) error { return c.FromMessageContent1(p) },
	func(c *gen.ToolChoice, m string) error { return c.FromToolChoice0(gen.ToolChoice0(m)) })
