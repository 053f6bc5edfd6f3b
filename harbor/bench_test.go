package harbor_test

import (
	"testing"

	"github.com/harborai/harbor-go/harbor"
)

// BenchmarkRoute is the seed's "method call overhead": resolving a model name to its
// provider, with every built-in vendor registered. Budget: tens of ns, 0 allocs.
func BenchmarkRoute(b *testing.B) {
	c := harbor.Must(harbor.New(harbor.WithGetenv(func(string) string { return "" })))
	names := []string{"deepseek-v4-flash", "deepseek/deepseek-v4-pro", "deepseek-v9"}
	_, _ = c.Route(names[0])
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Route(names[i%len(names)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModels lists every routable model locally: no network, 0 allocs.
func BenchmarkModels(b *testing.B) {
	c := harbor.Must(harbor.New(harbor.WithGetenv(func(string) string { return "" })))
	_ = c.Models()
	b.ReportAllocs()
	for b.Loop() {
		if len(c.Models()) == 0 {
			b.Fatal("no models")
		}
	}
}
