package engine

import (
	"encoding/json"
	"net/http"

	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Completions is a Spec.Decode: the generated hot path (the ReadReply of *C) reads
// what it can and fast converts it; anything else is read into the vendor's
// generated completion type C (fastreply.Unmarshal) and converted by slow (see
// fastreply.DecodeCompletion).
func Completions[C any, PC fastreply.Generated[C]](fast func(*fastreply.Reply) *llm.ChatCompletion,
	slow func(*C) *llm.ChatCompletion) func(provider, model string, resp *http.Response, refine Refiner, secrets ...string) (*llm.ChatCompletion, error) {
	schema := new(fastreply.LazySchema[C])
	return func(provider, model string, resp *http.Response, refine Refiner, secrets ...string) (*llm.ChatCompletion, error) {
		return fastreply.DecodeCompletion[C, PC](provider, model, resp, schema.Get("message"), fast, slow, refine, secrets...)
	}
}

// Chunks is a Spec.Chunks: each stream's events are read by the generated hot path
// (the ReadReply of *K) and converted by fast, or, for what it does not read (tool
// calls, logprobs…), read into the vendor's generated chunk type K and converted
// by slow. wire.Stream does the rest: `data: [DONE]` ends the stream, comments and
// blank lines are skipped, an error event ends it with that error.
func Chunks[K any, PK fastreply.Generated[K]](fast func(*fastreply.Reply) llm.Chunk, slow func(*K) llm.Chunk) func(model string) wire.ChunkDecoder {
	schema := new(fastreply.LazySchema[K])
	decode := func(data []byte) (llm.Chunk, bool, error) {
		var c K
		if err := fastreply.Unmarshal[K, PK](data, &c); err != nil {
			return llm.Chunk{}, false, err
		}
		return slow(&c), false, nil
	}
	return func(model string) wire.ChunkDecoder {
		return fastreply.Chunks(schema.Get("delta"), model, fast, decode)
	}
}

// Models is a Spec.Models: the body's "data" read into the vendor's generated
// model type M, each converted by model.
func Models[M any](model func(*M) llm.Model) func(body []byte) ([]llm.Model, error) {
	return func(body []byte) ([]llm.Model, error) {
		var list struct {
			Data []M `json:"data"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, err
		}
		out := make([]llm.Model, len(list.Data))
		for i := range list.Data {
			out[i] = model(&list.Data[i])
		}
		return out, nil
	}
}

// Each converts every element of s with f; nil when s is empty.
func Each[S, T any](s []S, f func(*S) T) []T {
	if len(s) == 0 {
		return nil
	}
	out := make([]T, len(s))
	for i := range s {
		out[i] = f(&s[i])
	}
	return out
}

// Str is *p, or "" for nil: a generated optional string or string enum.
func Str[S ~string](p *S) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// Answer is an answer's message: the assistant's content, reasoning and tool calls.
func Answer(content, reasoning *string, toolCalls []llm.ToolCall) llm.Message {
	return llm.Message{Role: llm.RoleAssistant, Content: Str(content), ReasoningContent: Str(reasoning), ToolCalls: toolCalls}
}
