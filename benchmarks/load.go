package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/harbor"
)

// Op is one client call, as the throughput, memory and start-up measurements
// drive it: it returns nil only for a complete, checked answer. An Op must pass
// ctx to its HTTP request (the measurements count new connections through an
// httptrace.ClientTrace carried by ctx) and must be safe for concurrent use.
type Op func(ctx context.Context) error

// LoadClient is one client under load. "floor" is the reference every ratio
// is taken against.
type LoadClient struct {
	Name  string // "harbor", "floor", "go-openai"…
	Op    Op
	Close func() // releases the client's connections; may be nil
}

// LoadClientsFunc builds clients against the DeepSeek mock whose root URL is
// url (as mockproc.Proc.URLs gives it; the client adds its path). Peers add
// themselves to the throughput section by passing one more LoadClientsFunc to
// RunLoad.
type LoadClientsFunc func(url string) ([]LoadClient, error)

// FloorClient is the client name every load ratio is taken against.
const FloorClient = "floor"

// HarborAndFloor is the LoadClientsFunc of harbor and the floor, each with its
// own pooled transport, calling DeepSeek's Create with the fixed request of
// every scenario (as NewEnv builds them: defaults, retries and stats on).
func HarborAndFloor(url string) ([]LoadClient, error) {
	h, err := harbor.New(HarborOptions(url, mockproc.APIKey)...)
	if err != nil {
		return nil, err
	}
	f := NewFloor(url, mockproc.APIKey)
	hreq, freq := HarborRequest(), FloorRequestFixture()
	return []LoadClient{
		{Name: "harbor", Op: func(ctx context.Context) error { return harborCreateOp(ctx, h, hreq) }, Close: func() { _ = h.Close() }},
		{Name: FloorClient, Op: func(ctx context.Context) error { return floorCreateOp(ctx, f, freq) }, Close: f.Close},
	}, nil
}

func harborCreateOp(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest) error {
	res, err := c.Chat.Completions.Create(ctx, req)
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

func floorCreateOp(ctx context.Context, f *Floor, req *FloorRequest) error {
	res, err := f.Create(ctx, req)
	if err != nil {
		return err
	}
	if res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

// LoadSample is one fixed-duration throughput run of one client.
type LoadSample struct {
	Ops      int64         // calls completed
	Elapsed  time.Duration // from the start to the end of the last call
	CPU      time.Duration // this process's user+sys CPU over Elapsed (the mock is another process)
	NewConns int64         // connections dialled during the run (see dialCounter)
}

// OpsPerSec is Ops / Elapsed.
func (s LoadSample) OpsPerSec() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Elapsed.Seconds()
}

// CPUPerOp is the client's CPU per call.
func (s LoadSample) CPUPerOp() time.Duration {
	if s.Ops == 0 {
		return 0
	}
	return s.CPU / time.Duration(s.Ops)
}

// Throughput runs op from concurrency goroutines, each calling it back to back,
// for d: a call that has started when d is up completes and counts, and
// Elapsed runs to the end of the last one. The first error stops every
// goroutine and is returned (a throughput with failed calls means nothing).
func Throughput(ctx context.Context, op Op, concurrency int, d time.Duration) (LoadSample, error) {
	if concurrency < 1 {
		return LoadSample{}, fmt.Errorf("concurrency must be >= 1, got %d", concurrency)
	}
	if d <= 0 {
		return LoadSample{}, fmt.Errorf("duration must be > 0, got %v", d)
	}
	var ops, dials atomic.Int64
	ctx = httptrace.WithClientTrace(ctx, dialCounter(&dials))
	var (
		stop     atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	start := make(chan struct{})
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for !stop.Load() {
				if err := op(ctx); err != nil {
					errOnce.Do(func() { firstErr = err })
					stop.Store(true)
					return
				}
				ops.Add(1)
			}
		}()
	}
	cpu0 := processCPU()
	t0 := time.Now()
	close(start)
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	wg.Wait()
	timer.Stop()
	s := LoadSample{Ops: ops.Load(), Elapsed: time.Since(t0), CPU: processCPU() - cpu0, NewConns: dials.Load()}
	if firstErr != nil {
		return s, firstErr
	}
	return s, nil
}

