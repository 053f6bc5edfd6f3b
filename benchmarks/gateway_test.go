package benchmarks

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The gateway and proxy children of these tests are this test binary,
// re-executed; they must serve and exit before the tests start.
func init() { ServeGatewayChildIf() }

// One short run of the whole gateway benchmark — `harbor serve` built from
// this checkout, the proxy floor, both scenarios, closed and open loop — whose
// every answer is checked (Call), and a report with every figure in place. No
// timing is asserted.
func TestGatewayBench(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds cmd/harbor and runs three processes")
	}
	url := mockURLs(t)[DeepSeek]
	r, err := MeasureGateway(context.Background(), GatewayConfig{
		MockURL: url, Concurrency: []int{1, 4}, Rate: 200, Duration: 150 * time.Millisecond, Rounds: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{TargetDirect, TargetProxy, TargetGateway}; !slices.Equal(r.Targets, want) {
		t.Fatalf("targets %v, want %v", r.Targets, want)
	}
	if len(r.Points) != 6 { // 2 scenarios × (2 concurrencies + the open loop)
		t.Fatalf("%d points, want 6", len(r.Points))
	}
	var cpu time.Duration
	for _, p := range r.Points {
		for _, target := range r.Targets {
			runs := p.Runs[target]
			if len(runs) != 1 {
				t.Fatalf("%s %s %s: %d runs, want 1", p.Scenario, p.Load, target, len(runs))
			}
			s := runs[0]
			if s.Requests <= 0 || s.P50 <= 0 || s.P99 < s.P50 {
				t.Errorf("%s %s %s: %+v", p.Scenario, p.Load, target, s)
			}
			switch {
			case target == TargetDirect && (s.CPU != 0 || s.RSS != 0):
				t.Errorf("%s %s direct: CPU and RSS are the process's in front of the mock; none here: %+v", p.Scenario, p.Load, s)
			case target != TargetDirect && s.RSS <= 0:
				t.Errorf("%s %s %s: no RSS: %+v", p.Scenario, p.Load, target, s)
			}
			cpu += s.CPU
		}
		if p.Load.Rate > 0 {
			if n := p.Runs[TargetGateway][0].Requests; n != 30 {
				t.Errorf("%s: %d calls at 200/s for 150 ms, want 30", p.Scenario, n)
			}
		}
	}
	if cpu <= 0 {
		t.Error("no CPU tick over all the runs")
	}
	if r.Idle.RSS <= 0 || r.End.HWM < r.End.RSS {
		t.Errorf("memory: idle %+v, end %+v", r.Idle, r.End)
	}
	md := r.Markdown("go run ./cmd/gateway -test")
	for _, want := range []string{"    go run ./cmd/gateway -test", "## plain", "## stream", "| c=1 | gateway |", "| open 200/s | proxy |",
		"## Goals (issue 14)", "added p50 at c=1", "per 20-chunk stream", "RSS under load", "| the do-nothing proxy, same run |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the report has no %q", want)
		}
	}
	t.Log(md)
}

// With -cpuprofile, the gateway is this binary serving package gateway, and it
// writes a CPU profile when it stops.
func TestGatewayBenchProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs three processes")
	}
	profile := filepath.Join(t.TempDir(), "gw.pprof")
	r, err := MeasureGateway(context.Background(), GatewayConfig{
		MockURL: mockURLs(t)[DeepSeek], Concurrency: []int{2}, Rate: -1, Duration: 100 * time.Millisecond, Rounds: 1,
		NoProxy: true, CPUProfile: profile, Scenarios: []string{"stream"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Targets, []string{TargetDirect, TargetGateway}) || len(r.Points) != 1 || !strings.Contains(r.Binary, "CPU profile") {
		t.Errorf("targets %v, %d points, binary %q", r.Targets, len(r.Points), r.Binary)
	}
	b, err := os.ReadFile(profile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("the profile is not a gzipped pprof profile: %.20q", b)
	}
}

// Every answer is checked: a stream with a chunk too many or too few, or an
// error status, fails the run.
func TestGatewayClientChecks(t *testing.T) {
	url := mockURLs(t)[DeepSeek]
	c := NewGatewayClient()
	defer c.Close()
	ctx := context.Background()
	direct := DirectTarget(url)
	for _, s := range GatewayScenarios() {
		if err := c.Call(ctx, direct, s); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	stream := GatewayScenarios()[1]
	wrong := direct
	wrong.StreamChunks++
	if err := c.Call(ctx, wrong, stream); err == nil || !strings.Contains(err.Error(), "20 chunks, want 21") {
		t.Errorf("a chunk missing: %v", err)
	}
	badKey := direct
	badKey.Auth = "Bearer nope"
	if err := c.Call(ctx, badKey, stream); err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("a refused call: %v", err)
	}
}

func TestLoops(t *testing.T) {
	var n atomic.Int64
	op := func(context.Context) error { n.Add(1); time.Sleep(time.Millisecond); return nil }
	s, err := OpenLoop(context.Background(), op, 500, 100*time.Millisecond)
	if err != nil || s.Requests != 50 || n.Load() != 50 || s.P50 < time.Millisecond {
		t.Errorf("open loop at 500/s for 100 ms: %+v, %d calls, %v", s, n.Load(), err)
	}

	boom := errors.New("boom")
	var calls atomic.Int64
	s, err = ClosedLoop(context.Background(), func(context.Context) error {
		if calls.Add(1) == 10 {
			return boom
		}
		return nil
	}, 3, time.Minute)
	if !errors.Is(err, boom) || s.Requests >= 100 {
		t.Errorf("the first error stops the run: %+v, %v", s, err)
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i))
	}
	for _, c := range []struct {
		lat  []time.Duration
		p    float64
		want time.Duration
	}{{lat, 0.5, 50}, {lat, 0.99, 99}, {lat[:1], 0.99, 1}, {nil, 0.5, 0}} {
		if got := percentile(c.lat, c.p); got != c.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(c.lat), c.p, got, c.want)
		}
	}
}

func TestReadProcUsage(t *testing.T) {
	u, err := ReadProcUsage(os.Getpid())
	if err != nil || u.RSS <= 0 || u.HWM < u.RSS || u.CPU < 0 || u.FDs <= 0 {
		t.Errorf("%+v, %v", u, err)
	}
	kb, err := statusKB([]byte("Name:\tx (y)\nVmHWM:\t  2048 kB\nVmRSS:\t   1024 kB\n"), "VmRSS:")
	if err != nil || kb != 1<<20 {
		t.Errorf("statusKB: %d, %v", kb, err)
	}
	if _, err := statusKB([]byte("Name: x\n"), "VmRSS:"); err == nil {
		t.Error("statusKB without the line: no error")
	}
}

func TestGatewayConfigFile(t *testing.T) {
	path, err := WriteGatewayConfig(t.TempDir(), "http://127.0.0.1:1", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "base_url: http://127.0.0.1:1") || !strings.Contains(s, "access: off") || strings.Contains(s, GatewayKey) {
		t.Errorf("the config (with the key's hash, never the key):\n%s", s)
	}
}
