//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// startDetached runs `harbor args...` as the detached mock server and prints its
// export lines once it listens. See mockexports.go.
func startDetached(ctx context.Context, args []string, e env) int {
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "harbor mock: starting the background server: %v\n", err)
		return exitFailed
	}
	exe, err := os.Executable()
	if err != nil {
		return fail(err)
	}
	logf, err := os.CreateTemp("", "harbor-mock-*.log")
	if err != nil {
		return fail(err)
	}
	defer logf.Close()
	r, w, err := os.Pipe()
	if err != nil {
		os.Remove(logf.Name())
		return fail(err)
	}
	defer r.Close()
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), readyFDEnv+"=3") // ExtraFiles[0] is fd 3
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = logf // stdin and stdout: /dev/null, so no caller's pipe stays open
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		os.Remove(logf.Name())
		return fail(err)
	}

	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- b
	}()
	var lines []byte
	select {
	case lines = <-got:
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.Remove(logf.Name())
		fmt.Fprintln(e.stderr, "harbor mock: interrupted")
		return exitInterrupted
	}
	if len(lines) == 0 {
		// The child stopped before listening; its reason is in the log.
		werr := cmd.Wait()
		if b, err := os.ReadFile(logf.Name()); err == nil {
			e.stderr.Write(b)
		}
		os.Remove(logf.Name())
		var exit *exec.ExitError
		if errors.As(werr, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		return fail(fmt.Errorf("it exited without listening (%v)", werr))
	}
	e.stdout.Write(lines)
	fmt.Fprintf(e.stdout, "export HARBOR_MOCK_PID=%d HARBOR_MOCK_LOG=%s\n", cmd.Process.Pid, shellQuote(logf.Name()))
	_ = cmd.Process.Release()
	return exitOK
}
