package benchmarks

// Memory and leaks. Every measurement runs in a fresh child process (this
// binary re-executed with MemoryEnvVar set), so that harbor's and the floor's
// heaps, the benchmark driver's and earlier measurements' never mix: the child
// builds one client, makes its calls against the parent's mock, and reports
// heap, RSS, goroutines and open connections at each step as one JSON line.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/harbor"
)

// MemoryEnvVar marks a memory child; its value is the MemorySpec as JSON.
const MemoryEnvVar = "HARBOR_BENCH_MEMORY"

const memoryResultPrefix = "HARBOR_BENCH_MEMORY_RESULT "

// MemoryClients are the clients a memory child can measure.
var MemoryClients = []string{"harbor", FloorClient}

// MemorySpec is what one memory child does.
type MemorySpec struct {
	Client      string `json:"client"`      // one of MemoryClients
	URL         string `json:"url"`         // the DeepSeek mock's root URL
	Calls       int    `json:"calls"`       // Create calls after New
	Concurrency int    `json:"concurrency"` // goroutines sharing the calls (>= 1)
	Streams     int    `json:"streams"`     // streams, each read to the end, after the calls
}

// Snapshot is the child's state at one step. Heap figures are taken after a
// forced GC.
type Snapshot struct {
	HeapInuse  uint64 `json:"heap_inuse"` // runtime.MemStats.HeapInuse, bytes
	HeapAlloc  uint64 `json:"heap_alloc"` // live heap objects, bytes
	Sys        uint64 `json:"sys"`        // runtime.MemStats.Sys: all memory the runtime got from the OS
	RSS        int64  `json:"rss"`        // VmRSS from /proc/self/status, bytes
	Goroutines int    `json:"goroutines"` // runtime.NumGoroutine
	Conns      int    `json:"conns"`      // this process's TCP sockets to the mock's port
}

// MemoryResult is what a child reports.
type MemoryResult struct {
	Spec MemorySpec `json:"spec"`
	// Base is before New, AfterNew right after it, AfterRun after the calls
	// and streams, AfterClose after client.Close once goroutines and
	// connections have settled (or 2s have passed).
	Base, AfterNew, AfterRun, AfterClose Snapshot
	NewConns                             int64         `json:"new_conns"` // connections dialled by the calls
	Elapsed                              time.Duration `json:"elapsed"`   // the calls and streams
	Settled                              bool          `json:"settled"`   // AfterClose reached Base's goroutines and 0 connections
	// Stacks holds every goroutine's stack when Settled is false, for
	// diagnosis (truncated).
	Stacks string `json:"stacks,omitempty"`
	Error  string `json:"error,omitempty"`
}

// LeakedGoroutines is how many goroutines outlived Close (0 when none).
func (r *MemoryResult) LeakedGoroutines() int {
	return max(0, r.AfterClose.Goroutines-r.Base.Goroutines)
}

// ServeMemoryChildIf returns at once unless this process is a memory child;
// a child runs its MemorySpec, prints the MemoryResult and exits. Call it
// first thing in main (and from an init in the tests).
func ServeMemoryChildIf() {
	raw, ok := os.LookupEnv(MemoryEnvVar)
	if !ok {
		return
	}
	var spec MemorySpec
	res := MemoryResult{}
	code := 0
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		res.Error, code = "bad "+MemoryEnvVar+": "+err.Error(), 2
	} else {
		res = runMemoryChild(context.Background(), spec)
		if res.Error != "" {
			code = 1
		}
	}
	line, _ := json.Marshal(&res)
	fmt.Fprintf(os.Stdout, "%s%s\n", memoryResultPrefix, line)
	os.Exit(code)
}

