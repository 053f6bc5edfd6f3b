package qianfan

import (
	"encoding/json"
	"testing"

	gen "github.com/harborai/harbor-go/generated/qianfanv2"
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

// benchRequest is the benchmarks' request (benchmarks/scenarios.go) as encode
// builds it: the contents are generated unions, which json.Marshal compacts again.
func benchRequest() *gen.ChatCompletionRequest {
	temp, maxTokens := 0.7, 256
	msgs := make([]gen.Message, 2)
	for i, m := range []struct{ role, text string }{
		{"system", "You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."},
		{"user", "My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"},
	} {
		msgs[i].Role = gen.MessageRole(m.role)
		msgs[i].Content = new(gen.MessageContent)
		_ = msgs[i].Content.FromMessageContent0(m.text)
	}
	return &gen.ChatCompletionRequest{Model: "ernie-4.5-turbo-128k", Messages: msgs, Temperature: &temp, MaxCompletionTokens: &maxTokens}
}

// BenchmarkAppendRequest is the generated encoder on the benchmarks' request;
// BenchmarkMarshalRequest is json.Marshal, which it replaces, on the same value.
func BenchmarkAppendRequest(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.AppendJSON(make([]byte, 0, sizeHint(r))); !ok {
			b.Fatal("encoder gave up")
		}
	}
}

func BenchmarkMarshalRequest(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(r); err != nil {
			b.Fatal(err)
		}
	}
}
