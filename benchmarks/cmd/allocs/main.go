// Command allocs is harbor's allocation regression check: it measures
// allocs/op and B/op of Create and Stream for every vendor (deepseek, doubao,
// wenxin, qianfan, openai) against the mocks, and fails when any rises above
// the figures recorded for the release in benchmarks/results/allocs-v<version>.json.
// CI (.ci/run) runs it. Time is never checked: it is noise on shared
// machines; allocations are not.
//
//	cd benchmarks && go run ./cmd/allocs           # check; exit 1 on a rise, and print the table
//	cd benchmarks && go run ./cmd/allocs -record   # measure and record for the release being prepared
//
// The figures checked against are those of the newest CHANGELOG.md entry that
// has a figures file: the release being prepared once its figures are
// recorded, else the last release's. -record writes the figures of the newest
// entry, which must be unreleased ("## vX.Y.Z — unreleased"): a release's
// figures are part of its record and are not rewritten. Recording is how a
// deliberate rise is accepted; say why in the commit.
//
// Each figure is the minimum over -count runs (5) of -benchtime calls (1000x,
// after one warm-up call), which absorbs the rare allocation that is not the
// call's own; the check measures as the record was made. It takes about 15 s.
// A figure fails when allocs/op rise by more than 0.5 (any new allocation per
// call), or B/op by more than the larger of 64 B and 5% (allocs.BytesSlack,
// allocs.BytesSlackFraction).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/allocs"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/internal/release"
)

// errRegression is returned when the check fails; the table says why.
var errRegression = errors.New("allocations rose above the recorded figures")

func main() {
	mockproc.ServeIfChild()
	testing.Init() // registers -test.benchtime, which testing.Benchmark reads

	record := flag.Bool("record", false, "measure and write the figures of the release being prepared (the newest, unreleased CHANGELOG.md entry) instead of checking")
	benchtime := flag.String("benchtime", "", "calls per run, as go test -benchtime (a count: Nx); default: the record's when checking, else "+allocs.DefaultBenchtime)
	count := flag.Int("count", 0, fmt.Sprintf("runs of each scenario, the minimum kept; default: the record's when checking, else %d", allocs.DefaultCount))
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./cmd/allocs [-record] [-benchtime Nx] [-count N]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fatal(fmt.Errorf("unexpected arguments %q (flags only; see -h)", flag.Args()))
	}
	wd, err := os.Getwd()
	if err != nil {
		fatal(err)
	}
	repo, err := allocs.FindRepo(wd)
	if err != nil {
		fatal(err)
	}
	m := measurer{benchtime: *benchtime, count: *count, run: func(benchtime string, count int) ([]allocs.Figure, error) {
		return allocs.Measure(benchtime, count, os.Stderr)
	}}
	if *record {
		err = recordFigures(os.Stdout, repo, m)
	} else {
		err = check(os.Stdout, repo, m)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "allocs:", err)
	os.Exit(1)
}

// measurer measures with the flags' settings, or in their absence with the
// given defaults.
type measurer struct {
	benchtime string // "" for the default
	count     int    // 0 for the default
	run       func(benchtime string, count int) ([]allocs.Figure, error)
}

// measure runs m with its settings, else benchtime and count; it returns the
// settings used.
func (m measurer) measure(benchtime string, count int) ([]allocs.Figure, string, int, error) {
	if m.benchtime != "" {
		benchtime = m.benchtime
	}
	if m.count != 0 {
		count = m.count
	}
	figs, err := m.run(benchtime, count)
	return figs, benchtime, count, err
}