func runMemoryChild(ctx context.Context, spec MemorySpec) (res MemoryResult) {
	res.Spec = spec
	port, err := urlPort(spec.URL)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if spec.Concurrency < 1 || spec.Calls < 0 || spec.Streams < 0 {
		res.Error = fmt.Sprintf("bad spec: calls %d, concurrency %d, streams %d", spec.Calls, spec.Concurrency, spec.Streams)
		return res
	}
	snap := func() Snapshot { return takeSnapshot(port) }

	_ = snap() // the first one pays for the measuring code's own first use
	res.Base = snap()
	var (
		create, stream Op
		closeFn        func()
	)
	switch spec.Client {
	case "harbor":
		h, err := harbor.New(HarborOptions(spec.URL, mockproc.APIKey)...)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		e := &VendorEnv{Vendor: DeepSeek, Model: Model, Harbor: h, hreq: HarborRequest()}
		create, stream, closeFn = e.harborCreate, e.harborStream, func() { _ = h.Close() }
	case FloorClient:
		f := NewFloor(spec.URL, mockproc.APIKey)
		e := &VendorEnv{Vendor: DeepSeek, Model: Model, Floor: f, freq: FloorRequestFixture()}
		create, stream, closeFn = e.floorCreate, e.floorStream, f.Close
	default:
		res.Error = fmt.Sprintf("unknown client %q (known: %s)", spec.Client, strings.Join(MemoryClients, ", "))
		return res
	}
	res.AfterNew = snap()

	var dials atomic.Int64
	tctx := httptrace.WithClientTrace(ctx, dialCounter(&dials))
	t0 := time.Now()
	if err := runCalls(tctx, create, spec.Calls, spec.Concurrency); err != nil {
		res.Error = "create: " + err.Error()
		closeFn()
		return res
	}
	for i := range spec.Streams {
		if err := stream(tctx); err != nil {
			res.Error = fmt.Sprintf("stream %d: %v", i, err)
			closeFn()
			return res
		}
	}
	res.Elapsed, res.NewConns = time.Since(t0), dials.Load()
	res.AfterRun = snap()

	closeFn()
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := snap()
		res.AfterClose = s
		if s.Goroutines <= res.Base.Goroutines && s.Conns == 0 {
			res.Settled = true
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 64<<10)
			res.Stacks = string(buf[:runtime.Stack(buf, true)])
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	return res
}

// runCalls makes n calls of op from conc goroutines; the first error stops them.
func runCalls(ctx context.Context, op Op, n, conc int) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		failed   atomic.Bool
	)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() && next.Add(1) <= int64(n) {
				if err := op(ctx); err != nil {
					errOnce.Do(func() { firstErr = err })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func takeSnapshot(port int) Snapshot {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, _ := VmRSS()
	conns, _ := TCPConns(port)
	return Snapshot{HeapInuse: ms.HeapInuse, HeapAlloc: ms.HeapAlloc, Sys: ms.Sys, RSS: rss, Goroutines: runtime.NumGoroutine(), Conns: conns}
}

func urlPort(raw string) (int, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return 0, fmt.Errorf("bad mock URL: %w", err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("mock URL %q has no port", raw)
	}
	return p, nil
}

// VmRSS returns this process's resident set size (VmRSS in /proc/self/status).
func VmRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	return parseVmRSS(b)
}

func parseVmRSS(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected VmRSS line %q", bytes.TrimSpace(line))
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmRSS in /proc/self/status")
}

// TCPConns counts this process's open TCP sockets (file descriptors in
// /proc/self/fd) whose remote port is port, in any state: the connections to
// the mock the process still holds.
func TCPConns(port int) (int, error) {
	inodes, err := socketInodes("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if errors.Is(err, os.ErrNotExist) { // no IPv6
			continue
		}
		if err != nil {
			return 0, err
		}
		n += countConns(b, inodes, port)
	}
	return n, nil
}

func socketInodes(dir string) (map[string]bool, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, e := range ents {
		target, err := os.Readlink(dir + "/" + e.Name())
		if err != nil {
			continue // closed since ReadDir
		}
		if in, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(in, "]")] = true
		}
	}
	return inodes, nil
}

// countConns counts the rows of a /proc/net/tcp table whose inode is in
// inodes and whose remote port is port. Malformed rows are skipped.
func countConns(table []byte, inodes map[string]bool, port int) int {
	n := 0
	first := true
	for line := range bytes.Lines(table) {
		if first { // header
			first = false
			continue
		}
		f := strings.Fields(string(line))
		if len(f) < 10 || !inodes[f[9]] {
			continue
		}
		_, hexPort, ok := strings.Cut(f[2], ":")
		if !ok {
			continue
		}
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil && int(p) == port {
			n++
		}
	}
	return n
}

// RunMemoryChild runs one memory child (this executable, re-executed) and
// returns what it reported. A child that fails still returns its result when
// it printed one, with the error.
func RunMemoryChild(ctx context.Context, spec MemorySpec) (*MemoryResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(&spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), MemoryEnvVar+"="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	var res *MemoryResult
	var perr error
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), memoryResultPrefix); ok && res == nil {
			res = new(MemoryResult)
			if err := json.Unmarshal([]byte(rest), res); err != nil {
				res, perr = nil, fmt.Errorf("memory child: bad result line: %w", err)
			}
		}
	}
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	switch {
	case perr != nil:
		return nil, perr
	case res == nil:
		return nil, fmt.Errorf("memory child %s: no result (%v): %s", spec.Client, werr, tail(stderr.String(), 2000))
	case res.Error != "":
		return res, fmt.Errorf("memory child %s: %s", spec.Client, res.Error)
	case werr != nil:
		return res, fmt.Errorf("memory child %s: %v: %s", spec.Client, werr, tail(stderr.String(), 2000))
	}
	return res, nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// DefaultMemoryCalls are the checkpoints: right after New, after 10k and
