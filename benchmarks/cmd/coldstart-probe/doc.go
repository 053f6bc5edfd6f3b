// Package coldstartprobe holds the cold-start probes: small programs that each
// make one DeepSeek chat completion against a mock and exit, one with harbor
// (./harbor), one with a hand-written net/http + encoding/json client (./floor,
// code in internal/floorprobe), and the same floor with harbor's third-party
// libraries linked in but unused (./floor-deps: what those libraries alone add),
// sending the benchmarks' fixed request. The benchmarks build each (stripped
// and not), measure their size, and time exec -> first response
// (benchmarks.MeasureColdStart).
//
// Usage: probe URL, with the mock's key in HARBOR_PROBE_KEY. On success a
// probe prints one line to stdout,
//
//	ok main_ns=<main entry to answer> new_ns=<client construction> main_at=<main entry, Unix ns>
//
// main_at is the wall clock when main began, so that the parent, on the same
// machine, can time exec -> main: process start, the Go runtime and every
// package's init.
// and exits 0; on failure it prints the error to stderr and exits 1.
// No probe imports package benchmarks, so no binary carries another's code
// (or the peers').
package coldstartprobe
