package prommetrics_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/prommetrics"
)

// promtool returns the path of Prometheus's promtool, skipping the test when it
// is missing, unless HARBOR_REQUIRE_PROMTOOL=1 (scripts/test sets it) makes that
// a failure.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err == nil {
		return path
	}
	const how = "promtool not found: install it (Debian/Ubuntu: apt-get install prometheus; scripts/test does so as root) " +
		"or put it on PATH"
	if os.Getenv("HARBOR_REQUIRE_PROMTOOL") == "1" {
		t.Fatal(how + "; HARBOR_REQUIRE_PROMTOOL=1 makes its absence a failure")
	}
	t.Skip(how + " (set HARBOR_REQUIRE_PROMTOOL=1 to make this a failure)")
	return ""
}

// checkMetrics runs `promtool check metrics` on the exposition in file and
// returns what it printed and its error (non-nil when it found problems).
func checkMetrics(t *testing.T, tool, file string) (string, error) {
	t.Helper()
	in, err := os.Open(file)
	require.NoError(t, err)
	defer in.Close()
	cmd := exec.Command(tool, "check", "metrics")
	cmd.Stdin = in
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running %s check metrics: %v", tool, err) // could not run it at all
	}
	return out.String(), err
}

// The real promtool lints what Handler serves, every metric family present.
func TestPromtoolCheckMetrics(t *testing.T) {
	tool := promtool(t)
	m, err := prommetrics.New(prommetrics.Options{
		Models:      []string{"deepseek-v4-flash"},
		QueueLength: func() float64 { return 2 },
	})
	require.NoError(t, err)
	observe(m, streamCall("deepseek-v4-flash"), failedCall("deepseek-v4-flash"), cacheHit("deepseek-v4-flash"), streamCall("unknown"))
	m.Observe(harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "doubao", Model: "x", Start: time.Now()})

	body := scrape(t, m.Handler())
	for _, name := range []string{
		"gen_ai_client_operation_duration_seconds", "gen_ai_client_token_usage",
		"gen_ai_client_operation_time_to_first_chunk_seconds", "harbor_requests_total", "harbor_cache_requests_total",
		"harbor_retries_total", "harbor_cost_cny_total", "harbor_requests_in_flight", "harbor_queue_length",
	} {
		require.Contains(t, body, "\n# TYPE "+name+" ", "the exposition lacks %s", name)
	}
	file := filepath.Join(t.TempDir(), "metrics.prom")
	require.NoError(t, os.WriteFile(file, []byte(body), 0o644))

	out, err := checkMetrics(t, tool, file)
	require.NoError(t, err, "promtool check metrics found problems:\n%s\nin %s", out, body)
	t.Logf("promtool check metrics: ok (%d bytes of exposition)%s", len(body), out)
}

// The check above can fail: promtool does report a lint problem, with a non-zero
// exit, and checkMetrics passes that on.
func TestPromtoolCatchesLintProblems(t *testing.T) {
	tool := promtool(t)
	file := filepath.Join(t.TempDir(), "bad.prom")
	bad := "# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n" // a counter without _total
	require.NoError(t, os.WriteFile(file, []byte(bad), 0o644))
	out, err := checkMetrics(t, tool, file)
	require.Error(t, err, "promtool accepted a counter without _total; output:\n%s", out)
	require.Contains(t, out, "_total")
}
