package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeCLI is the "## CLI" section of the module's README.
func readmeCLI(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, s, ok := strings.Cut(string(b), "\n## CLI\n")
	require.True(t, ok, "README has a ## CLI section")
	s, _, _ = strings.Cut(s, "\n## ")
	return s
}

// Review of issue 10: the README's CLI section says that `go run` reports every
// non-zero exit status as 1, so the documented statuses need a built binary, and
// shows how to build one; it documents every flag of chat and models, and the exit
// statuses as help states them.
func TestREADMEDocumentsTheCLI(t *testing.T) {
	s := readmeCLI(t)
	for _, want := range []string{
		"`go run` turns any non-zero exit status of the program into\n1",
		"go install ./cmd/harbor",
		"go build -o harbor ./cmd/harbor",
		"`--no-stdin` (`-n`, as in `ssh -n`) never reads stdin",
		"`1`, `true`, `yes` or `on` in any case",
		"`--remote wenxin` is a usage error (status 2)",
		"the request or a setting was refused before anything was sent",
		"130 interrupted",
	} {
		assert.Contains(t, s, want)
	}
	for _, name := range []string{"chat", "models"} {
		fs, _ := findCommand(name).flagSet()
		fs.VisitAll(func(f *flag.Flag) {
			if len(f.Name) > 1 && f.Name != "model" { // --model is -m
				assert.Contains(t, s, "--"+f.Name, "the README shows %s --%s", name, f.Name)
			}
		})
	}
}
