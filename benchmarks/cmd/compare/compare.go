package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ModuleDir is where the benchmarks module lives in every ref.
const ModuleDir = "benchmarks"

// DefaultBench selects what a harbor release changes: the harbor side of every
// side-by-side scenario (DeepSeek's under their historical names
// BenchmarkCreate/harbor…, the other vendors' as BenchmarkCreate/doubao/harbor…)
// and BenchmarkNew and BenchmarkRoute. Top-level "|" separates alternatives,
// each matched level by level ("/"), as go test -bench does.
const DefaultBench = `^Benchmark(New|Route)$` +
	`|^Benchmark(Create|Stream|CreateParallel64)$/^harbor$` +
	`|^Benchmark(Create|Stream)$/^(` + otherVendors + `)$/^harbor$`

// otherVendors are the vendors other than DeepSeek, whose scenarios are
// sub-benchmarks named after them (benchmarks.Vendors; a test keeps the two
// in step).
const otherVendors = "doubao|wenxin|qianfan|openai"

// minSamples is the fewest runs per side for which benchstat gives a
// confidence interval.
const minSamples = 6

// Config is one comparison.
type Config struct {
	Repo      string // a directory inside the git work tree whose refs are compared
	Old       string // old ref or release version; "" means the last release in CHANGELOG.md
	New       string // new ref or release version; "." means the working tree of Repo as it is
	Count     int    // runs of each side
	Bench     string // go test -bench pattern
	Benchtime string // go test -benchtime
	Out       string // if set, keep old.txt and new.txt here

	BenchstatDir string // the module in which `go tool benchstat` runs
	TempDir      string // where the worktrees and binaries go ("" = os.TempDir())

	Stdout io.Writer // the header and benchstat's table
	Stderr io.Writer // progress, warnings, the benchmarks' own stderr
}