// check measures now and compares with the baseline.
func check(w io.Writer, repo allocs.Repo, m measurer) error {
	log, err := release.Read(repo.Changelog)
	if err != nil {
		return err
	}
	rec, entry, path, err := repo.Baseline(log)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "allocs: against %s: %s\n", allocs.Describe(entry), repo.Rel(path))
	fmt.Fprintf(w, "allocs: recorded %s on %s with %s %s, min of %d runs of %s calls\n",
		rec.Recorded, rec.MeasuredOn, rec.Go, rec.Platform, rec.Count, strings.TrimSuffix(rec.Benchtime, "x"))
	if m := allocs.Mismatch(rec); m != "" {
		fmt.Fprintf(w, "allocs: warning: %s; figures may differ without a code change\n", m)
	}
	start := time.Now()
	now, benchtime, count, err := m.measure(rec.Benchtime, rec.Count)
	if err != nil {
		return err
	}
	if benchtime != rec.Benchtime || count != rec.Count {
		fmt.Fprintf(w, "allocs: warning: measured with -benchtime %s -count %d, not as recorded\n", benchtime, count)
	}
	rows := allocs.Compare(rec.Figures, now)
	fmt.Fprintln(w)
	if err := allocs.WriteTable(w, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if n := allocs.Failed(rows); n > 0 {
		fmt.Fprintf(w, "allocs: FAIL: %d of %d figures rose above %s's (allowed: allocs/op +%.1f; B/op +%d B or +%.0f%%, the larger)\n",
			n, len(rows), entry.Tag(), allocs.AllocsSlack, allocs.BytesSlack, 100*allocs.BytesSlackFraction)
		for _, r := range rows {
			if r.Fail && r.Now != nil && r.Recorded != nil {
				fmt.Fprintf(w, "  Find the new allocation (%s %s): cd benchmarks && go test -run '^$' -bench '%s' -benchtime 1000x -memprofile mem.out -memprofilerate 1 && go tool pprof -sample_index=alloc_objects -top mem.out\n",
					r.Vendor, r.Scenario, allocs.BenchPattern(r.Vendor, r.Scenario))
				break
			}
		}
		fmt.Fprintf(w, "  If the rise is deliberate, record it for the release being prepared and say why in the commit:\n"+
			"    cd benchmarks && go run ./cmd/allocs -record\n")
		return errRegression
	}
	fmt.Fprintf(w, "allocs: ok, no figure above %s's (%d scenarios, %s)\n", entry.Tag(), len(rows), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// recordFigures measures and writes the figures of the newest, unreleased
// changelog entry.
func recordFigures(w io.Writer, repo allocs.Repo, m measurer) error {
	log, err := release.Read(repo.Changelog)
	if err != nil {
		return err
	}
	newest, ok := log.Newest()
	switch {
	case !ok:
		return fmt.Errorf("%s has no entry to record figures for", repo.Rel(repo.Changelog))
	case newest.Released():
		return fmt.Errorf("%s's newest entry %s is released (commit %s); its figures are part of its record. "+
			"Add an entry for the next release (## vX.Y.Z — %s, Commit: %s) and record for it",
			repo.Rel(repo.Changelog), newest.Tag(), newest.Commit, release.Unreleased, release.Pending)
	}
	prev, prevEntry, _, prevErr := repo.Baseline(log)
	now, benchtime, count, err := m.measure(allocs.DefaultBenchtime, allocs.DefaultCount)
	if err != nil {
		return err
	}
	path := filepath.Join(repo.Results, allocs.FileName(newest.Version))
	if prevErr == nil {
		fmt.Fprintf(w, "allocs: the new figures next to %s's, for the record (not a check):\n\n", prevEntry.Tag())
		if err := allocs.WriteTable(w, allocs.Compare(prev.Figures, now)); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	rec := allocs.NewRecord(repo.Root, newest.Version, "", benchtime, count, now)
	if err := os.MkdirAll(repo.Results, 0o755); err != nil {
		return err
	}
	if err := rec.Save(path); err != nil {
		return err
	}
	fmt.Fprintf(w, "allocs: wrote %s (%s, measured on %s); commit it with the change it measures\n", repo.Rel(path), newest.Tag(), rec.MeasuredOn)
	return nil
}
