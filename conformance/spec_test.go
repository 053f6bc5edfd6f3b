package conformance

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/harborai/harbor-go/conformance/speccheck"
)

// specChecked is the transport under every harbor client the conformance
// tables build: each request harbor sends and each response or stream event
// the mock answers with is checked against the vendor's OpenAPI spec, and a
// violation fails t. base may be nil (http.DefaultTransport's settings, own
// pool).
//
// offSpec names violations a row provokes on purpose (a value the spec
// forbids, sent through ExtraBody to see the vendor's error mapped): a
// violation containing one of these strings is expected rather than a
// failure, and each one must actually occur, so the spec still has to
// forbid what the row claims it forbids.
// offSpecs is specChecked's offSpec for a table row's one optional string.
func offSpecs(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func specChecked(t testing.TB, spec string, base http.RoundTripper, offSpec ...string) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	var mu sync.Mutex
	seen := make([]bool, len(offSpec))
	if len(offSpec) > 0 {
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			for i, want := range offSpec {
				if !seen[i] {
					t.Errorf("the row expects the %s spec to reject %q, but no violation mentioned it: the spec or the row is wrong", spec, want)
				}
			}
		})
	}
	return speccheck.MustLoad(spec).Transport(base, func(v speccheck.Violation) {
		msg := v.Error()
		mu.Lock()
		defer mu.Unlock()
		for i, want := range offSpec {
			if strings.Contains(msg, want) {
				seen[i] = true
				t.Logf("expected spec violation (off-spec on purpose): %s", msg)
				return
			}
		}
		t.Errorf("spec violation: %s", msg)
	})
}
