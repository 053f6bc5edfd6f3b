package rediscache_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/redistest"
	"github.com/harborai/harbor-go/rediscache"
)

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{}) // go-redis logs every refused dial of the failure tests
	goleak.VerifyTestMain(m)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// hangBound is how long a command against a dead or hung Redis may take before
// the test calls it a hang: far above the 100-200ms timeouts, for a loaded
// machine.
const hangBound = 2 * time.Second

// setup starts a redis-server and opens a Cache on it with the default Options,
// and a plain client to look at what the Cache stored.
func setup(t *testing.T) (*redistest.Server, *rediscache.Cache, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	c, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, c.Close()) })
	raw := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = raw.Close() })
	return srv, c, raw
}

func TestSetGet(t *testing.T) {
	_, c, raw := setup(t)
	ctx := t.Context()
	value := []byte("an answer\x00 with \r\n and \xff bytes")
	require.NoError(t, c.Set(ctx, "ns:0123abcd", value, time.Minute))

	got, err := c.Get(ctx, "ns:0123abcd")
	require.NoError(t, err)
	assert.Equal(t, value, got)

	stored, err := raw.Get(ctx, "harbor:ns:0123abcd").Bytes()
	require.NoError(t, err, "stored under DefaultPrefix + key")
	assert.Equal(t, value, stored)

	require.NoError(t, c.Set(ctx, "ns:0123abcd", []byte("newer"), time.Minute))
	got, err = c.Get(ctx, "ns:0123abcd")
	require.NoError(t, err)
	assert.Equal(t, "newer", string(got), "Set replaces")

	require.NoError(t, c.Set(ctx, "ns:empty", []byte{}, time.Minute))
	got, err = c.Get(ctx, "ns:empty")
	require.NoError(t, err, "an empty value is a hit")
	assert.Empty(t, got)
}

func TestGetMiss(t *testing.T) {
	_, c, _ := setup(t)
	got, err := c.Get(t.Context(), "ns:absent")
	assert.Nil(t, got)
	assert.ErrorIs(t, err, harbor.ErrCacheMiss)
	assert.Equal(t, harbor.ErrCacheMiss, err, "the sentinel itself, not wrapped")
}

func TestTTL(t *testing.T) {
	_, c, raw := setup(t)
	ctx := t.Context()

	require.NoError(t, c.Set(ctx, "ns:long", []byte("v"), 90*time.Second))
	pttl, err := raw.PTTL(ctx, "harbor:ns:long").Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 80*time.Second)
	assert.LessOrEqual(t, pttl, 90*time.Second)

	require.NoError(t, c.Set(ctx, "ns:subsecond", []byte("v"), 1500*time.Millisecond))
	pttl, err = raw.PTTL(ctx, "harbor:ns:subsecond").Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, time.Second, "kept to the millisecond, not rounded to seconds")
	assert.LessOrEqual(t, pttl, 1500*time.Millisecond)

	require.NoError(t, c.Set(ctx, "ns:short", []byte("v"), 30*time.Millisecond))
	assert.Eventually(t, func() bool {
		_, err := c.Get(ctx, "ns:short")
		return err == harbor.ErrCacheMiss
	}, hangBound, 10*time.Millisecond, "an expired entry is a miss")
}

func TestSetNonPositiveTTL(t *testing.T) {
	_, c, raw := setup(t)
	for _, ttl := range []time.Duration{0, -time.Second} {
		err := c.Set(t.Context(), "ns:k", []byte("v"), ttl)
		assert.ErrorContains(t, err, "not positive", "ttl %v", ttl)
	}
	n, err := raw.Exists(t.Context(), "harbor:ns:k").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "nothing stored without an expiry")
}

