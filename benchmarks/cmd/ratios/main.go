// Command ratios runs harbor and the hand-written floor clients side by side
// against the vendor mocks (served by a child process) and prints, per
// scenario, the median client CPU ns/op, wall ns/op, B/op and allocs/op of
// each, and the ratio harbor/floor. Scenarios: Create, Stream and
// CreateParallel64 on DeepSeek, and Create/<vendor>, Stream/<vendor> for every
// other vendor (one model each).
//
//	cd benchmarks && go run ./cmd/ratios -out results/latest.md
//	cd benchmarks && go run ./cmd/ratios -vendors deepseek,doubao -rounds 3 -benchtime 200ms
//
// With -managed (the default) the DeepSeek scenarios also run with harbor's
// managed call path on: Create/observed and Stream/observed (a Prometheus
// observer and a limiter, beside the floor), and the harbor-only CreateHit,
// StreamHit, CreateL2Hit, StreamL2Hit (a real redis-server), Singleflight64 and Singleflight64Full (the response cache), and
// StagesCost (the observer and limiter in process); -scenarios keeps only the
// scenarios whose names match a regular expression:
//
//	cd benchmarks && go run ./cmd/ratios -vendors deepseek -peers none -load=false -memory=false -coldstart=false \
//	    -scenarios '^(Create|Stream)(/observed)?$|Hit$|^Singleflight64|^StagesCost' -out results/managed.md
//
// Rounds are interleaved (harbor, floor, harbor, floor…, the order flipped
// every other round) so that drift of a noisy machine hits both sides alike.
// Client CPU comes from getrusage(RUSAGE_SELF), user+sys, around the timed
// loop: the mock is another process, so this is the client's CPU alone.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
)

func main() {
	mockproc.ServeIfChild()
	benchmarks.ServeMemoryChildIf() // the memory section's children (extras.go)

	testing.Init() // registers -test.benchtime, which testing.Benchmark reads
	rounds := flag.Int("rounds", 8, "interleaved rounds; medians are taken over them")
	benchtime := flag.String("benchtime", "1s", "time (or Nx iterations) per benchmark run")
	out := flag.String("out", "", "also write the Markdown to this file")
	vendorList := flag.String("vendors", strings.Join(benchmarks.Vendors, ","), "comma-separated vendors to benchmark ("+strings.Join(benchmarks.Vendors, ", ")+")")
	managed := flag.Bool("managed", true, "also run the managed call path's scenarios on DeepSeek: Create/observed and Stream/observed (Prometheus observer and limiter on), CreateHit, StreamHit, CreateL2Hit and StreamL2Hit (Redis, when redis-server is on PATH), Singleflight64 and Singleflight64Full (response cache), StagesCost (observer and limiter, in process)")
	scenarios := flag.String("scenarios", "", "run only the scenarios whose names match this regular expression (\"^(Create|Stream)(/observed)?$\", \"Hit$\"…); default all")
	extra := registerExtras() // -load, -memory, -coldstart… (extras.go)
	pf := registerPeers()     // -peers, -svg, -load-peers (peers.go)
	flag.Parse()
	pf.resolve(*out, extra)
	if *rounds < 1 {
		fatal(fmt.Errorf("-rounds must be >= 1"))
	}
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fatal(fmt.Errorf("-benchtime: %w", err))
	}

	vendors, err := parseVendors(*vendorList)
	if err != nil {
		fatal(fmt.Errorf("-vendors: %w", err))
	}

	var only *regexp.Regexp
	if *scenarios != "" {
		if only, err = regexp.Compile(*scenarios); err != nil {
			fatal(fmt.Errorf("-scenarios: %w", err))
		}
	}

	head, rest, err := run(*rounds, *benchtime, vendors, pf, *managed, only)
	if err != nil {
		fatal(err)
	}
	more, cold, err := extra.run(os.Stderr)
	if err != nil {
		fatal(err)
	}
	md := head
	if cold != nil { // the cold start's rows join the summary
		md += cold.SummaryMarkdown()
	}
	md += rest + more
	fmt.Print(md)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fatal(err)
		}
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			fatal(err)
		}
	}
	if err := pf.writeSVG(); err != nil {
		fatal(err)
	}
}

