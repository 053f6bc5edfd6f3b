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
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := flag.String("dir", "", "the generated package's directory")
	enc := flag.String("encode", "", "comma-separated request types that get AppendJSON")
	dec := flag.String("decode", "", "comma-separated answer types that get DecodeJSON")
	rep := flag.String("reply", "", "comma-separated OpenAI-shaped answer types that get ReadReply (harbor's fastreply.Reply)")
	in := flag.String("in", "*.gen.go", "the files of -dir to read (a glob)")
	out := flag.String("out", "fast_gen.go", "the output file's name, in -dir")
	flag.Parse()
	if *dir == "" {
		log.Fatal("fastgen: -dir is required")
	}
	src, err := GenerateFiles(*dir, *in, split(*enc), split(*dec), split(*rep), *out)
	if err != nil {
		log.Fatalf("fastgen: %v", err)
	}
	if err := os.WriteFile(filepath.Join(*dir, *out), src, 0o644); err != nil {
		log.Fatalf("fastgen: %v", err)
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