func TestPrefix(t *testing.T) {
	srv, c, raw := setup(t)
	ctx := t.Context()
	other, err := rediscache.Open(srv.URL(), rediscache.Options{Prefix: "fleet-b:"})
	require.NoError(t, err)
	defer other.Close()
	wrapped := rediscache.New(raw, rediscache.WithPrefix("fleet-b:"))

	require.NoError(t, c.Set(ctx, "ns:k", []byte("a"), time.Minute))
	require.NoError(t, other.Set(ctx, "ns:k", []byte("b"), time.Minute))

	got, err := wrapped.Get(ctx, "ns:k")
	require.NoError(t, err)
	assert.Equal(t, "b", string(got), "New and Open share a prefix")
	got, err = c.Get(ctx, "ns:k")
	require.NoError(t, err)
	assert.Equal(t, "a", string(got), "prefixes keep caches apart")
	keys, err := raw.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"harbor:ns:k", "fleet-b:ns:k"}, keys)

	assert.ErrorIs(t, c.Set(ctx, "ns:k2", []byte("v"), time.Minute), nil)
	_, err = rediscache.New(raw, rediscache.WithPrefix("")).Get(ctx, "ns:k2")
	assert.NoError(t, err, `WithPrefix("") keeps DefaultPrefix`)
}

// TestWrongType: something else stored under a key harbor asks for is an error
// (a miss to harbor), never a panic or a hit.
func TestWrongType(t *testing.T) {
	_, c, raw := setup(t)
	ctx := t.Context()
	require.NoError(t, raw.RPush(ctx, "harbor:ns:list", "x").Err())
	got, err := c.Get(ctx, "ns:list")
	assert.Nil(t, got)
	require.Error(t, err)
	assert.NotErrorIs(t, err, harbor.ErrCacheMiss)
	assert.Contains(t, err.Error(), "WRONGTYPE")
}

// TestKill: a Redis that crashed mid-run makes Get, Set and Range fail at once
// rather than hang, and never look like a hit.
func TestKill(t *testing.T) {
	srv, c, _ := setup(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "ns:k", []byte("v"), time.Minute))
	require.NoError(t, c.Ping(ctx))
	srv.Kill()
	start := time.Now()
	assert.Error(t, c.Ping(ctx))
	assert.Less(t, time.Since(start), hangBound)

	for range 3 { // the pooled connection breaks, then dials are refused
		start := time.Now()
		got, err := c.Get(ctx, "ns:k")
		assert.Less(t, time.Since(start), hangBound)
		assert.Nil(t, got)
		assert.Error(t, err)
		assert.NotErrorIs(t, err, harbor.ErrCacheMiss)

		start = time.Now()
		assert.Error(t, c.Set(ctx, "ns:k", []byte("v"), time.Minute))
		assert.Less(t, time.Since(start), hangBound)

		start = time.Now()
		assert.Error(t, c.Range(ctx, "ns:", func(string, []byte, time.Duration) bool { return true }))
		assert.Less(t, time.Since(start), hangBound)
	}
}

// TestHung: a Redis that accepts connections and answers nothing (SIGSTOP) costs
// a command its read timeout, or the context's deadline when that is sooner.
func TestHung(t *testing.T) {
	srv, c, _ := setup(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "ns:k", []byte("v"), time.Minute)) // a pooled connection
	patient, err := rediscache.Open(srv.URL(), rediscache.Options{ReadTimeout: time.Minute, WriteTimeout: time.Minute})
	require.NoError(t, err)
	defer patient.Close()
	require.NoError(t, patient.Set(ctx, "ns:k", []byte("v"), time.Minute))
	srv.Pause()
	defer srv.Resume()

	t.Run("read timeout", func(t *testing.T) {
		for range 2 { // on the pooled connection, then on a new one
			start := time.Now()
			_, err := c.Get(ctx, "ns:k")
			assert.Less(t, time.Since(start), hangBound)
			assert.Error(t, err)
			assert.NotErrorIs(t, err, harbor.ErrCacheMiss)
		}
		start := time.Now()
		assert.Error(t, c.Set(ctx, "ns:k", []byte("v"), time.Minute))
		assert.Less(t, time.Since(start), hangBound)
	})
	t.Run("context deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := patient.Get(ctx, "ns:k")
		assert.Less(t, time.Since(start), hangBound, "a minute's ReadTimeout, but the context's 50ms deadline")
		// go-redis v9.22 applies the deadline to the connection, so the error is
		// its i/o timeout rather than context.DeadlineExceeded: what matters is
		// that the call ended by the context's deadline (the bound above).
		assert.Error(t, err)
	})
}

