package main

// The report's section on harbor's managed call path (benchmarks/managed.go):
// what the observer and the limiter cost on a miss, what a cache hit costs
// against the miss of the same rounds, and how many vendor calls 64 identical
// calls made.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/harborai/harbor-go/benchmarks"
)

// Metric names Singleflight64 reports (benchmarks.Managed.BenchSingleflight).
const (
	upstreamMetric  = "upstream-calls/op"
	coalescedMetric = "coalesced/op"
	l1HitsMetric    = "l1-hits/op"
	evictionsMetric = "evictions/op"
)

// flightScenarios are the Singleflight64 scenarios, in report order, and the
// state of their cache.
var flightScenarios = []struct{ name, cache string }{
	{"Singleflight64", "with room (nothing evicted)"},
	{"Singleflight64Full", "full (every answer stored evicts one)"},
}

// managedSection returns the section, empty when no managed scenario ran.
func managedSection(pairs []benchmarks.Pair, harborRes, floorRes []series, solo []soloBench, soloRes []series) string {
	pairOf := func(name string) int {
		return slices.IndexFunc(pairs, func(p benchmarks.Pair) bool { return p.Name == name })
	}
	soloOf := func(name string) int {
		return slices.IndexFunc(solo, func(s soloBench) bool { return s.name == name })
	}
	kinds := []string{"Create", "Stream"}
	var observed, hits []string // hits: "CreateHit", "CreateL2Hit"…
	for _, tier := range []string{"Hit", "L2Hit"} {
		for _, k := range kinds {
			if soloOf(k+tier) >= 0 {
				hits = append(hits, k+tier)
			}
		}
	}
	for _, k := range kinds {
		if pairOf(k+"/"+benchmarks.Observed) >= 0 {
			observed = append(observed, k)
		}
	}
	var flights []int // solo indexes, in flightScenarios order
	for _, f := range flightScenarios {
		if i := soloOf(f.name); i >= 0 {
			flights = append(flights, i)
		}
	}
	var inProc []string // kinds with both StagesCost scenarios
	for _, k := range kinds {
		if soloOf(stagesName(k, "off")) >= 0 && soloOf(stagesName(k, benchmarks.Observed)) >= 0 {
			inProc = append(inProc, k)
		}
	}
	if len(observed) == 0 && len(hits) == 0 && len(flights) == 0 && len(inProc) == 0 {
		return ""
	}
	cpu, wall, bytesOp, allocs := metrics[0].get, metrics[1].get, metrics[2].get, metrics[3].get

	var b strings.Builder
	fmt.Fprintf(&b, "\n## Managed call path (DeepSeek)\n\n")
	fmt.Fprintf(&b, "Measured in the same interleaved rounds as the scenarios above; medians over the rounds. "+
		"Every harbor client has stats and pricing on (harbor's defaults). "+
		"`/observed`: plus a Prometheus observer (`prommetrics.New`, `harbor.WithObserver`) and a limiter (`harbor.WithLimits`, caps of %d that no call reaches, so none waits). "+
		"`CreateHit`, `StreamHit`: a warm response cache (`harbor.WithCache`), every call answered from L1 (`Cached` checked on every call). "+
		"`CreateL2Hit`, `StreamL2Hit`: the shared tier on a real redis-server on loopback (`rediscache`), an L1 too small to keep any answer, so every call is answered from Redis. "+
		"`Singleflight64`, `Singleflight64Full`: %d identical Creates released at once, a request not sent before, on a client with a cache of its own, with room to spare or full.\n",
		benchmarks.GenerousLimits.MaxConcurrent, benchmarks.Flight)

	if len(observed) > 0 {
		fmt.Fprintf(&b, "\n### The stages on a miss\n\n")
		fmt.Fprintf(&b, "| scenario | CPU harbor/floor, stages off | CPU harbor/floor, observed | harbor CPU observed/off | per-round min–max | allocs/op off → observed | off <= %.2f | observed/off <= %.2f |\n|---|---:|---:|---:|---:|---:|---|---|\n",
			benchmarks.MissMaxRatio, benchmarks.ObservedMaxOverhead)
		for _, k := range observed {
			o, off := pairOf(k+"/"+benchmarks.Observed), pairOf(k)
			obsRatio := harborRes[o].median(cpu) / floorRes[o].median(cpu)
			if off < 0 {
				fmt.Fprintf(&b, "| %s | — | %.2f | — | — | — | — | — (run %s too) |\n", k, obsRatio, k)
				continue
			}
			offRatio := harborRes[off].median(cpu) / floorRes[off].median(cpu)
			over := harborRes[o].median(cpu) / harborRes[off].median(cpu)
			per := perRoundRatios(harborRes[o], harborRes[off], cpu)
			fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.3f | %s | %s → %s | %s | %s |\n", k, offRatio, obsRatio, over, span(per),
				num(harborRes[off].median(allocs)), num(harborRes[o].median(allocs)),
				verdict(offRatio <= benchmarks.MissMaxRatio), verdict(over <= benchmarks.ObservedMaxOverhead))
		}
		fmt.Fprintf(&b, "\nharbor CPU observed/off is median harbor CPU of `%s/observed` over that of `%s`, and the range of the same ratio per round (both measured in every round). "+
			"The floor is the same in both scenarios; its two medians differ only by noise.\n", observed[0], observed[0])
	}

	if len(inProc) > 0 {
		fmt.Fprintf(&b, "\n### The stages' own cost, in process\n\n")
		fmt.Fprintf(&b, "A loopback call's noise is larger than what the observer and the limiter cost, so `StagesCost` measures them without it: "+
			"a plain and an observed harbor client over `CannedTransport`, which answers in memory with the mock's recorded response (no socket, no other process). "+
			"Δ is observed minus off, per round (the two run back to back), median and range; the estimate adds it to the loopback call's harbor CPU (stages off) of the same rounds.\n\n")
		fmt.Fprintf(&b, "| scenario | harbor CPU off ns/op | observed | Δ CPU ns/op | per-round Δ min–max | allocs/op off → observed | Δ / loopback harbor CPU | estimated observed/off, loopback | <= %.2f |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
			benchmarks.ObservedMaxOverhead)
		for _, k := range inProc {
			off, obs := soloRes[soloOf(stagesName(k, "off"))], soloRes[soloOf(stagesName(k, benchmarks.Observed))]
			deltas := perRoundDiffs(obs, off, cpu)
			d := medianOf(deltas)
			row := fmt.Sprintf("| %s | %s | %s | %s | %s–%s | %s → %s |", k, num(off.median(cpu)), num(obs.median(cpu)), num(d),
				num(deltas[0]), num(deltas[len(deltas)-1]), num(off.median(allocs)), num(obs.median(allocs)))
			if loop := pairOf(k); loop >= 0 {
				lc := harborRes[loop].median(cpu)
				row += fmt.Sprintf(" %.2f%% | %.3f | %s |", 100*d/lc, 1+d/lc, verdict(1+d/lc <= benchmarks.ObservedMaxOverhead))
			} else {
				row += " — | — | — (run " + k + " too) |"
			}
			b.WriteString(row + "\n")
		}
		b.WriteString(restSection(inProc, pairOf, soloOf, harborRes, floorRes, soloRes))
	}

	if len(hits) > 0 {
		fmt.Fprintf(&b, "\n### Cache hits\n\n")
		fmt.Fprintf(&b, "| scenario | wall ns/op | client CPU ns/op | B/op | allocs/op | miss/hit, wall | miss/hit, CPU | per-round miss/hit wall min–max | target | met |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
		for _, name := range hits {
			k := strings.TrimSuffix(strings.TrimSuffix(name, "L2Hit"), "Hit")
			h := soloRes[soloOf(name)]
			row := fmt.Sprintf("| %s | %s | %s | %s | %s |", name, num(h.median(wall)), num(h.median(cpu)), num(h.median(bytesOp)), num(h.median(allocs)))
			target, met := "—", "—"
			miss := pairOf(k)
			var speedup float64
			if miss >= 0 {
				speedup = harborRes[miss].median(wall) / h.median(wall)
				row += fmt.Sprintf(" %.1f× | %.1f× | %s |", speedup, harborRes[miss].median(cpu)/h.median(cpu), span(perRoundRatios(harborRes[miss], h, wall)))
			} else {
				row += " — | — | — |"
			}
			if name == "CreateHit" {
				target = fmt.Sprintf("<= %d ns/op; >= %d× cheaper than a miss", benchmarks.HitMaxNs, benchmarks.HitMinSpeedup)
				met = "ns/op: " + verdict(h.median(wall) <= benchmarks.HitMaxNs)
				if miss >= 0 {
					met += fmt.Sprintf("; %d×: %s", benchmarks.HitMinSpeedup, verdict(speedup >= benchmarks.HitMinSpeedup))
				}
			}
			fmt.Fprintf(&b, "%s %s | %s |\n", row, target, met)
		}
		fmt.Fprintf(&b, "\nThe miss is harbor's side of `Create` (`Stream`) in the same rounds: the same request, no cache, a loopback call to the mock child.")
		if pairOf("Create") < 0 && pairOf("Stream") < 0 {
			fmt.Fprintf(&b, " It did not run here (select `Create` and `Stream` too for the ratios).")
		}
		b.WriteString("\n")
	}

	if len(flights) > 0 {
		ext := func(name string) func(sample) float64 { return func(x sample) float64 { return x.extra[name] } }
		fmt.Fprintf(&b, "\n### Singleflight64\n\n")
		fmt.Fprintf(&b, "| scenario | cache | wall ns/op | per call | client CPU ns/op | B/op | allocs/op | upstream calls/op (max over rounds) | coalesced/op | L1 hits/op | evictions/op | upstream = %d |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n", benchmarks.FlightUpstream)
		for _, i := range flights {
			s := soloRes[i]
			maxUp := 0.0
			for _, x := range s {
				maxUp = max(maxUp, x.extra[upstreamMetric])
			}
			cache := ""
			for _, f := range flightScenarios {
				if f.name == solo[i].name {
					cache = f.cache
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %.3f (%.3f) | %.1f | %.1f | %.2f | %s |\n", solo[i].name, cache,
				num(s.median(wall)), num(s.median(wall)/benchmarks.Flight), num(s.median(cpu)), num(s.median(bytesOp)), num(s.median(allocs)),
				s.median(ext(upstreamMetric)), maxUp, s.median(ext(coalescedMetric)), s.median(ext(l1HitsMetric)), s.median(ext(evictionsMetric)),
				verdict(maxUp == benchmarks.FlightUpstream))
		}
		fmt.Fprintf(&b, "\nOne op is %d calls. Upstream calls are the HTTP requests sent (httptrace `GotConn` on the calls' context); the other calls either waited for the leader (coalesced) or came after it had stored its answer (L1 hits). "+
			"A call that comes after the leader's flight has ended and no longer finds its answer in L1 (evicted) leads a flight of its own: a second upstream call.\n",
			benchmarks.Flight)
	}
	return b.String()
}

func stagesName(kind, variant string) string { return "StagesCost/" + kind + "/" + variant }

// restSection splits each side's loopback CPU into its own work — the same
// call over the in-memory CannedTransport (StagesCost/*/off for harbor,
// StagesCost/*/floor for the floor) — and the rest: the socket, the HTTP
// transport (net/http's Transport for the floor, internal/h1 for harbor) and
// the scheduler. "" unless the floor ran in memory and on loopback.
func restSection(kinds []string, pairOf, soloOf func(string) int, harborRes, floorRes, soloRes []series) string {
	cpu := metrics[0].get
	var rows strings.Builder
	for _, k := range kinds {
		fi, loop := soloOf(stagesName(k, "floor")), pairOf(k)
		if fi < 0 || loop < 0 {
			continue
		}
		floorMem, harborMem := soloRes[fi].median(cpu), soloRes[soloOf(stagesName(k, "off"))].median(cpu)
		floorLoop, harborLoop := floorRes[loop].median(cpu), harborRes[loop].median(cpu)
		fmt.Fprintf(&rows, "| %s | %s | %s | %s | %s | %.2f | %.2f | %.2f |\n", k, num(floorMem), num(harborMem),
			num(floorLoop-floorMem), num(harborLoop-harborMem), harborMem/floorMem, (harborLoop-harborMem)/(floorLoop-floorMem), harborLoop/floorLoop)
	}
	if rows.Len() == 0 {
		return ""
	}
	return "\n### Own work and the rest\n\n" +
		"`StagesCost/*/floor` is the floor over the same `CannedTransport`: its own work (building the request, encoding/json both ways) without the socket; `StagesCost/*/off` is harbor's. " +
		"The rest of each side's loopback CPU is the socket, the HTTP transport — net/http's Transport for the floor, harbor's `internal/h1` (the call on the caller's goroutine, no reader and writer goroutines per connection) — and the scheduler. " +
		"A harbor on net/http's Transport spends the floor's rest, so its harbor/floor could not go below the floor's rest over its CPU (0.89 for Create in the run that found it). Medians of the rounds.\n\n" +
		"| scenario | floor own work ns/op | harbor own work | floor rest | harbor rest | own work harbor/floor | rest harbor/floor | harbor/floor |\n" +
		"|---|---:|---:|---:|---:|---:|---:|---:|\n" + rows.String()
}

// perRoundDiffs returns a[r]-b[r] per round, sorted.
func perRoundDiffs(a, b series, get func(sample) float64) []float64 {
	n := min(len(a), len(b))
	per := make([]float64, n)
	for r := range n {
		per[r] = get(a[r]) - get(b[r])
	}
	slices.Sort(per)
	return per
}

// medianOf returns the median of sorted v.
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// perRoundRatios returns a[r]/b[r] per round, sorted.
func perRoundRatios(a, b series, get func(sample) float64) []float64 {
	n := min(len(a), len(b))
	per := make([]float64, n)
	for r := range n {
		per[r] = get(a[r]) / get(b[r])
	}
	slices.Sort(per)
	return per
}

func span(per []float64) string {
	if len(per) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f–%.2f", per[0], per[len(per)-1])
}

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
