package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// git runs git in dir and returns its trimmed stdout; errors carry git's stderr.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	// Never let the environment (a git hook, say) point git elsewhere.
	cmd.Env = without(os.Environ(), "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// without returns env less the variables names.
func without(env []string, names ...string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			if name == n {
				drop = true
			}
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// gitToplevel returns the root of the work tree that dir is in.
func gitToplevel(ctx context.Context, dir string) (string, error) {
	top, err := git(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return "", fmt.Errorf("not inside a git work tree (%w)", err)
	}
	return top, nil
}

// resolve returns the commit ref names.
func resolve(ctx context.Context, repo, ref string) (string, error) {
	if strings.HasPrefix(ref, "-") {
		return "", fmt.Errorf("bad ref %q", ref)
	}
	c, err := git(ctx, repo, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil || c == "" {
		return "", fmt.Errorf("%q is not a commit in %s", ref, repo)
	}
	return c, nil
}

// addWorktree checks commit out, detached, into dir (which must not exist),
// without running the repository's hooks. The main work tree and its index
// are left alone; only the repository's worktree list gains an entry, which
// removeWorktree takes away.
func addWorktree(ctx context.Context, repo, dir, commit string) error {
	_, err := git(ctx, repo, "-c", "core.hooksPath=/dev/null", "worktree", "add", "--detach", "--quiet", dir, commit)
	return err
}

// removeWorktree undoes addWorktree. It runs even after ctx is cancelled (an
// interrupt must not leave worktrees behind), with its own time limit.
func removeWorktree(ctx context.Context, repo, dir string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, err := git(ctx, repo, "worktree", "remove", "--force", dir)
	if err == nil {
		return nil
	}
	// A half-made worktree (interrupted checkout) may not be removable as
	// such: delete the directory, then drop git's record of it.
	if rmErr := os.RemoveAll(dir); rmErr != nil {
		return fmt.Errorf("%v; rm: %v", err, rmErr)
	}
	if _, pruneErr := git(ctx, repo, "worktree", "prune"); pruneErr != nil {
		return fmt.Errorf("%v; %v", err, pruneErr)
	}
	return nil
}
