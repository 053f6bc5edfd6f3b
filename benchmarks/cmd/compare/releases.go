package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/harborai/harbor-go/internal/release"
)

// The repository keeps no git tags (they do not travel with its history):
// releases are the entries of CHANGELOG.md at its root, each naming its
// commit. The default old side is the last of them, and -old/-new accept a
// release's version (v0.1.0) for its commit.

// ErrNoRelease is returned when -old is not given and CHANGELOG.md records no
// release with its commit.
var ErrNoRelease = release.ErrNoRelease

// releaseFile is the record of releases, at the repository's root.
const releaseFile = release.File

var versionRE = regexp.MustCompile(`^v?\d+\.\d+\.\d+$`)

// lastRelease returns the newest release CHANGELOG.md in repo names, as a
// side's ref (its version) and commit.
func lastRelease(ctx context.Context, repo string) (ref, commit string, err error) {
	path := filepath.Join(repo, release.File)
	e, err := release.LastReleaseIn(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", "", fmt.Errorf("%w: there is no %s to take the last release from; name the old side yourself, for example -old HEAD~1", ErrNoRelease, release.File)
	case errors.Is(err, ErrNoRelease):
		return "", "", fmt.Errorf("%w; or name the old side yourself, for example -old HEAD~1", err)
	case err != nil:
		return "", "", err
	}
	commit, err = releaseCommit(ctx, repo, e)
	return e.Tag(), commit, err
}

// releaseCommit checks that the repository has e's commit.
func releaseCommit(ctx context.Context, repo string, e release.Entry) (string, error) {
	c, err := resolve(ctx, repo, e.Commit)
	if err != nil {
		return "", fmt.Errorf("%s says %s is commit %s, but this repository does not have it (a shallow clone? git fetch --unshallow)", release.File, e.Tag(), e.Commit)
	}
	return c, nil
}

// resolveSide returns the commit of ref, which may be a release's version as
// CHANGELOG.md records it ("v0.1.0"), and whether it was.
func resolveSide(ctx context.Context, repo, ref string) (commit string, fromChangelog bool, err error) {
	if versionRE.MatchString(ref) {
		if l, err := release.Read(filepath.Join(repo, release.File)); err == nil {
			if e, ok := l.Find(ref); ok {
				if !e.Released() {
					return "", false, fmt.Errorf("%s is not released yet (%s: Commit: %s); compare the work with -new HEAD or -new .", e.Tag(), release.File, release.Pending)
				}
				c, err := releaseCommit(ctx, repo, e)
				return c, true, err
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", false, err
		}
	}
	c, err := resolve(ctx, repo, ref)
	return c, false, err
}
