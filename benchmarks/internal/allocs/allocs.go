// Package allocs measures, records and checks harbor's allocations per call:
// allocs/op and B/op of Create and Stream for every vendor, against the mocks
// served by a child process (so only the client's allocations count). It is
// the regression check CI runs (cmd/allocs) and what a release records
// (cmd/release).
//
// Time is never checked: on a shared 2-core machine it is noise, while
// allocations per call are a property of the code. What noise allocations
// have (a background allocation, a pool emptied by a GC, a map growing) is
// absorbed by taking the minimum over several runs of a fixed number of
// calls, and by the small allowances below.
package allocs

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/internal/release"
)

// Allowances: how far a figure may rise above the recorded one before the
// check fails.
const (
	// AllocsSlack is the rise of allocs/op (mallocs / calls, a fraction)
	// allowed: less than one allocation per call, so any new allocation on
	// every call fails, while a rare one (a pool refilled after a GC) does
	// not.
	AllocsSlack = 0.5
	// BytesSlack and BytesSlackFraction: B/op may rise by the larger of
	// 64 bytes and 5% of the recorded figure. Buffer and map growth make
	// B/op drift a little between runs where allocs/op do not; a real
	// regression (a new buffer per call, a copied body) is larger.
	BytesSlack         = 64
	BytesSlackFraction = 0.05
)

// How figures are measured unless told otherwise: 5 runs of 1000 calls, the
// minimum kept. At 1000 calls the fraction of an allocation that is not every
// call's stays within about ±0.15 allocs/op (at 300, ±0.3), well inside
// AllocsSlack; the whole measurement takes about 15 s on 2 cores.
const (
	DefaultBenchtime = "1000x"
	DefaultCount     = 5
)

// Scenarios are the calls checked for every vendor.
var Scenarios = []string{"Create", "Stream"}

// Figure is one scenario's allocations per call.
type Figure struct {
	Vendor   string  `json:"vendor"`
	Scenario string  `json:"scenario"`
	Allocs   float64 `json:"allocs_per_op"`
	Bytes    float64 `json:"bytes_per_op"`
}

func (f Figure) key() string { return f.Vendor + " " + f.Scenario }

// Record is the figures recorded for a release, with how they were measured.
type Record struct {
	Version    string   `json:"version"`     // "0.2.0"
	Commit     string   `json:"commit"`      // the release's commit; "" until it is known
	MeasuredOn string   `json:"measured_on"` // the tree measured: "commit <hash>" or "HEAD <hash> plus uncommitted changes"
	Recorded   string   `json:"recorded"`    // when, RFC 3339 UTC
	Go         string   `json:"go"`          // runtime.Version()
	Platform   string   `json:"platform"`    // GOOS/GOARCH
	Benchtime  string   `json:"benchtime"`   // calls per run, as go test -benchtime
	Count      int      `json:"count"`       // runs; each figure is the minimum over them
	Command    string   `json:"command"`     // what wrote this file
	Figures    []Figure `json:"figures"`
}

// FileName is the name of a release's record under benchmarks/results/.
func FileName(version string) string {
	return "allocs-v" + strings.TrimPrefix(version, "v") + ".json"
}

// Load reads a record.
func Load(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Record
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Figures) == 0 {
		return nil, fmt.Errorf("%s: no figures", path)
	}
	return &r, nil
}

