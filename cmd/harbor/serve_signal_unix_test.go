//go:build unix

package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/syncbuf"
)

// A second Ctrl-C, SIGTERM or SIGHUP during shutdown cuts it short: here it
// ends a 10s shutdown_delay at once.
func TestServeSecondSignalCutsShutdown(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			caught := make(chan os.Signal, 1) // as in TestServeSIGHUPShutsDownGracefully
			signal.Notify(caught, syscall.SIGHUP)
			defer signal.Stop(caught)
			cfg := filepath.Join(t.TempDir(), "harbor.yaml")
			require.NoError(t, os.WriteFile(cfg, []byte("server:\n  shutdown_delay: 10s\n"), 0o600))
			_, _, stderr, stop := serveInProcess(t, nil, "--config", cfg, "--mock", "--listen", "127.0.0.1:0")
			code := make(chan int, 1)
			start := time.Now()
			go func() { code <- stop() }() // the first Ctrl-C
			require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "shutting down on Ctrl-C;") },
				5*time.Second, 5*time.Millisecond, "%s", stderr)
			assert.Contains(t, stderr.String(), "(a second Ctrl-C, SIGTERM or SIGHUP cuts them)",
				"it names the signals that cut, not only Ctrl-C")
			assert.Contains(t, stderr.String(), "serving for 10s more with /ready 503")
			// The second signal, to this process: harbor serve has it caught (signal.Notify), so it does not kill the test.
			require.NoError(t, syscall.Kill(os.Getpid(), sig))
			select {
			case c := <-code:
				assert.Equal(t, exitInterrupted, c)
				assert.Less(t, time.Since(start), 5*time.Second, "the second signal ended the delay")
			case <-time.After(8 * time.Second):
				t.Fatalf("harbor serve still shutting down 8s after the second signal: %s", stderr)
			}
		})
	}
}

// SIGHUP (the terminal or SSH session of harbor serve closed) is a graceful
// shutdown like SIGTERM, with its exit status: the access log lines waiting
// for log.access_flush are written. Regression (found by a new-user trial):
// Go's default action for SIGHUP ended the process with status 129 and the
// lines were lost.
func TestServeSIGHUPShutsDownGracefully(t *testing.T) {
	// Should harbor serve not catch SIGHUP, this catches it, so that the test
	// fails rather than the whole test binary dying.
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, syscall.SIGHUP)
	defer signal.Stop(caught)

	cfg := filepath.Join(t.TempDir(), "harbor.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("log:\n  access_flush: 1m\n"), 0o600))
	url, stdout, stderr, stop, done := serveInProcessDone(t, nil, "--config", cfg, "--mock", "--listen", "127.0.0.1:0")
	res, err := http.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"Hello"}]}`))
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	require.Equal(t, http.StatusOK, res.StatusCode)
	time.Sleep(50 * time.Millisecond) // the line is written to the batch after the answer
	assert.NotContains(t, stdout.String(), "/v1/chat/completions", "the line waits (access_flush: 1m)")

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("harbor serve still running 5s after SIGHUP: %s", stderr)
	}
	assert.Equal(t, exitOK, stop(), "as SIGTERM: %s", stderr)
	assert.Contains(t, stderr.String(), "harbor serve: shutting down on SIGHUP; streams under way may finish for up to 30s "+
		"(a second Ctrl-C, SIGTERM or SIGHUP cuts them)")
	assert.Contains(t, stdout.String(), `"path":"/v1/chat/completions"`, "the waiting line is written")
}

// Under nohup, which starts harbor serve with SIGHUP ignored, SIGHUP stays
// ignored: closing the session does not stop it.
func TestServeKeepsSIGHUPIgnored(t *testing.T) {
	signal.Ignore(syscall.SIGHUP)
	defer signal.Reset(syscall.SIGHUP)
	url, _, stderr, stop := serveInProcess(t, nil, "--mock", "--listen", "127.0.0.1:0")
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	time.Sleep(200 * time.Millisecond)
	res, err := http.Get(url + "/ready")
	require.NoError(t, err)
	res.Body.Close()
	http.DefaultClient.CloseIdleConnections()
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, stderr.String(), "shutting down")
	assert.Equal(t, exitInterrupted, stop())
	assert.Contains(t, stderr.String(), "(a second Ctrl-C or SIGTERM cuts them)", "SIGHUP is not one of them")
}

// `harbor serve | tee log` after the session closed: tee is gone, so every
// access log line meets a closed pipe. harbor serve keeps answering, counts the
// lines it loses, says so once on standard error, and a SIGHUP still shuts it
// down gracefully. Regression: Go's default for a write to a closed pipe on
// standard output is to die of SIGPIPE, which ended harbor serve at its first
// request's line (and cut a graceful shutdown's requests under way).
func TestServeSurvivesAClosedStdoutPipe(t *testing.T) {
	// The child must start with SIGHUP and SIGPIPE at their defaults, as from
	// a shell: a signal this process ignores (other tests here ignore both,
	// in-process) stays ignored across exec, one it catches does not.
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(caught)
	self, err := os.Executable()
	require.NoError(t, err)
	r, w, err := os.Pipe()
	require.NoError(t, err)
	require.NoError(t, r.Close()) // the reader is gone before the first line
	var stderr syncbuf.Buffer
	cmd := exec.Command(self, "serve", "--mock", "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), asCLIEnv+"=1", "DEEPSEEK_API_KEY=")
	cmd.Stdout, cmd.Stderr = w, &stderr
	require.NoError(t, cmd.Start())
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	re := regexp.MustCompile(`listening on (http://\S+) `)
	require.Eventually(t, func() bool { return re.MatchString(stderr.String()) }, 10*time.Second, 10*time.Millisecond, "%s", &stderr)
	url := re.FindStringSubmatch(stderr.String())[1]

	c := &http.Client{Timeout: 5 * time.Second}
	for i := range 3 {
		res, err := c.Post(url+"/v1/chat/completions", "application/json",
			strings.NewReader(`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":"Hello"}]}`))
		require.NoError(t, err, "request %d: %s", i, &stderr)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	require.Eventually(t, func() bool {
		res, err := c.Get(url + "/metrics")
		if err != nil {
			return false
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return strings.Contains(string(body), "\nharbor_gateway_access_log_lost_lines_total 3\n")
	}, 5*time.Second, 10*time.Millisecond, "the three lines are counted as lost")
	assert.Equal(t, 1, strings.Count(stderr.String(), "the access log cannot be written"), "%s", &stderr)
	assert.Contains(t, stderr.String(), "broken pipe")

	c.CloseIdleConnections()
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	select {
	case err := <-exited:
		exited <- err // for the deferred wait
		require.NoError(t, err, "a graceful exit, not a signal: %s", &stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("harbor serve still running 10s after SIGHUP: %s", &stderr)
	}
	assert.Contains(t, stderr.String(), "shutting down on SIGHUP")
}
