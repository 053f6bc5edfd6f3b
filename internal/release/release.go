package release

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// File is the changelog's name, at the repository's root.
const File = "CHANGELOG.md"

// Pending is the Commit line's value while a release is being prepared.
const Pending = "pending"

// Unreleased is the heading's date while a release is being prepared.
const Unreleased = "unreleased"

// Entry is one release in the changelog.
type Entry struct {
	Version string // without the "v": "0.2.0"
	Date    string // "2026-11-22"; "" while unreleased
	Commit  string // full 40-hex commit; "" while unreleased
	Line    int    // the heading's line, 1-based
}

// Tag is the version as people write it: "v0.2.0".
func (e Entry) Tag() string { return "v" + e.Version }

// Released reports whether the entry names its commit.
func (e Entry) Released() bool { return e.Commit != "" }

func (e Entry) String() string {
	if !e.Released() {
		return e.Tag() + " (unreleased)"
	}
	return e.Tag() + " (" + e.Date + ", commit " + e.Commit + ")"
}

// Log is a parsed changelog: its entries, newest first.
type Log struct {
	Entries []Entry
}

// Newest returns the first entry, released or not.
func (l *Log) Newest() (Entry, bool) {
	if len(l.Entries) == 0 {
		return Entry{}, false
	}
	return l.Entries[0], true
}

// LastRelease returns the newest entry that names its commit.
func (l *Log) LastRelease() (Entry, bool) {
	for _, e := range l.Entries {
		if e.Released() {
			return e, true
		}
	}
	return Entry{}, false
}

// Find returns the entry of version, written with or without the "v".
func (l *Log) Find(version string) (Entry, bool) {
	version = strings.TrimPrefix(version, "v")
	for _, e := range l.Entries {
		if e.Version == version {
			return e, true
		}
	}
	return Entry{}, false
}

// ErrNoRelease is returned by LastReleaseIn when the changelog has no entry
// with a commit.
var ErrNoRelease = errors.New("no released entry (one with a Commit: <full hash> line)")

var (
	// The heading separator may be an em dash, an en dash or a hyphen.
	headingRE = regexp.MustCompile(`^## v(\d+)\.(\d+)\.(\d+) [—–-] (\d{4}-\d{2}-\d{2}|(?i:unreleased))$`)
	commitRE  = regexp.MustCompile(`^Commit: ([0-9a-f]{40}|` + Pending + `)$`)
)

// Parse reads a changelog. It is strict, so that a typo cannot silently hide
// a release from the tools: every level-2 heading must be a release heading,
// every entry needs exactly one Commit line (a full hash when dated,
// "pending" when unreleased), versions must decrease and dates must not
// increase down the file, and only the first entry may be unreleased.
func Parse(data []byte) (*Log, error) {
	l := &Log{}
	var cur *Entry
	commits := 0 // Commit lines of cur
	finish := func() error {
		if cur == nil {
			return nil
		}
		if commits == 0 {
			return fmt.Errorf("line %d: %s has no Commit line (Commit: <full hash>, or Commit: %s while unreleased)", cur.Line, cur.Tag(), Pending)
		}
		l.Entries = append(l.Entries, *cur)
		return nil
	}
	inComment, inFence := false, false
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case inComment:
			inComment = !strings.Contains(line, "-->")
			continue
		case strings.HasPrefix(line, "<!--"):
			inComment = !strings.Contains(line, "-->")
			continue
		case strings.HasPrefix(line, "```"):
			inFence = !inFence
			continue
		case inFence:
			continue
		}
		if strings.HasPrefix(line, "## ") {
			if err := finish(); err != nil {
				return nil, err
			}
			m := headingRE.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("line %d: %q is not a release heading (## vX.Y.Z — YYYY-MM-DD, or ## vX.Y.Z — %s)", n, line, Unreleased)
			}
			cur = &Entry{Version: m[1] + "." + m[2] + "." + m[3], Line: n}
			if !strings.EqualFold(m[4], Unreleased) {
				cur.Date = m[4]
			}
			commits = 0
			continue
		}
		if !strings.HasPrefix(line, "Commit:") {
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: a Commit line before the first release heading", n)
		}
		m := commitRE.FindStringSubmatch(line)
		switch {
		case m == nil:
			return nil, fmt.Errorf("line %d: %q: want Commit: <full 40-hex commit hash>, or Commit: %s while unreleased", n, line, Pending)
		case commits > 0:
			return nil, fmt.Errorf("line %d: a second Commit line for %s", n, cur.Tag())
		case m[1] == Pending && cur.Date != "":
			return nil, fmt.Errorf("line %d: %s is dated %s but its commit is %s: a released entry names its commit", n, cur.Tag(), cur.Date, Pending)
		case m[1] != Pending && cur.Date == "":
			return nil, fmt.Errorf("line %d: %s names commit %s but is %s: date it (YYYY-MM-DD)", n, cur.Tag(), m[1], Unreleased)
		}
		if m[1] != Pending {
			cur.Commit = m[1]
		}
		commits++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	for i, e := range l.Entries {
		if i == 0 {
			continue
		}
		prev := l.Entries[i-1]
		switch {
		case !e.Released():
			return nil, fmt.Errorf("line %d: %s is unreleased but not the newest entry; only the release being prepared (the first entry) may be", e.Line, e.Tag())
		case compareVersions(prev.Version, e.Version) <= 0:
			return nil, fmt.Errorf("line %d: %s comes after %s: entries go newest first, each version higher than the next", e.Line, e.Tag(), prev.Tag())
		case prev.Released() && prev.Date < e.Date:
			return nil, fmt.Errorf("line %d: %s (%s) is dated after the newer %s (%s)", e.Line, e.Tag(), e.Date, prev.Tag(), prev.Date)
		}
	}
	return l, nil
}

