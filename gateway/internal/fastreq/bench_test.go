package fastreq_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/harborai/harbor-go/gateway/internal/fastreq"
	"github.com/harborai/harbor-go/gateway/wire"
)

// BenchmarkDecode is Decode on the requests of testdata; BenchmarkUnmarshal
// is json.Unmarshal, which it stands in for, on the same bytes.
func BenchmarkDecode(b *testing.B) {
	benchFiles(b, func(data []byte, r *wire.ChatCompletionRequest) bool { return fastreq.Decode(data, r) })
}

func BenchmarkUnmarshal(b *testing.B) {
	benchFiles(b, func(data []byte, r *wire.ChatCompletionRequest) bool { return json.Unmarshal(data, r) == nil })
}

func benchFiles(b *testing.B, decode func([]byte, *wire.ChatCompletionRequest) bool) {
	for _, name := range testdataFiles(b) {
		data, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name[len("testdata/"):len(name)-len(".json")], func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var r wire.ChatCompletionRequest
				if !decode(data, &r) {
					b.Fatal("gave up")
				}
			}
		})
	}
}
