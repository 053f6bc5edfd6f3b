package rediscache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harborai/harbor-go/harbor"
)

// The defaults Open applies to what Options and the URL leave unset, and the
// prefix both constructors use when none is given. The timeouts are short on
// purpose: the shared tier is worth a few milliseconds per call, and a Redis
// that does not answer within them is a miss, not a wait.
const (
	DefaultPrefix       = "harbor:"
	DefaultDialTimeout  = 200 * time.Millisecond
	DefaultReadTimeout  = 100 * time.Millisecond
	DefaultWriteTimeout = 100 * time.Millisecond
)

// A Cache is a harbor.SharedCacheRanger on Redis. It is safe for concurrent use.
type Cache struct {
	client redis.UniversalClient
	prefix string
	owned  bool // Close closes client: Open made it

	closeOnce sync.Once
	closeErr  error
}

var (
	_ harbor.SharedCacheRanger = (*Cache)(nil)
	_ harbor.SharedCacheLocker = (*Cache)(nil)
)

// An Option configures New.
type Option func(*Cache)

// WithPrefix sets the prefix put before every key harbor asks for, so that
// harbor's entries share a Redis with other data; "" keeps DefaultPrefix
// ("harbor:").
func WithPrefix(prefix string) Option {
	return func(c *Cache) {
		if prefix != "" {
			c.prefix = prefix
		}
	}
}

// New returns a Cache on a client of the caller's (a *redis.Client, a
// *redis.ClusterClient, a *redis.Ring…), which keeps its own timeouts and pool:
// give it short ones (DefaultReadTimeout…), MaxRetries -1 and
// ContextTimeoutEnabled, or a Redis that hangs holds each call for its
// ReadTimeout rather than for harbor's shared-tier deadline. client must not be
// nil. Close does not close the client.
func New(client redis.UniversalClient, opts ...Option) *Cache {
	c := &Cache{client: client, prefix: DefaultPrefix}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Options configures Open. The zero value is the defaults.
type Options struct {
	// Prefix is put before every key; "" means DefaultPrefix ("harbor:").
	Prefix string
	// DialTimeout bounds one connection attempt (DefaultDialTimeout, 200ms, when
	// zero and the URL sets no dial_timeout).
	DialTimeout time.Duration
	// ReadTimeout and WriteTimeout bound each socket read and write
	// (DefaultReadTimeout and DefaultWriteTimeout, 100ms, when zero and the URL
	// sets no read_timeout or write_timeout).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// PoolSize is the most connections the pool keeps (go-redis's default, 10
	// per GOMAXPROCS, when zero and the URL sets no pool_size).
	PoolSize int
}

// Open returns a Cache on the Redis a URL names —
// redis://[user:password@]host[:port][/db], or rediss://… for TLS, with
// go-redis's query parameters (redis.ParseURL) — through a client of its own,
// which Close closes. A field of Options that is set wins over the URL's
// parameter, which wins over the default.
//
// Besides the timeouts of Options, Open sets what makes a failing Redis fail
// fast: the context's deadline bounds every command (ContextTimeoutEnabled), a
// command is not retried (a miss is cheaper than a retry), a connection is dialed
// once per attempt, and waiting for a free connection is bounded by
// DialTimeout+ReadTimeout. Query parameters of the URL (max_retries, pool_timeout…)
// still win over these.
//
// Open does not connect: a Redis that is down at start is a miss at each call
// until it is up. A URL that does not parse is an error here, and the error never
// repeats the URL's password.
func Open(rawURL string, opts Options) (*Cache, error) {
	ro, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	ro.DialTimeout = firstNonZero(opts.DialTimeout, ro.DialTimeout, DefaultDialTimeout)
	ro.ReadTimeout = firstNonZero(opts.ReadTimeout, ro.ReadTimeout, DefaultReadTimeout)
	ro.WriteTimeout = firstNonZero(opts.WriteTimeout, ro.WriteTimeout, DefaultWriteTimeout)
	ro.PoolSize = firstNonZero(opts.PoolSize, ro.PoolSize)
	ro.PoolTimeout = firstNonZero(ro.PoolTimeout, max(ro.DialTimeout, 0)+max(ro.ReadTimeout, 0))
	ro.MaxRetries = firstNonZero(ro.MaxRetries, -1)
	ro.DialerRetries = firstNonZero(ro.DialerRetries, 1)
	ro.ContextTimeoutEnabled = true
	c := New(redis.NewClient(ro), WithPrefix(opts.Prefix))
	c.owned = true
	return c, nil
}

// parseURL is redis.ParseURL with errors that never repeat the URL's password.
func parseURL(rawURL string) (*redis.Options, error) {
	const form = "want redis://[user:password@]host[:port][/db] or rediss://…"
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's message quotes the URL, or the part of it that is wrong,
		// which may be the password: say neither.
		return nil, fmt.Errorf("rediscache: the Redis URL does not parse (%s; it is not shown, as it may hold a password)", form)
	}
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		msg := err.Error()
		if p, ok := u.User.Password(); ok && p != "" {
			for _, s := range []string{rawURL, p, url.QueryEscape(p), url.PathEscape(p)} {
				msg = strings.ReplaceAll(msg, s, "xxxxx")
			}
		}
		return nil, fmt.Errorf("rediscache: bad Redis URL %s: %s (%s)", redacted(u), msg, form)
	}
	return ro, nil
}

