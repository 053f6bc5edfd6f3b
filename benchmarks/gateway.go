package benchmarks

// The gateway benchmark: what `harbor serve` adds to a call. The same request
// goes straight to the DeepSeek mock (mockproc, its own process) and through
// the gateway (its own process, in front of the same mock), from the same lean
// client in this process; the added latency is the gateway's percentile minus
// the direct one, per round, and the gateway's CPU per request is its own
// user+sys time over the run divided by the requests it answered.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
)

// GatewayStreamWords is how many words the user message of the stream
// scenario has: the mock answers "Hello! You said: <the words>", one chunk a
// word, so that the vendor's stream is GatewayStreamChunks chunks.
const GatewayStreamWords = 15

// GatewayStreamChunks is the number of chunks (data events before [DONE]) the
// vendor sends in the stream scenario: a role chunk, 18 content chunks and the
// finish chunk, which carries the usage. The gateway sends one more: the
// usage in a chunk of its own with no choices, as OpenAI does. Every answer
// of the benchmark is checked for it.
const GatewayStreamChunks = 20

// GatewayScenario is one request the benchmark makes.
type GatewayScenario struct {
	Name   string // "plain", "stream"
	Stream bool
	Body   []byte // the same to both targets
}

// GatewayScenarios are the plain call (the fixed request of every scenario
// here: a system and a user message, temperature 0.7, max_tokens 256, thinking
// disabled) and a stream of GatewayStreamChunks chunks with usage.
func GatewayScenarios() []GatewayScenario {
	words := strings.Fields(strings.Repeat("harbor ", GatewayStreamWords))
	stream := fmt.Sprintf(`{"model":"deepseek-v4-flash","messages":[{"role":"system","content":%q},{"role":"user","content":%q}],`+
		`"temperature":0.7,"max_tokens":256,"thinking":{"type":"disabled"},"stream":true,"stream_options":{"include_usage":true}}`,
		SystemPrompt, strings.Join(words, " "))
	plain := fmt.Sprintf(`{"model":"deepseek-v4-flash","messages":[{"role":"system","content":%q},{"role":"user","content":%q}],`+
		`"temperature":0.7,"max_tokens":256,"thinking":{"type":"disabled"}}`, SystemPrompt, UserPrompt)
	return []GatewayScenario{{Name: "plain", Body: []byte(plain)}, {Name: "stream", Stream: true, Body: []byte(stream)}}
}

// GatewayTarget is where a request goes.
type GatewayTarget struct {
	Name string // "direct", "proxy", "gateway"
	URL  string // the chat completions URL
	Auth string // the Authorization header
	// StreamChunks is how many chunks a stream from it has.
	StreamChunks int
	// Proc is the process in front of the mock, whose CPU and RSS are read;
	// nil for the mock itself.
	Proc *GatewayProc
}

// Target names.
const (
	TargetDirect  = "direct"  // the mock itself
	TargetProxy   = "proxy"   // a minimal net/http proxy in front of it (StartProxyFloor)
	TargetGateway = "gateway" // harbor serve in front of it
)

// DirectTarget is the mock itself.
func DirectTarget(mockURL string) GatewayTarget {
	return GatewayTarget{Name: TargetDirect, URL: strings.TrimRight(mockURL, "/") + "/chat/completions",
		Auth: "Bearer " + mockproc.APIKey, StreamChunks: GatewayStreamChunks}
}

// GatewayTargetOf is the gateway gw, called with GatewayKey.
func GatewayTargetOf(gw *GatewayProc) GatewayTarget {
	return GatewayTarget{Name: TargetGateway, URL: gw.URL + "/v1/chat/completions", Auth: "Bearer " + GatewayKey,
		StreamChunks: GatewayStreamChunks + 1, Proc: gw}
}

// ProxyTargetOf is the proxy floor p (it passes the mock's answer on as it is).
func ProxyTargetOf(p *GatewayProc) GatewayTarget {
	return GatewayTarget{Name: TargetProxy, URL: p.URL + "/v1/chat/completions", Auth: "Bearer " + GatewayKey,
		StreamChunks: GatewayStreamChunks, Proc: p}
}

