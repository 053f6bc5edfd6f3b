package main

import (
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// `harbor mock --exports` must exit for eval "$(harbor mock --exports)" to go on:
// a shell's command substitution waits for the process, not only for its stdout to
// close. So the command starts itself again as a detached child (its own session,
// stdin and stdout on /dev/null, stderr to a log file) that listens and serves. The
// child hands its export lines back through a pipe at the file descriptor named by
// readyFDEnv; the parent prints them with HARBOR_MOCK_PID and HARBOR_MOCK_LOG and
// exits 0. When the child fails (a port in use), the pipe closes empty: the parent
// copies the child's log to stderr, prints nothing on stdout, and exits with the
// child's status.

// readyFDEnv names the file descriptor of the detached child's ready pipe. It is
// set by the parent only.
const readyFDEnv = "HARBOR_MOCK_READY_FD"

// readyFile opens the ready pipe named by the variable's value; nil if it is not a
// descriptor number.
func readyFile(fd string) io.WriteCloser {
	n, err := strconv.Atoi(fd)
	if err != nil || n < 3 {
		return nil
	}
	os.Unsetenv(readyFDEnv)
	if f := os.NewFile(uintptr(n), "harbor-mock-ready"); f != nil {
		return f
	}
	return nil
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+,=-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
