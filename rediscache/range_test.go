package rediscache_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/redistest"
	"github.com/harborai/harbor-go/rediscache"
)

type entry struct {
	value string
	ttl   time.Duration
}

func collect(t *testing.T, c *rediscache.Cache, prefix string) map[string]entry {
	t.Helper()
	got := map[string]entry{}
	require.NoError(t, c.Range(t.Context(), prefix, func(key string, value []byte, ttl time.Duration) bool {
		_, dup := got[key]
		assert.False(t, dup, "key %s twice", key) // possible in principle (rehash), not on a quiet Redis
		got[key] = entry{string(value), ttl}
		return true
	}))
	return got
}

func TestRange(t *testing.T) {
	_, c, raw := setup(t)
	ctx := t.Context()
	require.NoError(t, c.Set(ctx, "ns1:aa", []byte("A"), time.Minute))
	require.NoError(t, c.Set(ctx, "ns1:bb", []byte("B"), 2*time.Minute))
	require.NoError(t, c.Set(ctx, "ns2:cc", []byte("C"), time.Minute))
	require.NoError(t, c.Set(ctx, "ns1*x", []byte("glob"), time.Minute))
	require.NoError(t, raw.Set(ctx, "ns1:outside", "not under the Cache's prefix", time.Minute).Err())
	require.NoError(t, raw.Set(ctx, "harbor:ns1:forever", "no expiry: not Set's", 0).Err())
	require.NoError(t, raw.RPush(ctx, "harbor:ns1:list", "not a string").Err())

	got := collect(t, c, "ns1:")
	assert.ElementsMatch(t, []string{"ns1:aa", "ns1:bb"}, slices.Collect(maps.Keys(got)))
	assert.Equal(t, "A", got["ns1:aa"].value)
	assert.Equal(t, "B", got["ns1:bb"].value)
	assert.InDelta(t, time.Minute, got["ns1:aa"].ttl, float64(10*time.Second))
	assert.InDelta(t, 2*time.Minute, got["ns1:bb"].ttl, float64(10*time.Second))

	assert.Len(t, collect(t, c, ""), 4, "every entry Set wrote (ns1:aa ns1:bb ns2:cc ns1*x), not forever nor list")
	assert.Equal(t, []string{"ns1*x"}, slices.Collect(maps.Keys(collect(t, c, "ns1*"))), "* in a prefix is literal")
	assert.Empty(t, collect(t, c, "ns3:"))
}

// TestRangeManyKeys takes several SCAN batches.
func TestRangeManyKeys(t *testing.T) {
	_, c, _ := setup(t)
	ctx := t.Context()
	const n = 450
	for i := range n {
		require.NoError(t, c.Set(ctx, fmt.Sprintf("ns:%04d", i), []byte(fmt.Sprint(i)), time.Minute))
	}
	got := collect(t, c, "ns:")
	require.Len(t, got, n)
	for i := range n {
		assert.Equal(t, fmt.Sprint(i), got[fmt.Sprintf("ns:%04d", i)].value)
	}
}

func TestRangeStops(t *testing.T) {
	_, c, _ := setup(t)
	ctx := t.Context()
	for i := range 250 {
		require.NoError(t, c.Set(ctx, fmt.Sprint("ns:", i), []byte("v"), time.Minute))
	}
	calls := 0
	err := c.Range(ctx, "ns:", func(string, []byte, time.Duration) bool {
		calls++
		return calls < 3
	})
	assert.NoError(t, err, "fn returning false is not an error")
	assert.Equal(t, 3, calls)

	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	err = c.Range(cctx, "ns:", func(string, []byte, time.Duration) bool {
		calls++
		cancel()
		return true
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, calls, "no call after ctx ended")
}

// TestRangeRing: on a *redis.Ring, Range walks every shard (here, one).
func TestRangeRing(t *testing.T) {
	srv, c, _ := setup(t)
	ctx := t.Context()
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"one": srv.Addr()}})
	defer ring.Close()
	rc := rediscache.New(ring)
	require.NoError(t, rc.Set(ctx, "ns:ring", []byte("R"), time.Minute))
	require.NoError(t, c.Set(ctx, "ns:direct", []byte("D"), time.Minute))
	got := collect(t, rc, "ns:")
	assert.ElementsMatch(t, []string{"ns:ring", "ns:direct"}, slices.Collect(maps.Keys(got)))
}

// TestCluster: on a *redis.ClusterClient, Get and Set go to the key's node and
// Range walks every master (here, one that owns all slots).
func TestCluster(t *testing.T) {
	srv := redistest.StartCluster(t)
	ctx := t.Context()
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()}})
	defer cl.Close()
	c := rediscache.New(cl)
	for i := range 150 {
		require.NoError(t, c.Set(ctx, fmt.Sprint("ns:", i), []byte(fmt.Sprint(i)), time.Minute))
	}
	got, err := c.Get(ctx, "ns:7")
	require.NoError(t, err)
	assert.Equal(t, "7", string(got))
	all := collect(t, c, "ns:")
	assert.Len(t, all, 150)
	assert.Equal(t, "149", all["ns:149"].value)

	calls := 0
	require.NoError(t, c.Range(ctx, "ns:", func(string, []byte, time.Duration) bool {
		calls++
		return false
	}))
	assert.Equal(t, 1, calls)
}
