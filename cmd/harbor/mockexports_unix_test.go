//go:build unix

package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 10 item 18: eval "$(harbor mock --exports)" works in a real shell. The
// command prints only export lines and exits while the servers keep serving in the
// background; harbor then answers from them as from real endpoints, and
// kill $HARBOR_MOCK_PID stops them. A port clash prints nothing and fails.
func TestMockExportsWorkWithEval(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	self, err := os.Executable()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang must not eat the test timeout
	defer cancel()

	script := `
set -e
out="$("$HARBOR" mock --exports --addr 127.0.0.1:0 --vendor deepseek,openai)"
printf '%s\n--\n' "$out"
eval "$out"
trap 'kill "$HARBOR_MOCK_PID"' EXIT
"$HARBOR" chat -m deepseek-v4-flash hi
"$HARBOR" chat -m gpt-4o --stream there
`
	sh := exec.CommandContext(ctx, bash, "-c", script)
	sh.Env = append(os.Environ(), asCLIEnv+"=1", "HARBOR="+self, "DEEPSEEK_API_KEY=", "OPENAI_API_KEY=", "HARBOR_NO_MOCK=1")
	var stderr bytes.Buffer
	sh.Stderr = &stderr
	out, err := sh.Output()
	require.NoError(t, err, "stderr: %s", stderr.String())

	exports, answers, ok := strings.Cut(string(out), "--\n")
	require.True(t, ok, "%s", out)
	lines := strings.Split(strings.TrimSpace(exports), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "export "), "only export lines: %q", l)
	}
	pid := regexp.MustCompile(`HARBOR_MOCK_PID=(\d+)`).FindStringSubmatch(exports)
	require.NotNil(t, pid)
	assert.Regexp(t, `HARBOR_MOCK_LOG=\S+`, exports)
	assert.Equal(t, "Hello! You said: hi\nHello! You said: there\n", answers,
		"answered by the background mocks as real endpoints (HARBOR_NO_MOCK=1 forbids the built-in one)")
	assert.NotContains(t, stderr.String(), "built-in mock")

	// The trap's kill stopped the background server: its port no longer answers.
	base := regexp.MustCompile(`DEEPSEEK_BASE_URL=http://(\S+)`).FindStringSubmatch(exports)
	require.NotNil(t, base)
	if !assert.Eventually(t, func() bool {
		c, err := net.Dial("tcp", base[1])
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 10*time.Millisecond, "the background server outlived kill $HARBOR_MOCK_PID") {
		n, _ := strconv.Atoi(pid[1])
		_ = syscall.Kill(n, syscall.SIGKILL)
	}
	if logf := regexp.MustCompile(`HARBOR_MOCK_LOG=(\S+)`).FindStringSubmatch(exports); logf != nil {
		os.Remove(logf[1])
	}

	// A clash fails before printing anything, with the child's reason on stderr.
	busy := occupied(t)
	clash := exec.CommandContext(ctx, self, "mock", "--exports", "--addr", "127.0.0.1:"+strconv.Itoa(busy), "--vendor", "deepseek")
	clash.Env = append(os.Environ(), asCLIEnv+"=1")
	stderr.Reset()
	clash.Stderr = &stderr
	out, err = clash.Output()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitFailed, exit.ExitCode())
	assert.Empty(t, out)
	assert.Contains(t, stderr.String(), "cannot serve deepseek on 127.0.0.1:"+strconv.Itoa(busy))
}
