package harbor

import (
	"context"
	"time"
)

// A SharedCache is the second tier of the response cache (L2): a store several
// processes share, so that one process's answer is a hit for the whole fleet.
// Package rediscache implements it on Redis; harbor itself imports no backend.
//
// harbor calls it with a context bounded by CacheConfig.SharedTimeout and treats
// every error as a miss: a shared tier that is down, slow or returns garbage makes
// a call slower by at most that timeout and never makes it fail. Keys are
// harbor's hex digests, prefixed with the cache namespace; values are harbor's
// own encoding of an answer. Neither ever contains an API key.
type SharedCache interface {
	// Get returns the value stored under key, or ErrCacheMiss (or any error, which
	// harbor counts and treats as a miss).
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl (ttl > 0).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// A SharedCacheRanger is a SharedCache that can list its entries, so that
// Client.WarmCache can fill the in-process tier from it at start.
type SharedCacheRanger interface {
	SharedCache
	// Range calls fn for every entry whose key starts with prefix, with the entry's
	// remaining time to live, until fn returns false or ctx ends.
	Range(ctx context.Context, prefix string, fn func(key string, value []byte, ttl time.Duration) bool) error
}

// A SharedCacheLocker is a SharedCache that can also hold short locks, so that
// identical calls in flight in different processes make one vendor call
// (CacheConfig.SharedLock): the process that takes a key's lock calls the
// vendor, keeps the lock alive while its call runs (Refresh), stores the
// answer and releases the lock; the others poll the shared tier for the
// answer meanwhile. Package rediscache implements it with SET NX PX.
//
// harbor calls it within CacheConfig.SharedTimeout, like Get and Set, and
// treats an error as "no lock to be had": the caller then calls the vendor
// itself, as without the shared tier.
type SharedCacheLocker interface {
	SharedCache
	// TryLock takes the lock named key for ttl unless someone holds it. ok
	// reports whether the caller now holds it; token identifies this holding
	// for Refresh and Unlock.
	TryLock(ctx context.Context, key string, ttl time.Duration) (token string, ok bool, err error)
	// Refresh makes the lock key expire ttl from now if token still holds
	// it, and reports whether it did.
	Refresh(ctx context.Context, key, token string, ttl time.Duration) (ok bool, err error)
	// Unlock releases the lock key if token still holds it (it may have
	// expired and been taken by another process since: then Unlock does
	// nothing).
	Unlock(ctx context.Context, key, token string) error
}

// ErrCacheMiss is what a SharedCache returns from Get when it has no entry.
var ErrCacheMiss = cacheMiss{}

type cacheMiss struct{}

func (cacheMiss) Error() string { return "harbor: cache miss" }
