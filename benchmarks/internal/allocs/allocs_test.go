package allocs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/benchmarks"
	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/internal/release"
)

func TestMain(m *testing.M) {
	mockproc.ServeIfChild() // Measure's mock child is this binary
	os.Exit(m.Run())
}

var recorded = []Figure{
	{"deepseek", "Create", 77, 7021},
	{"deepseek", "Stream", 143.8, 15914},
	{"doubao", "Create", 84, 7500},
	{"doubao", "Stream", 151.9, 16400},
}

func withFigure(fs []Figure, vendor, scenario string, edit func(*Figure)) []Figure {
	out := append([]Figure(nil), fs...)
	for i := range out {
		if out[i].Vendor == vendor && out[i].Scenario == scenario {
			edit(&out[i])
		}
	}
	return out
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rec     []Figure // nil: recorded
		now     []Figure
		fail    string // "vendor scenario" of the failing row, "" for none
		verdict string // in the failing (or, with fail "", the first changed) row's verdict
	}{
		{"same", nil, recorded, "", ""},
		{"noise below the allowances", nil, withFigure(recorded, "deepseek", "Create", func(f *Figure) { f.Allocs += 0.4; f.Bytes += 351 }), "", ""},
		{"one allocation more per call", nil, withFigure(recorded, "deepseek", "Create", func(f *Figure) { f.Allocs++ }), "deepseek Create", "allocs/op +1.00"},
		{"one allocation more per stream chunk", nil, withFigure(recorded, "doubao", "Stream", func(f *Figure) { f.Allocs += 26; f.Bytes += 26 * 16 }), "doubao Stream", "allocs/op +26.00"},
		{"bigger buffers, same count", nil, withFigure(recorded, "doubao", "Create", func(f *Figure) { f.Bytes += 4096 }), "doubao Create", "B/op +4096"},
		{"B/op just over 5%", nil, withFigure(recorded, "deepseek", "Stream", func(f *Figure) { f.Bytes += 796 }), "deepseek Stream", "allowed +796"},
		{"small figures allow 64 B", []Figure{{"x", "Create", 1, 100}}, []Figure{{"x", "Create", 1, 164}}, "", ""},
		{"and not 65", []Figure{{"x", "Create", 1, 100}}, []Figure{{"x", "Create", 1, 165}}, "x Create", "B/op +65"},
		{"a scenario never recorded", nil, append(append([]Figure(nil), recorded...), Figure{"openai", "Create", 82, 7400}), "openai Create", "not recorded"},
		{"a recorded scenario not measured", nil, recorded[1:], "deepseek Create", "not measured now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tc.rec
			if rec == nil {
				rec = recorded
			}
			rows := Compare(rec, tc.now)
			var failed []string
			for _, r := range rows {
				if r.Fail {
					failed = append(failed, r.Vendor+" "+r.Scenario)
					if !strings.Contains(r.Verdict, tc.verdict) || !strings.HasPrefix(r.Verdict, "FAIL") {
						t.Errorf("%s %s: verdict %q, want FAIL with %q", r.Vendor, r.Scenario, r.Verdict, tc.verdict)
					}
				}
			}
			if strings.Join(failed, ",") != tc.fail {
				t.Errorf("failing rows %q, want %q", failed, tc.fail)
			}
			if Failed(rows) != len(failed) {
				t.Errorf("Failed = %d, want %d", Failed(rows), len(failed))
			}
		})
	}
}

