package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks"
)

func TestOrderInterleaves(t *testing.T) {
	var got []string
	for r := range 4 {
		for _, i := range order(r) {
			got = append(got, []string{"old", "new"}[i])
		}
	}
	want := []string{"old", "new", "new", "old", "old", "new", "new", "old"}
	if !slices.Equal(got, want) {
		t.Fatalf("order over 4 rounds = %v, want %v", got, want)
	}
}

func TestBenchArgs(t *testing.T) {
	got := benchArgs("^BenchmarkNew$", "3x")
	want := []string{"-test.run=^$", "-test.bench=^BenchmarkNew$", "-test.benchmem", "-test.benchtime=3x", "-test.count=1"}
	if !slices.Equal(got, want) {
		t.Fatalf("benchArgs = %q, want %q", got, want)
	}
}

func TestCountResults(t *testing.T) {
	out := `goos: linux
BenchmarkCreate/harbor-2         	    2436	    489612 ns/op	    9142 B/op	     119 allocs/op
BenchmarkCreate/doubao/harbor-2  	    5000	    224812 ns/op
--- SKIP: BenchmarkCreate/wenxin
    bench_test.go:77: not built in
BenchmarkNew	1	2 ns/op
Benchmarking is fun 1 2 3
PASS
`
	if n := countResults([]byte(out)); n != 3 {
		t.Fatalf("countResults = %d, want 3", n)
	}
}

