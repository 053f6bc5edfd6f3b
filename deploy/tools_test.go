package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireFleetEnv names the variable that turns a missing haproxy or
// prometheus from a skip into a failure when it is "1" (scripts/test sets it,
// after installing them).
const RequireFleetEnv = "HARBOR_REQUIRE_FLEET"

// lookTool returns the path of a program the tests need. Where it is missing
// the test is skipped, loudly, or failed when the variable require names is
// "1".
func lookTool(t testing.TB, name, require, how string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin"} { // Debian's haproxy, off a user's PATH
		if p, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return p
		}
	}
	msg := name + " not found on PATH: " + how
	if os.Getenv(require) == "1" {
		t.Fatalf("%s; %s=1 makes its absence a failure", msg, require)
	}
	t.Skipf("SKIPPED: %s (set %s=1 to make this a failure)", msg, require)
	return ""
}

func promtool(t testing.TB) string {
	return lookTool(t, "promtool", "HARBOR_REQUIRE_PROMTOOL",
		"install Prometheus's promtool (Debian/Ubuntu: apt-get install prometheus; scripts/test does so as root)")
}

func haproxy(t testing.TB) string {
	return lookTool(t, "haproxy", RequireFleetEnv, "install HAProxy (Debian/Ubuntu: apt-get install haproxy; scripts/test does so as root)")
}

func prometheus(t testing.TB) string {
	return lookTool(t, "prometheus", RequireFleetEnv,
		"install the Prometheus server (Debian/Ubuntu: apt-get install prometheus; scripts/test does so as root)")
}

// run runs a program and returns its combined output and error.
func run(t testing.TB, dir string, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// readDeploy returns a file of deploy/ (the test's working directory).
func readDeploy(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// substitute replaces old with new in s, and fails the test unless old occurs
// exactly n times: a deploy file that changed shape must fail the tests that
// template it, not be run half-templated.
func substitute(t testing.TB, s, old, new string, n int) string {
	t.Helper()
	if got := strings.Count(s, old); got != n {
		t.Fatalf("templating: %q occurs %d times, want %d; did the deploy file change?", old, got, n)
	}
	return strings.ReplaceAll(s, old, new)
}

// writeFile writes s to dir/name and returns the path.
func writeFile(t testing.TB, dir, name, s string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