// compareVersions compares two "X.Y.Z" versions.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range as {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Read parses the changelog at path.
func Read(path string) (*Log, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// LastReleaseIn reads the changelog at path and returns its newest released
// entry, or an error wrapping ErrNoRelease that says what to add.
func LastReleaseIn(path string) (Entry, error) {
	l, err := Read(path)
	if err != nil {
		return Entry{}, err
	}
	e, ok := l.LastRelease()
	if !ok {
		return Entry{}, fmt.Errorf("%s: %w; record a release there (see its header), or name a ref", path, ErrNoRelease)
	}
	return e, nil
}

// Stamp returns data with the unreleased entry of version dated date and
// naming commit: its heading's "unreleased" becomes date and its
// "Commit: pending" line the commit. Nothing else changes. version may be
// written with or without the "v".
func Stamp(data []byte, version, commit, date string) ([]byte, error) {
	version = strings.TrimPrefix(version, "v")
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(commit) {
		return nil, fmt.Errorf("commit %q is not a full 40-hex commit hash", commit)
	}
	if !regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(date) {
		return nil, fmt.Errorf("date %q is not YYYY-MM-DD", date)
	}
	l, err := Parse(data)
	if err != nil {
		return nil, err
	}
	e, ok := l.Find(version)
	switch {
	case !ok:
		return nil, fmt.Errorf("no entry for v%s", version)
	case e.Released():
		return nil, fmt.Errorf("v%s is already released (commit %s)", version, e.Commit)
	}
	lines := strings.SplitAfter(string(data), "\n")
	heading := lines[e.Line-1]
	i := strings.LastIndex(strings.ToLower(heading), Unreleased)
	lines[e.Line-1] = heading[:i] + date + heading[i+len(Unreleased):]
	stamped := false
	for j := e.Line; j < len(lines) && !stamped; j++ {
		if strings.TrimRight(lines[j], " \t\r\n") == "Commit: "+Pending {
			lines[j] = strings.Replace(lines[j], Pending, commit, 1)
			stamped = true
		}
	}
	if !stamped {
		return nil, fmt.Errorf("line %d: no Commit: %s line under v%s", e.Line, Pending, version)
	}
	out := []byte(strings.Join(lines, ""))
	l, err = Parse(out)
	if err != nil {
		return nil, fmt.Errorf("the stamped changelog does not parse: %w", err)
	}
	if got, _ := l.Find(version); got.Commit != commit || got.Date != date {
		return nil, fmt.Errorf("stamping v%s went wrong: got %v", version, got)
	}
	return out, nil
}