// TestOpenDoesNotConnect: a Redis that is down at start is an error at each call,
// not at Open.
func TestOpenDoesNotConnect(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill() // a port nothing listens on
	c, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	defer c.Close()
	start := time.Now()
	_, err = c.Get(t.Context(), "ns:k")
	assert.Error(t, err)
	assert.Less(t, time.Since(start), hangBound)
}

func TestOpenBadURL(t *testing.T) {
	const secret = "s3cr3t-Pw"
	for _, u := range []string{
		"redis://user:" + secret + "@localhost:notaport/0",
		"redis://:" + secret + "@localhost/notadb",
		"redis://:" + secret + "@localhost/0/1",
		"http://user:" + secret + "@localhost:6379",
		"redis://:" + secret + "@localhost:6379/0?password=" + secret,
		"redis://:" + secret + "@localhost:6379/0?dial_timeout=" + secret,
		"redis://:" + secret + "%zz@localhost:6379",
		"redis://:" + secret + "@local host:6379",
		"redis://localhost:" + secret, // a password where the port goes
		"redis://:" + strings.ReplaceAll(secret, "-", "%2D") + "@localhost:6379/x",
		":" + secret + "@localhost",
		"redis://[::1:" + secret + "@",
	} {
		c, err := rediscache.Open(u, rediscache.Options{})
		if !assert.Error(t, err, u) {
			c.Close()
			continue
		}
		assert.Nil(t, c)
		assert.NotContains(t, err.Error(), "s3cr3t", "the error for %s", u)
		assert.Contains(t, err.Error(), "rediscache:")
		t.Log(err)
	}
}

func TestCloseOwnedOnly(t *testing.T) {
	srv, _, raw := setup(t)
	ctx := t.Context()

	wrapped := rediscache.New(raw)
	require.NoError(t, wrapped.Close())
	assert.NoError(t, raw.Ping(ctx).Err(), "Close leaves a client given to New open")
	require.NoError(t, wrapped.Set(ctx, "ns:k", []byte("v"), time.Minute))

	opened, err := rediscache.Open(srv.URL(), rediscache.Options{})
	require.NoError(t, err)
	require.NoError(t, opened.Set(ctx, "ns:k", []byte("v"), time.Minute))
	require.NoError(t, opened.Close())
	assert.NoError(t, opened.Close(), "Close is idempotent")
	_, err = opened.Get(ctx, "ns:k")
	assert.Error(t, err, "a closed Cache fails")
}

// TestNoLeakAfterClose: once closed, a Cache that was used, and saw its Redis
// hang and die, leaves no goroutine behind.
func TestNoLeakAfterClose(t *testing.T) {
	srv := redistest.Start(t)
	ignore := goleak.IgnoreCurrent() // redistest's wait on the process
	ctx := t.Context()
	c, err := rediscache.Open(srv.URL(), rediscache.Options{PoolSize: 4})
	require.NoError(t, err)
	for i := range 20 {
		require.NoError(t, c.Set(ctx, fmt.Sprint("ns:", i), []byte("v"), time.Minute))
	}
	require.NoError(t, c.Range(ctx, "ns:", func(string, []byte, time.Duration) bool { return true }))
	srv.Pause()
	_, err = c.Get(ctx, "ns:1")
	assert.Error(t, err)
	srv.Kill()
	_, err = c.Get(ctx, "ns:1")
	assert.Error(t, err)
	require.NoError(t, c.Close())
	goleak.VerifyNone(t, ignore)
}
