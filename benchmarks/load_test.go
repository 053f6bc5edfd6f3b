package benchmarks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/harbor"
)

// mockURLs returns the shared mock child's URLs (vendor -> root URL, and
// mockproc.DeepSeekSlow).
func mockURLs(t *testing.T) map[string]string {
	t.Helper()
	env(t)
	return mockProc.URLs
}

// floorOverTransport is a DeepSeek floor over tr.
func floorOverTransport(url string, tr *http.Transport) *Floor {
	return &Floor{vendor: DeepSeek, url: url + "/chat/completions", auth: "Bearer " + mockproc.APIKey, tr: tr, hc: &http.Client{Transport: tr}}
}

// TestPoolHoldsAtHighConcurrency is the "does not collapse" check of harbor's
// default pool (MaxIdleConnsPerHost): a client makes 5 calls from each of
// 64, then 256 goroutines to fill its pool, then 5 more each, and in that
// second batch must dial for at most 5% of the calls. A healthy pool dials
// none or almost none (net/http dials one more connection when a call starts
// before the previous call's connection is back in the pool; it then stays
// in the pool); a pool smaller than the concurrency dials for 6–30% of the
// calls (measured with WithMaxIdleConnsPerHost 2, 16 and 64). Counts only,
// no timing.
func TestPoolHoldsAtHighConcurrency(t *testing.T) {
	url := mockURLs(t)[DeepSeek]
	hreq := HarborRequest()
	for _, conc := range []int{64, 256} {
		h, err := harbor.New(HarborOptions(url, mockproc.APIKey)...)
		if err != nil {
			t.Fatal(err)
		}
		var warm, dials atomic.Int64
		op := func(ctx context.Context) error { return harborCreateOp(ctx, h, hreq) }
		calls := 5 * conc
		err = runCalls(httptrace.WithClientTrace(context.Background(), dialCounter(&warm)), op, calls, conc)
		if err == nil {
			err = runCalls(httptrace.WithClientTrace(context.Background(), dialCounter(&dials)), op, calls, conc)
		}
		_ = h.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d goroutines: %d connections dialled for the first %d calls, %d for the next %d", conc, warm.Load(), calls, dials.Load(), calls)
		if n := dials.Load(); n*20 > int64(calls) {
			t.Errorf("%d goroutines, warm pool: %d connections dialled for %d calls: the pool does not keep its connections", conc, n, calls)
		}
	}
}

