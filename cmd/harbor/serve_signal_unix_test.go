//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A second Ctrl-C or SIGTERM during shutdown cuts it short: here it ends a
// 10s shutdown_delay at once.
func TestServeSecondSignalCutsShutdown(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "harbor.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("server:\n  shutdown_delay: 10s\n"), 0o600))
	_, _, stderr, stop := serveInProcess(t, nil, "--config", cfg, "--mock", "--listen", "127.0.0.1:0")
	code := make(chan int, 1)
	start := time.Now()
	go func() { code <- stop() }() // the first Ctrl-C
	require.Eventually(t, func() bool { return strings.Contains(stderr.String(), "Ctrl-C again cuts them") },
		5*time.Second, 5*time.Millisecond, "%s", stderr)
	assert.Contains(t, stderr.String(), "serving for 10s more with /ready 503")
	// The second signal, to this process: harbor serve has it caught (signal.Notify), so it does not kill the test.
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case c := <-code:
		assert.Equal(t, exitInterrupted, c)
		assert.Less(t, time.Since(start), 5*time.Second, "the second signal ended the delay")
	case <-time.After(8 * time.Second):
		t.Fatalf("harbor serve still shutting down 8s after the second signal: %s", stderr)
	}
}