func (c *Config) check() error {
	switch {
	case c.Count < 1:
		return fmt.Errorf("-count must be >= 1, not %d", c.Count)
	case c.Bench == "":
		return errors.New("-bench must not be empty")
	case c.Benchtime == "":
		return errors.New("-benchtime must not be empty")
	case c.Old == ".":
		return errors.New(`-old .: only the new side can be the working tree`)
	case c.New == "":
		return errors.New(`-new must not be empty (a ref, or "." for the working tree)`)
	case c.BenchstatDir == "":
		return errors.New("no benchstat module directory")
	}
	if _, err := regexp.Compile(c.Bench); err != nil {
		return fmt.Errorf("-bench: %w", err)
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	return nil
}

// side is one of the two builds compared.
type side struct {
	name        string // "old" or "new"
	ref         string // as the user named it (or the last release's version)
	commit      string
	release     bool   // ref is a release recorded in CHANGELOG.md
	workingTree bool   // new side of -new .: built in the work tree, no worktree
	dirty       bool   // workingTree with uncommitted changes
	label       string // benchstat's column title
	dir         string // the benchmarks module to build
	bin         string // the test binary
	out         string // the benchmark output of every run, appended
	results     int    // benchmark result lines in out
}

func (s *side) String() string {
	short := s.commit
	if len(short) > 12 {
		short = short[:12]
	}
	if s.workingTree {
		if s.dirty {
			return "the working tree (HEAD " + short + " plus uncommitted changes)"
		}
		return "the working tree (HEAD " + short + ", no uncommitted changes)"
	}
	if s.release {
		return s.ref + " (commit " + short + ", from " + releaseFile + ")"
	}
	return s.ref + " (commit " + short + ")"
}

// order gives the sides' order in round r (0-based): old, new, then new, old,
// and so on. Alternating which side goes first in each round, and each side
// going twice in a row across rounds, spreads slow drift evenly on both.
func order(r int) [2]int {
	if r%2 == 0 {
		return [2]int{0, 1}
	}
	return [2]int{1, 0}
}

// benchArgs are the test binary's arguments for one run.
func benchArgs(bench, benchtime string) []string {
	return []string{
		"-test.run=^$",
		"-test.bench=" + bench,
		"-test.benchmem",
		"-test.benchtime=" + benchtime,
		"-test.count=1",
	}
}

// Run compares cfg.Old with cfg.New and writes benchstat's table to
// cfg.Stdout. Whatever happens, including cancellation of ctx, it removes the
// worktrees and temporary files it made before returning.
func Run(ctx context.Context, cfg Config) (err error) {
	if err := cfg.check(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(cfg.BenchstatDir, "go.mod")); err != nil {
		return fmt.Errorf("benchstat's module is missing: %w", err)
	}
	repo, err := gitToplevel(ctx, cfg.Repo)
	if err != nil {
		return err
	}

	old := &side{name: "old", ref: cfg.Old}
	if old.ref == "" {
		if old.ref, old.commit, err = lastRelease(ctx, repo); err != nil {
			return err
		}
		old.release = true
	} else if old.commit, old.release, err = resolveSide(ctx, repo, old.ref); err != nil {
		return fmt.Errorf("-old: %w", err)
	}
	nw := &side{name: "new", ref: cfg.New, workingTree: cfg.New == "."}
	if nw.workingTree {
		if nw.commit, err = resolve(ctx, repo, "HEAD"); err != nil {
			return err
		}
		status, err := git(ctx, repo, "status", "--porcelain")
		if err != nil {
			return err
		}
		nw.dirty = status != ""
	} else if nw.commit, nw.release, err = resolveSide(ctx, repo, nw.ref); err != nil {
		return fmt.Errorf("-new: %w", err)
	}
	sides := [2]*side{old, nw}
	labels(old, nw)

	tmp, err := os.MkdirTemp(cfg.TempDir, "harbor-compare-")
	if err != nil {
		return err
	}
	defer func() {
		if rmErr := os.RemoveAll(tmp); rmErr != nil && err == nil {
			err = rmErr
		}
	}()
	outDir := tmp
	if cfg.Out != "" {
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return err
		}
		outDir = cfg.Out
	}

	for _, s := range sides {
		s.bin = filepath.Join(tmp, s.name+".test")
		s.out = filepath.Join(outDir, s.name+".txt")
		if err := os.WriteFile(s.out, nil, 0o644); err != nil {
			return err
		}
		if s.workingTree {
			s.dir = filepath.Join(repo, ModuleDir)
		} else {
			wt := filepath.Join(tmp, s.name)
			defer func() {
				if _, statErr := os.Stat(wt); statErr != nil {
					return // never made
				}
				if rmErr := removeWorktree(ctx, repo, wt); rmErr != nil {
					fmt.Fprintf(cfg.Stderr, "compare: could not remove the worktree %s: %v\n", wt, rmErr)
					if err == nil {
						err = rmErr
					}
				}
			}()
			fmt.Fprintf(cfg.Stderr, "compare: %s = %v: checking out a temporary worktree\n", s.name, s)
			if err := addWorktree(ctx, repo, wt, s.commit); err != nil {
				return err
			}
			s.dir = filepath.Join(wt, ModuleDir)
		}
		fmt.Fprintf(cfg.Stderr, "compare: %s = %v: building the benchmarks\n", s.name, s)
		if err := build(ctx, s); err != nil {
			return err
		}
	}

	if cfg.Count < minSamples {
		fmt.Fprintf(cfg.Stderr, "compare: warning: -count %d is below %d, too few runs for benchstat to tell a change from noise\n", cfg.Count, minSamples)
	}
	args := benchArgs(cfg.Bench, cfg.Benchtime)
	for r := range cfg.Count {
		for _, i := range order(r) {
			s := sides[i]
			start := time.Now()
			n, err := runOnce(ctx, s, args, cfg.Stderr)
			if err != nil {
				return err
			}
			s.results += n
			fmt.Fprintf(cfg.Stderr, "compare: run %d/%d %s: %d benchmarks in %s\n", r+1, cfg.Count, s.name, n, time.Since(start).Round(time.Millisecond))
		}
	}
	switch {
	case old.results == 0 && nw.results == 0:
		return fmt.Errorf("-bench %q matched no benchmark at either ref", cfg.Bench)
	case old.results == 0 || nw.results == 0:
		empty := old
		if nw.results == 0 {
			empty = nw
		}
		fmt.Fprintf(cfg.Stderr, "compare: warning: %s (%v) ran no benchmark matching -bench; benchstat shows its column as missing\n", empty.name, empty)
	}

	fmt.Fprintf(cfg.Stdout, "old: %v\nnew: %v\n%d interleaved runs of each; -bench %s -benchtime %s\n\n",
		old, nw, cfg.Count, cfg.Bench, cfg.Benchtime)
	if err := benchstat(ctx, cfg, old, nw); err != nil {
		return err
	}
	if cfg.Out != "" {
		fmt.Fprintf(cfg.Stderr, "compare: raw outputs kept in %s and %s\n", old.out, nw.out)
	}
	return nil
}

