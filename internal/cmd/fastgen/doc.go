// Command fastgen writes the fast path of one generated vendor package: a
// fast_gen.go beside the oapi-codegen output with, for each request type named by
// -encode, an AppendJSON method that writes json.Marshal's exact bytes without
// reflection, and for each answer type named by -decode, a DecodeJSON method that
// reads a document the way json.Unmarshal would, or reports that it cannot (the
// caller then uses json.Unmarshal, whose result and error stand).
//
// It reads the Go types oapi-codegen wrote (the *.gen.go files of -dir, parsed, not
// compiled), so a field added to a spec is encoded and decoded after
// `go generate ./...` with no hand edit. It is run by a //go:generate line in the
// module's generate.go, after oapi-codegen:
//
//	go run ./internal/cmd/fastgen -dir generated/deepseek -encode ChatCompletionRequest -decode ChatCompletion,ChatCompletionChunk
//
// Values it has no plain rule for — maps, interfaces, json.RawMessage, types with
// their own MarshalJSON/UnmarshalJSON such as oapi-codegen's unions — are left to
// encoding/json, value by value.
//
// With -reply, the OpenAI-shaped answer types also get a ReadReply that reads
// what harbor reports straight into a fastreply.Reply (package fastreply holds
// its runtime). -in and -out let it write test readers for types of a test file
// (internal/fastreply's reply_gen_test.go).
package main