// Save writes r to path, figures in report order, numbers rounded (allocs/op
// to 0.01, B/op to 1).
func (r *Record) Save(path string) error {
	sortFigures(r.Figures)
	for i := range r.Figures {
		r.Figures[i].Allocs = math.Round(r.Figures[i].Allocs*100) / 100
		r.Figures[i].Bytes = math.Round(r.Figures[i].Bytes)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the command's "&&" stays readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// sortFigures puts figures in report order: vendors as benchmarks.Vendors,
// then Scenarios.
func sortFigures(fs []Figure) {
	rank := func(list []string, s string) int {
		if i := slices.Index(list, s); i >= 0 {
			return i
		}
		return len(list)
	}
	slices.SortStableFunc(fs, func(a, b Figure) int {
		if d := rank(benchmarks.Vendors, a.Vendor) - rank(benchmarks.Vendors, b.Vendor); d != 0 {
			return d
		}
		if d := rank(Scenarios, a.Scenario) - rank(Scenarios, b.Scenario); d != 0 {
			return d
		}
		return strings.Compare(a.key(), b.key())
	})
}

// Measure runs every vendor's Create and Stream count times, benchtime calls
// each ("1000x"; testing.Benchmark's warm-up call comes first and is not
// counted), against the mocks in a child process, and returns per scenario
// the minimum allocs/op and the minimum B/op over the runs. The caller's main
// must call mockproc.ServeIfChild first and testing.Init before.
func Measure(benchtime string, count int, progress io.Writer) ([]Figure, error) {
	if count < 1 {
		return nil, fmt.Errorf("count must be >= 1, not %d", count)
	}
	if !strings.HasSuffix(benchtime, "x") {
		return nil, fmt.Errorf("benchtime %q: give a number of calls (%s), not a duration: the same calls every run", benchtime, DefaultBenchtime)
	}
	if err := setBenchtime(benchtime); err != nil {
		return nil, err
	}
	proc, err := mockproc.Start()
	if err != nil {
		return nil, err
	}
	defer proc.Close()
	env, err := benchmarks.NewEnv(proc.URLs, nil)
	if err != nil {
		return nil, err
	}
	defer env.Close()
	if len(env.Skipped) > 0 {
		return nil, fmt.Errorf("vendors that cannot be measured: %v", env.Skipped)
	}

	type scenario struct {
		Figure
		run func(*testing.B)
	}
	var scs []*scenario
	for _, p := range env.Pairs() {
		name, _, _ := strings.Cut(p.Name, "/")
		if slices.Contains(Scenarios, name) {
			scs = append(scs, &scenario{Figure{Vendor: p.Vendor, Scenario: name, Allocs: math.Inf(1), Bytes: math.Inf(1)}, p.Harbor})
		}
	}
	start := time.Now()
	for c := range count {
		for _, s := range scs {
			var failed bool
			r := testing.Benchmark(func(b *testing.B) {
				defer func() { failed = failed || b.Failed() }()
				s.run(b)
			})
			if failed || r.N == 0 {
				return nil, fmt.Errorf("%s %s: the benchmark failed", s.Vendor, s.Scenario)
			}
			s.Allocs = min(s.Allocs, float64(r.MemAllocs)/float64(r.N))
			s.Bytes = min(s.Bytes, float64(r.MemBytes)/float64(r.N))
		}
		if progress != nil {
			fmt.Fprintf(progress, "allocs: run %d/%d of %d scenarios done (%s)\n", c+1, count, len(scs), time.Since(start).Round(100*time.Millisecond))
		}
	}
	out := make([]Figure, len(scs))
	for i, s := range scs {
		out[i] = s.Figure
	}
	sortFigures(out)
	return out, nil
}

// setBenchtime sets testing's -test.benchtime, which testing.Benchmark reads.
func setBenchtime(benchtime string) error {
	if err := flag.Set("test.benchtime", benchtime); err != nil {
		return fmt.Errorf("benchtime %q: %w", benchtime, err)
	}
	return nil
}

// BenchPattern is the go test -bench pattern of a scenario's harbor side in
// package benchmarks (DeepSeek's keep their historical names).
func BenchPattern(vendor, scenario string) string {
	if vendor == benchmarks.DeepSeek {
		return "^Benchmark" + scenario + "$/^harbor$"
	}
	return "^Benchmark" + scenario + "$/^" + vendor + "$/^harbor$"
}

// Row is one line of the check's table.
type Row struct {
	Vendor, Scenario string
	Recorded, Now    *Figure // nil when missing on that side
	Verdict          string
	Fail             bool
}

// Compare checks now against the recorded figures. A scenario fails when its
// allocs/op rise by more than AllocsSlack or its B/op by more than the larger
// of BytesSlack and BytesSlackFraction of the recorded figure, and when it is
// on one side only (a vendor lost, or one never recorded).
func Compare(recorded, now []Figure) []Row {
	rec := map[string]*Figure{}
	for i := range recorded {
		rec[recorded[i].key()] = &recorded[i]
	}
	seen := map[string]bool{}
	var rows []Row
	for i := range now {
		n := &now[i]
		seen[n.key()] = true
		row := Row{Vendor: n.Vendor, Scenario: n.Scenario, Now: n, Recorded: rec[n.key()]}
		row.Verdict, row.Fail = verdict(row.Recorded, n)
		rows = append(rows, row)
	}
	for i := range recorded {
		r := &recorded[i]
		if !seen[r.key()] {
			rows = append(rows, Row{Vendor: r.Vendor, Scenario: r.Scenario, Recorded: r,
				Verdict: "FAIL: recorded but not measured now", Fail: true})
		}
	}
	return rows
}

// BytesAllowance is how far B/op may rise above recorded.
func BytesAllowance(recorded float64) float64 {
	return max(BytesSlack, BytesSlackFraction*recorded)
}

func verdict(rec, now *Figure) (string, bool) {
	if rec == nil {
		return "FAIL: not recorded (record it with -record)", true
	}
	dA, dB := now.Allocs-rec.Allocs, now.Bytes-rec.Bytes
	var bad []string
	if dA > AllocsSlack {
		bad = append(bad, fmt.Sprintf("allocs/op %+.2f", dA))
	}
	if dB > BytesAllowance(rec.Bytes) {
		bad = append(bad, fmt.Sprintf("B/op %+.0f (%+.1f%%, allowed +%.0f)", dB, 100*dB/rec.Bytes, BytesAllowance(rec.Bytes)))
	}
	switch {
	case len(bad) > 0:
		return "FAIL: " + strings.Join(bad, ", "), true
	case dA <= -1 || -dB > BytesAllowance(rec.Bytes):
		return "ok, lower (record to keep the gain)", false
	}
	return "ok", false
}

// Failed counts the failing rows.
func Failed(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Fail {
			n++
		}
	}
	return n
}

// WriteTable prints rows as an aligned table.
func WriteTable(w io.Writer, rows []Row) error {
	const format = "%-9s %-8s %18s %8s %14s %8s   %s\n"
	num := func(f *Figure, allocs bool) string {
		switch {
		case f == nil:
			return "-"
		case allocs:
			return fmt.Sprintf("%.2f", f.Allocs)
		}
		return fmt.Sprintf("%.0f", f.Bytes)
	}
	if _, err := fmt.Fprintf(w, format, "vendor", "scenario", "allocs/op recorded", "now", "B/op recorded", "now", "verdict"); err != nil {
		return err
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(w, format, r.Vendor, r.Scenario,
			num(r.Recorded, true), num(r.Now, true), num(r.Recorded, false), num(r.Now, false), r.Verdict); err != nil {
			return err
		}
	}
	return nil
}

// Environment describes where figures are measured, for a record and for the
// warning when a record was made elsewhere.
func Environment() (goVersion, platform string) {
	return runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH
}

// ModuleDir finds the benchmarks module's directory from dir upwards.
func ModuleDir(dir string) (string, error) {
	for d := dir; ; {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/harborai/harbor-go/benchmarks\n") {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", errors.New("not inside harbor's benchmarks module (run from benchmarks/)")
		}
		d = parent
	}
}

