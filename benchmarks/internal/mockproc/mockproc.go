// Package mockproc serves the DeepSeek mock from a child process, so that the
// mock's CPU time and allocations never show up in the benchmarked client's
// numbers (runtime.MemStats and getrusage(RUSAGE_SELF) are per process).
//
// The child is the benchmark binary itself, re-executed with HARBOR_BENCH_MOCK=1:
// call ServeIfChild first thing in TestMain or main. The child prints the mock's
// URL on stdout and serves until its stdin closes — which also happens when the
// parent dies, so no orphan is left behind.
package mockproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
)

// EnvVar marks the child process.
const EnvVar = "HARBOR_BENCH_MOCK"

// APIKey is the key the mock requires; clients must send it.
const APIKey = "sk-bench"

const urlPrefix = "HARBOR_BENCH_MOCK_URL="

// ServeIfChild returns at once in the parent. In the child it serves the mock
// until stdin closes, then exits the process.
func ServeIfChild() {
	if os.Getenv(EnvVar) != "1" {
		return
	}
	os.Exit(serve())
}

func serve() int {
	ds := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: APIKey})
	ds.SetRecording(false) // a long benchmark must not accumulate requests
	srv, err := mockvendor.Listen("127.0.0.1:0", ds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mockproc:", err)
		return 1
	}
	fmt.Fprintln(os.Stdout, urlPrefix+srv.URL())
	_, _ = io.Copy(io.Discard, os.Stdin) // block until the parent closes stdin or dies
	_ = srv.Close()
	return 0
}

// Proc is a running mock child process.
type Proc struct {
	URL   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// Start launches the current executable as a mock child and waits for its URL.
func Start() (*Proc, error) {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), EnvVar+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("mockproc: start %s: %w", exe, err)
	}
	p := &Proc{cmd: cmd, stdin: stdin}

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), urlPrefix); ok {
				found <- u
				break
			}
		}
		close(found)
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
	}()
	select {
	case u, ok := <-found:
		if !ok {
			p.Close()
			return nil, errors.New("mockproc: the child exited without printing its URL")
		}
		p.URL = u
		return p, nil
	case <-time.After(30 * time.Second):
		p.Close()
		return nil, errors.New("mockproc: the child printed no URL within 30s")
	}
}

// Close stops the child: it closes stdin, waits up to 5s, then kills it.
func (p *Proc) Close() error {
	_ = p.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		return <-done
	}
}