// parseVendors splits list and checks every name, keeping the report order of
// benchmarks.Vendors.
func parseVendors(list string) ([]string, error) {
	want := map[string]bool{}
	for _, v := range strings.Split(list, ",") {
		if v = strings.TrimSpace(strings.ToLower(v)); v == "" {
			continue
		}
		if !slices.Contains(benchmarks.Vendors, v) {
			return nil, fmt.Errorf("unknown vendor %q (known: %s)", v, strings.Join(benchmarks.Vendors, ", "))
		}
		want[v] = true
	}
	var out []string
	for _, v := range benchmarks.Vendors {
		if want[v] {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no vendor given")
	}
	return out, nil
}

// withVariants inserts each variant pair (Create/observed…) right after the
// pair it varies (Create), so that the two run back to back in every round and
// read together in the report; a variant without its pair goes last.
func withVariants(pairs, variants []benchmarks.Pair) []benchmarks.Pair {
	out := slices.Clone(pairs)
	for _, v := range variants {
		base := strings.TrimSuffix(v.Name, "/"+v.Variant)
		i := slices.IndexFunc(out, func(p benchmarks.Pair) bool { return p.Name == base })
		if i < 0 {
			out = append(out, v)
			continue
		}
		out = slices.Insert(out, i+1, v)
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "ratios:", err)
	os.Exit(1)
}

// sample is one benchmark run's per-op figures, and the metrics it reported
// with b.ReportMetric (Singleflight64's upstream-calls/op…).
type sample struct {
	cpu, wall, bytes, allocs float64
	extra                    map[string]float64
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn with testing.Benchmark. testing.Benchmark calls fn with a
// growing b.N and reports the last call, so the CPU delta kept is the last
// call's too.
func measure(fn func(*testing.B)) (sample, error) {
	var cpu time.Duration
	var n int
	failed := false
	r := testing.Benchmark(func(b *testing.B) {
		defer func() { failed = failed || b.Failed() }() // runs after b.Fatal too
		start := cpuNow()
		fn(b)
		cpu, n = cpuNow()-start, b.N
	})
	if failed || r.N == 0 || n != r.N {
		return sample{}, fmt.Errorf("benchmark failed (N=%d, last call N=%d)", r.N, n)
	}
	N := float64(r.N)
	return sample{
		cpu:    float64(cpu.Nanoseconds()) / N,
		wall:   float64(r.T.Nanoseconds()) / N,
		bytes:  float64(r.MemBytes) / N,
		allocs: float64(r.MemAllocs) / N,
		extra:  r.Extra,
	}, nil
}

type series []sample

func (s series) median(f func(sample) float64) float64 {
	v := make([]float64, len(s))
	for i := range s {
		v[i] = f(s[i])
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

var metrics = []struct {
	name string
	get  func(sample) float64
}{
	{"client CPU ns/op", func(s sample) float64 { return s.cpu }},
	{"wall ns/op", func(s sample) float64 { return s.wall }},
	{"B/op", func(s sample) float64 { return s.bytes }},
	{"allocs/op", func(s sample) float64 { return s.allocs }},
}

// soloBench is a harbor-only benchmark (no floor): New, Route, and the managed
// path's cache scenarios.
type soloBench struct {
	name string
	fn   func(*testing.B)
}

// run measures the per-call scenarios (with the managed path's if managed; only
// those matching only if it is not nil) and returns the report up to the end of
// the summary table, and the rest of it.
func run(rounds int, benchtime string, vendors []string, pf *peerFlags, managed bool, only *regexp.Regexp) (head, rest string, err error) {
	proc, err := mockproc.Start()
	if err != nil {
		return "", "", err
	}
	defer proc.Close()
	env, err := benchmarks.NewEnv(proc.URLs, vendors)
	if err != nil {
		return "", "", err
	}
	defer env.Close()
	for _, v := range vendors {
		if why := env.Skipped[v]; why != nil {
			fmt.Fprintf(os.Stderr, "skipped %s: %v\n", v, why)
		}
	}
	if len(env.Vendors) == 0 {
		return "", "", fmt.Errorf("every vendor asked for was skipped")
	}

	pairs := env.Pairs()
	solo := []soloBench{{"New", benchmarks.BenchNew(proc.URL, mockproc.APIKey)}}
	if ds := env.Vendor(benchmarks.DeepSeek); ds != nil {
		solo = append(solo, soloBench{"Route", ds.BenchRoute})
	}
	var managedSkipped, l2Skipped error
	if managed {
		mg, err := benchmarks.NewManaged(env)
		switch {
		case errors.Is(err, benchmarks.ErrNoDeepSeek):
			managedSkipped = err
			fmt.Fprintf(os.Stderr, "skipped the managed call path: %v\n", err)
		case err != nil:
			return "", "", err
		default:
			defer mg.Close()
			pairs = withVariants(pairs, mg.Pairs())
			for _, name := range mg.SoloNames() {
				solo = append(solo, soloBench{name, mg.Solo(name)})
			}
			if mg.L2Skipped != nil {
				l2Skipped = mg.L2Skipped
				fmt.Fprintf(os.Stderr, "skipped the L2 (Redis) scenarios: %v\n", mg.L2Skipped)
			}
		}
	}
	if only != nil {
		pairs = slices.DeleteFunc(pairs, func(p benchmarks.Pair) bool { return !only.MatchString(p.Name) })
		solo = slices.DeleteFunc(solo, func(sb soloBench) bool { return !only.MatchString(sb.name) })
		if len(pairs) == 0 && len(solo) == 0 {
			return "", "", fmt.Errorf("-scenarios %q matches no scenario", only)
		}
	}
	peers, err := pf.start(proc.URLs, vendors)
	if err != nil {
		return "", "", err
	}
	if peers != nil {
		defer peers.Close()
	}
	peerRes := newPeerResults(len(pairs))
	harborRes := make([]series, len(pairs))
	floorRes := make([]series, len(pairs))
	soloRes := make([]series, len(solo))

	began := time.Now()
	for r := range rounds {
		for i, p := range pairs {
			order := []entry{{"harbor", p.Harbor, &harborRes[i]}, {"floor", p.Floor, &floorRes[i]}}
			order = append(order, peerRes.entries(peers, p.Name, i)...)
			rotate(order, r)
			for _, o := range order {
				s, err := measure(o.fn)
				if err != nil {
					return "", "", fmt.Errorf("%s/%s: %w", p.Name, o.name, err)
				}
				*o.dst = append(*o.dst, s)
				fmt.Fprintf(os.Stderr, "round %d/%d %-18s %-6s cpu %9.0f ns/op  wall %9.0f ns/op  %7.0f B/op  %5.1f allocs/op\n",
					r+1, rounds, p.Name, o.name, s.cpu, s.wall, s.bytes, s.allocs)
			}
		}
		for i, sb := range solo {
			s, err := measure(sb.fn)
			if err != nil {
				return "", "", fmt.Errorf("%s: %w", sb.name, err)
			}
			soloRes[i] = append(soloRes[i], s)
			fmt.Fprintf(os.Stderr, "round %d/%d %-18s %-6s cpu %9.0f ns/op  wall %9.0f ns/op  %7.0f B/op  %5.1f allocs/op\n",
				r+1, rounds, sb.name, "harbor", s.cpu, s.wall, s.bytes, s.allocs)
		}
	}

	// perRound returns the sorted per-round CPU ratios of pair i.
	perRound := func(i int) []float64 {
		per := make([]float64, rounds)
		for r := range rounds {
			per[r] = harborRes[i][r].cpu / floorRes[i][r].cpu
		}
		slices.Sort(per)
		return per
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# harbor vs floor (hand-written net/http + encoding/json clients)\n\n")
	fmt.Fprintf(&b, "Vendor mocks in a child process on loopback; medians of %d interleaved rounds, -benchtime %s; %s %s/%s, GOMAXPROCS %d, %s; run took %s.\n",
		rounds, benchtime, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), time.Now().UTC().Format("2006-01-02 15:04 UTC"), time.Since(began).Round(time.Second))
	fmt.Fprintf(&b, "Client CPU is getrusage(RUSAGE_SELF) user+sys per op. Ratio = harbor/floor; the budget is client CPU ratio <= 1.00.\n")
	var models []string
	for _, v := range env.Vendors {
		models = append(models, v.Vendor+" "+v.Model)
	}
	fmt.Fprintf(&b, "Models: %s.\n", strings.Join(models, ", "))
	for _, v := range vendors {
		if why := env.Skipped[v]; why != nil {
			fmt.Fprintf(&b, "Skipped %s: %v.\n", v, why)
		}
	}
	if managedSkipped != nil {
		fmt.Fprintf(&b, "Skipped the managed call path: %v.\n", managedSkipped)
	}
	if l2Skipped != nil {
		fmt.Fprintf(&b, "Skipped the L2 (Redis) scenarios CreateL2Hit, StreamL2Hit: %v.\n", l2Skipped)
	}
	if only != nil {
		fmt.Fprintf(&b, "A partial run: only the scenarios matching `%s`.\n", only)
	}
	fmt.Fprintf(&b, "Command: `cd benchmarks && go run ./cmd/ratios%s`.\n", shellArgs(os.Args[1:]))

	fmt.Fprintf(&b, "\n## Summary\n\n| scenario | client CPU ns/op harbor | floor | CPU harbor/floor | per-round CPU ratio min–max | B/op harbor/floor | allocs/op harbor/floor |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for i, p := range pairs {
		med := func(m int, s []series) float64 { return s[i].median(metrics[m].get) }
		per := perRound(i)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f–%.2f | %s | %s |\n", p.Name,
			num(med(0, harborRes)), num(med(0, floorRes)), ratio(med(0, harborRes), med(0, floorRes)),
			per[0], per[len(per)-1],
			ratio(med(2, harborRes), med(2, floorRes)), ratio(med(3, harborRes), med(3, floorRes)))
	}

	head = b.String()
	b.Reset()
	b.WriteString(pf.section(pairs, harborRes, floorRes, peerRes, rounds, benchtime))
	b.WriteString(managedSection(pairs, harborRes, floorRes, solo, soloRes))

	for i, p := range pairs {
		fmt.Fprintf(&b, "\n## %s\n\n| metric | harbor | floor | harbor/floor |\n|---|---:|---:|---:|\n", p.Name)
		for _, m := range metrics {
			h, f := harborRes[i].median(m.get), floorRes[i].median(m.get)
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m.name, num(h), num(f), ratio(h, f))
		}
		per := perRound(i)
		fmt.Fprintf(&b, "\nCPU ratio per round: min %.2f, max %.2f.\n", per[0], per[len(per)-1])
		if strings.HasPrefix(p.Name, "Stream") {
			if ve := env.Vendor(p.Vendor); ve != nil {
				if n, err := ve.StreamChunks(context.Background()); err == nil && n > 0 {
					h, f := harborRes[i].median(metrics[0].get), floorRes[i].median(metrics[0].get)
					fmt.Fprintf(&b, "Per chunk (%d chunks per stream): client CPU harbor %s ns, floor %s ns.\n", n, num(h/float64(n)), num(f/float64(n)))
				}
			}
		}
	}
	if len(solo) == 0 {
		return head, b.String(), nil
	}
	fmt.Fprintf(&b, "\n## harbor only\n\n| benchmark | client CPU ns/op | wall ns/op | B/op | allocs/op |\n|---|---:|---:|---:|---:|\n")
	for i, sb := range solo {
		s := soloRes[i]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", sb.name,
			num(s.median(metrics[0].get)), num(s.median(metrics[1].get)), num(s.median(metrics[2].get)), num(s.median(metrics[3].get)))
	}
	return head, b.String(), nil
}

// shellArgs quotes args for a POSIX shell, each after a space: as given when
// they are plain, in single quotes otherwise.
func shellArgs(args []string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteByte(' ')
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:+") == "" {
			b.WriteString(a)
			continue
		}
		b.WriteString("'" + strings.ReplaceAll(a, "'", `'\''`) + "'")
	}
	return b.String()
}

func num(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func ratio(h, f float64) string {
	if f == 0 {
		if h == 0 {
			return "1.00"
		}
		return "—"
	}
	return fmt.Sprintf("%.2f", h/f)
}
