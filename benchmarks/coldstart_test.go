package benchmarks

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestColdStart builds the probes (go build, cached after the first time),
// runs each against the mock, and checks the report; then that a probe fails
// cleanly, without printing the key, when the key or the URL is wrong.
func TestColdStart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: TestColdStart links 6 binaries (about 20 s on 2 cores)")
	}
	url := mockURLs(t)[DeepSeek]
	dir := t.TempDir()
	rep, err := MeasureColdStart(context.Background(), ColdStartConfig{URL: url, Runs: 2, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2*len(ProbeClients) {
		t.Fatalf("%d probes, want %d", len(rep.Results), 2*len(ProbeClients))
	}
	for _, c := range ProbeClients {
		plain, stripped := rep.Result(c, false), rep.Result(c, true)
		if plain == nil || stripped == nil {
			t.Fatalf("%s: a probe is missing", c)
		}
		if stripped.Probe.Size <= 0 || stripped.Probe.Size >= plain.Probe.Size {
			t.Errorf("%s: stripped %d bytes, default %d", c, stripped.Probe.Size, plain.Probe.Size)
		}
		for _, res := range []*ColdStartResult{plain, stripped} {
			if len(res.Runs) != 2 {
				t.Errorf("%s: %d runs, want 2", res.Probe.Path, len(res.Runs))
			}
			for _, r := range res.Runs {
				// The parent's interval contains the probe's own, and exec -> main
				// comes before main -> answer.
				if r.InMain <= 0 || r.New <= 0 || r.New > r.InMain || r.InMain > r.ToAnswer || r.ToMain <= 0 || r.ToMain+r.InMain > r.ToAnswer {
					t.Errorf("%s: inconsistent run %+v", res.Probe.Path, r)
				}
			}
		}
	}
	md := rep.Markdown()
	if tables := checkTables(t, md); len(tables) != 1 || len(tables[0]) != 2+2*len(ProbeClients) {
		t.Errorf("want one table of %d rows:\n%s", 2*len(ProbeClients), md)
	}
	if !strings.Contains(md, "harbor/floor: stripped size") {
		t.Errorf("no harbor/floor line:\n%s", md)
	}
	sum := rep.SummaryMarkdown()
	if tables := checkTables(t, sum); len(tables) != 1 || len(tables[0]) != 2+4 {
		t.Errorf("summary: want one table of 4 rows (init done and first response, default and stripped):\n%s", sum)
	}
	for _, want := range []string{"| exec -> init done (main entry) | default |", "| exec -> first response | stripped |", "| <= 1.05 |",
		"the floor with harbor's third-party libraries linked in but unused"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	if (&ColdStartReport{}).SummaryMarkdown() != "" {
		t.Error("summary without probes: want nothing")
	}

	const badKey = "sk-wrong-key-that-must-not-leak-9876"
	for _, c := range ProbeClients {
		probe := rep.Result(c, true).Probe.Path
		_, err := runProbe(context.Background(), probe, url, badKey)
		switch {
		case err == nil:
			t.Errorf("%s with a wrong key: no error", c)
		case strings.Contains(err.Error(), badKey) || strings.Contains(err.Error(), "must-not-leak"):
			t.Errorf("%s: the key leaks into the error", c)
		default:
			t.Logf("%s with a wrong key: %v", c, err)
		}
		if _, err := RunProbe(context.Background(), probe, "http://127.0.0.1:1"); err == nil {
			t.Errorf("%s with nothing listening: no error", c)
		}
	}
	if _, err := MeasureColdStart(context.Background(), ColdStartConfig{}); err == nil {
		t.Error("no URL: no error")
	}
	if _, err := BuildProbes(context.Background(), "go", t.TempDir(), t.TempDir()); err == nil {
		t.Error("building outside the module: no error")
	}
}

func TestMeasureStartup(t *testing.T) {
	url := mockURLs(t)[DeepSeek]
	rep, err := MeasureStartup(context.Background(), StartupConfig{URL: url, Rounds: 2, FirstN: 5, WarmN: 20, ManagementTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 4 {
		t.Fatalf("%d rows, want 4", len(rep.Rows))
	}
	for _, r := range rep.Rows {
		if r.Harbor.Wall <= 0 || r.Floor.Wall <= 0 || r.Harbor.Allocs <= 0 || r.Floor.Allocs <= 0 {
			t.Errorf("%s: figures missing: %+v %+v", r.Name, r.Harbor, r.Floor)
		}
	}
	// A fresh client with a fresh transport dials; over a shared warm one it
	// does not, so it allocates less (allocation counts are deterministic
	// enough for an inequality this wide).
	if fresh, pooled := rep.Rows[1].Harbor.Allocs, rep.Rows[2].Harbor.Allocs; fresh <= pooled {
		t.Errorf("harbor first Create allocs: new connection %.1f <= pooled %.1f", fresh, pooled)
	}
	names := map[string]Management{}
	for _, m := range rep.Management {
		names[m.Name] = m
	}
	for _, n := range []string{"Stats", "Route", "Models", "BoundProviders"} {
		if _, ok := names[n]; !ok {
			t.Errorf("no management call %s", n)
		}
	}
	// Route and Stats allocate nothing (README: Route's budget is 0 allocs);
	// the counts include every goroutine's, hence < 0.5 rather than 0.
	for _, n := range []string{"Stats", "Route"} {
		if a := names[n].Cost.Allocs; a >= 0.5 {
			t.Errorf("%s: %.2f allocs/op, want 0", n, a)
		}
	}
	md := rep.Markdown()
	if tables := checkTables(t, md); len(tables) != 2 {
		t.Errorf("want 2 tables:\n%s", md)
	}
	for _, want := range []string{"Provider binding", "| New + first Create, pooled connection |", "| Route |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if _, err := MeasureStartup(context.Background(), StartupConfig{}); err == nil {
		t.Error("no URL: no error")
	}
	if _, err := MeasureStartup(context.Background(), StartupConfig{URL: "http://127.0.0.1:1", Rounds: 1, FirstN: 1}); err == nil {
		t.Error("nothing listening: no error")
	}
}

func TestSeedMarkdown(t *testing.T) {
	if md := SeedMarkdown(nil, nil, nil, nil); md != "" {
		t.Errorf("no report: %q", md)
	}
	st := &StartupReport{
		Rows:       []StartupRow{{Name: "New", Harbor: Cost{Wall: 2 * time.Microsecond}}},
		Management: []Management{{Name: "Stats", Cost: Cost{Wall: 5}}, {Name: "Slow", Cost: Cost{Wall: time.Microsecond}}},
	}
	mem := &MemoryReport{Results: []*MemoryResult{
		{Spec: MemorySpec{Client: "harbor", Calls: 10}, Base: Snapshot{RSS: 10 << 20}, AfterRun: Snapshot{RSS: 11 << 20}},
		{Spec: MemorySpec{Client: "harbor", Calls: 100}, Base: Snapshot{RSS: 10 << 20}, AfterRun: Snapshot{RSS: 30 << 20}},
	}}
	md := SeedMarkdown(st, nil, mem, nil)
	checkTables(t, md)
	for _, want := range []string{
		"| initialisation | <= 160ms | harbor.New: 2.00 µs | yes |",
		"| management call | <= 350ns | Stats: 5.00 ns | yes |",
		"| management call | <= 350ns | Slow: 1000 ns | **no** |",
		"RSS after 100 calls minus before New: 20.00 MiB", // the most calls measured
	} {
		if !strings.Contains(md, want) {
			t.Errorf("lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(md, "20.00 MiB (heap in use 0.00 MiB) | **no** |") {
		t.Errorf("20 MiB growth is not flagged:\n%s", md)
	}
}
