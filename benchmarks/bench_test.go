package benchmarks

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
)

// The mock runs in a child process (this test binary re-executed), started on
// first use and stopped after the last test.
var (
	mockOnce sync.Once
	mockProc *mockproc.Proc
	mockEnv  *Env
	mockErr  error
)

func TestMain(m *testing.M) {
	mockproc.ServeIfChild()
	code := m.Run()
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
		if mockEnv, mockErr = NewEnv(mockProc.URL, mockproc.APIKey); mockErr != nil {
			mockErr = fmt.Errorf("against %s: %w", mockProc.URL, mockErr)
		}
	})
	if mockErr != nil {
		tb.Fatal(mockErr)
	}
	return mockEnv
}

func runPair(b *testing.B, name string) {
	for _, p := range env(b).Pairs() {
		if p.Name == name {
			b.Run("harbor", p.Harbor)
			b.Run("floor", p.Floor)
			return
		}
	}
	b.Fatalf("no scenario %q", name)
}

func BenchmarkCreate(b *testing.B)           { runPair(b, "Create") }
func BenchmarkStream(b *testing.B)           { runPair(b, "Stream") }
func BenchmarkCreateParallel64(b *testing.B) { runPair(b, "CreateParallel64") }

func BenchmarkNew(b *testing.B) {
	BenchNew("http://127.0.0.1:1", mockproc.APIKey)(b) // New does no I/O
}

func BenchmarkRoute(b *testing.B) { env(b).BenchRoute(b) }
