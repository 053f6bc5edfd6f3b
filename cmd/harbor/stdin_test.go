package main

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Review of issue 10: --no-stdin (-n) never reads stdin, so a loop that reads its
// own input keeps it and a pipe that stays open is not waited for.
func TestChatNoStdin(t *testing.T) {
	for _, flag := range []string{"--no-stdin", "-n"} {
		m, vars := deepseekEndpoint(t)
		code, _, errs := cli{vars: vars, stdin: readFails{t}}.run(t, "chat", flag, "first question")
		require.Equal(t, exitOK, code, errs)
		assert.Equal(t, "first question", sentPrompt(t, m), "the argument alone")

		// while read l; do harbor chat -n "$l"; done < file: the rest of the file stays.
		rest := strings.NewReader("second question\nthird question\n")
		m, vars = deepseekEndpoint(t)
		code, _, errs = cli{vars: vars, stdin: rest}.run(t, "chat", "first question", flag)
		require.Equal(t, exitOK, code, errs)
		assert.Equal(t, "first question", sentPrompt(t, m))
		assert.Equal(t, 31, rest.Len(), "the loop's input is untouched")

		// sleep 8 | harbor chat -n hi: a pipe nobody writes to is not waited for.
		open, w := io.Pipe()
		code, _, errs = cli{stdin: open}.run(t, "chat", "--mock", flag, "hi")
		w.Close()
		assert.Equal(t, exitOK, code, errs)

		code, _, errs = cli{stdin: readFails{t}}.run(t, "chat", "--mock", flag)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errs, "no prompt given (with --no-stdin, pass it as arguments)")
		code, _, errs = cli{stdin: readFails{t}}.run(t, "chat", "--mock", flag, "-")
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, errs, `the prompt "-" means stdin, which --no-stdin says not to read`)
	}
	_, help, _ := runCLI(t, nil, "", "chat", "--help")
	for _, s := range []string{"--no-stdin (or -n, as in ssh -n) never reads stdin", `while read l; do harbor chat -n "$l"; done`, "\n  -no-stdin\n", "\n  -n\t"} {
		assert.Contains(t, help, s)
	}
}