// after 100k Create calls (each in its own child).
var DefaultMemoryCalls = []int{0, 10_000, 100_000}

// MemoryConfig sets up MeasureMemory.
type MemoryConfig struct {
	URL         string // the DeepSeek mock's root URL
	Calls       []int  // nil: DefaultMemoryCalls
	Concurrency int    // goroutines making the calls; 0: 4
	Progress    io.Writer
}

// MemoryReport is the outcome of MeasureMemory, in run order.
type MemoryReport struct {
	Concurrency int
	Results     []*MemoryResult
	Took        time.Duration
}

// MeasureMemory runs one child per client and checkpoint, the clients taking
// turns.
func MeasureMemory(ctx context.Context, cfg MemoryConfig) (*MemoryReport, error) {
	if cfg.Calls == nil {
		cfg.Calls = DefaultMemoryCalls
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	began := time.Now()
	rep := &MemoryReport{Concurrency: cfg.Concurrency}
	for i, n := range cfg.Calls {
		clients := MemoryClients
		if i%2 == 1 {
			clients = []string{clients[1], clients[0]}
		}
		for _, c := range clients {
			res, err := RunMemoryChild(ctx, MemorySpec{Client: c, URL: cfg.URL, Calls: n, Concurrency: cfg.Concurrency})
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(cfg.Progress, "memory %-6s %7d calls: heap in use %s, RSS %s (base %s), goroutines %d -> %d after Close, conns %d -> %d, %s\n",
				c, n, mib(int64(res.AfterRun.HeapInuse)), mib(res.AfterRun.RSS), mib(res.Base.RSS),
				res.AfterRun.Goroutines, res.AfterClose.Goroutines, res.AfterRun.Conns, res.AfterClose.Conns, res.Elapsed.Round(time.Millisecond))
			rep.Results = append(rep.Results, res)
		}
	}
	rep.Took = time.Since(began)
	return rep, nil
}

func mib(b int64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }

// Result returns the result of client after calls, nil if not measured.
func (r *MemoryReport) Result(client string, calls int) *MemoryResult {
	for _, res := range r.Results {
		if res.Spec.Client == client && res.Spec.Calls == calls {
			return res
		}
	}
	return nil
}

// SeedMemoryGrowth is the Python design's memory target (8 MB, read as MiB).
const SeedMemoryGrowth = 8 << 20

// Markdown renders the memory and leak tables.
func (r *MemoryReport) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Memory and leaks (DeepSeek Create)\n\n")
	fmt.Fprintf(&b, "One fresh child process per row: it reads its baseline, builds one client, makes the calls from %d goroutines, then closes the client; took %s. "+
		"Heap in use is runtime.MemStats.HeapInuse after a forced GC; RSS is VmRSS. Growth is from the baseline, before New. "+
		"Goroutines and conns (the process's TCP sockets to the mock) are shown after the calls, with net/http's idle pooled connections still open (two goroutines each: that is the pool, not a leak), and after Close: "+
		"a client that leaks nothing is back to the baseline's goroutines and 0 connections. Seed target: memory growth <= 8 MB.\n\n",
		r.Concurrency, r.Took.Round(time.Second))
	b.WriteString("| client | calls | heap in use after New | heap in use after calls | heap growth | RSS base | RSS after New | RSS after calls | RSS growth | goroutines base / after calls / after Close | conns after calls / after Close | conns dialled |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %d / %d / %d | %d / %d | %d |\n",
			res.Spec.Client, res.Spec.Calls,
			mib(int64(res.AfterNew.HeapInuse)), mib(int64(res.AfterRun.HeapInuse)), mib(int64(res.AfterRun.HeapInuse)-int64(res.Base.HeapInuse)),
			mib(res.Base.RSS), mib(res.AfterNew.RSS), mib(res.AfterRun.RSS), mib(res.AfterRun.RSS-res.Base.RSS),
			res.Base.Goroutines, res.AfterRun.Goroutines, res.AfterClose.Goroutines,
			res.AfterRun.Conns, res.AfterClose.Conns, res.NewConns)
	}
	var leaks []string
	for _, res := range r.Results {
		if !res.Settled {
			leaks = append(leaks, fmt.Sprintf("%s after %d calls: %d goroutines and %d connections outlived Close", res.Spec.Client, res.Spec.Calls, res.LeakedGoroutines(), res.AfterClose.Conns))
		}
	}
	if len(leaks) == 0 {
		b.WriteString("\nLeak check: every client was back to its baseline goroutines and 0 connections after Close.\n")
	} else {
		b.WriteString("\n**Leak check failed**: " + strings.Join(leaks, "; ") + ".\n")
	}
	return b.String()
}