// Repo is where the release record and the figures live.
type Repo struct {
	Root      string // the repository's root
	Changelog string // Root/CHANGELOG.md
	Results   string // Root/benchmarks/results
}

// FindRepo locates the repository from a directory inside its benchmarks
// module (the benchmarks module sits at the repository's root).
func FindRepo(dir string) (Repo, error) {
	mod, err := ModuleDir(dir)
	if err != nil {
		return Repo{}, err
	}
	root := filepath.Dir(mod)
	return Repo{Root: root, Changelog: filepath.Join(root, release.File), Results: filepath.Join(mod, "results")}, nil
}

// Rel returns path relative to the repository's root, for messages.
func (r Repo) Rel(path string) string {
	if rel, err := filepath.Rel(r.Root, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}

// Baseline returns the figures to check against: those of the newest
// changelog entry that has them (the release being prepared, once recorded
// for it; else the last release's), with the entry and the file's path.
func (r Repo) Baseline(log *release.Log) (*Record, release.Entry, string, error) {
	for _, e := range log.Entries {
		path := filepath.Join(r.Results, FileName(e.Version))
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		rec, err := Load(path)
		if err != nil {
			return nil, e, path, err
		}
		if rec.Version != e.Version {
			return nil, e, path, fmt.Errorf("%s says version %q, its name says %s", r.Rel(path), rec.Version, e.Version)
		}
		return rec, e, path, nil
	}
	return nil, release.Entry{}, "", fmt.Errorf("no allocation figures are recorded for any release in %s (looked for %s/allocs-v<version>.json); "+
		"record them for the release being prepared: cd benchmarks && go run ./cmd/allocs -record", r.Rel(r.Changelog), r.Rel(r.Results))
}

// Describe says which release a baseline belongs to.
func Describe(e release.Entry) string {
	if e.Released() {
		return e.Tag() + " (released " + e.Date + ", commit " + e.Commit[:12] + ")"
	}
	return e.Tag() + " (unreleased: the figures accepted for the release being prepared)"
}

// git runs git in dir and returns its output less trailing white space.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimRight(string(out), " \t\r\n"), nil // not the left: porcelain lines start with a space
}

