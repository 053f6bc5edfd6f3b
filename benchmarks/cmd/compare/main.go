// Command compare runs harbor's benchmarks at two git refs, interleaved, and
// prints benchstat's delta table: is this release slower than the last one?
//
//	cd benchmarks && go run ./cmd/compare                    # the last release (CHANGELOG.md) vs HEAD
//	cd benchmarks && go run ./cmd/compare -old v0.1.0 -new .  # v0.1.0 vs the working tree
//	cd benchmarks && go run ./cmd/compare -old HEAD~1 -count 6 -benchtime 500ms
//
// The repository keeps no git tags: releases are recorded in CHANGELOG.md at
// its root, each entry naming its commit. With no -old, the old side is the
// newest entry that names one; -old and -new also take a recorded version
// (v0.1.0) for its commit.
//
// Each ref is checked out into a temporary git worktree (git worktree add
// --detach), never touching the main work tree or the index; with -new . the
// new side is the current working tree, uncommitted changes included. Each
// side's benchmarks/ test binary is built once (go test -c), then the two
// binaries run -count times each in the order old, new, new, old, old, new…,
// so that the drift of a shared, noisy machine hits both sides alike. Their
// output goes to one file per side, and benchstat (pinned in the benchstat/
// module beside this file, run as go tool benchstat) compares the two.
//
// The default -bench selects the harbor side of every scenario and New and
// Route: the floors and peers do not change between harbor releases. A
// benchmark that one ref lacks shows up as missing in benchstat's table. The
// worktrees are removed at the end, on error and on interrupt too.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	cfg := Config{Stdout: os.Stdout, Stderr: os.Stderr}
	flag.StringVar(&cfg.Old, "old", "", "old git ref, or a release version recorded in CHANGELOG.md (default: the last release recorded there)")
	flag.StringVar(&cfg.New, "new", "HEAD", `new git ref or recorded release version, or "." for the working tree with its uncommitted changes`)
	flag.IntVar(&cfg.Count, "count", 10, "runs of each side (benchstat wants at least 6 for a confidence interval, 10 is better)")
	flag.StringVar(&cfg.Bench, "bench", DefaultBench, "benchmarks to run, a go test -bench pattern")
	flag.StringVar(&cfg.Benchtime, "benchtime", "1s", "go test -benchtime of every run (a duration, or Nx)")
	flag.StringVar(&cfg.Out, "out", "", "keep the raw outputs in this directory (old.txt, new.txt) to feed benchstat again")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./cmd/compare [-old REF] [-new REF|.] [-count N] [-bench REGEXP] [-benchtime D] [-out DIR]\n\n")
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
	top, err := gitToplevel(context.Background(), wd)
	if err != nil {
		fatal(err)
	}
	cfg.Repo = top
	cfg.BenchstatDir = filepath.Join(top, ModuleDir, "cmd", "compare", "benchstat")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = Run(ctx, cfg)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case interrupted:
		fmt.Fprintln(os.Stderr, "compare: interrupted; temporary worktrees removed")
		os.Exit(130)
	case errors.Is(err, ErrNoRelease):
		fmt.Fprintln(os.Stderr, "compare:", strings.TrimSpace(err.Error()))
		os.Exit(2)
	case err != nil:
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(1)
}
