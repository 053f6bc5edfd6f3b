package deploy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.yaml.in/yaml/v3"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/internal/redistest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		removeBuild()
		os.Exit(code)
	}))
}

// promtool checks the rules and the scrape config, and the rules' unit tests
// pass.
func TestAlertRules(t *testing.T) {
	tool := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
		{"check", "config", "prometheus.yml"},
	} {
		out, err := run(t, ".", tool, args...)
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
		t.Logf("promtool %s: ok", strings.Join(args, " "))
	}
}

// The unit tests of the rules bite: each alert made wrong in a copy of
// alerts.yml makes `promtool test rules` fail.
func TestAlertRuleTestsBite(t *testing.T) {
	tool := promtool(t)
	rules := readDeploy(t, "alerts.yml")
	tests := readDeploy(t, "alerts_test.yml")
	for _, m := range []struct{ old, new string }{
		{`up{job="harbor"} == 0`, `up{job="harbor"} == 2`},
		{"            > 0.05\n", "            > 0.5\n"},
		{`stream_truncated|bad_response|rate_limited|`, `stream_truncated|bad_response|rate_limited|invalid_request|`},
		{"            > 30\n", "            > 300\n"},
		{") < 0.5 * (", ") < 0.1 * ("},
		{"and sum(rate(harbor_cache_requests_total[10m])) > 0.1", "and sum(rate(harbor_cache_requests_total[10m])) > 0"},
		{"harbor_gateway_redis_up == 0", "harbor_gateway_redis_up == 2"},
		{"max by (key) (harbor_gateway_key_budget_spent_ratio) > 0.9", "max by (key) (harbor_gateway_key_budget_spent_ratio) > 0.98"},
	} {
		dir := t.TempDir()
		writeFile(t, dir, "alerts.yml", substitute(t, rules, m.old, m.new, 1))
		writeFile(t, dir, "alerts_test.yml", tests)
		out, err := run(t, dir, tool, "test", "rules", "alerts_test.yml")
		assert.Error(t, err, "alerts.yml with %q for %q still passes its tests:\n%s", m.new, m.old, out)
	}
}

// haproxy -c accepts the balancer's config, which retries only failed
// connections and checks /ready.
func TestHAProxyConfig(t *testing.T) {
	tool := haproxy(t)
	out, err := run(t, ".", tool, "-c", "-f", "haproxy.cfg")
	require.NoError(t, err, "haproxy -c:\n%s", out)
	cfg := readDeploy(t, "haproxy.cfg")
	for _, want := range []string{"retry-on conn-failure\n", "http-check send meth GET uri /ready", "balance roundrobin"} {
		assert.Contains(t, cfg, want)
	}
	assert.NotRegexp(t, `(?m)^\s*retry-on .*(503|504|response-timeout|empty-response|all-retryable)`, cfg,
		"retrying a request an instance received could call a vendor twice")
}

// The instances' ports agree everywhere: the balancer's servers, Prometheus'
// targets, the compose services and fleet.yaml.
func TestPortsAgree(t *testing.T) {
	want := []string{"127.0.0.1:8081", "127.0.0.1:8082", "127.0.0.1:8083"}
	servers := regexp.MustCompile(`(?m)^\s+server \S+ (\S+)`).FindAllStringSubmatch(readDeploy(t, "haproxy.cfg"), -1)
	var got []string
	for _, s := range servers {
		got = append(got, s[1])
	}
	assert.Equal(t, want, got, "haproxy.cfg's servers")

	var prom struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readDeploy(t, "prometheus.yml")), &prom))
	i := slices.IndexFunc(prom.ScrapeConfigs, func(s struct {
		JobName       string `yaml:"job_name"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	}) bool {
		return s.JobName == "harbor"
	})
	require.GreaterOrEqual(t, i, 0, "prometheus.yml has a job harbor")
	assert.Equal(t, want, prom.ScrapeConfigs[i].StaticConfigs[0].Targets, "prometheus.yml's targets")

	compose := readDeploy(t, "compose.yaml")
	for _, a := range want {
		assert.Contains(t, compose, `"--listen", "`+a+`"`)
	}
	cfg, err := gateway.LoadConfig("fleet.yaml")
	require.NoError(t, err)
	assert.Equal(t, want[0], cfg.Listen)
	assert.Contains(t, readDeploy(t, "harbor@.service"), "--listen 127.0.0.1:%i")
}

// The compose file parses and every file it mounts or builds from exists.
func TestComposeFile(t *testing.T) {
	var c struct {
		Services map[string]struct {
			Volumes []string `yaml:"volumes"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readDeploy(t, "compose.yaml")), &c))
	assert.Len(t, c.Services, 6)
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				_, err := os.Stat(src)
				assert.NoError(t, err, "service %s mounts %s", name, src)
			}
		}
	}
	_, err := os.Stat("Dockerfile")
	require.NoError(t, err)
	_, err = os.Stat("env.example")
	require.NoError(t, err)
}

// systemd-analyze verify accepts the unit (where systemd is installed; the
// binary's path is pointed at one that exists).
func TestSystemdUnit(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIPPED: no systemd-analyze on PATH; the unit is not verified")
	}
	sh, err := exec.LookPath("sh")
	require.NoError(t, err)
	unit := substitute(t, readDeploy(t, "harbor@.service"), "ExecStart=/usr/local/bin/harbor ", "ExecStart="+sh+" ", 1)
	path := writeFile(t, t.TempDir(), "harbor@8081.service", unit)
	out, err := run(t, ".", tool, "verify", path)
	// verify also reports problems of units this one names (network-online,
	// redis-server) on machines without them; only lines about ours count.
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "harbor@") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	if err != nil {
		t.Logf("systemd-analyze verify exited with %v:\n%s", err, out)
	}
}

