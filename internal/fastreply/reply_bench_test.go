package fastreply_test

import (
	"encoding/json"
	"testing"

	"github.com/harborai/harbor-go/internal/fastreply"
)

var benchChunk = []byte(`{"id":"541b2f55-44bc-420c-898d-9cee14d2ae2c","object":"chat.completion.chunk","created":1795337894,"model":"deepseek-v4-flash","system_fingerprint":"fp_mock_deepseek","choices":[{"index":0,"delta":{"content":"Hello! "},"logprobs":null,"finish_reason":null}],"usage":null}`)

// BenchmarkDecoderChunk measures the fast path on a typical stream chunk;
// BenchmarkEncodingJSONChunk is encoding/json on the same bytes, into the
// generated-style type the fast path replaces.
func BenchmarkDecoderChunk(b *testing.B) {
	d := fastreply.NewDecoder((*testChunk)(nil).ReadReply, "deepseek-v4-flash")
	var r fastreply.Reply
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !d.Decode(benchChunk, &r) {
			b.Fatal("fast path refused the chunk")
		}
	}
}

func BenchmarkEncodingJSONChunk(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var c testChunk
		if err := json.Unmarshal(benchChunk, &c); err != nil {
			b.Fatal(err)
		}
	}
}