// GatewayClient is the load generator's HTTP client: a pooled transport (256
// idle connections per host) and a body check per answer, cheap enough not
// to compete with what it measures.
type GatewayClient struct {
	hc   *http.Client
	tr   *http.Transport
	bufs sync.Pool
}

// NewGatewayClient returns a client with its own connection pool.
func NewGatewayClient() *GatewayClient {
	tr := floorTransport()
	return &GatewayClient{tr: tr, hc: &http.Client{Transport: tr}, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

// Close drops the client's idle connections.
func (c *GatewayClient) Close() { c.tr.CloseIdleConnections() }

// Call makes one request of s to t and checks the answer: 200, the mock's
// text for a plain call, t.StreamChunks data events and [DONE] for a stream.
func (c *GatewayClient) Call(ctx context.Context, t GatewayTarget, s GatewayScenario) error {
	_, err := c.call(ctx, t, s)
	return err
}

func (c *GatewayClient) call(ctx context.Context, t GatewayTarget, s GatewayScenario) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(s.Body))
	if err != nil {
		return 0, err
	}
	req.Header["Authorization"] = []string{t.Auth}
	req.Header["Content-Type"] = []string{"application/json"}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	buf := c.bufs.Get().(*bytes.Buffer)
	defer c.bufs.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(res.Body); err != nil {
		return 0, fmt.Errorf("%s: reading the answer: %w", t.Name, err)
	}
	b := buf.Bytes()
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: status %d: %s", t.Name, res.StatusCode, tail(string(b), 300))
	}
	if !s.Stream {
		if !bytes.Contains(b, []byte(`Hello! You said:`)) {
			return 0, fmt.Errorf("%s: unexpected answer: %s", t.Name, tail(string(b), 300))
		}
		return 0, nil
	}
	if !bytes.HasSuffix(b, []byte("data: [DONE]\n\n")) {
		return 0, fmt.Errorf("%s: the stream does not end with [DONE]: %s", t.Name, tail(string(b), 300))
	}
	chunks := bytes.Count(b, []byte("data: ")) - 1
	if chunks != t.StreamChunks {
		return chunks, fmt.Errorf("%s: %d chunks, want %d", t.Name, chunks, t.StreamChunks)
	}
	return chunks, nil
}

// GatewayLoad is one way of loading the targets: a closed loop of Concurrency
// callers, each calling back to back, or an open loop at Rate requests/s.
type GatewayLoad struct {
	Concurrency int // closed loop; 0 for the open loop
	Rate        int // open loop, requests/s
}

func (l GatewayLoad) String() string {
	if l.Rate > 0 {
		return fmt.Sprintf("open %d/s", l.Rate)
	}
	return fmt.Sprintf("c=%d", l.Concurrency)
}

// RunStats is one run of one load against one target.
type RunStats struct {
	Requests int
	Elapsed  time.Duration
	P50, P99 time.Duration
	// The process in front of the mock (not for direct): its user+sys CPU
	// over the run, and its RSS after it.
	CPU time.Duration
	RSS int64
	FDs int // its open file descriptors after the run: the connections it holds, mostly
}

// RPS is Requests / Elapsed.
func (r RunStats) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// CPUPerRequest is the CPU per request of the process in front of the mock.
func (r RunStats) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// percentile is the p-th percentile (0 < p < 1) of sorted latencies, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func statsOf(lat []time.Duration, elapsed time.Duration) RunStats {
	slices.Sort(lat)
	return RunStats{Requests: len(lat), Elapsed: elapsed, P50: percentile(lat, 0.50), P99: percentile(lat, 0.99)}
}

