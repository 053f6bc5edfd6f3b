package main

// The report's extra sections: client creation and first call, throughput,
// memory and leaks, cold start, and the seed targets. Each has a flag to skip
// it; the measurements live in package benchmarks (load.go, memory.go,
// coldstart.go).

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/harborai/harbor-go/benchmarks"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
)

type extraFlags struct {
	load, memory, coldstart *bool

	loadTime     *time.Duration
	loadRounds   *int
	loadConc     *string
	memoryCalls  *string
	memoryConc   *int
	coldRuns     *int
	startRounds  *int
	startFirstN  *int
	loadBuilders []benchmarks.LoadClientsFunc
}

// registerExtras registers the extra sections' flags on flag.CommandLine.
func registerExtras() *extraFlags {
	return &extraFlags{
		load:        flag.Bool("load", true, "throughput section: DeepSeek Create at -load-conc goroutines, without and with vendor latency"),
		memory:      flag.Bool("memory", true, "memory and leak section: heap, RSS, goroutines and connections, one child process per row"),
		coldstart:   flag.Bool("coldstart", true, "start-up sections: client creation and first call, management calls, cold start of a small program, seed targets"),
		loadTime:    flag.Duration("load-time", time.Second, "duration of one throughput run (per client, concurrency and round)"),
		loadRounds:  flag.Int("load-rounds", 2, "interleaved throughput rounds per point; medians are taken over them"),
		loadConc:    flag.String("load-conc", joinInts(benchmarks.DefaultConcurrency), "comma-separated throughput concurrencies"),
		memoryCalls: flag.String("memory-calls", joinInts(benchmarks.DefaultMemoryCalls), "comma-separated Create counts, one child per client and count"),
		memoryConc:  flag.Int("memory-conc", 4, "goroutines making the memory section's calls"),
		coldRuns:    flag.Int("coldstart-runs", 20, "measured execs of each cold-start probe binary"),
		startRounds: flag.Int("startup-rounds", 5, "interleaved rounds of the client creation and first call measurements"),
		startFirstN: flag.Int("startup-first", 200, "fresh clients per round for the first-Create measurements (each dials a connection)"),
		// Peers join the throughput section by appending their LoadClientsFunc.
		loadBuilders: []benchmarks.LoadClientsFunc{benchmarks.HarborAndFloor},
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func parseInts(name, list string, minimum int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < minimum {
			return nil, fmt.Errorf("-%s: %q is not an integer >= %d", name, f, minimum)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-%s: empty", name)
	}
	return out, nil
}

// any reports whether an extra section is on.
func (x *extraFlags) any() bool { return *x.load || *x.memory || *x.coldstart }

// run measures the sections that are on, against a mock child of its own,
// and returns their Markdown and the cold start's report (nil with
// -coldstart=false), whose figures also join the summary.
func (x *extraFlags) run(progress io.Writer) (string, *benchmarks.ColdStartReport, error) {
	if !x.any() {
		return "", nil, nil
	}
	conc, err := parseInts("load-conc", *x.loadConc, 1)
	if err != nil {
		return "", nil, err
	}
	calls, err := parseInts("memory-calls", *x.memoryCalls, 0)
	if err != nil {
		return "", nil, err
	}
	proc, err := mockproc.Start()
	if err != nil {
		return "", nil, err
	}
	defer proc.Close()
	ctx := context.Background()

	var (
		b    strings.Builder
		st   *benchmarks.StartupReport
		cold *benchmarks.ColdStartReport
		mem  *benchmarks.MemoryReport
		load *benchmarks.LoadReport
	)
	if *x.coldstart {
		if st, err = benchmarks.MeasureStartup(ctx, benchmarks.StartupConfig{URL: proc.URL, Rounds: *x.startRounds, FirstN: *x.startFirstN, Progress: progress}); err != nil {
			return "", nil, err
		}
		b.WriteString(st.Markdown())
	}
	if *x.load {
		cfg := benchmarks.LoadConfig{Targets: benchmarks.LoadTargets(proc.URLs), Concurrency: conc, Duration: *x.loadTime, Rounds: *x.loadRounds, Progress: progress}
		if load, err = benchmarks.RunLoad(ctx, cfg, x.loadBuilders...); err != nil {
			return "", nil, err
		}
		b.WriteString(load.Markdown())
	}
	if *x.memory {
		if mem, err = benchmarks.MeasureMemory(ctx, benchmarks.MemoryConfig{URL: proc.URL, Calls: calls, Concurrency: *x.memoryConc, Progress: progress}); err != nil {
			return "", nil, err
		}
		b.WriteString(mem.Markdown())
	}
	if *x.coldstart {
		if cold, err = benchmarks.MeasureColdStart(ctx, benchmarks.ColdStartConfig{URL: proc.URL, Runs: *x.coldRuns, Progress: progress}); err != nil {
			return "", nil, err
		}
		b.WriteString(cold.Markdown())
	}
	b.WriteString(benchmarks.SeedMarkdown(st, cold, mem, load))
	return b.String(), cold, nil
}
