// Command gateway measures what `harbor serve` adds to a call: latency through
// the gateway minus latency straight to the same loopback mock, closed loop at
// several concurrencies and open loop at a fixed rate, and the gateway
// process's CPU per request and RSS, for a plain call and a 20-chunk stream.
// It prints the Markdown report (the command that made it in its header).
//
//	cd benchmarks && go run ./cmd/gateway -out results/gateway.md
//	cd benchmarks && go run ./cmd/gateway -rounds 1 -duration 500ms     # a quick look
//	cd benchmarks && go run ./cmd/gateway -cpuprofile /tmp/gw.pprof -rounds 1 -rate -1 \
//	    && go tool pprof -top /tmp/gw.pprof                              # where the gateway's time goes
//
// Four processes: the DeepSeek mock (this binary, re-executed: mockproc), the
// gateway (`harbor serve`, built from this checkout; with -cpuprofile, this
// binary again, serving package gateway under a CPU profile), the proxy floor
// (this binary again: a minimal net/http proxy in front of the same mock, the
// least a Go proxy does) and this client. See benchmarks/README.md, "The
// gateway".
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/harborai/harbor-go/benchmarks"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
)

func main() {
	mockproc.ServeIfChild()
	benchmarks.ServeGatewayChildIf()

	rounds := flag.Int("rounds", 5, "interleaved rounds; medians are taken over them")
	duration := flag.Duration("duration", 2*time.Second, "length of one run (one load, one target, one round)")
	conc := flag.String("conc", "1,16,64", "comma-separated closed-loop concurrencies")
	rate := flag.Int("rate", 1000, "open-loop requests/s (-1: no open loop)")
	noAccessLog := flag.Bool("no-access-log", false, "turn the gateway's access log off (on by default, as in production)")
	accessFlush := flag.Duration("access-flush", 100*time.Millisecond, "the gateway's log.access_flush, as deploy/harbor.example.yaml sets it (0: each access log line written as its request ends)")
	proxy := flag.Bool("proxy", true, "also measure the proxy floor, a minimal net/http proxy in front of the same mock")
	gomaxprocs := flag.Int("gomaxprocs", 0, "GOMAXPROCS of the gateway and the proxy (0: unset, every CPU)")
	harborBin := flag.String("harbor", "", "a harbor binary to run as the gateway (default: go build ./cmd/harbor)")
	profile := flag.String("cpuprofile", "", "serve the gateway from this binary under a CPU profile written to this file (figures then include the profiler's cost)")
	scenarios := flag.String("scenarios", "plain,stream", "comma-separated scenarios: plain, stream")
	out := flag.String("out", "", "also write the Markdown to this file")
	flag.Parse()

	var cs []int
	for _, f := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-conc: %q is not an integer >= 1", f))
		}
		cs = append(cs, n)
	}
	proc, err := mockproc.Start()
	if err != nil {
		fatal(err)
	}
	defer proc.Close()
	r, err := benchmarks.MeasureGateway(context.Background(), benchmarks.GatewayConfig{
		MockURL: proc.URL, Harbor: *harborBin, Concurrency: cs, Rate: *rate, Duration: *duration, Rounds: *rounds,
		Scenarios: strings.Split(*scenarios, ","), NoAccessLog: *noAccessLog, AccessFlush: *accessFlush, NoProxy: !*proxy, GOMAXPROCS: *gomaxprocs, CPUProfile: *profile, Progress: os.Stderr,
	})
	if err != nil {
		proc.Close()
		fatal(err)
	}
	md := r.Markdown("cd benchmarks && go run ./cmd/gateway " + strings.Join(os.Args[1:], " "))
	fmt.Print(md)
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			fatal(err)
		}
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			fatal(err)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gateway:", err)
	os.Exit(1)
}