// TestThroughputCountsNewConnections checks the NewConns figure the
// throughput report shows: a floor that never reuses a connection dials for
// every call, and a pooled client, once warm, for (almost) none.
func TestThroughputCountsNewConnections(t *testing.T) {
	url := mockURLs(t)[DeepSeek]
	ctx := context.Background()
	tr := floorTransport()
	tr.DisableKeepAlives = true
	f := floorOverTransport(url, tr)
	defer f.Close()
	freq := FloorRequestFixture()
	s, err := Throughput(ctx, func(ctx context.Context) error { return floorCreateOp(ctx, f, freq) }, 4, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if s.NewConns != s.Ops || s.Ops == 0 {
		t.Errorf("floor without keep-alives: %d connections dialled for %d calls, want one per call", s.NewConns, s.Ops)
	}
	if s.CPU <= 0 || s.Elapsed <= 0 || s.OpsPerSec() <= 0 || s.CPUPerOp() <= 0 {
		t.Errorf("figures missing: %+v", s)
	}

	g := NewFloor(url, mockproc.APIKey)
	defer g.Close()
	op := func(ctx context.Context) error { return floorCreateOp(ctx, g, freq) }
	if _, err := Throughput(ctx, op, 1, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if s, err = Throughput(ctx, op, 1, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if s.NewConns != 0 || s.Ops == 0 { // one goroutine: its connection is always back before its next call
		t.Errorf("warm floor, one goroutine: %d connections dialled for %d calls, want 0", s.NewConns, s.Ops)
	}
}

func TestThroughputStopsAtFirstError(t *testing.T) {
	boom := errors.New("boom")
	var n atomic.Int64
	op := func(ctx context.Context) error {
		if n.Add(1) == 50 {
			return boom
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := Throughput(context.Background(), op, 4, time.Hour)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Throughput did not stop at the first error")
	}
	for _, c := range []struct {
		conc int
		d    time.Duration
	}{{0, time.Second}, {-1, time.Second}, {1, 0}} {
		if _, err := Throughput(context.Background(), op, c.conc, c.d); err == nil {
			t.Errorf("Throughput(conc %d, %v): no error", c.conc, c.d)
		}
	}
}

// cells splits a Markdown table row into its cells.
func cells(row string) []string {
	row = strings.TrimSpace(row)
	return strings.Split(strings.Trim(row, "|"), "|")
}

// checkTables checks that every Markdown table in md has the same number of
// cells in every row as in its header, and returns the tables' rows.
func checkTables(t *testing.T, md string) [][]string {
	t.Helper()
	var tables [][]string
	var cur []string
	for _, line := range append(strings.Split(md, "\n"), "") {
		if strings.HasPrefix(line, "|") {
			cur = append(cur, line)
			continue
		}
		if len(cur) > 0 {
			tables = append(tables, cur)
			cur = nil
		}
	}
	for _, tbl := range tables {
		if len(tbl) < 3 {
			t.Errorf("table with no rows:\n%s", strings.Join(tbl, "\n"))
			continue
		}
		want := len(cells(tbl[0]))
		for _, row := range tbl[1:] {
			if got := len(cells(row)); got != want {
				t.Errorf("row has %d cells, header %d:\n%s\n%s", got, want, tbl[0], row)
			}
		}
	}
	return tables
}

func TestRunLoadReport(t *testing.T) {
	var calls atomic.Int64
	fake := func(name string, d time.Duration) LoadClient {
		return LoadClient{Name: name, Op: func(ctx context.Context) error {
			calls.Add(1)
			time.Sleep(d)
			return nil
		}}
	}
	closed := 0
	builder := func(url string) ([]LoadClient, error) {
		if url == "" {
			t.Error("builder got no URL")
		}
		h, f := fake("harbor", 200*time.Microsecond), fake(FloorClient, 100*time.Microsecond)
		h.Close = func() { closed++ }
		return []LoadClient{h, f}, nil
	}
	peer := func(url string) ([]LoadClient, error) { return []LoadClient{fake("peer", 0)}, nil }
	cfg := LoadConfig{
		Targets:     []LoadTarget{{Name: "fast", URL: "u1"}, {Name: "slow", URL: "u2", Latency: 50 * time.Millisecond}},
		Concurrency: []int{1, 3},
		Duration:    20 * time.Millisecond,
		Rounds:      3,
	}
	rep, err := RunLoad(context.Background(), cfg, builder, peer)
	if err != nil {
		t.Fatal(err)
	}
	if closed != 2 {
		t.Errorf("harbor's Close called %d times, want once per target", closed)
	}
	if want := []string{"harbor", FloorClient, "peer"}; strings.Join(rep.Clients, ",") != strings.Join(want, ",") {
		t.Errorf("clients %v, want %v", rep.Clients, want)
	}
	if len(rep.Tables) != 2 || len(rep.Tables[0].Rows) != 2 {
		t.Fatalf("got %d tables, want 2 of 2 rows", len(rep.Tables))
	}
	for _, tbl := range rep.Tables {
		for _, row := range tbl.Rows {
			for _, p := range row.Points {
				if len(p.Samples) != cfg.Rounds || p.OpsPerSec() <= 0 {
					t.Errorf("%s conc %d %s: %d samples, %v ops/s", tbl.Target.Name, row.Concurrency, p.Client, len(p.Samples), p.OpsPerSec())
				}
			}
		}
	}
	md := rep.Markdown()
	tables := checkTables(t, md)
	if len(tables) != 2 {
		t.Fatalf("%d tables in the Markdown, want 2:\n%s", len(tables), md)
	}
	for _, want := range []string{"| harbor/floor |", "| peer/floor |", "| bound ops/s |", "| 3 | 60.0 |", "new conns (harbor/floor/peer)"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(tables[0][0], "bound") {
		t.Errorf("the no-latency table has a bound column:\n%s", tables[0][0])
	}

	// Misuse is an error, never a panic.
	dup := func(url string) ([]LoadClient, error) { return []LoadClient{fake("harbor", 0)}, nil }
	for name, c := range map[string]struct {
		cfg LoadConfig
		b   []LoadClientsFunc
	}{
		"no target":       {LoadConfig{}, []LoadClientsFunc{builder}},
		"no client":       {cfg, nil},
		"duplicate":       {cfg, []LoadClientsFunc{builder, dup}},
		"bad concurrency": {LoadConfig{Targets: cfg.Targets, Concurrency: []int{0}}, []LoadClientsFunc{builder}},
		"no URL":          {LoadConfig{Targets: []LoadTarget{{Name: "x"}}}, []LoadClientsFunc{builder}},
		"builder error":   {cfg, []LoadClientsFunc{func(string) ([]LoadClient, error) { return nil, errors.New("no") }}},
		"failing op": {cfg, []LoadClientsFunc{func(string) ([]LoadClient, error) {
			return []LoadClient{{Name: "x", Op: func(context.Context) error { return errors.New("down") }}}, nil
		}}},
	} {
		if _, err := RunLoad(context.Background(), c.cfg, c.b...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestLoadTargets checks that the mock child serves the second DeepSeek mock
// and that it does wait: a call to it cannot take less than its latency (a
// lower bound the mock guarantees, not a speed assertion).
func TestLoadTargets(t *testing.T) {
	tg := LoadTargets(mockURLs(t))
	if len(tg) != 2 || tg[0].URL == "" || tg[1].URL == "" || tg[0].URL == tg[1].URL || tg[0].Latency != 0 || tg[1].Latency != mockproc.SlowLatency {
		t.Fatalf("targets %+v", tg)
	}
	clients, err := HarborAndFloor(tg[1].URL)
	if err != nil {
		t.Fatal(err)
	}
	defer closeLoadClients(clients)
	for _, c := range clients {
		t0 := time.Now()
		if err := c.Op(context.Background()); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if d := time.Since(t0); d < mockproc.SlowLatency {
			t.Errorf("%s: a call to the slow mock took %v, less than its latency %v", c.Name, d, mockproc.SlowLatency)
		}
	}
}
