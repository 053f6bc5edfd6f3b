// Package release reads and updates CHANGELOG.md, harbor's record of its
// releases. The repository keeps no git tags (they do not travel with the
// repository's history), so each release's entry names the commit it was made
// from, and tools that need "the last release" (benchmarks/cmd/compare, the
// allocation check in benchmarks/cmd/allocs) read it from here.
//
// An entry starts with a level-2 heading and has exactly one Commit line:
//
//	## v0.1.0 — 2026-11-22
//
//	Commit: 20e9fbeed6d4416043134a84bbf0634a48a1d202
//
// The release being prepared says so, and Stamp fills it in once its commit
// exists:
//
//	## v0.2.0 — unreleased
//
//	Commit: pending
//
// Entries are newest first; only the newest may be unreleased. Text inside
// HTML comments and code fences is not read.
//
// It is for tools only (benchmarks, the release checks); nothing in the SDK
// imports it.
package release
