// Command release records the release being prepared, once its last commit
// is made:
//
//	cd benchmarks && go run ./cmd/release
//
// The release is the newest CHANGELOG.md entry, which must be unreleased
// ("## vX.Y.Z — unreleased" with "Commit: pending") and be harbor.Version.
// HEAD is the release's commit, so the work tree must have no uncommitted
// changes but to CHANGELOG.md and the figures file. It then
//
//  1. measures the allocations of every vendor's Create and Stream, as
//     cmd/allocs -record does, and writes benchmarks/results/allocs-vX.Y.Z.json
//     naming HEAD as the commit measured;
//  2. stamps the entry in CHANGELOG.md with HEAD's commit date (UTC) and full
//     hash;
//  3. prints the git command that commits the two files. That commit only
//     records the release; the release is the commit it names.
//
// Tags are not used: they do not travel with this repository's history.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/harborai/harbor-go/benchmarks/internal/allocs"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/release"
)

func main() {
	mockproc.ServeIfChild()
	testing.Init() // registers -test.benchtime, which testing.Benchmark reads

	benchtime := flag.String("benchtime", allocs.DefaultBenchtime, "calls per run of the allocation figures (Nx)")
	count := flag.Int("count", allocs.DefaultCount, "runs of each scenario; the minimum is kept")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./cmd/release [-benchtime Nx] [-count N]\n\n")
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
	measure := func() ([]allocs.Figure, error) { return allocs.Measure(*benchtime, *count, os.Stderr) }
	if err := run(os.Stdout, repo, harbor.Version, *benchtime, *count, measure); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "release:", err)
	os.Exit(1)
}

// run records the release of version (the module's harbor.Version).
func run(w io.Writer, repo allocs.Repo, version string, benchtime string, count int, measure func() ([]allocs.Figure, error)) error {
	log, err := release.Read(repo.Changelog)
	if err != nil {
		return err
	}
	changelog := repo.Rel(repo.Changelog)
	entry, ok := log.Newest()
	switch {
	case !ok:
		return fmt.Errorf("%s has no entry", changelog)
	case entry.Released():
		return fmt.Errorf("nothing to release: %s's newest entry %s is released already (commit %s); "+
			"add an entry for the next release (## vX.Y.Z — %s, Commit: %s) first", changelog, entry.Tag(), entry.Commit, release.Unreleased, release.Pending)
	case entry.Version != version:
		return fmt.Errorf("%s's newest entry is %s but harbor.Version is %q: make them agree first", changelog, entry.Tag(), version)
	}

	figures := filepath.Join(repo.Results, allocs.FileName(entry.Version))
	dirty, err := allocs.Uncommitted(repo.Root)
	if err != nil {
		return err
	}
	dirty = slices.DeleteFunc(dirty, func(p string) bool { return p == release.File || p == repo.Rel(figures) })
	if len(dirty) > 0 {
		return fmt.Errorf("HEAD is the release, but the work tree differs from it: %q; commit (or remove) these first", dirty)
	}
	commit, _, err := allocs.Head(repo.Root)
	if err != nil {
		return err
	}
	date, err := allocs.CommitDate(repo.Root, commit)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "release: %s is commit %s (%s); measuring its allocations\n", entry.Tag(), commit, date)
	prev, prevEntry, _, prevErr := repo.Baseline(log)
	now, err := measure()
	if err != nil {
		return err
	}
	if prevErr == nil {
		fmt.Fprintf(w, "\nrelease: %s's figures next to those recorded for %s (for the record, not a check):\n\n", entry.Tag(), prevEntry.Tag())
		if err := allocs.WriteTable(w, allocs.Compare(prev.Figures, now)); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}

	data, err := os.ReadFile(repo.Changelog)
	if err != nil {
		return err
	}
	stamped, err := release.Stamp(data, entry.Version, commit, date)
	if err != nil {
		return fmt.Errorf("%s: %w", changelog, err)
	}
	rec := allocs.NewRecord(repo.Root, entry.Version, commit, benchtime, count, now)
	rec.Command = "cd benchmarks && go run ./cmd/release"
	rec.MeasuredOn = "commit " + commit // checked above: only the record's own files may differ
	if err := os.MkdirAll(repo.Results, 0o755); err != nil {
		return err
	}
	if err := rec.Save(figures); err != nil {
		return err
	}
	if err := os.WriteFile(repo.Changelog, stamped, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "release: wrote %s and stamped %s in %s. Commit the record:\n\n", repo.Rel(figures), entry.Tag(), changelog)
	fmt.Fprintf(w, "  cd %s && git add %s %s && git commit -m '%s: release record (commit %s) and its allocation figures'\n",
		repo.Root, release.File, repo.Rel(figures), entry.Tag(), commit[:12])
	return nil
}
