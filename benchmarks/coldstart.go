package benchmarks

// Start-up: client creation and first call in process (with the provider
// binding cost on its own), the management calls, and the cold start of a
// small program (exec -> first response, binary size); with the Python
// design's targets beside our figures.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/harbor"
)

// Cost is one measurement's per-op figures.
type Cost struct {
	Wall, CPU     time.Duration // per op; CPU is this process's getrusage user+sys
	Bytes, Allocs float64       // heap bytes and allocations per op (runtime.MemStats)
}

// measureOps runs fn n times and returns the cost per call.
func measureOps(n int, fn func() error) (Cost, error) {
	if n < 1 {
		return Cost{}, fmt.Errorf("n must be >= 1, got %d", n)
	}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0, t0 := processCPU(), time.Now()
	for range n {
		if err := fn(); err != nil {
			return Cost{}, err
		}
	}
	wall, cpu := time.Since(t0), processCPU()-c0
	runtime.ReadMemStats(&m1)
	N := float64(n)
	return Cost{
		Wall:   wall / time.Duration(n),
		CPU:    cpu / time.Duration(n),
		Bytes:  float64(m1.TotalAlloc-m0.TotalAlloc) / N,
		Allocs: float64(m1.Mallocs-m0.Mallocs) / N,
	}, nil
}

// measureFor runs fn in batches, doubling, until one batch takes at least d,
// and returns that batch's cost per call (for calls far below a microsecond).
func measureFor(d time.Duration, fn func() error) (Cost, error) {
	for n := 1000; ; n *= 2 {
		c, err := measureOps(n, fn)
		if err != nil || c.Wall*time.Duration(n) >= d || n >= 1<<30 {
			return c, err
		}
	}
}

// medianCost is the median of each figure on its own.
func medianCost(cs []Cost) Cost {
	get := func(f func(Cost) float64) float64 {
		v := make([]float64, len(cs))
		for i, c := range cs {
			v[i] = f(c)
		}
		return medianOf(v)
	}
	return Cost{
		Wall:   time.Duration(get(func(c Cost) float64 { return float64(c.Wall) })),
		CPU:    time.Duration(get(func(c Cost) float64 { return float64(c.CPU) })),
		Bytes:  get(func(c Cost) float64 { return c.Bytes }),
		Allocs: get(func(c Cost) float64 { return c.Allocs }),
	}
}

// StartupConfig sets up MeasureStartup.
type StartupConfig struct {
	URL    string // the DeepSeek mock's root URL
	Rounds int    // interleaved rounds, medians kept; 0: 5
	// FirstN is how many clients each "first Create" sample builds; each
	// dials a new connection when the transport is fresh, left in TIME_WAIT
	// when closed, so keep it modest. 0: 200.
	FirstN int
	// WarmN is the number of ops of the pooled and warm samples; 0: 10*FirstN.
	WarmN int
	// ManagementTime is how long each management call sample runs at least; 0: 100ms.
	ManagementTime time.Duration
	Progress       io.Writer
}

// StartupRow is one start-up measurement, for harbor and (when it has a
// counterpart) the floor.
type StartupRow struct {
	Name, What    string
	Harbor, Floor Cost
	HasFloor      bool
}

// Management is one management call's cost on a warm harbor client.
type Management struct {
	Name string
	Cost Cost
}

// StartupReport is the outcome of MeasureStartup.
type StartupReport struct {
	Rows       []StartupRow
	Management []Management
	// Binding is harbor's lazy set-up on the first call: "first Create,
	// pooled connection" minus "warm Create" (see MeasureStartup).
	Binding, FloorBinding Cost
	Rounds                int
	FirstN, WarmN         int
	Took                  time.Duration
}

