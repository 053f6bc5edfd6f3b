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
	src, err := generateFiles(*dir, *in, split(*enc), split(*dec), split(*rep), *out)
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
