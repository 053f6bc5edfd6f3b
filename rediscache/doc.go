// Package rediscache is the shared tier (L2) of harbor's response cache on Redis:
// a harbor.SharedCache (and harbor.SharedCacheRanger) that several processes
// share, so that an answer one of them got from a vendor is a hit for all.
//
// Open one from a URL and give it to harbor as CacheConfig.Shared; each process
// keeps its own in-process tier (L1) in front of it:
//
//	shared, err := rediscache.Open(os.Getenv("REDIS_URL"), rediscache.Options{})
//	if err != nil { … } // a malformed URL; Open does not connect
//	defer shared.Close()
//	client, err := harbor.New(harbor.WithCache(harbor.CacheConfig{
//		MaxBytes: 64 << 20,
//		TTL:      time.Hour,
//		Shared:   shared,
//	}))
//
// New wraps a go-redis client of your own instead (a *redis.Client,
// *redis.ClusterClient or *redis.Ring), for settings Options does not offer.
//
// # Failures
//
// A shared cache must never make a call slower by more than a few milliseconds
// nor make it fail. harbor treats every error of Get and Set as a miss and bounds
// each by its own deadline; this package returns those errors promptly. Open's
// client dials within 200ms, reads and writes within 100ms, honours the context's
// deadline and does not retry (DefaultDialTimeout, DefaultReadTimeout,
// DefaultWriteTimeout; Options changes them), so a Redis that is down, refuses
// connections or hangs costs a call a few hundred milliseconds at most, and no
// more than the context allows. A client given to New keeps its own timeouts: see
// New. While Redis is down go-redis logs each failed dial through its own logger,
// which redis.SetLogger replaces.
//
// # Locks
//
// A Cache is also a harbor.SharedCacheLocker, for CacheConfig.SharedLock (one
// vendor call for identical calls in flight in several processes): TryLock is
// SET key token NX PX ttl with a random token, Refresh and Unlock are Lua
// scripts that touch the lock only while that token holds it. Lock keys are
// "<prefix>lock:<namespace>:<digest>", outside the entries WarmCacheFromShared
// reads.
//
// # What is stored
//
// Keys are the Cache's prefix (DefaultPrefix, "harbor:") followed by harbor's
// key, a namespace and a hex digest. Values are harbor's encoding of an answer.
// Neither contains an API key or any other credential, so the Redis needs no more
// protection than the answers themselves. Each entry expires after the TTL
// harbor sets; nothing is stored without one.
package rediscache