// dialCounter counts the TCP connections dialled for requests whose context
// carries it: every successful dial, including the ones net/http starts for a
// request that then gets a connection freed meanwhile (the dialled one goes to
// the pool), which GotConn alone would miss.
func dialCounter(n *atomic.Int64) *httptrace.ClientTrace {
	return &httptrace.ClientTrace{ConnectDone: func(_, _ string, err error) {
		if err == nil {
			n.Add(1)
		}
	}}
}

// processCPU is getrusage(RUSAGE_SELF) user+sys; 0 if it fails (never on Linux).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// DefaultConcurrency are the throughput points.
var DefaultConcurrency = []int{1, 5, 10, 20, 64, 256}

// LoadTarget is one mock the throughput runs against.
type LoadTarget struct {
	Name    string        // "no vendor latency", "50 ms vendor latency"
	URL     string        // the DeepSeek mock's root URL
	Latency time.Duration // the mock's latency per response; 0 for none
}

// LoadTargets returns the two DeepSeek mocks of a mockproc child: without
// latency and with mockproc.SlowLatency.
func LoadTargets(urls map[string]string) []LoadTarget {
	return []LoadTarget{
		{Name: "no vendor latency", URL: urls[mockproc.DeepSeek]},
		{Name: fmt.Sprintf("%v vendor latency", mockproc.SlowLatency), URL: urls[mockproc.DeepSeekSlow], Latency: mockproc.SlowLatency},
	}
}

// LoadConfig sets up RunLoad.
type LoadConfig struct {
	Targets     []LoadTarget
	Concurrency []int         // nil: DefaultConcurrency
	Duration    time.Duration // per client, point and round; 0: 1s
	Rounds      int           // interleaved rounds per point, median kept; 0: 2
	// WarmupCalls is how many calls each of the point's goroutines makes,
	// unmeasured, before the first round, so that the client's pool holds the
	// connections the point needs (0: 5).
	WarmupCalls int
	Progress    io.Writer // per-run lines; nil for none
}

// LoadPoint is one client at one concurrency against one target.
type LoadPoint struct {
	Client  string
	Samples []LoadSample // one per round
}

// median returns the median of f over the samples.
func (p *LoadPoint) median(f func(LoadSample) float64) float64 {
	v := make([]float64, len(p.Samples))
	for i, s := range p.Samples {
		v[i] = f(s)
	}
	return medianOf(v)
}

// OpsPerSec is the median ops/s over the rounds.
func (p *LoadPoint) OpsPerSec() float64 { return p.median(LoadSample.OpsPerSec) }

// CPUPerOp is the median client CPU per call.
func (p *LoadPoint) CPUPerOp() time.Duration {
	return time.Duration(p.median(func(s LoadSample) float64 { return float64(s.CPUPerOp()) }))
}

// NewConns is the most connections dialled in one round.
func (p *LoadPoint) NewConns() int64 {
	var m int64
	for _, s := range p.Samples {
		m = max(m, s.NewConns)
	}
	return m
}

// LoadRow is every client at one concurrency against one target.
type LoadRow struct {
	Concurrency int
	Points      []*LoadPoint // in client order
}

// Bound is the most ops/s any client can reach against a mock that waits
// latency per response: concurrency / latency (0: no bound).
func Bound(concurrency int, latency time.Duration) float64 {
	if latency <= 0 {
		return 0
	}
	return float64(concurrency) / latency.Seconds()
}

// LoadTable is every concurrency against one target.
type LoadTable struct {
	Target LoadTarget
	Rows   []LoadRow
}

// LoadReport is the outcome of RunLoad.
type LoadReport struct {
	Clients     []string // in column order; FloorClient among them when measured
	Tables      []LoadTable
	Duration    time.Duration
	Rounds      int
	WarmupCalls int
	Took        time.Duration
}

