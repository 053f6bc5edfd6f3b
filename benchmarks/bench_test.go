package benchmarks

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
)

// The mock runs in a child process (this test binary re-executed), started on
// first use and stopped after the last test.
var (
	mockOnce sync.Once
	mockProc *mockproc.Proc
	mockEnv  *Env
	mockErr  error

	managedOnce sync.Once
	managedEnv  *Managed
	managedErr  error
)

func TestMain(m *testing.M) {
	mockproc.ServeIfChild()
	code := m.Run()
	if managedEnv != nil {
		managedEnv.Close()
	}
	if mockEnv != nil {
		mockEnv.Close()
	}
	if mockProc != nil {
		_ = mockProc.Close()
	}
	os.Exit(code)
}

func env(tb testing.TB) *Env {
	tb.Helper()
	mockOnce.Do(func() {
		if mockProc, mockErr = mockproc.Start(); mockErr != nil {
			return
		}
		if mockEnv, mockErr = NewEnv(mockProc.URLs, nil); mockErr != nil {
			mockErr = fmt.Errorf("against %v: %w", mockProc.URLs, mockErr)
		}
	})
	if mockErr != nil {
		tb.Fatal(mockErr)
	}
	return mockEnv
}

// managed returns the managed path's clients (managed.go) against the mock
// child's DeepSeek, built on first use.
func managed(tb testing.TB) *Managed {
	tb.Helper()
	e := env(tb)
	managedOnce.Do(func() { managedEnv, managedErr = NewManaged(e) })
	if managedErr != nil {
		tb.Fatal(managedErr)
	}
	return managedEnv
}

// runPair runs scenario kind ("Create", "Stream", "CreateParallel64") for
// DeepSeek as the sub-benchmarks harbor and floor (the historical names), for
// every other vendor that has it as <vendor>/harbor and <vendor>/floor, and for
// the managed path's variant as observed/harbor and observed/floor.
func runPair(b *testing.B, kind string) {
	e := env(b)
	pairs := e.Pairs()
	if kind == "Create" || kind == "Stream" {
		pairs = append(pairs, managed(b).Pairs()...)
	}
	found := false
	for _, p := range pairs {
		sub, isSub := strings.CutPrefix(p.Name, kind+"/")
		switch {
		case p.Name == kind:
			b.Run("harbor", withCPU(p.Harbor))
			b.Run("floor", withCPU(p.Floor))
			runPeers(b, p.Name)
		case isSub && (sub == p.Vendor || sub == p.Variant):
			b.Run(sub, func(b *testing.B) {
				b.Run("harbor", withCPU(p.Harbor))
				b.Run("floor", withCPU(p.Floor))
				runPeers(b, p.Name)
			})
		default:
			continue
		}
		found = true
	}
	if !found {
		b.Fatalf("no scenario %q", kind)
	}
	if kind != "CreateParallel64" {
		for v, why := range e.Skipped {
			b.Run(v, func(b *testing.B) { b.Skip(why) })
		}
	}
}

// runPeers runs the peer SDKs of scenario (peers.go) as sub-benchmarks named
// after them (BenchmarkCreate/go-openai, BenchmarkStream/openai/openai-go…),
// built only when a benchmark that has peers runs.
func runPeers(b *testing.B, scenario string) {
	for _, c := range peers(b).For(scenario) {
		b.Run(c.Name, withCPU(c.Bench))
	}
}

func BenchmarkCreate(b *testing.B)           { runPair(b, "Create") }
func BenchmarkStream(b *testing.B)           { runPair(b, "Stream") }
func BenchmarkCreateParallel64(b *testing.B) { runPair(b, "CreateParallel64") }

func BenchmarkNew(b *testing.B) {
	BenchNew("http://127.0.0.1:1", mockproc.APIKey)(b) // New does no I/O
}

func BenchmarkRoute(b *testing.B) { env(b).Vendor(DeepSeek).BenchRoute(b) }

// The response cache (managed.go): a Create and a Stream answered from L1, and
// 64 identical calls at once (upstream-calls/op, want 1), with room in the cache
// and with a full one.
func BenchmarkCreateHit(b *testing.B)      { withCPU(managed(b).Solo("CreateHit"))(b) }
func BenchmarkStreamHit(b *testing.B)      { withCPU(managed(b).Solo("StreamHit"))(b) }
func BenchmarkSingleflight64(b *testing.B) { withCPU(managed(b).Solo("Singleflight64"))(b) }

// A Create and a Stream answered from the shared tier on a real Redis (L1 too
// small to keep them); skipped without redis-server on PATH.
func BenchmarkCreateL2Hit(b *testing.B) { l2Bench(b, "CreateL2Hit") }
func BenchmarkStreamL2Hit(b *testing.B) { l2Bench(b, "StreamL2Hit") }

func l2Bench(b *testing.B, name string) {
	m := managed(b)
	if m.L2 == nil {
		b.Skip(m.L2Skipped)
	}
	withCPU(m.Solo(name))(b)
}
func BenchmarkSingleflight64Full(b *testing.B) { withCPU(managed(b).Solo("Singleflight64Full"))(b) }

// BenchmarkStagesCost runs a plain and an observed harbor client, and the
// floor, over CannedTransport (in memory): StagesCost/Create/off,
// StagesCost/Create/observed, StagesCost/Create/floor…
func BenchmarkStagesCost(b *testing.B) {
	m := managed(b)
	for _, kind := range []string{"Create", "Stream"} {
		b.Run(kind, func(b *testing.B) {
			for _, v := range []string{"off", Observed, "floor"} {
				b.Run(v, withCPU(m.Solo("StagesCost/"+kind+"/"+v)))
			}
		})
	}
}

// withCPU adds the process's CPU time per op (getrusage, user+sys; the mocks
// run in another process) as the metric cpu-ns/op, so plain `go test -bench`
// output and cmd/compare's benchstat tables show client CPU, not only wall
// time. It covers the benchmark function's setup too, which is small next to
// b.N calls.
func withCPU(fn func(*testing.B)) func(*testing.B) {
	return func(b *testing.B) {
		c0 := processCPUTime()
		fn(b)
		if b.N > 0 {
			b.ReportMetric(float64(processCPUTime()-c0)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