func TestConfigCheck(t *testing.T) {
	good := Config{Count: 1, Bench: ".", Benchtime: "1x", New: "HEAD", BenchstatDir: "x"}
	if err := good.check(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, edit := range map[string]func(*Config){
		"count 0":        func(c *Config) { c.Count = 0 },
		"empty bench":    func(c *Config) { c.Bench = "" },
		"bad bench":      func(c *Config) { c.Bench = "(" },
		"empty time":     func(c *Config) { c.Benchtime = "" },
		"old is . ":      func(c *Config) { c.Old = "." },
		"empty new":      func(c *Config) { c.New = "" },
		"no benchstat":   func(c *Config) { c.BenchstatDir = "" },
		"negative count": func(c *Config) { c.Count = -3 },
	} {
		c := good
		edit(&c)
		if err := c.check(); err == nil {
			t.Errorf("%s: check accepted %+v", name, c)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, tc := range []struct {
		old, new         side
		wantOld, wantNew string
	}{
		{side{ref: "v0.1.0"}, side{ref: "HEAD"}, "v0.1.0", "HEAD"},
		{side{ref: "HEAD"}, side{ref: "HEAD"}, "old HEAD", "new HEAD"},
		{side{ref: "HEAD"}, side{ref: ".", workingTree: true}, "HEAD", "working tree"},
		{side{ref: "a=b"}, side{ref: "HEAD"}, "a-b", "HEAD"},
	} {
		labels(&tc.old, &tc.new)
		if tc.old.label != tc.wantOld || tc.new.label != tc.wantNew {
			t.Errorf("labels(%q, %q) = %q, %q; want %q, %q", tc.old.ref, tc.new.ref, tc.old.label, tc.new.label, tc.wantOld, tc.wantNew)
		}
	}
}

// The default -bench names the non-DeepSeek vendors; it must follow the list
// the benchmarks run.
func TestDefaultBenchCoversEveryVendor(t *testing.T) {
	others := slices.DeleteFunc(slices.Clone(benchmarks.Vendors), func(v string) bool { return v == benchmarks.DeepSeek })
	if got := strings.Split(otherVendors, "|"); !slices.Equal(got, others) {
		t.Fatalf("otherVendors = %q, want benchmarks.Vendors less DeepSeek: %q", got, others)
	}
}

// --- end to end, on a small repository made here ---------------------------

// fakeBench is a benchmarks module shaped like the real one: the scenarios'
// names, harbor and floor sides, and benchmarks -bench must leave out. Every
// result reports the version it was built from as the metric "ver", and every
// run of the binary logs "v<version> <pid>" to $HARBOR_COMPARE_FAKE_LOG.
// HARBOR_COMPARE_FAKE=block makes the benchmarks hang (for 3 minutes), =fail
// makes them fail.
const fakeBench = `package benchmarks

import (
	"fmt"
	"os"
	"testing"
	"time"
)

const version = %d

var vendors = []string{%s}

func TestMain(m *testing.M) {
	if p := os.Getenv("HARBOR_COMPARE_FAKE_LOG"); p != "" {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(f, "v%%d %%d\n", version, os.Getpid())
		f.Close()
	}
	os.Exit(m.Run())
}

func op(b *testing.B) {
	switch os.Getenv("HARBOR_COMPARE_FAKE") {
	case "block":
		time.Sleep(3 * time.Minute) // longer than the test waits; bounded if it fails
	case "fail":
		b.Fatal("broken on purpose")
	}
	for range b.N {
	}
	b.ReportMetric(version, "ver")
}

func pair(b *testing.B) {
	b.Run("harbor", op)
	b.Run("floor", op)
}

func perVendor(b *testing.B) {
	pair(b)
	for _, v := range vendors {
		b.Run(v, pair)
	}
}

func BenchmarkCreate(b *testing.B)           { perVendor(b) }
func BenchmarkStream(b *testing.B)           { perVendor(b) }
func BenchmarkCreateParallel64(b *testing.B) { pair(b) }
func BenchmarkNew(b *testing.B)              { op(b) }
func BenchmarkRoute(b *testing.B)            { op(b) }
func BenchmarkNewer(b *testing.B)            { op(b) }
`

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func gitT(t *testing.T, repo string, args ...string) string {
	t.Helper()
	return run(t, repo, "git", append([]string{"-c", "user.name=compare test", "-c", "user.email=compare@test.invalid",
		"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
}

// writeFake writes the fake benchmarks module at version v, with vendors.
func writeFake(t *testing.T, repo string, v int, vendors ...string) {
	t.Helper()
	dir := filepath.Join(repo, ModuleDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(vendors))
	for i, v := range vendors {
		quoted[i] = strconv.Quote(v)
	}
	files := map[string]string{
		"go.mod":        "module example.com/fake/benchmarks\n\ngo 1.24\n",
		"bench_test.go": fmt.Sprintf(fakeBench, v, strings.Join(quoted, ", ")),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func commit(t *testing.T, repo, msg string) {
	t.Helper()
	gitT(t, repo, "add", "-A")
	gitT(t, repo, "commit", "-q", "--allow-empty", "-m", msg)
}

// newRepo makes a repository whose first commit has the fake benchmarks at
// version 1 without the openai vendor, and whose second commit (HEAD) has
// version 2 with openai and a CHANGELOG.md that records the first commit as
// v0.1.0 and v0.2.0 as unreleased. It has no tag.
func newRepo(t *testing.T) string {
	t.Helper()
	repo := filepath.Join(t.TempDir(), "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	gitT(t, repo, "init", "-q")
	writeFake(t, repo, 1, "doubao", "wenxin", "qianfan")
	commit(t, repo, "v1")
	writeChangelog(t, repo, changelog(gitT(t, repo, "rev-parse", "HEAD")))
	writeFake(t, repo, 2, "doubao", "wenxin", "qianfan", "openai")
	commit(t, repo, "v2")
	return repo
}

// changelog returns a CHANGELOG.md recording v0.1.0 at commit and v0.2.0 as
// being prepared.
func changelog(commit string) string {
	return "# Changelog\n\n## v0.2.0 — unreleased\n\nCommit: pending\n\n- more\n\n" +
		"## v0.1.0 — 2026-11-22\n\nCommit: " + commit + "\n\n- first\n"
}

func writeChangelog(t *testing.T, repo, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(repo, "CHANGELOG.md"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testConfig compares in repo with the real benchstat, temporary files under
// a directory the test checks for leftovers, and output kept in out.
func testConfig(t *testing.T, repo string) (Config, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	bs, err := filepath.Abs("benchstat")
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	return Config{
		Repo:         repo,
		New:          "HEAD",
		Count:        3,
		Bench:        DefaultBench,
		Benchtime:    "1x",
		Out:          filepath.Join(t.TempDir(), "out"),
		BenchstatDir: bs,
		TempDir:      tmp,
		Stdout:       &stdout,
		Stderr:       &stderr,
	}, &stdout, &stderr
}

// checkClean fails unless repo has no worktree but its own and the temporary
// directory is empty.
func checkClean(t *testing.T, cfg Config) {
	t.Helper()
	list := gitT(t, cfg.Repo, "worktree", "list", "--porcelain")
	if n := strings.Count(list, "worktree "); n != 1 {
		t.Errorf("%d worktrees left, want only the main one:\n%s", n, list)
	}
	left, err := os.ReadDir(cfg.TempDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
}

// results reads a side's raw output: benchmark name (without -GOMAXPROCS) ->
// the "ver" metric of each result line.
func results(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	procs := regexp.MustCompile(`-\d+$`)
	got := map[string][]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := procs.ReplaceAllString(f[0], "")
		ver := -1.0
		for i := 3; i < len(f); i++ {
			if f[i] == "ver" {
				ver, _ = strconv.ParseFloat(f[i-1], 64)
			}
		}
		got[name] = append(got[name], ver)
	}
	return got
}

// selected is what DefaultBench must select from the fake module with vendors.
func selected(vendors ...string) []string {
	names := []string{"BenchmarkCreate/harbor", "BenchmarkStream/harbor", "BenchmarkCreateParallel64/harbor", "BenchmarkNew", "BenchmarkRoute"}
	for _, v := range vendors {
		names = append(names, "BenchmarkCreate/"+v+"/harbor", "BenchmarkStream/"+v+"/harbor")
	}
	slices.Sort(names)
	return names
}

func checkSide(t *testing.T, path string, count int, ver float64, want []string) {
	t.Helper()
	got := results(t, path)
	var names []string
	for name, vers := range got {
		names = append(names, name)
		if len(vers) != count {
			t.Errorf("%s: %s ran %d times, want %d", filepath.Base(path), name, len(vers), count)
		}
		for _, v := range vers {
			if v != ver {
				t.Errorf("%s: %s reports version %v, want %v (built from the wrong ref?)", filepath.Base(path), name, v, ver)
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("%s: benchmarks run\n%q\nwant\n%q", filepath.Base(path), names, want)
	}
}

// checkColumns checks that benchstat's tables have the columns old and new.
func checkColumns(t *testing.T, out, old, new string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^ +│ +` + regexp.QuoteMeta(old) + ` +│ +` + regexp.QuoteMeta(new) + ` +│$`)
	if !re.MatchString(out) {
		t.Errorf("benchstat's table has no columns %q and %q:\n%s", old, new, out)
	}
}

func readLog(t *testing.T, path string) (versions []string, pids []int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		v, p, _ := strings.Cut(line, " ")
		pid, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("log line %q", line)
		}
		versions, pids = append(versions, v), append(pids, pid)
	}
	return versions, pids
}

func TestCompareLastReleaseWithHEAD(t *testing.T) {
	repo := newRepo(t)
	log := filepath.Join(t.TempDir(), "runs.log")
	t.Setenv("HARBOR_COMPARE_FAKE_LOG", log)
	cfg, stdout, stderr := testConfig(t, repo)
	cfg.Old = "" // the last release in CHANGELOG.md
	before := gitT(t, repo, "status", "--porcelain")

	if err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, stderr)
	}
	checkClean(t, cfg)
	if after := gitT(t, repo, "status", "--porcelain"); after != before {
		t.Errorf("the main work tree changed:\nbefore %q\nafter  %q", before, after)
	}

	// Both sides built from their own ref, interleaved, each run -count times,
	// and only the benchmarks DefaultBench selects.
	versions, _ := readLog(t, log)
	if want := []string{"v1", "v2", "v2", "v1", "v1", "v2"}; !slices.Equal(versions, want) {
		t.Errorf("runs in the order %v, want %v", versions, want)
	}
	checkSide(t, filepath.Join(cfg.Out, "old.txt"), 3, 1, selected("doubao", "wenxin", "qianfan"))
	checkSide(t, filepath.Join(cfg.Out, "new.txt"), 3, 2, selected("doubao", "wenxin", "qianfan", "openai"))

	out := stdout.String()
	for _, want := range []string{
		"old: v0.1.0 (commit " + gitT(t, repo, "rev-parse", "HEAD~1")[:12] + ", from CHANGELOG.md)", "new: HEAD (commit ", "3 interleaved runs of each",
		"vs base", "Create/doubao/harbor", "Stream/harbor", "CreateParallel64/harbor", "Route",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	checkColumns(t, out, "v0.1.0", "HEAD")
	// A benchmark only the new ref has is in the table, with one figure.
	if !regexp.MustCompile(`(?m)^Create/openai/harbor-\d+ {10,}\S+ ± ∞ ¹$`).MatchString(out) {
		t.Errorf("stdout has no Create/openai/harbor row with a new figure only:\n%s", out)
	}
	for _, bad := range []string{"floor", "Newer"} {
		if strings.Contains(out, bad) {
			t.Errorf("stdout has %q, which -bench leaves out:\n%s", bad, out)
		}
	}
}

func TestCompareWorkingTree(t *testing.T) {
	repo := newRepo(t)
	writeFake(t, repo, 3, "doubao") // uncommitted
	log := filepath.Join(t.TempDir(), "runs.log")
	t.Setenv("HARBOR_COMPARE_FAKE_LOG", log)
	cfg, stdout, stderr := testConfig(t, repo)
	cfg.Old, cfg.New, cfg.Count = "HEAD~1", ".", 2
	before := gitT(t, repo, "status", "--porcelain")

	if err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, stderr)
	}
	checkClean(t, cfg)
	if after := gitT(t, repo, "status", "--porcelain"); after != before || before == "" {
		t.Errorf("the main work tree changed (or was clean to start with):\nbefore %q\nafter  %q", before, after)
	}
	if versions, _ := readLog(t, log); !slices.Equal(versions, []string{"v1", "v3", "v3", "v1"}) {
		t.Errorf("runs %v, want v1 v3 v3 v1 (HEAD~1 vs the uncommitted working tree)", versions)
	}
	checkSide(t, filepath.Join(cfg.Out, "new.txt"), 2, 3, selected("doubao"))
	checkColumns(t, stdout.String(), "HEAD~1", "working tree")
	for _, want := range []string{"old: HEAD~1 (commit ", "new: the working tree (HEAD ", "plus uncommitted changes"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCompareWithoutRelease(t *testing.T) {
	repo := newRepo(t)
	first := gitT(t, repo, "rev-parse", "HEAD~1")
	for _, tc := range []struct {
		name      string
		changelog string // "" removes CHANGELOG.md
		old, want string
		noRelease bool // the error is ErrNoRelease
	}{
		{"only an unreleased entry", "# Changelog\n\n## v0.1.0 — unreleased\n\nCommit: pending\n", "", "-old HEAD~1", true},
		{"no CHANGELOG.md", "", "", "-old HEAD~1", true},
		{"a commit this clone lacks", changelog(strings.Repeat("ab", 20)), "", "does not have it", false},
		{"a changelog that does not parse", "## v0.1.0 — 2026-11-22\n\nCommit: " + first[:7] + "\n", "", "full 40-hex", false},
		{"an unreleased version asked for", changelog(first), "v0.2.0", "v0.2.0 is not released yet", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(repo, "CHANGELOG.md"))
			if tc.changelog != "" {
				writeChangelog(t, repo, tc.changelog)
			}
			cfg, _, _ := testConfig(t, repo)
			cfg.Old = tc.old
			err := Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.Is(err, ErrNoRelease) != tc.noRelease {
				t.Fatalf("Run: %v, want an error with %q (ErrNoRelease: %v)", err, tc.want, tc.noRelease)
			}
			checkClean(t, cfg)
		})
	}
}

// -old and -new take a recorded version for its commit; a git ref is still a
// git ref.
func TestResolveSide(t *testing.T) {
	repo := newRepo(t)
	first, head := gitT(t, repo, "rev-parse", "HEAD~1"), gitT(t, repo, "rev-parse", "HEAD")
	for _, tc := range []struct {
		ref, commit string
		release     bool
	}{
		{"v0.1.0", first, true},
		{"0.1.0", first, true},
		{"HEAD", head, false},
		{"HEAD~1", first, false},
		{head[:10], head, false},
	} {
		c, rel, err := resolveSide(context.Background(), repo, tc.ref)
		if err != nil || c != tc.commit || rel != tc.release {
			t.Errorf("resolveSide(%q) = %s, %v, %v; want %s, %v", tc.ref, c, rel, err, tc.commit, tc.release)
		}
	}
	if _, _, err := resolveSide(context.Background(), repo, "v0.9.0"); err == nil || !strings.Contains(err.Error(), "not a commit") {
		t.Errorf("resolveSide(v0.9.0), a version nobody recorded: %v", err)
	}
}

func TestCompareErrorsCleanUp(t *testing.T) {
	repo := newRepo(t)
	// A commit from before the benchmarks module (an empty tree), and a new
	// HEAD that does not compile.
	noBench := gitT(t, repo, "commit-tree", "-m", "no benchmarks yet", "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
	if err := os.WriteFile(filepath.Join(repo, ModuleDir, "broken_test.go"), []byte("package benchmarks\n\nfunc (\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commit(t, repo, "broken")

	for _, tc := range []struct {
		name, old, new, env, want string
	}{
		{"old predates the module", noBench, "HEAD~1", "", "predates the benchmarks module"},
		{"new does not build", "HEAD~1", "HEAD", "", "building the benchmarks of new"},
		{"benchmark fails", "HEAD~2", "HEAD~1", "fail", "broken on purpose"},
		{"unknown ref", "no-such-ref", "HEAD", "", `"no-such-ref" is not a commit`},
		{"ref looks like a flag", "--output=/tmp/x", "HEAD", "", "bad ref"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HARBOR_COMPARE_FAKE", tc.env)
			cfg, _, _ := testConfig(t, repo)
			cfg.Old, cfg.New, cfg.Count = tc.old, tc.new, 1
			err := Run(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, want an error with %q", err, tc.want)
			}
			checkClean(t, cfg)
		})
	}
}

func TestCompareInterruptCleansUp(t *testing.T) {
	repo := newRepo(t)
	log := filepath.Join(t.TempDir(), "runs.log")
	t.Setenv("HARBOR_COMPARE_FAKE_LOG", log)
	t.Setenv("HARBOR_COMPARE_FAKE", "block")
	cfg, _, _ := testConfig(t, repo)
	cfg.Old = "HEAD~1"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()

	// Interrupt once the first benchmark binary is running (and hanging).
	deadline := time.Now().Add(5 * time.Minute)
	for {
		if data, _ := os.ReadFile(log); len(data) > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before the benchmarks ran: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the benchmark binary never started")
		}
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of the interrupt")
	}
	checkClean(t, cfg)
	_, pids := readLog(t, log)
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("benchmark process %d still there after the interrupt (kill 0: %v)", pid, err)
		}
	}
}

// --- end to end on harbor's own benchmarks ---------------------------------

// TestCompareHarborBenchmarks compares HEAD with itself, in a clone of this
// repository, running every benchmark DefaultBench selects once (-benchtime
// 1x): the real binaries, the mock child process, the real names.
func TestCompareHarborBenchmarks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the build and run of harbor's benchmarks at HEAD")
	}
	top, err := gitToplevel(context.Background(), ".")
	if err != nil {
		t.Skipf("SKIPPED: not in a git checkout, nothing to compare: %v", err)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	run(t, ".", "git", "clone", "-q", "--no-checkout", top, clone)
	if out, err := exec.Command("git", "-C", clone, "cat-file", "-e", "HEAD:"+ModuleDir+"/go.mod").CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: HEAD has no committed %s module yet: %s", ModuleDir, out)
	}
	cfg, stdout, stderr := testConfig(t, clone)
	cfg.Old, cfg.New, cfg.Count = "HEAD", "HEAD", 1

	if err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, stderr)
	}
	checkClean(t, cfg)

	want := []string{"BenchmarkCreate/harbor", "BenchmarkStream/harbor", "BenchmarkCreateParallel64/harbor", "BenchmarkNew", "BenchmarkRoute"}
	for _, v := range strings.Split(otherVendors, "|") {
		want = append(want, "BenchmarkCreate/"+v+"/harbor", "BenchmarkStream/"+v+"/harbor")
	}
	slices.Sort(want)
	for _, f := range []string{"old.txt", "new.txt"} {
		var got []string
		for name, vers := range results(t, filepath.Join(cfg.Out, f)) {
			got = append(got, name)
			if len(vers) != 1 {
				t.Errorf("%s: %s ran %d times, want once", f, name, len(vers))
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: ran\n%q\nwant (DefaultBench on harbor's benchmarks)\n%q", f, got, want)
		}
	}
	checkColumns(t, stdout.String(), "old HEAD", "new HEAD")
	for _, want := range []string{"Create/qianfan/harbor", "allocs/op"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