// redacted is u without its password (as url.URL.Redacted) and without its
// query, where a misplaced secret would show.
func redacted(u *url.URL) string {
	v := *u
	if v.RawQuery != "" || v.ForceQuery {
		v.RawQuery, v.ForceQuery = "…", false
	}
	v.Fragment, v.RawFragment = "", ""
	return v.Redacted()
}

func firstNonZero[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}

// Get returns the value stored under key, harbor.ErrCacheMiss when there is
// none, or the error of a Redis that failed or did not answer in time.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := c.client.Get(ctx, c.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, harbor.ErrCacheMiss
	}
	if err != nil {
		return nil, fmt.Errorf("rediscache: get: %w", err)
	}
	return v, nil
}

// Set stores value under key for ttl, which must be positive (Redis keeps it to
// the millisecond).
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("rediscache: set: ttl %v is not positive", ttl)
	}
	if err := c.client.Set(ctx, c.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("rediscache: set: %w", err)
	}
	return nil
}

// Close closes the client if Open made it, and does nothing for a client given
// to New. It may be called more than once; it returns the first result.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() {
		if c.owned {
			c.closeErr = c.client.Close()
		}
	})
	return c.closeErr
}

// Ping asks Redis whether it answers (PING), for a readiness check or a
// metric: nil when it did within ctx and the client's timeouts.
func (c *Cache) Ping(ctx context.Context) error {
	if err := c.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("rediscache: ping: %w", err)
	}
	return nil
}

// Client returns the go-redis client the Cache uses, so that other Redis work
// of the same program (the gateway's fleet-wide limits) shares its connections
// and timeouts. Closing it is the Cache's job (Close), not the caller's.
func (c *Cache) Client() redis.UniversalClient { return c.client }

// TryLock takes the lock key (SET key token NX PX ttl) for ttl, which must be
// positive, unless someone holds it; token is random, for Unlock. The lock is
// an entry of its own under the Cache's prefix.
func (c *Cache) TryLock(ctx context.Context, key string, ttl time.Duration) (token string, ok bool, err error) {
	if ttl <= 0 {
		return "", false, fmt.Errorf("rediscache: lock: ttl %v is not positive", ttl)
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false, fmt.Errorf("rediscache: lock: %w", err)
	}
	token = hex.EncodeToString(b[:])
	ok, err = c.client.SetNX(ctx, c.prefix+key, token, ttl).Result()
	if err != nil {
		return "", false, fmt.Errorf("rediscache: lock: %w", err)
	}
	if !ok {
		return "", false, nil
	}
	return token, true, nil
}

// refreshScript extends a lock only while the token that took it holds it.
var refreshScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`)

// Refresh makes the lock key expire ttl from now if token still holds it.
func (c *Cache) Refresh(ctx context.Context, key, token string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("rediscache: refresh: ttl %v is not positive", ttl)
	}
	n, err := refreshScript.Run(ctx, c.client, []string{c.prefix + key}, token, ttl.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("rediscache: refresh: %w", err)
	}
	return n == 1, nil
}

// unlockScript deletes a lock only while the token that took it holds it.
var unlockScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

// Unlock releases the lock key if token still holds it; a lock that expired
// and was taken by someone else since is left alone.
func (c *Cache) Unlock(ctx context.Context, key, token string) error {
	if err := unlockScript.Run(ctx, c.client, []string{c.prefix + key}, token).Err(); err != nil {
		return fmt.Errorf("rediscache: unlock: %w", err)
	}
	return nil
}