func TestCompareLowerIsOK(t *testing.T) {
	rows := Compare(recorded, withFigure(recorded, "deepseek", "Create", func(f *Figure) { f.Allocs -= 3 }))
	if Failed(rows) != 0 || rows[0].Verdict != "ok, lower (record to keep the gain)" {
		t.Errorf("rows %+v", rows)
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	rows := Compare(recorded, withFigure(recorded[1:], "doubao", "Create", func(f *Figure) { f.Allocs += 2 }))
	if err := WriteTable(&buf, rows); err != nil {
		t.Fatal(err)
	}
	want := `vendor    scenario allocs/op recorded      now  B/op recorded      now   verdict
deepseek  Stream               143.80   143.80          15914    15914   ok
doubao    Create                84.00    86.00           7500     7500   FAIL: allocs/op +2.00
doubao    Stream               151.90   151.90          16400    16400   ok
deepseek  Create                77.00        -           7021        -   FAIL: recorded but not measured now
`
	if buf.String() != want {
		t.Errorf("table:\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName("v0.2.0"))
	if filepath.Base(path) != "allocs-v0.2.0.json" {
		t.Fatalf("FileName: %s", path)
	}
	figs := []Figure{{"doubao", "Stream", 151.876, 16400.4}, {"deepseek", "Create", 77.004, 7021.6}}
	r := NewRecord(dir, "0.2.0", "", "300x", 5, figs)
	if !strings.HasPrefix(r.MeasuredOn, "an unknown tree") {
		t.Errorf("MeasuredOn outside git: %q", r.MeasuredOn)
	}
	if err := r.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"command": "cd benchmarks && go run ./cmd/allocs -record"`) {
		t.Errorf("saved:\n%s", data)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Figure{{"deepseek", "Create", 77, 7022}, {"doubao", "Stream", 151.88, 16400}}
	if len(got.Figures) != 2 || got.Figures[0] != want[0] || got.Figures[1] != want[1] || got.Count != 5 || got.Benchtime != "300x" {
		t.Errorf("loaded %+v, want figures %+v", got, want)
	}
	if Mismatch(got) != "" {
		t.Errorf("Mismatch on the same machine: %q", Mismatch(got))
	}
	got.Go = "go1.0"
	if !strings.Contains(Mismatch(got), "recorded with go1.0") {
		t.Errorf("Mismatch: %q", Mismatch(got))
	}

	os.WriteFile(path, []byte(`{"version":"0.2.0","figures":[],"extra":1}`), 0o644)
	if _, err := Load(path); err == nil {
		t.Error("Load accepted an unknown field")
	}
}

func TestBaseline(t *testing.T) {
	root := t.TempDir()
	repo := Repo{Root: root, Changelog: filepath.Join(root, release.File), Results: filepath.Join(root, "benchmarks", "results")}
	os.MkdirAll(repo.Results, 0o755)
	log, err := release.Parse([]byte("## v0.3.0 — unreleased\nCommit: pending\n## v0.2.0 — 2026-12-06\nCommit: " + strings.Repeat("a", 40) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := repo.Baseline(log); err == nil || !strings.Contains(err.Error(), "go run ./cmd/allocs -record") {
		t.Errorf("Baseline with no figures: %v", err)
	}
	save := func(v string) {
		r := &Record{Version: v, Figures: recorded}
		if err := r.Save(filepath.Join(repo.Results, FileName(v))); err != nil {
			t.Fatal(err)
		}
	}
	save("0.2.0")
	if _, e, path, err := repo.Baseline(log); err != nil || e.Version != "0.2.0" || repo.Rel(path) != "benchmarks/results/allocs-v0.2.0.json" {
		t.Errorf("Baseline = %v %s %v, want the last release's", e, path, err)
	}
	if got := Describe(log.Entries[1]); got != "v0.2.0 (released 2026-12-06, commit aaaaaaaaaaaa)" {
		t.Errorf("Describe: %q", got)
	}
	save("0.3.0")
	if _, e, _, err := repo.Baseline(log); err != nil || e.Version != "0.3.0" {
		t.Errorf("Baseline = %v %v, want the release being prepared, once recorded", e, err)
	}
}

// Measure runs the real scenarios (a few calls, so that it stays quick under
// -race, whose figures are not the record's) and returns every vendor's Create
// and Stream with plausible figures.
func TestMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the mock child process")
	}
	figs, err := Measure("3x", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range figs {
		got = append(got, f.Vendor+" "+f.Scenario)
		if f.Allocs < 10 || f.Bytes < 1000 {
			t.Errorf("%s %s: %.2f allocs/op, %.0f B/op: implausibly few", f.Vendor, f.Scenario, f.Allocs, f.Bytes)
		}
	}
	var want []string
	for _, v := range benchmarks.Vendors {
		for _, s := range Scenarios {
			want = append(want, v+" "+s)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("measured %q, want %q", got, want)
	}
	if _, err := Measure("1s", 1, nil); err == nil {
		t.Error("Measure accepted a duration as benchtime")
	}
}

func TestBenchPattern(t *testing.T) {
	if got := BenchPattern("deepseek", "Create"); got != "^BenchmarkCreate$/^harbor$" {
		t.Errorf("deepseek: %s", got)
	}
	if got := BenchPattern("qianfan", "Stream"); got != "^BenchmarkStream$/^qianfan$/^harbor$" {
		t.Errorf("qianfan: %s", got)
	}
}
