package harbor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

func cacheOn() harbor.Option {
	return harbor.WithCache(harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour})
}

func cachedClient(t *testing.T, opts ...harbor.Option) (*harbortest.Mock, *harbor.Client) {
	t.Helper()
	m := harbortest.Start(t, harbortest.DeepSeek)
	c, err := m.NewClient(append([]harbor.Option{cacheOn()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return m, c
}

func readStream(t *testing.T, s *harbor.Stream) (text string, n int, last harbor.Chunk) {
	t.Helper()
	defer s.Close()
	var b strings.Builder
	for s.Next() {
		n++
		last = s.Current()
		for _, ch := range last.Choices {
			b.WriteString(ch.Delta.Content)
		}
	}
	require.NoError(t, s.Err())
	return b.String(), n, last
}

// A repeated request is answered from memory: one vendor call, the hit marked,
// its usage kept and its cost zero; and no caller can change what the others get.
func TestCacheAnswersARepeatFromMemory(t *testing.T) {
	m, c := cachedClient(t)
	ctx := context.Background()
	first, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.False(t, first.Cached)
	assert.Positive(t, first.Cost.Total, "DeepSeek is priced by the default table")

	second, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.True(t, second.Cached)
	assert.Equal(t, first.Usage, second.Usage, "the original usage is kept for reporting")
	assert.Zero(t, second.Cost, "a hit costs nothing")
	assert.Equal(t, first.Choices, second.Choices)
	assert.Equal(t, "deepseek", second.Provider)
	assert.Len(t, m.ChatRequests(), 1, "one vendor call")

	// Mutating a result changes nobody else's.
	want := first.Choices[0].Message.Content
	first.Choices[0].Message.Content = "changed"
	second.Choices[0].Message.Content = "changed too"
	second.Choices = nil
	third, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.Equal(t, want, third.Choices[0].Message.Content)

	// Another question, or the same one with another parameter, misses.
	other := hi(m.Model())
	other.Temperature = harbor.Some(0.2)
	_, err = c.Chat.Completions.Create(ctx, other)
	require.NoError(t, err)
	assert.Len(t, m.ChatRequests(), 2)

	ms := c.MemoryStats()
	require.NotNil(t, ms.Cache)
	assert.EqualValues(t, 2, ms.Cache.Hits)
	assert.EqualValues(t, 2, ms.Cache.Misses)
	assert.Equal(t, 2, ms.Cache.Size)
	assert.InDelta(t, 0.5, ms.Cache.HitRate, 1e-9)
	assert.Positive(t, ms.Cache.MemoryUsageMB)
}

// A Stream that hits is served as a stream; a streamed miss that ends normally
// fills the cache for Create and Stream alike.
func TestCacheAndStreams(t *testing.T) {
	m, c := cachedClient(t)
	ctx := context.Background()

	s, err := c.Chat.Completions.Stream(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.False(t, s.Cached())
	assert.Empty(t, s.CacheStatus())
	streamed, _, _ := readStream(t, s)
	require.NotEmpty(t, streamed)
	require.Len(t, m.ChatRequests(), 1)

	res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.True(t, res.Cached, "the completed stream filled the cache")
	assert.Equal(t, streamed, res.Choices[0].Message.Content)
	assert.Equal(t, "stop", res.Choices[0].FinishReason)
	assert.Positive(t, res.Usage.TotalTokens, "the stream's usage is kept")

	s, err = c.Chat.Completions.Stream(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.True(t, s.Cached())
	assert.Equal(t, "hit", s.CacheStatus())
	replayed, n, last := readStream(t, s)
	assert.Equal(t, streamed, replayed)
	assert.GreaterOrEqual(t, n, 2)
	require.NotNil(t, last.Usage, "usage on the last chunk")
	assert.Equal(t, res.Usage.TotalTokens, last.Usage.TotalTokens)
	assert.Len(t, m.ChatRequests(), 1, "still one vendor call")
}

// A stream closed before its end does not fill the cache.
func TestCacheIgnoresAnAbandonedStream(t *testing.T) {
	m, c := cachedClient(t)
	ctx := context.Background()
	s, err := c.Chat.Completions.Stream(ctx, hi(m.Model()))
	require.NoError(t, err)
	require.True(t, s.Next())
	require.NoError(t, s.Close())

	res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Len(t, m.ChatRequests(), 2)
}

// Errors are never stored: the next identical call asks the vendor again.
func TestCacheStoresNoErrors(t *testing.T) {
	m, c := cachedClient(t, harbor.WithMaxRetries(0))
	ctx := context.Background()
	m.Enqueue(harbortest.ServerError())
	_, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.ErrorIs(t, err, harbor.ErrServer)
	res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.False(t, res.Cached)
	assert.Len(t, m.ChatRequests(), 2)
}

// WithCacheBypass neither reads nor fills; WithCacheRefresh asks the vendor and
// replaces the stored answer.
func TestCacheBypassAndRefresh(t *testing.T) {
	m, c := cachedClient(t)
	ctx := context.Background()
	res, err := c.Chat.Completions.Create(ctx, hi(m.Model()), harbor.WithCacheBypass())
	require.NoError(t, err)
	assert.False(t, res.Cached)
	res, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.False(t, res.Cached, "the bypassed call stored nothing")

	res, err = c.Chat.Completions.Create(ctx, hi(m.Model()), harbor.WithCacheRefresh())
	require.NoError(t, err)
	assert.False(t, res.Cached)
	res, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Len(t, m.ChatRequests(), 3)
}

// An answer larger than the whole cache is not stored, and is counted.
func TestCacheSkipsAnswersLargerThanItself(t *testing.T) {
	m, c := cachedClient(t, harbor.WithCache(harbor.CacheConfig{MaxBytes: 64, TTL: time.Hour}))
	ctx := context.Background()
	for range 2 {
		res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
		require.NoError(t, err)
		assert.False(t, res.Cached)
	}
	assert.EqualValues(t, 2, c.MemoryStats().Cache.TooLarge)
	assert.Zero(t, c.MemoryStats().Cache.Size)
}

// Bad cache settings are refused by New with an error naming the option.
func TestCacheConfigIsChecked(t *testing.T) {
	for name, cfg := range map[string]harbor.CacheConfig{
		"no size":          {TTL: time.Minute},
		"negative size":    {MaxBytes: -1, TTL: time.Minute},
		"no ttl":           {MaxBytes: 1 << 20},
		"negative ttl":     {MaxBytes: 1 << 20, TTL: -time.Second},
		"negative timeout": {MaxBytes: 1 << 20, TTL: time.Minute, SharedTimeout: -1},
		"namespace":        {MaxBytes: 1 << 20, TTL: time.Minute, Namespace: "a b"},
		"negative lock":    {MaxBytes: 1 << 20, TTL: time.Minute, SharedLock: -1},
		"lock, no tier":    {MaxBytes: 1 << 20, TTL: time.Minute, SharedLock: time.Second},
	} {
		_, err := harbor.New(harbor.WithCache(cfg))
		requireInvalid(t, err, name, "WithCache")
	}
}

// The cache is off unless configured: MemoryStats has no cache section.
func TestCacheIsOffByDefault(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c := m.Client()
	for range 2 {
		res, err := c.Chat.Completions.Create(context.Background(), hi(m.Model()))
		require.NoError(t, err)
		assert.False(t, res.Cached)
	}
	assert.Len(t, m.ChatRequests(), 2)
	assert.Nil(t, c.MemoryStats().Cache)
}

var _ = llm.ErrCanceled

// A snapshot saved by one Client warms another: its first call is a hit.
func TestWarmCacheFromASnapshot(t *testing.T) {
	m, c := cachedClient(t)
	ctx := context.Background()
	first, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	var snap strings.Builder
	n, err := c.SaveCache(&snap)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.NotContains(t, snap.String(), m.APIKey())

	c2, err := m.NewClient(cacheOn())
	require.NoError(t, err)
	defer c2.Close()
	n, err = c2.WarmCache(strings.NewReader(snap.String()))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	res, err := c2.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.True(t, res.Cached)
	assert.Equal(t, first.Choices, res.Choices)
	assert.Len(t, m.ChatRequests(), 1)

	_, err = c2.WarmCache(strings.NewReader("{\"key\":\"zz\"}\n"))
	require.ErrorContains(t, err, "line 1")
	noCache, err := m.NewClient()
	require.NoError(t, err)
	_, err = noCache.WarmCache(strings.NewReader(""))
	require.ErrorIs(t, err, harbor.ErrInvalidRequest)
}