func (c *LoadConfig) defaults() {
	if c.Concurrency == nil {
		c.Concurrency = DefaultConcurrency
	}
	if c.Duration <= 0 {
		c.Duration = time.Second
	}
	if c.Rounds <= 0 {
		c.Rounds = 2
	}
	if c.WarmupCalls <= 0 {
		c.WarmupCalls = 5
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// RunLoad measures the throughput of every client the builders make, for each
// target and concurrency: the clients take turns (the order rotated every
// round) so that a noisy machine hits them alike, and each point keeps the
// median of its rounds. Every client of a target shares nothing with the others
// but the mock.
func RunLoad(ctx context.Context, cfg LoadConfig, builders ...LoadClientsFunc) (*LoadReport, error) {
	cfg.defaults()
	if len(cfg.Targets) == 0 {
		return nil, errors.New("load: no target")
	}
	if len(builders) == 0 {
		return nil, errors.New("load: no client")
	}
	for _, c := range cfg.Concurrency {
		if c < 1 {
			return nil, fmt.Errorf("load: concurrency must be >= 1, got %d", c)
		}
	}
	began := time.Now()
	rep := &LoadReport{Duration: cfg.Duration, Rounds: cfg.Rounds, WarmupCalls: cfg.WarmupCalls}
	for _, tg := range cfg.Targets {
		if tg.URL == "" {
			return nil, fmt.Errorf("load: no URL for %s", tg.Name)
		}
		clients, err := buildLoadClients(tg.URL, builders)
		if err != nil {
			return nil, fmt.Errorf("load, %s: %w", tg.Name, err)
		}
		names := make([]string, len(clients))
		for i, c := range clients {
			names[i] = c.Name
		}
		if rep.Clients == nil {
			rep.Clients = names
		} else if !slices.Equal(rep.Clients, names) {
			closeLoadClients(clients)
			return nil, fmt.Errorf("load: the builders gave clients %v, then %v", rep.Clients, names)
		}
		tbl, err := runTarget(ctx, &cfg, tg, clients)
		closeLoadClients(clients)
		if err != nil {
			return nil, fmt.Errorf("load, %s: %w", tg.Name, err)
		}
		rep.Tables = append(rep.Tables, tbl)
	}
	rep.Took = time.Since(began)
	return rep, nil
}

func buildLoadClients(url string, builders []LoadClientsFunc) ([]LoadClient, error) {
	var all []LoadClient
	seen := map[string]bool{}
	for _, b := range builders {
		cs, err := b(url)
		if err != nil {
			closeLoadClients(all)
			return nil, err
		}
		all = append(all, cs...)
		for _, c := range cs {
			if c.Name == "" || c.Op == nil || seen[c.Name] {
				closeLoadClients(all)
				return nil, fmt.Errorf("load client %q: empty or duplicate name, or no Op", c.Name)
			}
			seen[c.Name] = true
		}
	}
	return all, nil
}

func closeLoadClients(cs []LoadClient) {
	for _, c := range cs {
		if c.Close != nil {
			c.Close()
		}
	}
}

func runTarget(ctx context.Context, cfg *LoadConfig, tg LoadTarget, clients []LoadClient) (LoadTable, error) {
	tbl := LoadTable{Target: tg}
	for _, conc := range cfg.Concurrency {
		row := LoadRow{Concurrency: conc, Points: make([]*LoadPoint, len(clients))}
		for i, c := range clients {
			row.Points[i] = &LoadPoint{Client: c.Name}
			if err := runCalls(ctx, c.Op, conc*cfg.WarmupCalls, conc); err != nil {
				return tbl, fmt.Errorf("%s, concurrency %d, warm-up: %w", c.Name, conc, err)
			}
		}
		for r := range cfg.Rounds {
			for k := range clients {
				i := (k + r) % len(clients) // rotate who goes first
				c := clients[i]
				s, err := Throughput(ctx, c.Op, conc, cfg.Duration)
				if err != nil {
					return tbl, fmt.Errorf("%s, concurrency %d: %w", c.Name, conc, err)
				}
				row.Points[i].Samples = append(row.Points[i].Samples, s)
				fmt.Fprintf(cfg.Progress, "load %-22s conc %3d round %d/%d %-18s %8.0f ops/s  cpu %6.1f µs/op  new conns %d\n",
					tg.Name, conc, r+1, cfg.Rounds, c.Name, s.OpsPerSec(), float64(s.CPUPerOp())/1e3, s.NewConns)
			}
		}
		tbl.Rows = append(tbl.Rows, row)
	}
	return tbl, nil
}

// point returns the named client's point of row, nil if absent.
func (r *LoadRow) point(client string) *LoadPoint {
	for _, p := range r.Points {
		if p.Client == client {
			return p
		}
	}
	return nil
}

// SeedThroughput is the Python design's concurrent throughput target.
const SeedThroughput = 1000.0 // ops/s

// Markdown renders the report: one table per target.
func (r *LoadReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Throughput (DeepSeek Create)\n\n")
	fmt.Fprintf(&b, "Every client calls Create back to back from N goroutines sharing it, for %v per round; median of %d rounds, the clients taking turns (order rotated each round), after an unmeasured warm-up (%d calls per goroutine); took %s. "+
		"ops/s: higher is better, so here a ratio above 1.00 means faster than the floor. CPU µs/op is this process's getrusage per call (the mock is another process). "+
		"New conns is the most connections dialled in one round after the warm-up: 0 means the pool kept every connection. "+
		"With vendor latency L, N goroutines cannot exceed N/L ops/s (the bound); a client near its bound is not the limit. Seed target: >= %.0f ops/s concurrent.\n",
		r.Duration, r.Rounds, r.WarmupCalls, r.Took.Round(time.Second), SeedThroughput)
	others := slices.DeleteFunc(slices.Clone(r.Clients), func(n string) bool { return n == FloorClient })
	hasFloor := len(others) < len(r.Clients)
	for _, t := range r.Tables {
		fmt.Fprintf(&b, "\n### %s\n\n| concurrency |", t.Target.Name)
		if t.Target.Latency > 0 {
			b.WriteString(" bound ops/s |")
		}
		for _, c := range r.Clients {
			fmt.Fprintf(&b, " %s ops/s |", c)
		}
		if hasFloor {
			for _, c := range others {
				fmt.Fprintf(&b, " %s/floor |", c)
			}
		}
		if t.Target.Latency > 0 {
			for _, c := range r.Clients {
				fmt.Fprintf(&b, " %s %% of bound |", c)
			}
		}
		for _, c := range r.Clients {
			fmt.Fprintf(&b, " CPU µs/op %s |", c)
		}
		b.WriteString(" new conns (" + strings.Join(r.Clients, "/") + ") |\n|---:|")
		cols := 2 + 2*len(r.Clients) // concurrency, ops/s and CPU per client, new conns
		if hasFloor {
			cols += len(others)
		}
		if t.Target.Latency > 0 {
			cols += 1 + len(r.Clients)
		}
		b.WriteString(strings.Repeat("---:|", cols-1) + "\n")
		for _, row := range t.Rows {
			fmt.Fprintf(&b, "| %d |", row.Concurrency)
			bound := Bound(row.Concurrency, t.Target.Latency)
			if bound > 0 {
				fmt.Fprintf(&b, " %s |", figure(bound))
			}
			for _, p := range row.Points {
				fmt.Fprintf(&b, " %s |", figure(p.OpsPerSec()))
			}
			if hasFloor {
				f := row.point(FloorClient).OpsPerSec()
				for _, c := range others {
					fmt.Fprintf(&b, " %s |", ratioOf(row.point(c).OpsPerSec(), f))
				}
			}
			if bound > 0 {
				for _, p := range row.Points {
					fmt.Fprintf(&b, " %.0f%% |", 100*p.OpsPerSec()/bound)
				}
			}
			for _, p := range row.Points {
				fmt.Fprintf(&b, " %s |", figure(float64(p.CPUPerOp())/1e3))
			}
			conns := make([]string, len(row.Points))
			for i, p := range row.Points {
				conns[i] = fmt.Sprint(p.NewConns())
			}
			fmt.Fprintf(&b, " %s |\n", strings.Join(conns, "/"))
		}
	}
	return b.String()
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// figure formats a figure with 3 significant digits or so.
func figure(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// ratioOf formats a/b, "—" when b is 0.
func ratioOf(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", a/b)
}