// Head returns the full hash of HEAD and the tracked files with uncommitted
// changes.
func Head(root string) (commit string, dirty []string, err error) {
	if commit, err = git(root, "rev-parse", "--verify", "HEAD^{commit}"); err != nil {
		return "", nil, err
	}
	status, err := git(root, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return "", nil, err
	}
	for _, line := range strings.Split(status, "\n") {
		if len(line) > 3 {
			dirty = append(dirty, line[3:])
		}
	}
	return commit, dirty, nil
}

// MeasuredOn describes the tree at root for a record.
func MeasuredOn(root string) string {
	commit, dirty, err := Head(root)
	switch {
	case err != nil:
		return "an unknown tree (no git commit: " + err.Error() + ")"
	case len(dirty) > 0:
		return "HEAD " + commit + " plus uncommitted changes"
	}
	return "commit " + commit
}

// NewRecord makes the record of figures just measured at root for version.
func NewRecord(root, version, commit, benchtime string, count int, figs []Figure) *Record {
	goVersion, platform := Environment()
	on := MeasuredOn(root)
	return &Record{
		Version: strings.TrimPrefix(version, "v"), Commit: commit, MeasuredOn: on,
		Recorded: time.Now().UTC().Format(time.RFC3339), Go: goVersion, Platform: platform,
		Benchtime: benchtime, Count: count, Command: "cd benchmarks && go run ./cmd/allocs -record",
		Figures: figs,
	}
}

// Mismatch says how the environment of rec differs from this one ("" if not):
// figures from another Go release or platform may differ without a code change.
func Mismatch(rec *Record) string {
	goVersion, platform := Environment()
	var d []string
	if rec.Go != goVersion {
		d = append(d, "recorded with "+rec.Go+", measured with "+goVersion)
	}
	if rec.Platform != platform {
		d = append(d, "recorded on "+rec.Platform+", measured on "+platform)
	}
	return strings.Join(d, "; ")
}

// Uncommitted lists what would make the tree at root differ from HEAD: tracked
// files with changes and untracked Go files (which the build would include).
func Uncommitted(root string) ([]string, error) {
	status, err := git(root, "status", "--porcelain", "--untracked-files=all")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(status, "\n") {
		if len(line) <= 3 {
			continue
		}
		path := line[3:]
		if strings.HasPrefix(line, "?? ") && !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "/go.mod") &&
			!strings.HasSuffix(path, "/go.sum") && path != "go.mod" && path != "go.sum" {
			continue
		}
		out = append(out, path)
	}
	return out, nil
}

// CommitDate returns the committer date of commit, in UTC, as YYYY-MM-DD.
func CommitDate(root, commit string) (string, error) {
	out, err := git(root, "show", "-s", "--format=%ct", commit)
	if err != nil {
		return "", err
	}
	sec, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		return "", fmt.Errorf("commit date of %s: %q", commit, out)
	}
	return time.Unix(sec, 0).UTC().Format(time.DateOnly), nil
}