// MeasureStartup measures, for harbor and the floor, in interleaved rounds:
//
//   - New: building the client (harbor.New; the floor's constructor);
//   - New + first Create, new connection: a fresh client (its own transport)
//     makes one Create and is closed: everything a short-lived program pays,
//     TCP dial included;
//   - New + first Create, pooled connection: a fresh client over a shared,
//     warm transport (harbor.WithTransport) makes one Create: no dial, so what
//     is left on top of a warm Create is the lazy set-up alone;
//   - warm Create: a client that has made calls before.
//
// Harbor's provider binding cost is "first Create, pooled connection" minus
// "warm Create": the route table, the provider (generated client, request
// editors) and the retrying doer, built on the first call; the floor's
// counterpart is its constructor. Then the management calls on a warm harbor
// client: Stats, Route, Models, BoundProviders.
func MeasureStartup(ctx context.Context, cfg StartupConfig) (*StartupReport, error) {
	if cfg.Rounds <= 0 {
		cfg.Rounds = 5
	}
	if cfg.FirstN <= 0 {
		cfg.FirstN = 200
	}
	if cfg.WarmN <= 0 {
		cfg.WarmN = 10 * cfg.FirstN
	}
	if cfg.ManagementTime <= 0 {
		cfg.ManagementTime = 100 * time.Millisecond
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.URL == "" {
		return nil, errors.New("startup: no mock URL")
	}
	began := time.Now()
	url, key := cfg.URL, mockproc.APIKey
	opts := HarborOptions(url, key)
	hreq, freq := HarborRequest(), FloorRequestFixture()

	shared := floorTransport() // tuned like harbor's
	defer shared.CloseIdleConnections()
	sharedOpts := append(HarborOptions(url, key), harbor.WithTransport(shared))
	floorOver := func(tr *http.Transport) *Floor {
		return &Floor{vendor: DeepSeek, url: strings.TrimRight(url, "/") + "/chat/completions", auth: "Bearer " + key, tr: tr, hc: &http.Client{Transport: tr}}
	}
	warmH, err := harbor.New(sharedOpts...)
	if err != nil {
		return nil, err
	}
	warmF := floorOver(shared)
	for range 3 { // bind, dial, warm the pool
		if err := harborCreateOp(ctx, warmH, hreq); err != nil {
			return nil, fmt.Errorf("startup warm-up, harbor: %w", err)
		}
		if err := floorCreateOp(ctx, warmF, freq); err != nil {
			return nil, fmt.Errorf("startup warm-up, floor: %w", err)
		}
	}

	var sinkC *harbor.Client
	var sinkF *Floor
	type side struct {
		n    int
		h, f func() error
	}
	items := []struct {
		name, what string
		side
	}{
		{"New", "build the client (harbor.New; the floor's constructor); no I/O", side{cfg.WarmN * 10,
			func() error { c, err := harbor.New(opts...); sinkC = c; return err },
			func() error { sinkF = NewFloor(url, key); return nil }}},
		{"New + first Create, new connection", "a fresh client, one Create, Close: TCP dial, lazy binding and the call", side{cfg.FirstN,
			func() error {
				c, err := harbor.New(opts...)
				if err != nil {
					return err
				}
				defer c.Close()
				return harborCreateOp(ctx, c, hreq)
			},
			func() error { f := NewFloor(url, key); defer f.Close(); return floorCreateOp(ctx, f, freq) }}},
		{"New + first Create, pooled connection", "a fresh client over a shared warm transport, one Create: lazy binding and the call, no dial", side{cfg.WarmN,
			func() error {
				c, err := harbor.New(sharedOpts...)
				if err != nil {
					return err
				}
				return harborCreateOp(ctx, c, hreq)
			},
			func() error { return floorCreateOp(ctx, floorOver(shared), freq) }}},
		{"warm Create", "Create on a client that has called before (same shared transport)", side{cfg.WarmN,
			func() error { return harborCreateOp(ctx, warmH, hreq) },
			func() error { return floorCreateOp(ctx, warmF, freq) }}},
	}
	hs := make([][]Cost, len(items))
	fs := make([][]Cost, len(items))
	for r := range cfg.Rounds {
		for i, it := range items {
			order := []struct {
				name string
				fn   func() error
				dst  *[]Cost
			}{{"harbor", it.h, &hs[i]}, {"floor", it.f, &fs[i]}}
			if r%2 == 1 {
				order[0], order[1] = order[1], order[0]
			}
			for _, o := range order {
				c, err := measureOps(it.n, o.fn)
				if err != nil {
					return nil, fmt.Errorf("startup, %s, %s: %w", it.name, o.name, err)
				}
				*o.dst = append(*o.dst, c)
				fmt.Fprintf(cfg.Progress, "startup round %d/%d %-38s %-6s wall %8.1f µs/op  cpu %8.1f µs/op  %7.0f B/op  %6.1f allocs/op\n",
					r+1, cfg.Rounds, it.name, o.name, us(c.Wall), us(c.CPU), c.Bytes, c.Allocs)
			}
		}
	}
	_, _ = sinkC, sinkF
	rep := &StartupReport{Rounds: cfg.Rounds, FirstN: cfg.FirstN, WarmN: cfg.WarmN}
	for i, it := range items {
		rep.Rows = append(rep.Rows, StartupRow{Name: it.name, What: it.what, Harbor: medianCost(hs[i]), Floor: medianCost(fs[i]), HasFloor: true})
	}
	// Binding: per round, pooled first call minus warm call, then the median.
	binding := func(s [][]Cost) Cost {
		d := make([]Cost, cfg.Rounds)
		for r := range cfg.Rounds {
			p, w := s[2][r], s[3][r]
			d[r] = Cost{Wall: p.Wall - w.Wall, CPU: p.CPU - w.CPU, Bytes: p.Bytes - w.Bytes, Allocs: p.Allocs - w.Allocs}
		}
		return medianCost(d)
	}
	rep.Binding, rep.FloorBinding = binding(hs), binding(fs)

	for _, m := range []struct {
		name string
		fn   func() error
	}{
		{"Stats", func() error { _ = warmH.Stats(); return nil }},
		{"Route", func() error { _, err := warmH.Route(Model); return err }},
		{"Models", func() error {
			if len(warmH.Models()) == 0 {
				return errors.New("no models")
			}
			return nil
		}},
		{"BoundProviders", func() error {
			if len(warmH.BoundProviders()) == 0 {
				return errors.New("no bound provider")
			}
			return nil
		}},
	} {
		var cs []Cost
		for range cfg.Rounds {
			c, err := measureFor(cfg.ManagementTime, m.fn)
			if err != nil {
				return nil, fmt.Errorf("management call %s: %w", m.name, err)
			}
			cs = append(cs, c)
		}
		c := medianCost(cs)
		rep.Management = append(rep.Management, Management{Name: m.name, Cost: c})
		fmt.Fprintf(cfg.Progress, "management %-15s %8.1f ns/op  %5.1f allocs/op\n", m.name, float64(c.Wall), c.Allocs)
	}
	rep.Took = time.Since(began)
	return rep, nil
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

// SeedInit and SeedManagementCall are the Python design's targets for
// initialisation and for one management call.
const (
	SeedInit           = 160 * time.Millisecond
	SeedManagementCall = 350 * time.Nanosecond
)

// Markdown renders the start-up tables.
func (r *StartupReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Client creation and first call (DeepSeek)\n\n")
	fmt.Fprintf(&b, "In process, against the mock child; median of %d interleaved rounds (first-Create rows: %d fresh clients per round; pooled and warm rows: %d calls); took %s. "+
		"Wall includes the mock's time; CPU is this process's. Ratio = harbor/floor.\n\n", r.Rounds, r.FirstN, r.WarmN, r.Took.Round(time.Second))
	b.WriteString("| measurement | what | wall µs/op harbor | floor | CPU µs/op harbor | floor | CPU harbor/floor | B/op harbor | floor | allocs/op harbor | floor |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range r.Rows {
		h, f := row.Harbor, row.Floor
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.Name, row.What,
			figure(us(h.Wall)), figure(us(f.Wall)), figure(us(h.CPU)), figure(us(f.CPU)), ratioOf(float64(h.CPU), float64(f.CPU)),
			figure(h.Bytes), figure(f.Bytes), figure(h.Allocs), figure(f.Allocs))
	}
	fmt.Fprintf(&b, "\nProvider binding (harbor's lazy set-up on the first call: route table, provider, retrying doer), measured as \"first Create, pooled connection\" minus \"warm Create\" per round, median: "+
		"wall %s µs, CPU %s µs, %s B, %s allocs. The floor's counterpart (its constructor over the shared transport): CPU %s µs, %s allocs. "+
		"These are differences of two noisy figures: the allocations are exact, the times indicative.\n",
		figure(us(r.Binding.Wall)), figure(us(r.Binding.CPU)), figure(r.Binding.Bytes), figure(r.Binding.Allocs),
		figure(us(r.FloorBinding.CPU)), figure(r.FloorBinding.Allocs))
	fmt.Fprintf(&b, "\n### Management calls (warm harbor client)\n\n| call | ns/op | allocs/op | seed target |\n|---|---:|---:|---:|\n")
	for _, m := range r.Management {
		fmt.Fprintf(&b, "| %s | %s | %s | <= %v |\n", m.Name, figure(float64(m.Cost.Wall)), figure(m.Cost.Allocs), SeedManagementCall)
	}
	return b.String()
}

// ColdStartConfig sets up MeasureColdStart.
type ColdStartConfig struct {
	URL  string // the DeepSeek mock's root URL
	Runs int    // measured runs of each binary; 0: 20
	// Dir receives the binaries; "" means a temporary directory, removed
	// afterwards.
	Dir string
	// Go is the go command; "" means "go" on PATH, else GOROOT/bin/go.
	Go string
	// ModuleDir is the benchmarks module's directory, where the probes are
	// built; "" means the directory this file was compiled from, else the
	// working directory.
	ModuleDir string
	Progress  io.Writer
}

// Probe is one built probe binary.
type Probe struct {
	Client   string // "harbor" or "floor"
	Stripped bool   // built with -ldflags=-s -w
	Path     string
	Size     int64
}

// ProbeRun is one exec of a probe.
type ProbeRun struct {
	ToAnswer time.Duration // exec -> the probe's answer line read by the parent
	// ToMain is exec -> the probe's main entry (the parent's clock before Start to
	// the wall clock the probe read first thing in main): process start, the Go
	// runtime and every package's init.
	ToMain time.Duration
	InMain time.Duration // the probe's own main entry -> answer
	New    time.Duration // the probe's client construction
}

// ColdStartResult is one probe's runs.
type ColdStartResult struct {
	Probe Probe
	Runs  []ProbeRun
}

func (c *ColdStartResult) median(f func(ProbeRun) time.Duration) time.Duration {
	v := make([]float64, len(c.Runs))
	for i, r := range c.Runs {
		v[i] = float64(f(r))
	}
	return time.Duration(medianOf(v))
}

// ToAnswer is the median exec -> first response.
func (c *ColdStartResult) ToAnswer() time.Duration {
	return c.median(func(r ProbeRun) time.Duration { return r.ToAnswer })
}

// ToMain is the median exec -> main entry: init done.
func (c *ColdStartResult) ToMain() time.Duration {
	return c.median(func(r ProbeRun) time.Duration { return r.ToMain })
}

// ColdStartReport is the outcome of MeasureColdStart.
type ColdStartReport struct {
	Results []*ColdStartResult
	Took    time.Duration
}

// Result returns the probe of client, stripped or not.
func (r *ColdStartReport) Result(client string, stripped bool) *ColdStartResult {
	for _, res := range r.Results {
		if res.Probe.Client == client && res.Probe.Stripped == stripped {
			return res
		}
	}
	return nil
}

// FloorDepsClient is the probe of the floor with harbor's third-party
// dependencies linked in (cmd/coldstart-probe/floor-deps): the part of
// harbor's cold start that its libraries' package init and size fix.
const FloorDepsClient = "floor-deps"

// ProbeClients are the cold-start probes, by package directory under
// cmd/coldstart-probe.
var ProbeClients = []string{"harbor", FloorClient, FloorDepsClient}

// BuildProbes builds every probe, stripped and not, into dir.
func BuildProbes(ctx context.Context, goCmd, moduleDir, dir string) ([]Probe, error) {
	var probes []Probe
	for _, c := range ProbeClients {
		for _, stripped := range []bool{false, true} {
			p := Probe{Client: c, Stripped: stripped, Path: filepath.Join(dir, c+"-probe")}
			args := []string{"build", "-o"}
			if stripped {
				p.Path += "-stripped"
				args = append(args, p.Path, "-ldflags=-s -w")
			} else {
				args = append(args, p.Path)
			}
			args = append(args, "./cmd/coldstart-probe/"+c)
			cmd := exec.CommandContext(ctx, goCmd, args...)
			cmd.Dir = moduleDir
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, tail(string(out), 2000))
			}
			st, err := os.Stat(p.Path)
			if err != nil {
				return nil, err
			}
			p.Size = st.Size()
			probes = append(probes, p)
		}
	}
	return probes, nil
}

