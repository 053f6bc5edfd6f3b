package harbor

import (
	"errors"
	"net/http"
	"testing"

	"github.com/harborai/harbor-go/llm"
)

// Every built-in Descriptor.New reports a failed construction with a nil
// llm.Provider, not a nil *Provider inside a non-nil interface (the providers' New
// return their concrete type); and builtinNames stays in step with builtins().
func TestBuiltinDescriptors(t *testing.T) {
	descs := builtins()
	if len(descs) != len(builtinNames) {
		t.Fatalf("%d builtins, %d builtinNames", len(descs), len(builtinNames))
	}
	for i, d := range descs {
		if d.Name != builtinNames[i] {
			t.Errorf("builtins()[%d] is %q, builtinNames says %q", i, d.Name, builtinNames[i])
		}
		p, err := d.New(llm.Config{HTTP: http.DefaultClient, Getenv: func(string) string { return "" }})
		if !errors.Is(err, llm.ErrNoCredentials) {
			t.Errorf("%s without a key: %v, want ErrNoCredentials", d.Name, err)
		}
		if p != nil {
			t.Errorf("%s without a key: provider %#v, want a nil interface", d.Name, p)
		}
		p, err = d.New(llm.Config{APIKey: "k-test", SecretKey: "s-test", HTTP: http.DefaultClient, Getenv: func(string) string { return "" }})
		if err != nil || p == nil || p.Name() != d.Name {
			t.Errorf("%s with a key: (%v, %v)", d.Name, p, err)
		}
	}
}
