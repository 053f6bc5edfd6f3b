package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecChangeNeedsNoHandEdit does what a user does when a vendor adds a field:
// it copies spec/deepseek.yaml, adds an optional x_new_field to the request and to
// the answer, runs oapi-codegen and fastgen on it as generate.go does, and runs a
// small program against the result: the field set on the generated request is in
// the bytes AppendJSON writes, and the field in an answer is read by DecodeJSON,
// while the hot path (ReadReply into harbor's fastreply.Reply) still reads that
// answer — with no hand edit. The program is compiled inside this module (through go's
// -overlay, nothing is written to the tree) so that it may use internal/jsonx as
// the generated code does.
func TestSpecChangeNeedsNoHandEdit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the spec-change test (it runs oapi-codegen and go run, ~10 s)")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	spec, err := os.ReadFile(filepath.Join(root, "spec", "deepseek.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(spec)
	for _, schema := range []string{"ChatCompletionRequest", "ChatCompletion"} {
		s = addProperty(t, s, schema, "x_new_field")
	}
	must(t, os.WriteFile(filepath.Join(tmp, "spec.yaml"), []byte(s), 0o644))
	must(t, os.WriteFile(filepath.Join(tmp, "codegen.yaml"), []byte(
		"package: main\noutput: "+filepath.Join(tmp, "types.gen.go")+"\ngenerate:\n  models: true\noutput-options:\n  skip-prune: true\n"), 0o644))

	// go generate's two steps: oapi-codegen, then fastgen.
	run(t, root, "go", "run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen",
		"-config", filepath.Join(tmp, "codegen.yaml"), filepath.Join(tmp, "spec.yaml"))
	types, err := os.ReadFile(filepath.Join(tmp, "types.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(types), "XNewField") {
		t.Fatalf("oapi-codegen did not add XNewField:\n%s", types)
	}
	src, err := generateFiles(tmp, "*.gen.go", []string{"ChatCompletionRequest"}, []string{"ChatCompletion", "ChatCompletionChunk"},
		[]string{"ChatCompletion", "ChatCompletionChunk"}, "fast_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(tmp, "fast_gen.go"), src, 0o644))
	must(t, os.WriteFile(filepath.Join(tmp, "main.go"), []byte(checkProgram), 0o644))

	// Compile the three files as a package of this module, which they are not on disk.
	dir := filepath.Join(root, "internal", "cmd", "fastgen", "testdata", "specchange")
	overlay := map[string]map[string]string{"Replace": {}}
	for _, f := range []string{"types.gen.go", "fast_gen.go", "main.go"} {
		overlay["Replace"][filepath.Join(dir, f)] = filepath.Join(tmp, f)
	}
	ov, _ := json.Marshal(overlay)
	must(t, os.WriteFile(filepath.Join(tmp, "overlay.json"), ov, 0o644))
	out := run(t, root, "go", "run", "-overlay", filepath.Join(tmp, "overlay.json"), "./internal/cmd/fastgen/testdata/specchange")
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("the check program says:\n%s", out)
	}
}

// checkProgram uses the regenerated types as a provider does: it sets the new
// field on the request and encodes it, and decodes an answer that carries it.
const checkProgram = `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/harborai/harbor-go/internal/fastreply"
	"github.com/harborai/harbor-go/internal/jsonx"
)

func main() {
	v := "sent"
	req := ChatCompletionRequest{Model: "deepseek-v4-flash", Messages: []Message{}, XNewField: &v}
	body, ok := req.AppendJSON(nil)
	want, _ := json.Marshal(&req)
	if !ok || string(body) != string(want) || !strings.Contains(string(body), ` + "`" + `"x_new_field":"sent"` + "`" + `) {
		fmt.Printf("AppendJSON wrote %s (ok=%v), json.Marshal %s\n", body, ok, want)
		os.Exit(1)
	}
	answer := []byte(` + "`" + `{"id":"a","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"x_new_field":"read"}` + "`" + `)
	var c ChatCompletion
	var l jsonx.Lexer
	if !c.DecodeJSON(&l, answer) || c.XNewField == nil || *c.XNewField != "read" {
		fmt.Printf("DecodeJSON read %+v\n", c)
		os.Exit(1)
	}
	var r fastreply.Reply
	if d := fastreply.NewDecoder((*ChatCompletion)(nil).ReadReply, "m"); !d.Decode(answer, &r) || len(r.Choices) != 1 || r.Choices[0].Content != "hi" {
		fmt.Printf("ReadReply gave up or read %+v\n", r)
		os.Exit(1)
	}
	fmt.Println("ok")
}
`

// addProperty adds an optional string property name to schema in a spec's YAML
// (the schema's "properties:" line is found by indentation).
func addProperty(t *testing.T, spec, schema, name string) string {
	t.Helper()
	lines := strings.Split(spec, "\n")
	for i, l := range lines {
		if l != "    "+schema+":" {
			continue
		}
		for j := i + 1; j < len(lines) && strings.HasPrefix(lines[j], "      "); j++ {
			if lines[j] == "      properties:" {
				add := []string{"        " + name + ":", "          type: string", "          description: A field the vendor just added."}
				return strings.Join(append(lines[:j+1], append(add, lines[j+1:]...)...), "\n")
			}
		}
	}
	t.Fatalf("schema %s has no properties in the spec", schema)
	return ""
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
