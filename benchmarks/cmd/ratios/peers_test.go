package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/benchmarks"
)

func TestRotate(t *testing.T) {
	mk := func(names ...string) []entry {
		out := make([]entry, len(names))
		for i, n := range names {
			out[i].name = n
		}
		return out
	}
	names := func(es []entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.name)
		}
		return strings.Join(s, ",")
	}
	// Harbor and floor alone: the historical flip every other round.
	for r, want := range []string{"harbor,floor", "floor,harbor", "harbor,floor", "floor,harbor"} {
		o := mk("harbor", "floor")
		rotate(o, r)
		if got := names(o); got != want {
			t.Errorf("round %d: %s, want %s", r, got, want)
		}
	}
	// Six clients: over six rounds each takes every position once.
	all := []string{"harbor", "floor", "a", "b", "c", "d"}
	seen := map[string]map[int]bool{}
	for r := range len(all) {
		o := mk(all...)
		rotate(o, r)
		for pos, e := range o {
			if seen[e.name] == nil {
				seen[e.name] = map[int]bool{}
			}
			seen[e.name][pos] = true
		}
	}
	for _, n := range all {
		if len(seen[n]) != len(all) {
			t.Errorf("%s took positions %v in %d rounds, want all %d", n, seen[n], len(all), len(all))
		}
	}
	rotate(nil, 3) // no panic
}

func TestResolveSVG(t *testing.T) {
	for _, tc := range []struct {
		svg, out       string
		wantFile, link string
	}{
		{"", filepath.Join("results", "latest.md"), filepath.Join("results", "latest.svg"), "latest.svg"},
		{"", "", "", ""},
		{"off", filepath.Join("results", "latest.md"), "", ""},
		{filepath.Join("charts", "c.svg"), filepath.Join("results", "latest.md"), filepath.Join("charts", "c.svg"), "../charts/c.svg"},
		{"c.svg", "", "c.svg", "c.svg"},
	} {
		svg, lp := tc.svg, false
		pf := &peerFlags{svg: &svg, loadPeers: &lp}
		pf.resolve(tc.out, nil)
		if pf.svgFile != tc.wantFile || pf.svgLink != tc.link {
			t.Errorf("-svg %q -out %q: file %q link %q, want %q %q", tc.svg, tc.out, pf.svgFile, pf.svgLink, tc.wantFile, tc.link)
		}
	}
	svg, lp := "off", true
	x := &extraFlags{}
	(&peerFlags{svg: &svg, loadPeers: &lp}).resolve("", x)
	if len(x.loadBuilders) != 1 {
		t.Errorf("-load-peers: %d load builders, want the peers' added", len(x.loadBuilders))
	}
}

func cpuSeries(v ...float64) series {
	s := make(series, len(v))
	for i := range v {
		s[i] = sample{cpu: v[i], wall: v[i], bytes: 10 * v[i], allocs: v[i] / 10}
	}
	return s
}

func TestSection(t *testing.T) {
	measureDoer = func() (string, error) { return "DOER", nil }
	defer func() { measureDoer = doerOverhead }()

	pairs := []benchmarks.Pair{{Name: "Create"}, {Name: "Stream"}, {Name: "Create/doubao"}}
	harborRes := []series{cpuSeries(90, 100, 110), cpuSeries(300, 300, 300), cpuSeries(50, 50, 50)}
	floorRes := []series{cpuSeries(100, 100, 100), cpuSeries(200, 200, 200), cpuSeries(100, 100, 100)}
	pr := newPeerResults(len(pairs))
	// Create: go-openai beats harbor in one round only; Stream: go-openai is
	// faster than harbor (harbor/go-openai 1.50). No peers for doubao.
	goC, goS := cpuSeries(200, 95, 200), cpuSeries(200, 200, 200)
	pr[0][benchmarks.GoOpenAI], pr[1][benchmarks.GoOpenAI] = &goC, &goS
	ogC := cpuSeries(400, 400, 400)
	pr[0][benchmarks.OpenAIGo] = &ogC

	svg, lp := "", false
	pf := &peerFlags{svg: &svg, loadPeers: &lp}
	pf.resolve("results/latest.md", nil)
	md := pf.section(pairs, harborRes, floorRes, pr, 3, "1s")

	for _, want := range []string{
		"## Peers side by side",
		"![client CPU ratio vs the floor per scenario](latest.svg)",
		"| scenario | floor | harbor | go-openai | openai-go | harbor < go-openai? |",
		// Create: floor 100, harbor 100 (1.00), go-openai 200 (2.00), openai-go 400 (4.00);
		// harbor/go-openai median 0.50, rounds 90/200, 100/95, 110/200.
		"| Create | 100 | 100 (1.00) | 200 (2.00) | 400 (4.00) | tuned: yes 0.50 (0.45–1.05) |",
		"| Stream | 200 | 300 (1.50) | 200 (1.00) | — | tuned: no 1.50 (1.50–1.50) |",
		"| Create | 1000 · 10.0 | 1000 (1.00) · 10.0 (1.00) | 2000 (2.00) · 20.0 (2.00) | 4000 (4.00) · 40.0 (4.00) |",
		"DOER",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the section lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| Create/doubao |") {
		t.Errorf("a scenario without peers has a row in the peers tables:\n%s", md)
	}

	// The chart: every scenario, harbor and the peers that ran.
	c := pf.chart
	if c == nil || strings.Join(c.Series, ",") != "harbor,go-openai,openai-go" || len(c.Groups) != 3 {
		t.Fatalf("chart %+v", c)
	}
	wantVals := [][]float64{{1, 2, 4}, {1.5, 1, math.NaN()}, {0.5, math.NaN(), math.NaN()}}
	for i, g := range c.Groups {
		if g.Label != pairs[i].Name {
			t.Errorf("group %d label %q, want %q", i, g.Label, pairs[i].Name)
		}
		for j, v := range g.Values {
			w := wantVals[i][j]
			if math.IsNaN(w) != math.IsNaN(v) || (!math.IsNaN(w) && math.Abs(v-w) > 1e-9) {
				t.Errorf("%s %s = %v, want %v", g.Label, c.Series[j], v, w)
			}
		}
	}
	if c.Ref != 1 || !strings.Contains(c.Subtitle, "3 interleaved rounds") {
		t.Errorf("chart ref %v subtitle %q", c.Ref, c.Subtitle)
	}

	// Without peers: no peers section, the chart link only, a harbor-only chart.
	md = pf.section(pairs, harborRes, floorRes, newPeerResults(len(pairs)), 3, "1s")
	if strings.Contains(md, "## Peers") || !strings.Contains(md, "(latest.svg)") {
		t.Errorf("no peers: section %q", md)
	}
	if strings.Join(pf.chart.Series, ",") != "harbor" {
		t.Errorf("no peers: chart series %v", pf.chart.Series)
	}
	// Without peers nor SVG: nothing.
	off := "off"
	pf = &peerFlags{svg: &off, loadPeers: &lp}
	pf.resolve("results/latest.md", nil)
	if md := pf.section(pairs, harborRes, floorRes, newPeerResults(len(pairs)), 3, "1s"); md != "" {
		t.Errorf("no peers, no SVG: section %q", md)
	}
}