// labels names benchstat's columns after the refs, told apart when equal. A
// "=" would make benchstat read the label as a path.
func labels(old, nw *side) {
	name := func(s *side) string {
		if s.workingTree {
			return "working tree"
		}
		return strings.ReplaceAll(s.ref, "=", "-")
	}
	old.label, nw.label = name(old), name(nw)
	if old.label == nw.label {
		old.label, nw.label = "old "+old.label, "new "+nw.label
	}
}

// goEnv is the environment of the go commands run here: no go.work may mix
// the compared modules with anything else.
func goEnv() []string {
	return append(without(os.Environ(), "GOWORK"), "GOWORK=off")
}

// build compiles s's benchmark test binary. -trimpath keeps file paths out of
// the build, so the build cache is shared by both worktrees.
func build(ctx context.Context, s *side) error {
	if _, err := os.Stat(filepath.Join(s.dir, "go.mod")); err != nil {
		return fmt.Errorf("%s = %v has no %s/go.mod: it predates the benchmarks module", s.name, s, ModuleDir)
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-trimpath", "-o", s.bin, ".")
	cmd.Dir = s.dir
	cmd.Env = goEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("building the benchmarks of %s = %v: %v\n%s", s.name, s, err, tail(out, 40))
	}
	if _, err := os.Stat(s.bin); err != nil {
		return fmt.Errorf("%s = %v: go test -c made no binary (no test files in %s?)", s.name, s, ModuleDir)
	}
	return nil
}

// runOnce runs s's test binary once, appends its stdout to s.out and returns
// the number of benchmark results it printed. A failing run is an error: a
// benchmark that breaks at one ref must be fixed or left out with -bench.
func runOnce(ctx context.Context, s *side, args []string, stderr io.Writer) (int, error) {
	f, err := os.OpenFile(s.out, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Dir = s.dir // as go test runs it
	cmd.Stdout = io.MultiWriter(f, &buf)
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second // a grandchild (the mock) may hold stderr open
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("the benchmarks of %s = %v failed (%v); narrow -bench to leave a broken benchmark out\n%s", s.name, s, err, tail(buf.Bytes(), 30))
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return countResults(buf.Bytes()), nil
}

// countResults counts benchmark result lines: "BenchmarkName-N <iterations> <value> <unit>…".
func countResults(out []byte) int {
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			n++
		}
	}
	return n
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// benchstat runs the pinned benchstat on both sides' output.
func benchstat(ctx context.Context, cfg Config, old, nw *side) error {
	cmd := exec.CommandContext(ctx, "go", "tool", "benchstat", old.label+"="+old.out, nw.label+"="+nw.out)
	cmd.Dir = cfg.BenchstatDir
	cmd.Env = goEnv()
	cmd.Stdout = cfg.Stdout
	cmd.Stderr = cfg.Stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("go tool benchstat (in %s): %v", cfg.BenchstatDir, err)
	}
	return nil
}
