package harbor

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Warming the cache (the seed's 缓存预热): a process that starts cold can fill its
// in-process tier from a snapshot file another process (or its previous run)
// saved, or from the shared tier.

// snapshotLine is one answer in a SaveCache snapshot: JSON lines, one per answer.
type snapshotLine struct {
	Key       string      `json:"key"` // hex digest
	ExpiresAt time.Time   `json:"expires_at"`
	Entry     sharedEntry `json:"entry"`
}

// errNoCache is what the warming calls return on a Client without a cache.
var errNoCache = invalidOption("WithCache", "the Client has no cache: configure one with WithCache")

// SaveCache writes the answers in the in-process cache to w, with their expiry,
// as JSON lines that WarmCache reads back, and returns how many it wrote. The
// snapshot holds prompts' answers, not prompts or keys of any vendor, but treat
// it as you treat the answers themselves.
func (c *Client) SaveCache(w io.Writer) (int, error) {
	if c == nil || c.cache == nil {
		return 0, errNoCache
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	for k := range c.cache.l1.Keys() {
		e, ok := c.cache.l1.GetEntryQuietly(k)
		if !ok {
			continue
		}
		v := e.Value.c
		line := snapshotLine{Key: hex.EncodeToString(k[:]), ExpiresAt: time.Unix(0, e.ExpiresAtNano).UTC(),
			Entry: sharedEntry{V: 1, Provider: v.Provider, RequestID: v.RequestID, Completion: v}}
		if err := enc.Encode(line); err != nil {
			return n, err
		}
		n++
	}
	return n, bw.Flush()
}

// WarmCache fills the in-process cache from a SaveCache snapshot, keeping each
// answer's remaining time to live (up to this Client's TTL) and skipping those
// already expired. A line that is not a harbor cache entry is an error naming
// the line; the answers before it stay loaded.
func (c *Client) WarmCache(r io.Reader) (int, error) {
	if c == nil || c.cache == nil {
		return 0, errNoCache
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	now, n, line := time.Now(), 0, 0
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l snapshotLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return n, fmt.Errorf("harbor: WarmCache: line %d: %w", line, err)
		}
		k, err := parseKey(l.Key)
		if err != nil {
			return n, fmt.Errorf("harbor: WarmCache: line %d: %w", line, err)
		}
		b, _ := json.Marshal(l.Entry)
		v, err := decodeShared(b)
		if err != nil {
			return n, fmt.Errorf("harbor: WarmCache: line %d: %w", line, err)
		}
		if c.cache.warm(k, v, l.ExpiresAt.Sub(now)) {
			n++
		}
	}
	return n, sc.Err()
}

// WarmCacheFromShared fills the in-process cache from the shared tier, when it
// can list its entries (SharedCacheRanger, as package rediscache's does): every
// answer of this Client's namespace, with its remaining time to live. Entries
// that do not decode are skipped and counted as shared-tier errors.
func (c *Client) WarmCacheFromShared(ctx context.Context) (int, error) {
	if c == nil || c.cache == nil {
		return 0, errNoCache
	}
	rc := c.cache
	rg, ok := rc.shared.(SharedCacheRanger)
	if !ok {
		return 0, invalidOption("CacheConfig.Shared", "the shared cache tier cannot list its entries (it is not a SharedCacheRanger)")
	}
	prefix := rc.cfg.Namespace + ":"
	n := 0
	err := rg.Range(ctx, prefix, func(key string, value []byte, ttl time.Duration) bool {
		k, err := parseKey(strings.TrimPrefix(key, prefix))
		if err != nil {
			rc.sharedErrors.Add(1)
			return true
		}
		v, err := decodeShared(value)
		if err != nil {
			rc.sharedErrors.Add(1)
			return true
		}
		if rc.warm(k, v, ttl) {
			n++
		}
		return true
	})
	return n, err
}

func parseKey(s string) (cacheKey, error) {
	var k cacheKey
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, errors.New("not a harbor cache key")
	}
	copy(k[:], b)
	return k, nil
}

// warm stores v under k for ttl (capped at the cache's TTL); false when ttl has
// passed or v is too large.
func (rc *responseCache) warm(k cacheKey, v *ChatCompletion, ttl time.Duration) bool {
	if ttl <= 0 {
		return false
	}
	ttl = min(ttl, rc.cfg.TTL)
	before := rc.tooLarge.Load()
	rc.putL1(k, v)
	if rc.tooLarge.Load() != before {
		return false
	}
	rc.l1.SetExpiresAfter(k, ttl)
	return true
}
