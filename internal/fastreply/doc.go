// Package fastreply is the fast decoder of vendor answers, the hot path of every
// OpenAI-shaped provider. It has three parts:
//
//   - what the generated code calls: Reply (harbor's view of an OpenAI-shaped chat
//     answer — a whole completion or one stream chunk — with only the fields harbor
//     reports) and Decoder, whose helpers each vendor's generated ReadReply
//     (internal/cmd/fastgen, generated/<vendor>/fast_gen.go) calls to read an answer
//     without reflection and without the generated types' pointers (reply.go);
//   - Reply's conversion to harbor's llm types in as few allocations as possible
//     (convert.go);
//   - the glue to an HTTP answer: Schema and LazySchema (a generated type's reader,
//     made on first use), DecodeCompletion (a whole answer: the fast reader, else
//     the generated type through its generated DecodeJSON, else encoding/json — see
//     Unmarshal) and Chunks (one stream's wire.ChunkDecoder) (schema.go, lazy.go,
//     decode.go).
//
// The glue lives here rather than in package wire so that one package holds the
// whole fast path and its differential tests (the generated test readers in
// reply_gen_test.go: see generate.go), and wire stays free of answer shapes: it
// reads bytes and SSE events and does not know what a choice is. Whatever the fast
// reader does not read exactly as encoding/json would, it gives up on, and the
// generated types decide.
//
// It is not for encoding requests (each generated type's AppendJSON and package
// wire's body helpers) nor for building errors (package vendorerr), and it holds no
// vendor rule: a provider's conversions and quirks stay in the provider.
package fastreply