// RunProbe execs probe against the mock at url once, with the mock's key,
// and times it.
func RunProbe(ctx context.Context, probe, url string) (ProbeRun, error) {
	return runProbe(ctx, probe, url, mockproc.APIKey)
}

func runProbe(ctx context.Context, probe, url, key string) (ProbeRun, error) {
	cmd := exec.CommandContext(ctx, probe, url)
	cmd.Env = append(os.Environ(), "HARBOR_PROBE_KEY="+key)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return ProbeRun{}, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return ProbeRun{}, err
	}
	line, rerr := bufio.NewReader(out).ReadString('\n')
	toAnswer := time.Since(t0)
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if werr != nil {
		return ProbeRun{}, fmt.Errorf("%s: %v: %s", filepath.Base(probe), werr, tail(stderr.String(), 500))
	}
	if rerr != nil {
		return ProbeRun{}, fmt.Errorf("%s: no answer line: %v", filepath.Base(probe), rerr)
	}
	run := ProbeRun{ToAnswer: toAnswer}
	fields := strings.Fields(line)
	if len(fields) != 4 || fields[0] != "ok" {
		return ProbeRun{}, fmt.Errorf("%s: unexpected output %q", filepath.Base(probe), line)
	}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return ProbeRun{}, fmt.Errorf("%s: unexpected output %q", filepath.Base(probe), line)
		}
		switch k {
		case "main_ns":
			run.InMain = time.Duration(ns)
		case "new_ns":
			run.New = time.Duration(ns)
		case "main_at":
			run.ToMain = time.Unix(0, ns).Sub(t0) // wall clocks: t0's monotonic reading means nothing to the probe
		default:
			return ProbeRun{}, fmt.Errorf("%s: unexpected output %q", filepath.Base(probe), line)
		}
	}
	return run, nil
}

