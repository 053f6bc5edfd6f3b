package main

import (
	"flag"
	"os"
	"path/filepath"
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
// statuses as help states them. serve and keys (issue 14) are held to the same.
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
	for _, name := range []string{"chat", "batch", "models", "serve", "keys"} {
		fs, _ := findCommand(name).flagSet()
		fs.VisitAll(func(f *flag.Flag) {
			if len(f.Name) > 1 && f.Name != "model" { // --model is -m
				assert.Contains(t, s, "--"+f.Name, "the README shows %s --%s", name, f.Name)
			}
		})
	}
}

// The README's batch example runs offline as written: its JSONL through the
// command line it shows, against the built-in mocks, gives a success per line.
func TestREADMEBatchExampleRuns(t *testing.T) {
	s := readmeCLI(t)
	_, rest, ok := strings.Cut(s, "cat > questions.jsonl <<'EOF'\n")
	require.True(t, ok, "the README shows the batch example")
	input, rest, ok := strings.Cut(rest, "\nEOF\n")
	require.True(t, ok)
	command, _, _ := strings.Cut(rest, "\n")
	require.Equal(t, "harbor batch questions.jsonl -o answers.jsonl --mock", command)

	dir := t.TempDir()
	in, out := filepath.Join(dir, "questions.jsonl"), filepath.Join(dir, "answers.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(input+"\n"), 0o644))
	args := strings.Fields(strings.NewReplacer("questions.jsonl", in, "answers.jsonl", out).Replace(command))[1:]
	code, _, errs := runCLI(t, nil, "", args...)
	require.Equal(t, exitOK, code, errs)
	assert.Contains(t, errs, "harbor batch: 3 lines: 3 ok, 0 failed, in ")
	got := byID(t, readResults(t, out))
	assert.Equal(t, "Hello! You said: Why is the sky blue?", got["sky"].answer())
	assert.Equal(t, "Hello! You said: What is Go?", got["go"].answer())
	assert.Equal(t, "Hello! You said: 你好", got["ernie"].answer())
	assert.Contains(t, s, `"custom_id":"go","response":{"status_code":200,`, "the README shows a result line")
}

// The README's gateway section on limits, shutdown and logs says what harbor
// serve -h says: which signals stop it, and that access log lines may wait for
// log.access_flush but are all written at shutdown. Regression (found by a
// new-user trial): both said one line per request goes to stdout, and neither
// mentioned the batching deploy/harbor.example.yaml turns on.
func TestREADMEAndServeHelpExplainShutdownAndBatching(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, s, ok := strings.Cut(string(b), "\n### Limits, shutdown, logs\n")
	require.True(t, ok, "README has a ### Limits, shutdown, logs section")
	s, _, _ = strings.Cut(s, "\n#")
	code, help, errs := runCLI(t, nil, "", "serve", "-h")
	require.Equal(t, exitOK, code, errs)
	for what, text := range map[string]string{"README": s, "serve -h": help} {
		flat := strings.Join(strings.Fields(text), " ")
		for _, want := range []string{"SIGTERM", "SIGHUP", "access_flush", "written at shutdown", "shutdown_delay", "/ready", "503"} {
			assert.Contains(t, flat, want, what)
		}
	}
}
