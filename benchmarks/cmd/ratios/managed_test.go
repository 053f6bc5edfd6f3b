package main

import (
	"strings"
	"testing"

	"github.com/harborai/harbor-go/benchmarks"
)

func TestWithVariants(t *testing.T) {
	pairs := []benchmarks.Pair{{Name: "Create"}, {Name: "Stream"}, {Name: "CreateParallel64"}, {Name: "Create/doubao"}}
	variants := []benchmarks.Pair{
		{Name: "Create/observed", Variant: "observed"},
		{Name: "Stream/observed", Variant: "observed"},
		{Name: "Other/observed", Variant: "observed"},
	}
	var names []string
	for _, p := range withVariants(pairs, variants) {
		names = append(names, p.Name)
	}
	want := "Create,Create/observed,Stream,Stream/observed,CreateParallel64,Create/doubao,Other/observed"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	if len(pairs) != 4 {
		t.Errorf("withVariants changed its argument: %d pairs", len(pairs))
	}
}

func flightSeries(upstream ...float64) series {
	s := make(series, len(upstream))
	for i, u := range upstream {
		s[i] = sample{cpu: 640000, wall: 640000, bytes: 1000, allocs: 2000,
			extra: map[string]float64{upstreamMetric: u, coalescedMetric: 50, l1HitsMetric: 13, evictionsMetric: u - 1}}
	}
	return s
}

func TestManagedSection(t *testing.T) {
	pairs := []benchmarks.Pair{{Name: "Create"}, {Name: "Create/observed", Variant: "observed"}, {Name: "Stream"}, {Name: "Stream/observed", Variant: "observed"}}
	harborRes := []series{cpuSeries(80, 100, 90), cpuSeries(82, 104, 90), cpuSeries(300, 300, 300), cpuSeries(360, 330, 330)}
	floorRes := []series{cpuSeries(100, 100, 100), cpuSeries(100, 100, 100), cpuSeries(400, 400, 400), cpuSeries(400, 400, 400)}
	solo := []soloBench{{name: "New"}, {name: "CreateHit"}, {name: "StreamHit"}, {name: "Singleflight64Full"}, {name: "Singleflight64"},
		{name: "CreateL2Hit"},
		{name: "StagesCost/Create/off"}, {name: "StagesCost/Create/observed"}, {name: "StagesCost/Stream/off"}, {name: "StagesCost/Stream/observed"},
		{name: "StagesCost/Create/floor"}}
	soloRes := []series{cpuSeries(1, 1, 1), cpuSeries(2, 3, 3), cpuSeries(10, 10, 10), flightSeries(1, 1.25, 1.5), flightSeries(1, 1, 1),
		cpuSeries(45, 45, 45),
		cpuSeries(6, 7, 8), cpuSeries(7, 7.5, 8.5), cpuSeries(20, 20, 20), cpuSeries(40, 40, 40),
		cpuSeries(15, 14, 16)}

	md := managedSection(pairs, harborRes, floorRes, solo, soloRes)
	for _, want := range []string{
		"## Managed call path (DeepSeek)",
		// Create: off 90/100, observed 90/100, observed/off 90/90 per round 82/80, 104/100, 90/90.
		"| Create | 0.90 | 0.90 | 1.000 | 1.00–1.04 | 9.00 → 9.00 | yes | yes |",
		// Stream: off 300/400 = 0.75, observed 330/400; observed/off 1.10, per round 1.10–1.20.
		"| Stream | 0.75 | 0.82 | 1.100 | 1.10–1.20 | 30.0 → 33.0 | yes | **no** |",
		// CreateHit: 3 ns wall against a 90 ns miss: 30×, per round 40, 33.3, 30.
		"| CreateHit | 3.00 | 3.00 | 30.0 | 0.30 | 30.0× | 30.0× | 30.00–40.00 | <= 2000 ns/op; >= 30× cheaper than a miss | ns/op: yes; 30×: yes |",
		"| StreamHit | 10.0 | 10.0 | 100 | 1.00 | 30.0× | 30.0× | 30.00–30.00 | — | — |\n| CreateL2Hit | 45.0 | 45.0 | 450 | 4.50 | 2.0× | 2.0× | 1.78–2.22 | — | — |",
		// In process: Create deltas 1, 0.5, 0.5 (median 0.5) on a loopback 90: 0.56%, 1.006;
		// Stream deltas 20 on a loopback 300: 6.67%, 1.067.
		"| Create | 7.00 | 7.50 | 0.50 | 0.50–1.00 | 0.70 → 0.75 | 0.56% | 1.006 | yes |",
		"| Stream | 20.0 | 40.0 | 20.0 | 20.0–20.0 | 2.00 → 4.00 | 6.67% | 1.067 | **no** |",
		// The floor does 15 of its 100 in memory, harbor 7 of its 90: rests 85 and 83.
		"| Create | 15.0 | 7.00 | 85.0 | 83.0 | 0.47 | 0.98 | 0.90 |\n\n",
		"| Singleflight64 | with room (nothing evicted) | 640000 | 10000 | 640000 | 1000 | 2000 | 1.000 (1.000) | 50.0 | 13.0 | 0.00 | yes |\n" +
			"| Singleflight64Full | full (every answer stored evicts one) | 640000 | 10000 | 640000 | 1000 | 2000 | 1.250 (1.500) | 50.0 | 13.0 | 0.25 | **no** |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the section lacks %q:\n%s", want, md)
		}
	}

	// Two upstream calls in one round fail the singleflight target, whatever the median.
	soloRes[4] = flightSeries(1, 2, 1)
	if md := managedSection(pairs, harborRes, floorRes, solo, soloRes); !strings.Contains(md, "| 1.000 (2.000) | 50.0 | 13.0 | 0.00 | **no** |") {
		t.Errorf("one round with 2 upstream calls:\n%s", md)
	}

	// Only the hits ran: no miss to compare with, said so.
	md = managedSection(nil, nil, nil, solo[1:2], soloRes[1:2])
	if strings.Contains(md, "| CreateL2Hit") {
		t.Errorf("an L2 row without L2 figures:\n%s", md)
	}
	if !strings.Contains(md, "| CreateHit | 3.00 | 3.00 | 30.0 | 0.30 | — | — | — | <= 2000 ns/op; >= 30× cheaper than a miss | ns/op: yes |") ||
		!strings.Contains(md, "It did not run here") || strings.Contains(md, "### The stages on a miss") {
		t.Errorf("hits alone:\n%s", md)
	}

	// No managed scenario: no section.
	if md := managedSection(pairs[:1], harborRes[:1], floorRes[:1], solo[:1], soloRes[:1]); md != "" {
		t.Errorf("no managed scenario, section %q", md)
	}
}

func TestShellArgs(t *testing.T) {
	got := shellArgs([]string{"-rounds", "10", "-scenarios", "^(Create|Stream)$|Hit$", "-out", "results/managed.md", "it's", ""})
	want := ` -rounds 10 -scenarios '^(Create|Stream)$|Hit$' -out results/managed.md 'it'\''s' ''`
	if got != want {
		t.Errorf("shellArgs = %s, want %s", got, want)
	}
}
