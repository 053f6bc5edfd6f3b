// Package redistest starts a real redis-server for tests: one process per test,
// on a free port of 127.0.0.1, with no persistence, stopped when the test ends.
//
//	srv := redistest.Start(t)
//	c, err := rediscache.Open(srv.URL(), rediscache.Options{})
//	…
//	srv.Kill() // a crash mid-run: every later command fails
//
// StartSlowProxy puts a TCP proxy in front of it that adds a latency the test
// changes at run time: a Redis that is slow rather than down.
//
// It runs the redis-server found on PATH (Debian's package redis-server). Where
// there is none the test is skipped, or fails when HARBOR_REQUIRE_REDIS=1 (as
// scripts/test sets it, after installing redis-server when it can). It is for
// tests only: no production package imports it.
package redistest
