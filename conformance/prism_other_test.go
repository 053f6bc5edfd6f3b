//go:build !unix

package conformance

import "testing"

// TestPrism needs process groups to stop Prism's Node processes; see
// prism_test.go, which runs on Unix systems (Linux, macOS, the BSDs).
func TestPrism(t *testing.T) {
	t.Skip("SKIPPED: the Prism validation run is Unix-only (it manages Node process groups); run it on Linux or macOS")
}
