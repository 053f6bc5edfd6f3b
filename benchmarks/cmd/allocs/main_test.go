package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/benchmarks/internal/allocs"
	"github.com/harborai/harbor-go/internal/release"
)

const hash = "20e9fbeed6d4416043134a84bbf0634a48a1d202"

// fakeRepo makes a repository layout (not a git repository) with changelog.
func fakeRepo(t *testing.T, changelog string) allocs.Repo {
	t.Helper()
	root := t.TempDir()
	r := allocs.Repo{Root: root, Changelog: filepath.Join(root, release.File), Results: filepath.Join(root, "benchmarks", "results")}
	if err := os.WriteFile(r.Changelog, []byte(changelog), 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

const preparing = "# Changelog\n\n## v0.2.0 — unreleased\n\nCommit: pending\n\n## v0.1.0 — 2026-11-22\n\nCommit: " + hash + "\n"

var figures = []allocs.Figure{
	{Vendor: "deepseek", Scenario: "Create", Allocs: 77, Bytes: 7021},
	{Vendor: "deepseek", Scenario: "Stream", Allocs: 143.77, Bytes: 15914},
}

// measured is a measurer that returns fs and notes the settings it ran with
// in *used (if not nil).
func measured(fs []allocs.Figure, used ...*string) measurer {
	return measurer{run: func(benchtime string, count int) ([]allocs.Figure, error) {
		for _, u := range used {
			*u = fmt.Sprintf("%s %d", benchtime, count)
		}
		return append([]allocs.Figure(nil), fs...), nil
	}}
}

// Record, then check: the same figures pass; one more allocation per call in
// one scenario fails, and the table says which.
func TestRecordThenCheck(t *testing.T) {
	repo := fakeRepo(t, preparing)
	var out bytes.Buffer
	if err := check(&out, repo, measured(figures)); err == nil || !strings.Contains(err.Error(), "-record") {
		t.Fatalf("check with nothing recorded: %v, want an error saying how to record", err)
	}
	var used string
	if err := recordFigures(&out, repo, measured(figures, &used)); err != nil {
		t.Fatal(err)
	}
	if used != "1000x 5" {
		t.Errorf("recorded with %q, want the defaults 1000x 5", used)
	}
	if !strings.Contains(out.String(), "wrote benchmarks/results/allocs-v0.2.0.json (v0.2.0") {
		t.Errorf("record said:\n%s", out.String())
	}
	rec, err := allocs.Load(filepath.Join(repo.Results, "allocs-v0.2.0.json"))
	if err != nil || rec.Version != "0.2.0" || rec.Commit != "" || len(rec.Figures) != 2 {
		t.Fatalf("recorded %+v, %v", rec, err)
	}

	// The check measures as the record was made, unless told otherwise.
	rec.Benchtime, rec.Count = "700x", 3
	if err := rec.Save(filepath.Join(repo.Results, "allocs-v0.2.0.json")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := check(&out, repo, measured(figures, &used)); err != nil {
		t.Fatalf("check of the figures just recorded: %v\n%s", err, out.String())
	}
	if used != "700x 3" || strings.Contains(out.String(), "not as recorded") {
		t.Errorf("checked with %q, want the record's 700x 3\n%s", used, out.String())
	}
	for _, want := range []string{"against v0.2.0 (unreleased", "deepseek  Stream", "ok, no figure above v0.2.0's"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	worse := append([]allocs.Figure(nil), figures...)
	worse[1].Allocs += 26 // one more allocation per stream chunk
	err = check(&out, repo, measured(worse))
	if !errors.Is(err, errRegression) {
		t.Fatalf("check of a regression: %v, want errRegression\n%s", err, out.String())
	}
	for _, want := range []string{
		"deepseek  Stream               143.77   169.77          15914    15914   FAIL: allocs/op +26.00",
		"deepseek  Create                77.00    77.00           7021     7021   ok",
		"FAIL: 1 of 2 figures rose above v0.2.0's", "go run ./cmd/allocs -record",
		"(deepseek Stream): cd benchmarks && go test -run '^$' -bench '^BenchmarkStream$/^harbor$' -benchtime 1000x -memprofile mem.out -memprofilerate 1",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRecordRefusesAReleasedEntry(t *testing.T) {
	repo := fakeRepo(t, "## v0.1.0 — 2026-11-22\n\nCommit: "+hash+"\n")
	var out bytes.Buffer
	err := recordFigures(&out, repo, measured(figures))
	if err == nil || !strings.Contains(err.Error(), "v0.1.0 is released") {
		t.Fatalf("record for a released entry: %v", err)
	}
	if _, err := os.Stat(filepath.Join(repo.Results, "allocs-v0.1.0.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a figures file was written anyway: %v", err)
	}
}

// While v0.3.0 is prepared and has no figures yet, the check holds the tree
// to v0.2.0's, the last release's.
func TestCheckFallsBackToTheLastRelease(t *testing.T) {
	repo := fakeRepo(t, "## v0.3.0 — unreleased\n\nCommit: pending\n\n## v0.2.0 — 2026-12-06\n\nCommit: "+hash+"\n")
	os.MkdirAll(repo.Results, 0o755)
	rec := allocs.NewRecord(repo.Root, "0.2.0", hash, "1000x", 5, append([]allocs.Figure(nil), figures...))
	rec.Go = "go1.0"
	if err := rec.Save(filepath.Join(repo.Results, "allocs-v0.2.0.json")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := measured(figures)
	m.benchtime = "10x"
	if err := check(&out, repo, m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"against v0.2.0 (released 2026-12-06, commit 20e9fbeed6d4)", "warning: recorded with go1.0",
		"warning: measured with -benchtime 10x -count 5, not as recorded"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}
