package main

// The peers (go-openai, openai-go; benchmarks/peers.go) in the interleaved
// rounds, their section of the report, and the SVG chart of every client's CPU
// ratio against the floor.

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks"
)

type peerFlags struct {
	vendors   *string
	svg       *string
	loadPeers *bool

	svgFile, svgLink string // resolved by resolve
	chart            *benchmarks.Chart
}

// registerPeers registers the peer and chart flags on flag.CommandLine.
func registerPeers() *peerFlags {
	return &peerFlags{
		vendors: flag.String("peers", strings.Join(benchmarks.PeerVendors, ","),
			"comma-separated vendors whose scenarios also run the peers go-openai and openai-go, each over a tuned and over its default HTTP client ("+
				strings.Join(benchmarks.PeerVendors, ", ")+`; "none" for none)`),
		svg: flag.String("svg", "", `write the chart of CPU ratios vs the floor to this file (default: -out with .svg for .md; "off" for none)`),
		loadPeers: flag.Bool("load-peers", false,
			"also run the peers (DeepSeek, tuned and default clients) in the throughput section"),
	}
}

// resolve works out the SVG file and the Markdown's link to it from -svg and
// -out, and adds the peers to the throughput section if asked.
func (pf *peerFlags) resolve(out string, extra *extraFlags) {
	switch f := *pf.svg; {
	case f == "off":
	case f != "":
		pf.svgFile = f
	case out != "":
		pf.svgFile = strings.TrimSuffix(out, filepath.Ext(out)) + ".svg"
	}
	pf.svgLink = filepath.ToSlash(pf.svgFile)
	if out != "" && pf.svgFile != "" {
		if rel, err := filepath.Rel(filepath.Dir(out), pf.svgFile); err == nil {
			pf.svgLink = filepath.ToSlash(rel)
		}
	}
	if *pf.loadPeers && extra != nil {
		extra.loadBuilders = append(extra.loadBuilders, benchmarks.PeerLoadClients)
	}
}