// panel is what the tests read of a Grafana panel.
type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// dashboardQueries returns the dashboard's panels after checking its shape.
func dashboardPanels(t testing.TB) []panel {
	t.Helper()
	var d struct {
		UID    string  `json:"uid"`
		Title  string  `json:"title"`
		Panels []panel `json:"panels"`
	}
	b := []byte(readDeploy(t, "grafana-dashboard.json"))
	require.True(t, json.Valid(b), "grafana-dashboard.json is not valid JSON")
	require.NoError(t, json.Unmarshal(b, &d))
	require.NotEmpty(t, d.UID)
	require.NotEmpty(t, d.Panels)
	ids := map[int]bool{}
	var out []panel
	for _, p := range d.Panels {
		require.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, q := range p.Targets {
			require.NotEmpty(t, q.Expr, "panel %q, query %s", p.Title, q.RefID)
		}
		out = append(out, p)
	}
	return out
}

// The dashboard is valid JSON with a query in every panel; the test log lists
// them.
func TestDashboard(t *testing.T) {
	for _, p := range dashboardPanels(t) {
		for _, q := range p.Targets {
			t.Logf("%-70s %s", p.Title, q.Expr)
		}
	}
}

var (
	metricName = regexp.MustCompile(`\b(?:harbor|gen_ai)_[a-z_]+\b`)
	// Label names: in by (…) and in matchers {…}.
	notMetrics = regexp.MustCompile(`\bby \([^)]*\)|\{[^}]*\}`)
)

// metricNames lists the harbor metrics an expression reads, histograms by
// their family's name.
func metricNames(expr string) []string {
	var out []string
	for _, m := range metricName.FindAllString(notMetrics.ReplaceAllString(expr, ""), -1) {
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			m = strings.TrimSuffix(m, suf)
		}
		out = append(out, m)
	}
	return out
}

// fleetKeys are the plaintext keys the tests give fleet.yaml's key ids, whose
// hashes replace the file's placeholders.
var fleetKeys = map[string]string{
	"app":   "hk-fleet-test-app-key",
	"batch": "hk-fleet-test-batch-key",
	"ops":   "hk-fleet-test-ops-key",
	"team":  "hk-fleet-test-team-key",
}

// Every metric the alert rules and the dashboard read is one the gateway
// serves when it runs deploy/fleet.yaml (with a real Redis), so a renamed
// metric fails here rather than in an empty dashboard.
func TestFleetConfigServesEveryMetricUsed(t *testing.T) {
	redis := redistest.Start(t)
	cfg, err := gateway.LoadConfig("fleet.yaml")
	require.NoError(t, err)
	for i, k := range cfg.Keys {
		require.Contains(t, fleetKeys, k.ID)
		cfg.Keys[i].SHA256 = gateway.HashKey(fleetKeys[k.ID])
	}
	cfg.Getenv = func(name string) string {
		if name == "REDIS_URL" {
			return redis.URL()
		}
		return ""
	}
	cfg.Log.Access = "off"
	g := gatewaytest.Start(t, cfg)
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	call := func(method, path, key, body string) (int, string) {
		req, err := http.NewRequestWithContext(context.Background(), method, g.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	for _, body := range []string{
		`{"model":"fast","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"fast","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"a stream"}]}`,
	} {
		code, out := call(http.MethodPost, "/v1/chat/completions", fleetKeys["batch"], body)
		require.Equal(t, http.StatusOK, code, "%s", out)
	}
	code, out := call(http.MethodGet, "/ready", "", "")
	require.Equal(t, http.StatusOK, code, "%s", out)
	code, out = call(http.MethodGet, "/stats", fleetKeys["app"], "")
	require.Equal(t, http.StatusForbidden, code, "only admin keys read /stats: %s", out)
	code, _ = call(http.MethodGet, "/stats", fleetKeys["ops"], "")
	require.Equal(t, http.StatusOK, code)
	code, exposition := call(http.MethodGet, "/metrics", "", "")
	require.Equal(t, http.StatusOK, code)

	exprs := regexp.MustCompile(`(?m)^\s+expr: (.+)$|(?s)expr: \|\n(.*?)\n\s+for:`).FindAllStringSubmatch(readDeploy(t, "alerts.yml"), -1)
	require.Len(t, exprs, 6, "alerts.yml's expressions")
	var all []string
	for _, e := range exprs {
		all = append(all, e[1]+e[2])
	}
	for _, p := range dashboardPanels(t) {
		for _, q := range p.Targets {
			all = append(all, q.Expr)
		}
	}
	seen := map[string]bool{}
	for _, e := range all {
		for _, name := range metricNames(e) {
			if seen[name] {
				continue
			}
			seen[name] = true
			assert.Regexp(t, `(?m)^`+name+`(_bucket|_sum|_count)?[{ ]`, exposition, "%s (read by %s) is not served", name, e)
		}
	}
	t.Logf("%d metrics read by the alerts and the dashboard, each served by the gateway", len(seen))
	assert.Contains(t, exposition, "\nharbor_gateway_redis_up 1\n")
}
