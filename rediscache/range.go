package rediscache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// scanCount is the COUNT hint of each SCAN: the keys one round trip brings, whose
// values and TTLs the next round trip fetches.
const scanCount = 100

// errStop ends the scans once fn has returned false.
var errStop = errors.New("rediscache: range stopped")

// Range calls fn for every entry whose key starts with prefix (the Cache's own
// prefix is not part of either), with its remaining time to live, until fn
// returns false or ctx ends. It walks the keys with SCAN MATCH — on every master
// of a *redis.ClusterClient and every live shard of a *redis.Ring — and reads
// each batch's values and TTLs in one pipeline of GET and PTTL.
//
// An entry that expires or is deleted between SCAN and GET is skipped, as is one
// that Set did not write: no expiry, or not a string. Like SCAN it may report an
// entry twice if Redis rehashes meanwhile. fn is never called concurrently.
func (c *Cache) Range(ctx context.Context, prefix string, fn func(key string, value []byte, ttl time.Duration) bool) error {
	r := ranger{
		full:  c.prefix + prefix,
		match: escapeGlob(c.prefix+prefix) + "*",
		strip: len(c.prefix),
		fn:    fn,
	}
	var err error
	node := func(ctx context.Context, n *redis.Client) error { return r.scan(ctx, n) }
	switch cl := c.client.(type) {
	case *redis.ClusterClient:
		err = cl.ForEachMaster(ctx, node)
	case *redis.Ring:
		err = cl.ForEachShard(ctx, node)
	default:
		err = r.scan(ctx, c.client)
	}
	if errors.Is(err, errStop) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rediscache: range: %w", err)
	}
	return nil
}

// ranger is one Range call, shared by the scans of all nodes.
type ranger struct {
	full  string // the prefix of the keys in Redis
	match string // SCAN's pattern for them
	strip int    // bytes of the Cache's prefix to cut from each key
	fn    func(string, []byte, time.Duration) bool

	mu      sync.Mutex // serializes fn
	stopped bool       // fn returned false
}

// scan walks the keys of one node.
func (r *ranger) scan(ctx context.Context, node redis.Cmdable) error {
	var cursor uint64
	for {
		if err := r.check(ctx); err != nil {
			return err
		}
		keys, next, err := node.Scan(ctx, cursor, r.match, scanCount).Result()
		if err != nil {
			return err
		}
		if err := r.batch(ctx, node, keys); err != nil {
			return err
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

// batch reads the values and TTLs of keys and calls fn for those still there.
func (r *ranger) batch(ctx context.Context, node redis.Cmdable, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	gets := make([]*redis.StringCmd, len(keys))
	ttls := make([]*redis.DurationCmd, len(keys))
	// Exec's error is that of the first failed command: each is looked at below.
	_, _ = node.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			gets[i] = p.Get(ctx, k)
			ttls[i] = p.PTTL(ctx, k)
		}
		return nil
	})
	for i, k := range keys {
		if !strings.HasPrefix(k, r.full) {
			continue // SCAN MATCH should not bring one; a glob mismatch must not leak keys
		}
		v, err := gets[i].Bytes()
		ttl, errTTL := ttls[i].Result()
		if err = cmp.Or(err, errTTL); err != nil {
			if isReply(err) {
				continue
			}
			return err
		}
		if ttl <= 0 { // -2: gone since GET; -1: no expiry, not written by Set
			continue
		}
		if err := r.call(ctx, k[r.strip:], v, ttl); err != nil {
			return err
		}
	}
	return nil
}

// call runs fn unless the walk has stopped or ctx has ended.
func (r *ranger) call(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return errStop
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !r.fn(key, value, ttl) {
		r.stopped = true
		return errStop
	}
	return nil
}

// check reports whether the walk should end before its next round trip.
func (r *ranger) check(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return errStop
	}
	return ctx.Err()
}

// isReply reports whether err is Redis's answer about one key (redis.Nil, the
// key is gone; WRONGTYPE, it is not a string; MOVED, a cluster is resharding),
// which skips the key, rather than a failure of the connection or of ctx, which
// ends the walk.
func isReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

// escapeGlob escapes the characters SCAN MATCH gives a meaning (* ? [ ] \), so
// that a prefix matches only itself.
func escapeGlob(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
