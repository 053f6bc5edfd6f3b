package rediscache

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenSettings: what Open gives go-redis — its fail-fast defaults, under
// the URL's parameters, under Options.
func TestOpenSettings(t *testing.T) {
	open := func(url string, o Options) (*Cache, *redis.Options) {
		t.Helper()
		c, err := Open(url, o)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c, c.client.(*redis.Client).Options()
	}

	c, ro := open("redis://127.0.0.1:1/2", Options{})
	assert.Equal(t, DefaultPrefix, c.prefix)
	assert.True(t, c.owned)
	assert.Equal(t, "127.0.0.1:1", ro.Addr)
	assert.Equal(t, 2, ro.DB)
	assert.Equal(t, DefaultDialTimeout, ro.DialTimeout)
	assert.Equal(t, DefaultReadTimeout, ro.ReadTimeout)
	assert.Equal(t, DefaultWriteTimeout, ro.WriteTimeout)
	assert.Equal(t, DefaultDialTimeout+DefaultReadTimeout, ro.PoolTimeout)
	assert.Equal(t, 0, ro.MaxRetries, "no retries (go-redis turns our -1 into 0 once it has applied its default)")
	assert.Equal(t, 1, ro.DialerRetries, "one dial per attempt")
	assert.True(t, ro.ContextTimeoutEnabled)

	_, ro = open("redis://127.0.0.1:1?dial_timeout=1s&read_timeout=2s&write_timeout=3s&pool_size=7&max_retries=2", Options{})
	assert.Equal(t, time.Second, ro.DialTimeout, "the URL's")
	assert.Equal(t, 2*time.Second, ro.ReadTimeout)
	assert.Equal(t, 3*time.Second, ro.WriteTimeout)
	assert.Equal(t, 7, ro.PoolSize)
	assert.Equal(t, 2, ro.MaxRetries)

	c, ro = open("redis://127.0.0.1:1?dial_timeout=1s&read_timeout=2s&pool_size=7",
		Options{Prefix: "p:", DialTimeout: 10 * time.Millisecond, ReadTimeout: 20 * time.Millisecond,
			WriteTimeout: 30 * time.Millisecond, PoolSize: 3})
	assert.Equal(t, "p:", c.prefix)
	assert.Equal(t, 10*time.Millisecond, ro.DialTimeout, "Options over the URL")
	assert.Equal(t, 20*time.Millisecond, ro.ReadTimeout)
	assert.Equal(t, 30*time.Millisecond, ro.WriteTimeout)
	assert.Equal(t, 3, ro.PoolSize)

	_, ro = open("rediss://:pw@127.0.0.1:1", Options{})
	assert.NotNil(t, ro.TLSConfig, "rediss:// is TLS")
	assert.Equal(t, "pw", ro.Password)
}

func TestEscapeGlob(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"ns:abc":     "ns:abc",
		"a*b?c[d]e":  `a\*b\?c\[d\]e`,
		`back\slash`: `back\\slash`,
		"中文*":        `中文\*`,
	} {
		assert.Equal(t, want, escapeGlob(in), in)
	}
}
