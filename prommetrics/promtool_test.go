package prommetrics_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
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
		Circuits:    func() map[string]string { return map[string]string{"deepseek": harbor.CircuitHalfOpen} },
	})
	require.NoError(t, err)
	observe(m, streamCall("deepseek-v4-flash"), failedCall("deepseek-v4-flash"), cacheHit("deepseek-v4-flash"), streamCall("unknown"))
	m.Observe(harbor.CallEvent{Kind: harbor.EventStart, Operation: "chat", Provider: "doubao", Model: "x", Start: time.Now()})

	body := scrape(t, m.Handler())
	for _, name := range []string{
		"gen_ai_client_operation_duration_seconds", "gen_ai_client_token_usage",
		"gen_ai_client_operation_time_to_first_chunk_seconds", "harbor_requests_total", "harbor_cache_requests_total",
		"harbor_retries_total", "harbor_cost_cny_total", "harbor_requests_in_flight", "harbor_queue_length", "harbor_circuit_state",
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

// The metrics of real calls — Create, a Stream, a failure, a cache hit — through a
// Client against the DeepSeek mock pass promtool too, and show what happened.
func TestPromtoolOnRealCalls(t *testing.T) {
	tool := promtool(t)
	mock := harbortest.Start(t, harbortest.DeepSeek)
	m, err := prommetrics.New(prommetrics.Options{Models: []string{"deepseek-v4-flash"}})
	require.NoError(t, err)
	c, err := mock.NewClient(harbor.WithObserver(m), harbor.WithMaxRetries(0),
		harbor.WithCache(harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute}))
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	_, err = c.Chat.Completions.Create(ctx, req)
	require.NoError(t, err)
	_, err = c.Chat.Completions.Create(ctx, req) // a hit
	require.NoError(t, err)
	s, err := c.Chat.Completions.Stream(ctx, &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("stream")}})
	require.NoError(t, err)
	for s.Next() {
	}
	require.NoError(t, s.Err())
	mock.Enqueue(harbortest.ServerError())
	_, err = c.Chat.Completions.Create(ctx, &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("fail")}})
	require.Error(t, err)

	body := scrape(t, m.Handler())
	for _, want := range []string{
		`harbor_requests_total{error_type="",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 3`,
		`harbor_requests_total{error_type="server",model="deepseek-v4-flash",operation="chat",provider="deepseek"} 1`,
		`harbor_cache_requests_total{model="deepseek-v4-flash",provider="deepseek",result="hit"} 1`,
		`harbor_cache_requests_total{model="deepseek-v4-flash",provider="deepseek",result="miss"} 3`,
		`gen_ai_client_operation_time_to_first_chunk_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="deepseek",gen_ai_request_model="deepseek-v4-flash"} 1`,
		`harbor_requests_in_flight{provider="deepseek"} 0`,
	} {
		require.Contains(t, body, want)
	}
	require.Contains(t, body, `harbor_cost_cny_total{model="deepseek-v4-flash",provider="deepseek"}`)
	file := filepath.Join(t.TempDir(), "metrics.prom")
	require.NoError(t, os.WriteFile(file, []byte(body), 0o644))
	out, err := checkMetrics(t, tool, file)
	require.NoError(t, err, "promtool check metrics found problems:\n%s", out)
}
