// Package harborgo is the module root. It holds no code users import: it anchors the
// //go:generate lines that turn spec/*.yaml into typed clients under generated/, and
// (in tools.go) pins the generator version. Import github.com/harborai/harbor-go/harbor.
//
// Regenerate every client with:
//
//	go generate ./...
//
// spec/harbor.yaml is the other way round: the Harbor API that `harbor serve`
// answers. Its generated package, generated/harborapi, holds the std net/http
// server interface package gateway implements and a typed client for it; its
// schemas are harbor's own types (x-go-type), so nothing is declared twice.
//
// The generator runs through `go run` at the version go.mod pins, so the output is the
// same on every machine; CI fails if it leaves a diff.
//
// After oapi-codegen, internal/cmd/fastgen reads the generated types and writes each
// package's fast_gen.go: AppendJSON for the request (json.Marshal's bytes without
// reflection) and DecodeJSON for the answers (json.Unmarshal's result, or false), and
// for the OpenAI-shaped answers ReadReply, which reads what harbor reports straight
// into fastreply.Reply; so that a field added to a spec is sent and read with no hand edit.
package harborgo

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/deepseek.codegen.yaml spec/deepseek.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/ark.codegen.yaml spec/ark.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/qianfan-v1.codegen.yaml spec/qianfan-v1.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/qianfan-v2.codegen.yaml spec/qianfan-v2.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/openai.codegen.yaml spec/openai.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config spec/harbor.codegen.yaml spec/harbor.yaml
//go:generate go run ./internal/cmd/fastgen -dir generated/deepseek -encode ChatCompletionRequest -decode ChatCompletion,ChatCompletionChunk -reply ChatCompletion,ChatCompletionChunk
//go:generate go run ./internal/cmd/fastgen -dir generated/ark -encode ChatCompletionRequest -decode ChatCompletion,ChatCompletionChunk -reply ChatCompletion,ChatCompletionChunk
//go:generate go run ./internal/cmd/fastgen -dir generated/qianfanv1 -encode ChatRequest -decode ChatResponse
//go:generate go run ./internal/cmd/fastgen -dir generated/qianfanv2 -encode ChatCompletionRequest -decode ChatCompletion,ChatCompletionChunk -reply ChatCompletion,ChatCompletionChunk
//go:generate go run ./internal/cmd/fastgen -dir generated/openai -encode ChatCompletionRequest -decode ChatCompletion,ChatCompletionChunk -reply ChatCompletion,ChatCompletionChunk
//go:generate go run ./internal/cmd/fastgen -dir internal/fastreply -in replytypes_test.go -out reply_gen_test.go -reply testChunk,quoted,embedded