// start builds the peers for the vendors of -peers that are also benchmarked;
// nil (no peers) if there are none.
func (pf *peerFlags) start(urls map[string]string, vendors []string) (*benchmarks.Peers, error) {
	var want []string
	for _, v := range strings.Split(*pf.vendors, ",") {
		v = strings.TrimSpace(strings.ToLower(v))
		switch {
		case v == "" || v == "none":
		case !slices.Contains(benchmarks.PeerVendors, v):
			return nil, fmt.Errorf("-peers: %q has no peers (known: %s)", v, strings.Join(benchmarks.PeerVendors, ", "))
		case slices.Contains(vendors, v):
			want = append(want, v)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	return benchmarks.NewPeers(urls, want)
}

// entry is one client's benchmark in a round, and where its sample goes.
type entry struct {
	name string
	fn   func(*testing.B)
	dst  *series
}

// peerResults holds, per pair (as env.Pairs orders them), each peer's series.
type peerResults []map[string]*series

func newPeerResults(n int) peerResults {
	pr := make(peerResults, n)
	for i := range pr {
		pr[i] = map[string]*series{}
	}
	return pr
}

// entries returns the peers' entries for pair i, called scenario.
func (pr peerResults) entries(peers *benchmarks.Peers, scenario string, i int) []entry {
	var out []entry
	for _, c := range peers.For(scenario) {
		s := pr[i][c.Name]
		if s == nil {
			s = &series{}
			pr[i][c.Name] = s
		}
		out = append(out, entry{c.Name, c.Bench, s})
	}
	return out
}

// rotate turns order left by r places, so every client takes every position
// over the rounds (for harbor and floor alone: the historical flip every other
// round).
func rotate(order []entry, r int) {
	if len(order) == 0 {
		return
	}
	k := r % len(order)
	tmp := append(append([]entry(nil), order[k:]...), order[:k]...)
	copy(order, tmp)
}

// clientRes is one client's series in one scenario.
type clientRes struct {
	name string
	s    series
}

// clients returns pair i's clients in report order: harbor, then the peers of
// benchmarks.PeerNames that ran it.
func (pr peerResults) clients(i int, harbor series) []clientRes {
	out := []clientRes{{"harbor", harbor}}
	for _, name := range benchmarks.PeerNames {
		if s := pr[i][name]; s != nil && len(*s) > 0 {
			out = append(out, clientRes{name, *s})
		}
	}
	return out
}

// section returns the report's peers section (empty if no peer ran) and the
// chart link, and builds the chart of every scenario.
func (pf *peerFlags) section(pairs []benchmarks.Pair, harborRes, floorRes []series, pr peerResults, rounds int, benchtime string) string {
	cpu, bytesOp, allocs := metrics[0].get, metrics[2].get, metrics[3].get
	var b strings.Builder

	// The chart: harbor and every peer that ran, all scenarios.
	seriesNames := []string{"harbor"}
	for _, name := range benchmarks.PeerNames {
		for i := range pairs {
			if s := pr[i][name]; s != nil && len(*s) > 0 {
				seriesNames = append(seriesNames, name)
				break
			}
		}
	}
	withPeers := len(seriesNames) > 1
	stamp := time.Now().UTC().Format("2006-01-02 15:04 UTC")
	pf.chart = &benchmarks.Chart{
		Title:    "Client CPU per call, ratio to the hand-written floor (lower is better)",
		Subtitle: fmt.Sprintf("%s · %s %s/%s, GOMAXPROCS %d · medians of %d interleaved rounds, -benchtime %s", stamp, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), rounds, benchtime),
		YLabel:   "client CPU ns/op ÷ floor",
		Series:   seriesNames,
		Ref:      1,
		RefLabel: "floor = 1.00",
		Note:     "Vendor mocks in a child process on loopback; client CPU is getrusage user+sys. " + peerVersions(),
	}
	for i, p := range pairs {
		g := benchmarks.ChartGroup{Label: p.Name, Values: make([]float64, len(seriesNames))}
		f := floorRes[i].median(cpu)
		for j, name := range seriesNames {
			g.Values[j] = math.NaN()
			s := harborRes[i]
			if name != "harbor" {
				ps := pr[i][name]
				if ps == nil || len(*ps) == 0 {
					continue
				}
				s = *ps
			}
			if f > 0 {
				g.Values[j] = s.median(cpu) / f
			}
		}
		pf.chart.Groups = append(pf.chart.Groups, g)
	}

	if !withPeers && pf.svgFile == "" {
		return ""
	}
	if !withPeers {
		fmt.Fprintf(&b, "\n![client CPU ratio vs the floor per scenario](%s)\n", pf.svgLink)
		return b.String()
	}

	fmt.Fprintf(&b, "\n## Peers side by side\n\n")
	fmt.Fprintf(&b, "The same scenarios, in the same interleaved rounds (the order turned by one place each round), run by %s. ", peerVersions())
	fmt.Fprintf(&b, "Each peer runs twice: over an `http.Client` whose Transport is tuned like the floor's (256 idle connections per host) "+
		"and, as `-default`, over its own default HTTP client (`http.DefaultTransport`, or openai-go's clone of it: 2 idle connections per host). "+
		"Every figure is the median over the rounds; ratios are against the floor of the same rounds.\n")
	if pf.svgFile != "" {
		fmt.Fprintf(&b, "\n![client CPU ratio vs the floor per scenario](%s)\n", pf.svgLink)
	}

	var rows []int // pairs with peers
	for i := range pairs {
		if len(pr.clients(i, harborRes[i])) > 1 {
			rows = append(rows, i)
		}
	}
	header := func(first string) {
		fmt.Fprintf(&b, "| scenario | %s |", first)
		for _, n := range seriesNames {
			fmt.Fprintf(&b, " %s |", n)
		}
	}
	cell := func(i int, name string) (series, bool) {
		if name == "harbor" {
			return harborRes[i], true
		}
		if s := pr[i][name]; s != nil && len(*s) > 0 {
			return *s, true
		}
		return nil, false
	}

	fmt.Fprintf(&b, "\n### Client CPU ns/op (ratio vs floor)\n\n")
	header("floor")
	fmt.Fprintf(&b, " harbor < go-openai? |\n|---|---:|%s---|\n", strings.Repeat("---:|", len(seriesNames)))
	for _, i := range rows {
		f := floorRes[i].median(cpu)
		fmt.Fprintf(&b, "| %s | %s |", pairs[i].Name, num(f))
		for _, n := range seriesNames {
			if s, ok := cell(i, n); ok {
				fmt.Fprintf(&b, " %s (%s) |", num(s.median(cpu)), ratio(s.median(cpu), f))
			} else {
				fmt.Fprintf(&b, " — |")
			}
		}
		fmt.Fprintf(&b, " %s |\n", versus(harborRes[i], pr[i], cpu))
	}
	fmt.Fprintf(&b, "\n\"harbor < go-openai?\": median harbor CPU / median go-openai CPU, with the range of the per-round ratios (harbor and go-openai measured in the same round), against go-openai over the tuned client and over its default one. \"yes\" when the median ratio is below 1.00.\n")

	fmt.Fprintf(&b, "\n### B/op and allocs/op (ratio vs floor)\n\n")
	header("floor B/op · allocs/op")
	fmt.Fprintf(&b, "\n|---|---:|%s\n", strings.Repeat("---:|", len(seriesNames)))
	for _, i := range rows {
		fb, fa := floorRes[i].median(bytesOp), floorRes[i].median(allocs)
		fmt.Fprintf(&b, "| %s | %s · %s |", pairs[i].Name, num(fb), num(fa))
		for _, n := range seriesNames {
			if s, ok := cell(i, n); ok {
				fmt.Fprintf(&b, " %s (%s) · %s (%s) |", num(s.median(bytesOp)), ratio(s.median(bytesOp), fb), num(s.median(allocs)), ratio(s.median(allocs), fa))
			} else {
				fmt.Fprintf(&b, " — |")
			}
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "\nHow the peers send the request (the same JSON as the floor's, checked by `TestPeersSendWhatFloorSends`; same answer, usage and events, checked by `TestPeersAgreeWithFloor`):\n\n")
	fmt.Fprintf(&b, "- openai-go switches DeepSeek's thinking off with `SetExtraFields`, its documented way to send a field it does not model.\n")
	fmt.Fprintf(&b, "- go-openai has no `thinking` field and no extra-body hook for chat (sashabaranov/go-openai#1074), so on DeepSeek it goes through an `HTTPDoer` wrapper that splices `\"thinking\":{\"type\":\"disabled\"}` into the body. ")
	if d, err := measureDoer(); err == nil {
		fmt.Fprintf(&b, "That splice is in go-openai's DeepSeek figures: %s. ", d)
	}
	fmt.Fprintf(&b, "The `openai` scenarios need no splice. go-openai also sends `\"stream\": false` on Create (no omitempty).\n")
	fmt.Fprintf(&b, "- Neither SDK reads a stream's body to EOF on Close after `[DONE]`, so now and then the connection is dropped and the next call dials; that cost is theirs and stays in their figures (the floor and harbor drain).\n")
	return b.String()
}

// versus compares harbor with go-openai over the tuned and the default client.
func versus(harbor series, peers map[string]*series, get func(sample) float64) string {
	var parts []string
	for _, name := range []string{benchmarks.GoOpenAI, benchmarks.GoOpenAIDefault} {
		g := peers[name]
		if g == nil || len(*g) != len(harbor) {
			continue
		}
		r := harbor.median(get) / g.median(get)
		per := make([]float64, len(harbor))
		for k := range harbor {
			per[k] = get(harbor[k]) / get((*g)[k])
		}
		slices.Sort(per)
		verdict := "no"
		if r < 1 {
			verdict = "yes"
		}
		label := "tuned"
		if name == benchmarks.GoOpenAIDefault {
			label = "default"
		}
		parts = append(parts, fmt.Sprintf("%s: %s %.2f (%.2f–%.2f)", label, verdict, r, per[0], per[len(per)-1]))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}

// measureDoer is doerOverhead; tests replace it.
var measureDoer = doerOverhead

// doerOverhead measures what go-openai's thinking splice adds per call.
func doerOverhead() (string, error) {
	plain, err := measure(benchmarks.ThinkingDoerBench(false))
	if err != nil {
		return "", err
	}
	spliced, err := measure(benchmarks.ThinkingDoerBench(true))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("about %.0f ns CPU, %.0f B and %.0f allocs per call (`BenchmarkThinkingDoer`)",
		spliced.cpu-plain.cpu, spliced.bytes-plain.bytes, spliced.allocs-plain.allocs), nil
}

// peerVersions names the peer modules and versions this binary was built with.
func peerVersions() string {
	want := []string{"github.com/sashabaranov/go-openai", "github.com/openai/openai-go/v3"}
	var out []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, w := range want {
			for _, d := range bi.Deps {
				if d.Path == w {
					out = append(out, strings.TrimPrefix(d.Path, "github.com/")+" "+d.Version)
				}
			}
		}
	}
	if len(out) == 0 {
		return "go-openai and openai-go"
	}
	return strings.Join(out, " and ")
}

// writeSVG writes the chart section built, if an SVG file is wanted.
func (pf *peerFlags) writeSVG() error {
	if pf.svgFile == "" || pf.chart == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(pf.svgFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(pf.svgFile, pf.chart.SVG(), 0o644)
}
