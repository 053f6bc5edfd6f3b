package release_test

import (
	"testing"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/release"
)

// The repository's own changelog parses, and its newest entry is the version
// the module states (harbor.Version, sent in the User-Agent and printed by
// `harbor version`): bumping one without the other fails here.
func TestChangelogNewestIsHarborVersion(t *testing.T) {
	l, err := release.Read("../../" + release.File)
	if err != nil {
		t.Fatal(err)
	}
	newest, ok := l.Newest()
	if !ok {
		t.Fatal("CHANGELOG.md has no release entry")
	}
	if newest.Version != harbor.Version {
		t.Errorf("CHANGELOG.md's newest entry is %s (line %d), but harbor.Version is %q: add an entry for v%s "+
			"(## v%s — unreleased, Commit: pending) or fix the constant", newest.Tag(), newest.Line, harbor.Version, harbor.Version, harbor.Version)
	}
	if _, ok := l.LastRelease(); !ok {
		t.Error("CHANGELOG.md records no release with its commit; benchmarks/cmd/compare needs one")
	}
}
