package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harborai/harbor-go/benchmarks/internal/allocs"
	"github.com/harborai/harbor-go/internal/release"
)

const v010 = "20e9fbeed6d4416043134a84bbf0634a48a1d202"

const preparing = "# Changelog\n\n## v0.2.0 — unreleased\n\nCommit: pending\n\nWhat changed.\n\n## v0.1.0 — 2026-11-22\n\nCommit: " + v010 + "\n"

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=release test", "-c", "user.email=release@test.invalid",
		"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2026-12-06T23:30:00-02:00") // 2026-12-07 in UTC
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newRepo makes a git repository with a changelog preparing v0.2.0 and a
// benchmarks module, committed.
func newRepo(t *testing.T, changelog string) allocs.Repo {
	t.Helper()
	root := t.TempDir()
	git(t, root, "init", "-q")
	write(t, filepath.Join(root, release.File), changelog)
	write(t, filepath.Join(root, "benchmarks", "go.mod"), "module github.com/harborai/harbor-go/benchmarks\n")
	git(t, root, "add", "-A")
	git(t, root, "commit", "-q", "-m", "work")
	repo, err := allocs.FindRepo(filepath.Join(root, "benchmarks"))
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

var figures = []allocs.Figure{{Vendor: "deepseek", Scenario: "Create", Allocs: 77, Bytes: 7021}}

func measure() ([]allocs.Figure, error) { return append([]allocs.Figure(nil), figures...), nil }

func TestRelease(t *testing.T) {
	repo := newRepo(t, preparing)
	head := git(t, repo.Root, "rev-parse", "HEAD")
	// Editing the changelog's text before releasing is fine.
	write(t, repo.Changelog, strings.Replace(preparing, "What changed.", "What changed, better said.", 1))

	var out bytes.Buffer
	if err := run(&out, repo, "0.2.0", "300x", 5, measure); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	l, err := release.Read(repo.Changelog)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := l.LastRelease(); e.Version != "0.2.0" || e.Commit != head || e.Date != "2026-12-07" {
		t.Errorf("after run, the last release is %v; want v0.2.0 at %s, 2026-12-07 (HEAD's date in UTC)", e, head)
	}
	data, _ := os.ReadFile(repo.Changelog)
	if !strings.Contains(string(data), "better said") {
		t.Errorf("the changelog lost its text:\n%s", data)
	}
	rec, err := allocs.Load(filepath.Join(repo.Results, "allocs-v0.2.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Commit != head || rec.Version != "0.2.0" || rec.MeasuredOn != "commit "+head || rec.Command != "cd benchmarks && go run ./cmd/release" {
		t.Errorf("figures record %+v", rec)
	}
	want := "cd " + repo.Root + " && git add CHANGELOG.md benchmarks/results/allocs-v0.2.0.json && git commit -m 'v0.2.0: release record (commit " + head[:12]
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks the commit command %q:\n%s", want, out.String())
	}

	// Once released, there is nothing to release.
	git(t, repo.Root, "add", "-A")
	git(t, repo.Root, "commit", "-q", "-m", "v0.2.0: release record")
	if err := run(&out, repo, "0.2.0", "300x", 5, measure); err == nil || !strings.Contains(err.Error(), "nothing to release") {
		t.Errorf("second run: %v", err)
	}
}

func TestReleaseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, version string
		dirty         func(t *testing.T, repo allocs.Repo)
		want          string
	}{
		{"version differs from harbor.Version", "0.3.0", nil, `newest entry is v0.2.0 but harbor.Version is "0.3.0"`},
		{"uncommitted change", "0.2.0", func(t *testing.T, repo allocs.Repo) {
			write(t, filepath.Join(repo.Root, "benchmarks", "go.mod"), "module github.com/harborai/harbor-go/benchmarks\n\ngo 1.26\n")
		}, "benchmarks/go.mod"},
		{"untracked Go file", "0.2.0", func(t *testing.T, repo allocs.Repo) {
			write(t, filepath.Join(repo.Root, "harbor", "new.go"), "package harbor\n")
		}, "harbor/new.go"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := newRepo(t, preparing)
			write(t, filepath.Join(repo.Root, "notes.txt"), "untracked, not Go: fine\n")
			if tc.dirty != nil {
				tc.dirty(t, repo)
			}
			before, _ := os.ReadFile(repo.Changelog)
			var out bytes.Buffer
			err := run(&out, repo, tc.version, "300x", 5, measure)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run: %v, want an error with %q", err, tc.want)
			}
			if after, _ := os.ReadFile(repo.Changelog); !bytes.Equal(before, after) {
				t.Error("the changelog changed")
			}
			if _, err := os.Stat(repo.Results); err == nil {
				t.Error("figures were written")
			}
		})
	}
}