// findGo returns the go command.
func findGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		return "", errors.New("no go command on PATH or in GOROOT: the cold-start probes cannot be built")
	}
	return p, nil
}

// moduleDir is the benchmarks module's directory: where this file was
// compiled from, if it is still there.
func moduleDir() string {
	if _, file, _, ok := runtime.Caller(0); ok {
		d := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(d, "cmd", "coldstart-probe")); err == nil {
			return d
		}
	}
	return "."
}

// MeasureColdStart builds the probes and execs each cfg.Runs times (after one
// unmeasured run), the probes taking turns.
func MeasureColdStart(ctx context.Context, cfg ColdStartConfig) (*ColdStartReport, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 20
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.URL == "" {
		return nil, errors.New("cold start: no mock URL")
	}
	if cfg.Go == "" {
		g, err := findGo()
		if err != nil {
			return nil, err
		}
		cfg.Go = g
	}
	if cfg.ModuleDir == "" {
		cfg.ModuleDir = moduleDir()
	}
	if cfg.Dir == "" {
		d, err := os.MkdirTemp("", "harbor-coldstart-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		cfg.Dir = d
	}
	began := time.Now()
	probes, err := BuildProbes(ctx, cfg.Go, cfg.ModuleDir, cfg.Dir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "cold start: built %d probes in %s\n", len(probes), time.Since(began).Round(time.Millisecond))
	rep := &ColdStartReport{}
	for _, p := range probes {
		rep.Results = append(rep.Results, &ColdStartResult{Probe: p})
		if _, err := RunProbe(ctx, p.Path, cfg.URL); err != nil { // page the binary in
			return nil, err
		}
	}
	for i := range cfg.Runs {
		for k := range rep.Results {
			res := rep.Results[(k+i)%len(rep.Results)]
			run, err := RunProbe(ctx, res.Probe.Path, cfg.URL)
			if err != nil {
				return nil, err
			}
			res.Runs = append(res.Runs, run)
		}
	}
	for _, res := range rep.Results {
		fmt.Fprintf(cfg.Progress, "cold start %-6s stripped=%-5v %6.2f MiB  exec->answer %6.2f ms\n",
			res.Probe.Client, res.Probe.Stripped, float64(res.Probe.Size)/(1<<20), ms(res.ToAnswer()))
	}
	rep.Took = time.Since(began)
	return rep, nil
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// Markdown renders the cold-start table.
func (r *ColdStartReport) Markdown() string {
	var b strings.Builder
	runs := 0
	if len(r.Results) > 0 {
		runs = len(r.Results[0].Runs)
	}
	fmt.Fprintf(&b, "\n## Cold start (cmd/coldstart-probe)\n\n")
	fmt.Fprintf(&b, "A small program builds its client, makes one DeepSeek Create against the mock and exits; the parent execs it %d times per binary (after one unmeasured run; the binaries taking turns) and times exec -> the answer line on its stdout: "+
		"process start, Go runtime and package init, client construction, TCP dial and the call. Exec -> main: process start, runtime and package init (the probe reports the wall clock at its main entry). In main: from the probe's main entry to the answer. Medians; took %s (builds included). "+
		"Seed target (the Python client's initialisation): <= %v.\n\n", runs, r.Took.Round(time.Second), SeedInit)
	b.WriteString("| probe | binary | size MiB | exec -> answer ms | min–max ms | exec -> main ms | in main ms | client construction µs |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range r.Results {
		kind := "default"
		if res.Probe.Stripped {
			kind = "stripped (-s -w)"
		}
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for _, run := range res.Runs {
			lo, hi = min(lo, run.ToAnswer), max(hi, run.ToAnswer)
		}
		if len(res.Runs) == 0 {
			lo = 0
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %s | %s–%s | %s | %s | %s |\n", res.Probe.Client, kind, float64(res.Probe.Size)/(1<<20),
			figure(ms(res.ToAnswer())), figure(ms(lo)), figure(ms(hi)), figure(ms(res.ToMain())),
			figure(ms(res.median(func(p ProbeRun) time.Duration { return p.InMain }))),
			figure(us(res.median(func(p ProbeRun) time.Duration { return p.New }))))
	}
	h, f := r.Result("harbor", true), r.Result(FloorClient, true)
	if h != nil && f != nil {
		fmt.Fprintf(&b, "\nharbor/floor: stripped size %.2f, exec -> answer %.2f.\n",
			float64(h.Probe.Size)/float64(f.Probe.Size), float64(h.ToAnswer())/float64(f.ToAnswer()))
	}
	return b.String()
}

// ColdStartTarget is the budget of harbor's cold start: exec -> init done and exec
// -> first response at most this many times the floor's (a plain net/http
// program's).
const ColdStartTarget = 1.05

// SummaryMarkdown is the cold start's part of the report's summary: exec -> init
// done and exec -> first response, harbor against the floor, for the default and
// the stripped binaries, with the per-run ratio's range (run i of each probe are
// taken in the same turn) and ColdStartTarget. "" when a probe is missing.
func (r *ColdStartReport) SummaryMarkdown() string {
	var b strings.Builder
	runs := 0
	for _, stripped := range []bool{false, true} {
		h, f := r.Result("harbor", stripped), r.Result(FloorClient, stripped)
		if h == nil || f == nil || len(h.Runs) == 0 || len(h.Runs) != len(f.Runs) {
			return ""
		}
		runs = len(h.Runs)
		kind := "default"
		if stripped {
			kind = "stripped"
		}
		for _, m := range []struct {
			what string
			get  func(ProbeRun) time.Duration
		}{
			{"exec -> init done (main entry)", func(p ProbeRun) time.Duration { return p.ToMain }},
			{"exec -> first response", func(p ProbeRun) time.Duration { return p.ToAnswer }},
		} {
			hm, fm := h.median(m.get), f.median(m.get)
			per := make([]float64, len(h.Runs))
			for i := range per {
				per[i] = float64(m.get(h.Runs[i])) / float64(m.get(f.Runs[i]))
			}
			lo, hi := minMax(per)
			ratio := float64(hm) / float64(fm)
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %.3f | %.2f–%.2f | <= %.2f | %s |\n", m.what, kind,
				figure(ms(hm)), figure(ms(fm)), ratio, lo, hi, ColdStartTarget, metOrNot(ratio <= ColdStartTarget))
		}
	}
	return fmt.Sprintf("\nCold start (cmd/coldstart-probe: exec, DeepSeek Create against the mock, exit; medians of %d execs per binary; see \"Cold start\" below):\n\n", runs) +
		"| cold start | binary | harbor ms | floor ms | harbor/floor | per-run ratio min–max | target | met |\n|---|---|---:|---:|---:|---:|---:|---|\n" + b.String() +
		r.depsShare()
}

// depsShare splits harbor's excess over the floor, exec -> init done of the
// default binaries, into what its third-party libraries add to the floor
// (FloorDepsClient) and what harbor's own code adds on top; "" without the
// floor-deps probe.
func (r *ColdStartReport) depsShare() string {
	h, f, d := r.Result("harbor", false), r.Result(FloorClient, false), r.Result(FloorDepsClient, false)
	if h == nil || f == nil || d == nil || len(d.Runs) == 0 {
		return ""
	}
	toMain := func(p ProbeRun) time.Duration { return p.ToMain }
	hm, fm, dm := h.median(toMain), f.median(toMain), d.median(toMain)
	return fmt.Sprintf("\nOf harbor's exec -> init done (default binaries): the floor with harbor's third-party libraries linked in but unused "+
		"(otter v2, go-retryablehttp, oapi-codegen's runtime; probe %s) takes %s ms, %.3f× the floor's %s ms; harbor takes %.3f× that.\n",
		FloorDepsClient, figure(ms(dm)), float64(dm)/float64(fm), figure(ms(fm)), float64(hm)/float64(dm))
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func metOrNot(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// SeedMarkdown puts harbor's figures next to the Python design's targets;
// any report may be nil (its rows are then left out).
func SeedMarkdown(st *StartupReport, cold *ColdStartReport, mem *MemoryReport, load *LoadReport) string {
	var rows []string
	add := func(kpi, target, ours, ok string) {
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", kpi, target, ours, ok))
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "**no**"
	}
	if st != nil && len(st.Rows) > 0 {
		d := st.Rows[0].Harbor.Wall // New
		add("initialisation", fmt.Sprintf("<= %v", SeedInit), fmt.Sprintf("harbor.New: %s µs", figure(us(d))), yes(d <= SeedInit))
	}
	if cold != nil {
		for _, stripped := range []bool{false, true} {
			if c := cold.Result("harbor", stripped); c != nil {
				d := c.ToAnswer()
				what := "cold start, exec -> first answer"
				if stripped {
					what += " (stripped)"
				}
				add("initialisation", fmt.Sprintf("<= %v", SeedInit), fmt.Sprintf("%s: %s ms", what, figure(ms(d))), yes(d <= SeedInit))
			}
		}
	}
	if mem != nil {
		var res *MemoryResult
		for _, r := range mem.Results { // the most calls measured
			if r.Spec.Client == "harbor" && (res == nil || r.Spec.Calls > res.Spec.Calls) {
				res = r
			}
		}
		if res != nil {
			g := res.AfterRun.RSS - res.Base.RSS
			add("memory growth", "<= 8 MB", fmt.Sprintf("RSS after %d calls minus before New: %s (heap in use %s)", res.Spec.Calls, mib(g), mib(int64(res.AfterRun.HeapInuse)-int64(res.Base.HeapInuse))), yes(g <= SeedMemoryGrowth))
		}
	}
	if load != nil {
		for _, t := range load.Tables {
			best, at := 0.0, 0
			for _, row := range t.Rows {
				if p := row.point("harbor"); p != nil && p.OpsPerSec() > best {
					best, at = p.OpsPerSec(), row.Concurrency
				}
			}
			if at > 0 {
				add("concurrent throughput", fmt.Sprintf(">= %.0f ops/s", SeedThroughput), fmt.Sprintf("%s: %s ops/s at concurrency %d (best)", t.Target.Name, figure(best), at), yes(best >= SeedThroughput))
			}
		}
	}
	if st != nil {
		for _, m := range st.Management {
			add("management call", fmt.Sprintf("<= %v", SeedManagementCall), fmt.Sprintf("%s: %s ns", m.Name, figure(float64(m.Cost.Wall))), yes(m.Cost.Wall <= SeedManagementCall))
		}
	}
	if len(rows) == 0 {
		return ""
	}
	return "\n## Seed targets (the Python design's KPIs)\n\nFor context: the targets of the original Python HarborAI design, next to harbor's figures from this run.\n\n" +
		"| KPI | seed target | harbor | met |\n|---|---|---|---|\n" + strings.Join(rows, "\n") + "\n"
}