// ClosedLoop runs op from n goroutines back to back for d and returns every
// call's latency. A call under way when d is up completes and counts. The
// first error stops the run.
func ClosedLoop(ctx context.Context, op func(context.Context) error, n int, d time.Duration) (RunStats, error) {
	var (
		stop    atomic.Bool
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
		mu      sync.Mutex
		all     []time.Duration
	)
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			<-start
			for !stop.Load() {
				t0 := time.Now()
				if err := op(ctx); err != nil {
					errOnce.Do(func() { first = err })
					stop.Store(true)
					break
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	t0 := time.Now()
	close(start)
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	wg.Wait()
	timer.Stop()
	return statsOf(all, time.Since(t0)), first
}

// OpenLoop starts a call every 1/rate s for d, whether or not the earlier ones
// have answered, and measures each from the moment it was due (so a client or
// server that falls behind shows up in the latencies instead of slowing the
// schedule down). The first error fails the run once every call has ended.
func OpenLoop(ctx context.Context, op func(context.Context) error, rate int, d time.Duration) (RunStats, error) {
	if rate < 1 {
		return RunStats{}, fmt.Errorf("rate must be >= 1, got %d", rate)
	}
	n := int(d.Seconds() * float64(rate))
	lat := make([]time.Duration, n)
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	interval := time.Second / time.Duration(rate)
	t0 := time.Now()
	for i := range n {
		due := t0.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := op(ctx); err != nil {
				errOnce.Do(func() { first = err })
			}
			lat[i] = time.Since(due)
		}()
	}
	wg.Wait()
	return statsOf(lat, time.Since(t0)), first
}

// GatewayConfig sets up MeasureGateway.
type GatewayConfig struct {
	MockURL     string        // the DeepSeek mock's root URL (a mockproc child's)
	Harbor      string        // the harbor binary (BuildHarbor); "" to build one
	Concurrency []int         // closed-loop points; nil: 1, 16, 64
	Rate        int           // open-loop requests/s; 0: 1000; < 0: no open loop
	Duration    time.Duration // per run; 0: 2s
	Rounds      int           // interleaved rounds, medians kept; 0: 5
	NoAccessLog bool          // turn the gateway's access log off (it is on by default)
	AccessFlush time.Duration // the access log's log.access_flush; 0: each line written at once
	NoProxy     bool          // leave the proxy floor (StartProxyFloor) out
	GOMAXPROCS  int           // the gateway's and the proxy's GOMAXPROCS; 0: unset (every CPU)
	CPUProfile  string        // run this binary as the gateway (ServeGatewayChildIf) and write its CPU profile here
	Scenarios   []string      // the scenarios to run, by name; nil: every one
	Progress    io.Writer
}

// GatewayPoint is one scenario under one load: every round of every target.
type GatewayPoint struct {
	Scenario string
	Load     GatewayLoad
	Runs     map[string][]RunStats // by target name, one per round
}

// GatewayReport is the outcome of MeasureGateway.
type GatewayReport struct {
	Config  GatewayConfig
	Targets []string // the target names, direct first
	Points  []*GatewayPoint
	Idle    ProcUsage // the gateway after start-up and one call of each scenario
	End     ProcUsage // the gateway at the end (HWM: its peak RSS)
	Began   time.Time
	Took    time.Duration
	LoadAvg [2]string // /proc/loadavg before and after
	Binary  string    // what ran as the gateway
}

// MeasureGateway starts the gateway (and the proxy floor) in front of
// cfg.MockURL and runs every scenario under every load against the mock
// directly and through each, in cfg.Rounds interleaved rounds (another target
// goes first every round). Each run is preceded by an unmeasured warm-up of 20
// calls per caller.
func MeasureGateway(ctx context.Context, cfg GatewayConfig) (*GatewayReport, error) {
	if cfg.Concurrency == nil {
		cfg.Concurrency = []int{1, 16, 64}
	}
	if cfg.Rate == 0 {
		cfg.Rate = 1000
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 2 * time.Second
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 5
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if cfg.MockURL == "" {
		return nil, errors.New("gateway benchmark: no mock URL")
	}
	dir, err := os.MkdirTemp("", "harbor-gateway-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	config, err := WriteGatewayConfig(dir, cfg.MockURL, !cfg.NoAccessLog, cfg.AccessFlush)
	if err != nil {
		return nil, err
	}
	bin := cfg.Harbor
	switch {
	case cfg.CPUProfile != "":
		bin = ""
	case bin == "":
		fmt.Fprintln(cfg.Progress, "gateway: go build ./cmd/harbor")
		if bin, err = BuildHarbor(ctx, dir); err != nil {
			return nil, err
		}
	}
	gw, err := StartGateway(bin, config, cfg.CPUProfile, cfg.GOMAXPROCS)
	if err != nil {
		return nil, err
	}
	defer gw.Stop()
	targets := []GatewayTarget{DirectTarget(cfg.MockURL)}
	if !cfg.NoProxy {
		proxy, err := StartProxyFloor(cfg.MockURL, cfg.GOMAXPROCS)
		if err != nil {
			return nil, err
		}
		defer proxy.Stop()
		targets = append(targets, ProxyTargetOf(proxy))
	}
	targets = append(targets, GatewayTargetOf(gw))
	r := &GatewayReport{Config: cfg, Began: time.Now(), Binary: "`harbor serve`, built by `go build ./cmd/harbor`"}
	if bin == "" {
		r.Binary = "package gateway served by the benchmark binary under a CPU profile"
	}
	for _, t := range targets {
		r.Targets = append(r.Targets, t.Name)
	}
	r.LoadAvg[0] = loadAvg()

	client := NewGatewayClient()
	defer client.Close()
	var scenarios []GatewayScenario
	for _, s := range GatewayScenarios() {
		if cfg.Scenarios == nil || slices.Contains(cfg.Scenarios, s.Name) {
			scenarios = append(scenarios, s)
		}
	}
	if len(scenarios) == 0 {
		return nil, fmt.Errorf("gateway benchmark: no scenario among %v", cfg.Scenarios)
	}
	for _, s := range scenarios {
		for _, t := range targets {
			if err := client.Call(ctx, t, s); err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
		}
	}
	if r.Idle, err = gw.Usage(); err != nil {
		return nil, err
	}

	var loads []GatewayLoad
	for _, c := range cfg.Concurrency {
		loads = append(loads, GatewayLoad{Concurrency: c})
	}
	if cfg.Rate > 0 {
		loads = append(loads, GatewayLoad{Rate: cfg.Rate})
	}
	points := map[string]*GatewayPoint{}
	for _, s := range scenarios {
		for _, l := range loads {
			p := &GatewayPoint{Scenario: s.Name, Load: l, Runs: map[string][]RunStats{}}
			points[s.Name+l.String()] = p
			r.Points = append(r.Points, p)
		}
	}
	for round := range cfg.Rounds {
		// Every round, the next target goes first.
		order := append(slices.Clone(targets[round%len(targets):]), targets[:round%len(targets)]...)
		for _, s := range scenarios {
			for _, l := range loads {
				p := points[s.Name+l.String()]
				for _, t := range order {
					st, err := runGatewayLoad(ctx, client, t, s, l, cfg.Duration)
					if err != nil {
						return nil, fmt.Errorf("%s %s %s: %w", s.Name, l, t.Name, err)
					}
					p.Runs[t.Name] = append(p.Runs[t.Name], st)
					fmt.Fprintf(cfg.Progress, "round %d %-6s %-11s %-7s %6.0f req/s p50 %7.1fµs p99 %7.1fµs cpu/req %6.1fµs rss %s fds %d\n",
						round+1, s.Name, l, t.Name, st.RPS(), us(st.P50), us(st.P99), us(st.CPUPerRequest()), mib(st.RSS), st.FDs)
				}
			}
		}
	}
	if r.End, err = gw.Usage(); err != nil {
		return nil, err
	}
	r.LoadAvg[1] = loadAvg()
	r.Took = time.Since(r.Began)
	return r, nil
}

// runGatewayLoad warms up, then runs one load against one target, reading
// the CPU of the process in front of the mock around the run.
func runGatewayLoad(ctx context.Context, c *GatewayClient, t GatewayTarget, s GatewayScenario, l GatewayLoad, d time.Duration) (RunStats, error) {
	op := func(ctx context.Context) error { return c.Call(ctx, t, s) }
	callers := l.Concurrency
	if l.Rate > 0 {
		callers = max(1, l.Rate/200) // about the connections the open loop keeps busy
	}
	var wg sync.WaitGroup
	var werr atomic.Value
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := op(ctx); err != nil {
					werr.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := werr.Load().(error); err != nil {
		return RunStats{}, fmt.Errorf("warm-up: %w", err)
	}
	var u0 ProcUsage
	if t.Proc != nil {
		var err error
		if u0, err = t.Proc.Usage(); err != nil {
			return RunStats{}, err
		}
	}
	var st RunStats
	var err error
	if l.Rate > 0 {
		st, err = OpenLoop(ctx, op, l.Rate, d)
	} else {
		st, err = ClosedLoop(ctx, op, l.Concurrency, d)
	}
	if err != nil {
		return st, err
	}
	if t.Proc != nil {
		u1, err := t.Proc.Usage()
		if err != nil {
			return st, err
		}
		st.CPU, st.RSS, st.FDs = u1.CPU-u0.CPU, u1.RSS, u1.FDs
	}
	return st, nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// medianDur is the median of f over stats.
func medianDur(stats []RunStats, f func(RunStats) time.Duration) time.Duration {
	v := make([]float64, len(stats))
	for i, s := range stats {
		v[i] = float64(f(s))
	}
	return time.Duration(medianOf(v))
}

// Added is the median over the rounds of target's percentile f minus the
// direct one in the same round.
func (p *GatewayPoint) Added(target string, f func(RunStats) time.Duration) time.Duration {
	t, d := p.Runs[target], p.Runs[TargetDirect]
	n := min(len(t), len(d))
	v := make([]float64, n)
	for i := range n {
		v[i] = float64(f(t[i]) - f(d[i]))
	}
	return time.Duration(medianOf(v))
}

// Median is the median over the rounds of target's f.
func (p *GatewayPoint) Median(target string, f func(RunStats) time.Duration) time.Duration {
	return medianDur(p.Runs[target], f)
}

// CPUPerRequest is the median over the rounds of target's CPU per request.
func (p *GatewayPoint) CPUPerRequest(target string) time.Duration {
	return medianDur(p.Runs[target], RunStats.CPUPerRequest)
}

// CPURange is the lowest and highest CPU per request of target's rounds.
func (p *GatewayPoint) CPURange(target string) (lo, hi time.Duration) {
	for i, s := range p.Runs[target] {
		c := s.CPUPerRequest()
		if i == 0 || c < lo {
			lo = c
		}
		hi = max(hi, c)
	}
	return lo, hi
}

// RPS is the median requests/s of target's rounds.
func (p *GatewayPoint) RPS(target string) float64 {
	stats := p.Runs[target]
	v := make([]float64, len(stats))
	for i, s := range stats {
		v[i] = s.RPS()
	}
	return medianOf(v)
}

// Point returns the point of scenario under load, or nil.
func (r *GatewayReport) Point(scenario string, load GatewayLoad) *GatewayPoint {
	for _, p := range r.Points {
		if p.Scenario == scenario && p.Load == load {
			return p
		}
	}
	return nil
}

// GatewayGoals are issue 14's goals for `harbor serve`.
var GatewayGoals = struct {
	AddedP50C1   time.Duration // added p50 latency at concurrency 1, plain
	CPUPlain     time.Duration // gateway CPU per plain request
	CPUStream    time.Duration // gateway CPU per 20-chunk stream
	RSSUnderLoad int64
}{150 * time.Microsecond, 160 * time.Microsecond, 400 * time.Microsecond, 40 << 20}

// Markdown is the report: the method, one table per scenario, the goals.
func (r *GatewayReport) Markdown(command string) string {
	var b strings.Builder
	cfg := r.Config
	fmt.Fprintf(&b, "# harbor serve: what the gateway adds to a call\n\n")
	fmt.Fprintf(&b, "    %s\n\n", command)
	procs := "GOMAXPROCS unset in every process"
	if cfg.GOMAXPROCS > 0 {
		procs = fmt.Sprintf("GOMAXPROCS=%d for the gateway and the proxy", cfg.GOMAXPROCS)
	}
	fmt.Fprintf(&b, "%s, %s/%s, %d CPUs (%s), %s UTC; the run took %s; load average %s before, %s after "+
		"(the machine is shared: other work runs beside it).\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), procs, r.Began.UTC().Format("2006-01-02 15:04"),
		r.Took.Round(time.Second), r.LoadAvg[0], r.LoadAvg[1])
	access := "on (stdout, to /dev/null; each line written as its request ends)"
	if cfg.AccessFlush > 0 {
		access = fmt.Sprintf("on (stdout, to /dev/null; lines written in batches every %v, `log.access_flush` as in deploy/harbor.example.yaml)", cfg.AccessFlush)
	}
	if cfg.NoAccessLog {
		access = "off"
	}
	fmt.Fprintf(&b, "Processes on loopback: the DeepSeek mock (`deepseek-v4-flash`, a child of the benchmark); the **gateway**, %s "+
		"(config: DeepSeek at the mock, one virtual key, no cache, admission limits or breaker, metrics on, access log %s); ", r.Binary, access)
	if slices.Contains(r.Targets, TargetProxy) {
		b.WriteString("the **proxy** floor, a hand-written net/http proxy in front of the same mock (body read and sent on, answer " +
			"copied back with a flush per read for streams, a transport like harbor's; no key check, no JSON, no log: the least a " +
			"Go proxy does, for reference); ")
	}
	fmt.Fprintf(&b, "and this client (net/http, 256 idle connections per host; every answer read whole and checked). Every load runs "+
		"straight to the mock (**direct**) and through each process in front of it, %s each, in %d interleaved rounds (another target "+
		"goes first every round), each after a warm-up of 20 calls per caller; figures are medians over the rounds. **Added** "+
		"latency is a target's percentile minus the direct one of the same round (median over rounds). Closed loop: c callers "+
		"back to back. Open loop: a call every 1/rate s whatever the earlier ones do, its latency counted from when it was due. "+
		"**CPU µs/req** is the process's own user+sys time over the run (/proc/PID/stat, what getrusage reports; 10 ms ticks, "+
		"over runs of seconds) divided by the requests it answered: the mock and the client are other processes. **RSS** is "+
		"its VmRSS after the run (the largest of the rounds), with its open file descriptors then — its connections, "+
		"mostly. All of them share the machine's CPUs, so at c=16 and c=64 requests/s are the box's, not "+
		"the gateway's alone.\n\n", cfg.Duration, cfg.Rounds)
	fmt.Fprintf(&b, "Scenarios: **plain**, the fixed request of every benchmark here (a system and a user message, temperature 0.7, "+
		"max_tokens 256, thinking disabled; a %d-word answer); **stream**, the same with a %d-word user message, `stream: true` "+
		"and `stream_options.include_usage`: the mock sends %d chunks (role, 18 words, finish with the usage) and `[DONE]`; "+
		"the gateway sends the same and the usage in a chunk of its own, as OpenAI does (%d chunks).\n\n",
		len(strings.Fields("Hello! You said: "+UserPrompt)), GatewayStreamWords, GatewayStreamChunks, GatewayStreamChunks+1)

	p50 := func(s RunStats) time.Duration { return s.P50 }
	p99 := func(s RunStats) time.Duration { return s.P99 }
	for _, s := range []string{"plain", "stream"} {
		fmt.Fprintf(&b, "## %s\n\n", s)
		b.WriteString("| load | target | p50 | **added p50** | p99 | **added p99** | req/s | **CPU µs/req** (rounds min–max) | RSS (fds) |\n")
		b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range r.Points {
			if p.Scenario != s {
				continue
			}
			for _, t := range r.Targets {
				added50, added99, cpu, rss := "", "", "", ""
				if t != TargetDirect {
					lo, hi := p.CPURange(t)
					var m int64
					var fds int
					for _, g := range p.Runs[t] {
						m, fds = max(m, g.RSS), max(fds, g.FDs)
					}
					added50, added99 = "**"+msf(p.Added(t, p50))+"**", "**"+msf(p.Added(t, p99))+"**"
					cpu = fmt.Sprintf("**%.0f** (%.0f–%.0f)", us(p.CPUPerRequest(t)), us(lo), us(hi))
					rss = fmt.Sprintf("%s (%d)", mib(m), fds)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %.0f | %s | %s |\n", p.Load, t,
					msf(p.Median(t, p50)), added50, msf(p.Median(t, p99)), added99, p.RPS(t), cpu, rss)
			}
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Gateway memory: RSS %s after start-up (one call of each scenario), %s at the end (%d fds); peak RSS (VmHWM) over the whole run **%s**.\n\n",
		mib(r.Idle.RSS), mib(r.End.RSS), r.End.FDs, mib(r.End.HWM))
	b.WriteString(r.goalsMarkdown())
	return b.String()
}

func (r *GatewayReport) goalsMarkdown() string {
	var b strings.Builder
	g := GatewayGoals
	// The proxy floor beside each goal: what the least a Go proxy does reached
	// in the same run, so that a goal missed by machine noise reads as such.
	proxy := slices.Contains(r.Targets, TargetProxy)
	col := func(s string) string {
		if !proxy {
			return ""
		}
		return " " + s + " |"
	}
	b.WriteString("## Goals (issue 14)\n\n| goal | measured (gateway) |" + col("the do-nothing proxy, same run") + " met? |\n")
	if proxy {
		b.WriteString("|---|---|---|---|\n")
	} else {
		b.WriteString("|---|---|---|\n")
	}
	if p := r.Point("plain", GatewayLoad{Concurrency: 1}); p != nil {
		p50 := func(s RunStats) time.Duration { return s.P50 }
		a := p.Added(TargetGateway, p50)
		fmt.Fprintf(&b, "| added p50 at c=1, plain, <= %s | %s |%s %s |\n", msf(g.AddedP50C1), msf(a),
			col(msf(p.Added(TargetProxy, p50))), metOrNot(a <= g.AddedP50C1))
	}
	for _, s := range []struct {
		name string
		goal time.Duration
	}{{"plain", g.CPUPlain}, {"stream", g.CPUStream}} {
		var parts, floor []string
		worst, best := time.Duration(0), time.Duration(1<<62)
		for _, p := range r.Points {
			if p.Scenario == s.name {
				c := p.CPUPerRequest(TargetGateway)
				worst, best = max(worst, c), min(best, c)
				parts = append(parts, fmt.Sprintf("%.0f µs at %s", us(c), p.Load))
				floor = append(floor, fmt.Sprintf("%.0f µs", us(p.CPUPerRequest(TargetProxy))))
			}
		}
		what := "per plain request"
		if s.name == "stream" {
			what = fmt.Sprintf("per %d-chunk stream", GatewayStreamChunks)
		}
		verdict := metOrNot(worst <= s.goal)
		if worst > s.goal && best <= s.goal {
			verdict = "**partly**: not at every load"
		}
		fmt.Fprintf(&b, "| gateway CPU %s <= %.0f µs | %s |%s %s |\n", what, us(s.goal), strings.Join(parts, "; "),
			col(strings.Join(floor, "; ")), verdict)
	}
	var proxyRSS int64
	for _, p := range r.Points {
		for _, run := range p.Runs[TargetProxy] {
			proxyRSS = max(proxyRSS, run.RSS)
		}
	}
	fmt.Fprintf(&b, "| RSS under load <= %s | peak %s |%s %s |\n\n", mib(g.RSSUnderLoad), mib(r.End.HWM),
		col("largest after a run "+mib(proxyRSS)), metOrNot(r.End.HWM <= g.RSSUnderLoad))
	return b.String()
}

// msf formats a duration in ms with 3 decimals (µs resolution).
func msf(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }
