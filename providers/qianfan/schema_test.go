package qianfan

import (
	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/wire"
)

// The schemas the engine's decoders use (engine.Completions, engine.Chunks), for
// the fast path's tests.
var (
	testChunks      wire.LazySchema[gen.ChatCompletionChunk]
	testCompletions wire.LazySchema[gen.ChatCompletion]
)

func chunkSchema() *wire.ReplySchema      { return testChunks.Get("delta") }
func completionSchema() *wire.ReplySchema { return testCompletions.Get("message") }
