package release

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `# Changelog

Some words. Commit: is not at the start of a line here.

<!--
## not a heading: inside a comment
Commit: whatever
-->

## v0.3.0 — unreleased

Commit: pending

` + "```" + `
## v9.9.9 — inside a fence, not read
` + "```" + `

### Added
- things

## v0.2.0 – 2026-12-06

Commit: 0123456789abcdef0123456789abcdef01234567

## v0.1.0 - 2026-11-22

Commit: 20e9fbeed6d4416043134a84bbf0634a48a1d202
`

func TestParse(t *testing.T) {
	l, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{Version: "0.3.0", Line: 10},
		{Version: "0.2.0", Date: "2026-12-06", Commit: "0123456789abcdef0123456789abcdef01234567", Line: 21},
		{Version: "0.1.0", Date: "2026-11-22", Commit: "20e9fbeed6d4416043134a84bbf0634a48a1d202", Line: 25},
	}
	if len(l.Entries) != len(want) {
		t.Fatalf("entries %+v, want %+v", l.Entries, want)
	}
	for i := range want {
		if l.Entries[i] != want[i] {
			t.Errorf("entry %d: %+v, want %+v", i, l.Entries[i], want[i])
		}
	}
	if e, _ := l.Newest(); e.Version != "0.3.0" || e.Released() {
		t.Errorf("Newest: %v", e)
	}
	if e, _ := l.LastRelease(); e.Tag() != "v0.2.0" {
		t.Errorf("LastRelease: %v", e)
	}
	if e, ok := l.Find("v0.1.0"); !ok || e.Date != "2026-11-22" {
		t.Errorf("Find(v0.1.0): %v %v", e, ok)
	}
	if _, ok := l.Find("0.9.0"); ok {
		t.Error("Find(0.9.0) found something")
	}
}

func TestParseRejects(t *testing.T) {
	const c1 = "Commit: 20e9fbeed6d4416043134a84bbf0634a48a1d202\n"
	const c2 = "Commit: 0123456789abcdef0123456789abcdef01234567\n"
	for _, tc := range []struct{ name, text, want string }{
		{"bad heading", "## 0.1.0 — 2026-11-22\n" + c1, "not a release heading"},
		{"other level-2 heading", "## Unreleased\n", "not a release heading"},
		{"bad date", "## v0.1.0 — 22/11/2026\n" + c1, "not a release heading"},
		{"no commit line", "## v0.1.0 — 2026-11-22\n\nwords\n", "has no Commit line"},
		{"short hash", "## v0.1.0 — 2026-11-22\nCommit: 20e9fbe\n", "full 40-hex"},
		{"upper-case hash", "## v0.1.0 — 2026-11-22\nCommit: 20E9FBEED6D4416043134A84BBF0634A48A1D202\n", "full 40-hex"},
		{"two commit lines", "## v0.1.0 — 2026-11-22\n" + c1 + c2, "second Commit line"},
		{"dated but pending", "## v0.1.0 — 2026-11-22\nCommit: pending\n", "released entry names its commit"},
		{"unreleased with a commit", "## v0.1.0 — unreleased\n" + c1, "date it"},
		{"commit before any heading", c1, "before the first release heading"},
		{"unreleased not first", "## v0.2.0 — 2026-12-06\n" + c2 + "## v0.1.0 — unreleased\nCommit: pending\n", "only the release being prepared"},
		{"versions out of order", "## v0.1.0 — 2026-11-22\n" + c1 + "## v0.2.0 — 2026-11-22\n" + c2, "newest first"},
		{"same version twice", "## v0.1.0 — 2026-11-22\n" + c1 + "## v0.1.0 — 2026-11-22\n" + c2, "newest first"},
		{"minor compared as a number", "## v0.9.0 — 2026-11-22\n" + c1 + "## v0.10.0 — 2026-11-22\n" + c2, "newest first"},
		{"dates out of order", "## v0.2.0 — 2026-11-01\n" + c2 + "## v0.1.0 — 2026-11-22\n" + c1, "dated after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestLastReleaseIn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, File)
	if err := os.WriteFile(path, []byte("# Changelog\n\n## v0.1.0 — unreleased\n\nCommit: pending\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LastReleaseIn(path)
	if !errors.Is(err, ErrNoRelease) || !strings.Contains(err.Error(), path) {
		t.Errorf("LastReleaseIn with only an unreleased entry: %v, want ErrNoRelease naming the file", err)
	}
	if _, err := LastReleaseIn(filepath.Join(dir, "missing.md")); err == nil || errors.Is(err, ErrNoRelease) {
		t.Errorf("LastReleaseIn of a missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	if e, err := LastReleaseIn(path); err != nil || e.Tag() != "v0.2.0" {
		t.Errorf("LastReleaseIn: %v, %v", e, err)
	}
}

func TestStamp(t *testing.T) {
	const hash = "fedcba9876543210fedcba9876543210fedcba98"
	out, err := Stamp([]byte(sample), "v0.3.0", hash, "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(strings.Replace(sample, "## v0.3.0 — unreleased", "## v0.3.0 — 2026-12-07", 1),
		"Commit: pending", "Commit: "+hash, 1)
	if string(out) != want {
		t.Errorf("Stamp changed more (or less) than the heading and the Commit line:\n%s", out)
	}
	l, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := l.LastRelease(); e.Version != "0.3.0" || e.Commit != hash || e.Date != "2026-12-07" {
		t.Errorf("after Stamp, LastRelease is %v", e)
	}

	for _, tc := range []struct{ name, version, commit, date, want string }{
		{"released already", "0.2.0", hash, "2026-12-07", "already released"},
		{"no such version", "0.4.0", hash, "2026-12-07", "no entry for v0.4.0"},
		{"short hash", "0.3.0", "fedcba9", "2026-12-07", "not a full 40-hex"},
		{"bad date", "0.3.0", hash, "7 Dec 2026", "not YYYY-MM-DD"},
		{"date before the last release", "0.3.0", hash, "2026-12-01", "dated after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Stamp([]byte(sample), tc.version, tc.commit, tc.date); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Stamp: %v, want an error with %q", err, tc.want)
			}
		})
	}
}
