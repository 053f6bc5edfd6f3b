package harbor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/harborai/harbor-go/llm"
)

// CacheConfig turns on the response cache: identical requests are answered once
// by the vendor and then from memory (and from a shared tier, when one is set)
// until TTL passes. See WithCache.
type CacheConfig struct {
	// MaxBytes bounds the in-process tier (L1) by the memory its answers hold
	// (strings, slices and structs, as counted by harbor), not by their number.
	// Required: > 0. An answer larger than MaxBytes is not stored (and counted as
	// too_large in MemoryStats).
	MaxBytes int64 `json:"max_bytes"`
	// TTL is how long an answer is served after it was stored. Required: > 0.
	TTL time.Duration `json:"ttl"`
	// Namespace prefixes the keys in the shared tier, so that several
	// applications can share one Redis without sharing answers; default
	// "harbor".
	Namespace string `json:"namespace"`
	// Shared is the optional second tier (L2) that a fleet of processes shares:
	// package rediscache provides one on Redis.
	Shared SharedCache `json:"-"`
	// SharedTimeout bounds each read and write of the shared tier; a slower or
	// failing tier counts as a miss, never as a failed call. Default 50ms. The
	// tier's own timeouts may cut it shorter (rediscache's read timeout is
	// 100ms unless its URL or Options say otherwise).
	SharedTimeout time.Duration `json:"shared_timeout"`
	// SharedLock makes identical calls in flight in different processes
	// (a fleet sharing Shared) make one vendor call: the first process takes a
	// lock in the shared tier for the call's key, calls the vendor and stores
	// the answer; the others wait for that answer, polling the shared tier,
	// for up to SharedLockWait, then call the vendor themselves. Shared must be
	// a SharedCacheLocker. 0 (the default): off, and identical calls coalesce
	// within each process only.
	//
	// SharedLock is the lock's time to live: its holder refreshes it every
	// SharedLock/3 while its call runs, so a long call keeps it, and a process
	// that dies holding it (or a lock a hung Redis took after its caller gave
	// up) frees it within SharedLock. A few seconds is right. A leader whose
	// call fails releases the lock at once, and the next waiter takes it and
	// calls the vendor itself.
	SharedLock time.Duration `json:"shared_lock"`
	// SharedLockWait bounds how long a call waits for another process's
	// answer before calling the vendor itself; default DefaultSharedLockWait.
	SharedLockWait time.Duration `json:"shared_lock_wait"`
	// Logger receives one warning when the shared tier starts failing and one
	// note when it recovers (not one line per call); nil: slog.Default().
	Logger *slog.Logger `json:"-"`
}

// DefaultSharedTimeout is CacheConfig.SharedTimeout when unset.
const DefaultSharedTimeout = 50 * time.Millisecond

// DefaultSharedLockWait is CacheConfig.SharedLockWait when unset: about as long
// as a slow vendor call.
const DefaultSharedLockWait = 2 * time.Minute

// WithCache turns on the response cache (off by default). What is stored: the
// successful answers of Create and of Streams that reached their end, whatever
// they contain — text, tool calls (the same request asks for the same calls),
// answers cut by max_tokens. Never stored: errors, and answers a vendor ended
// with content_filter or insufficient_system_resource (a refusal or an
// interrupted answer is not the answer to replay). Identical calls in flight at
// once make one vendor call, and so does one arriving within 2s after such a call
// ended, even if the cache had no room to keep its answer. A hit is marked
// (ChatCompletion.Cached, Stream.Cached), keeps the original Usage and costs
// nothing. Per call, WithCacheBypass and WithCacheRefresh change what a call does
// with the cache. New rejects a MaxBytes or TTL that is not positive, a negative
// SharedTimeout and a Namespace with a space or control character.
func WithCache(cfg CacheConfig) Option {
	return clientOption(func(o *Options) { o.Cache = &cfg })
}

// WithCacheBypass makes one call (or, given to New, every call) neither read nor
// fill the response cache.
func WithCacheBypass() CallOption {
	return callOption(func(o *Options) { o.cacheMode = cacheBypass })
}

// WithCacheRefresh makes one call skip the cached answer, ask the vendor, and
// store the fresh answer in its place.
func WithCacheRefresh() CallOption {
	return callOption(func(o *Options) { o.cacheMode = cacheRefresh })
}

type cacheMode uint8

const (
	cacheUse cacheMode = iota
	cacheBypass
	cacheRefresh
)

func (cfg *CacheConfig) validate() error {
	bad := func(format string, args ...any) error {
		return invalidOption("WithCache", "WithCache: "+format, args...)
	}
	switch {
	case cfg.MaxBytes <= 0:
		return bad("MaxBytes must be > 0 (the memory the in-process cache may hold), got %d", cfg.MaxBytes)
	case cfg.MaxBytes > math.MaxInt64/2:
		return bad("MaxBytes %d is absurd", cfg.MaxBytes)
	case cfg.TTL <= 0:
		return bad("TTL must be > 0, got %v", cfg.TTL)
	case cfg.SharedTimeout < 0:
		return bad("SharedTimeout must be >= 0, got %v", cfg.SharedTimeout)
	case cfg.SharedLock < 0 || cfg.SharedLockWait < 0:
		return bad("SharedLock and SharedLockWait must be >= 0, got %v and %v", cfg.SharedLock, cfg.SharedLockWait)
	case cfg.SharedLock > 0:
		if _, ok := cfg.Shared.(SharedCacheLocker); !ok {
			return bad("SharedLock needs a Shared tier that can lock (a SharedCacheLocker, as rediscache's is)")
		}
	}
	for _, r := range cfg.Namespace {
		if r <= ' ' || r == 0x7f {
			return bad("Namespace %q must not contain spaces or control characters", cfg.Namespace)
		}
	}
	return nil
}

// responseCache is the cache stage: L1 (otter), the optional shared tier, and the
// calls in flight that identical requests wait for.
type responseCache struct {
	cfg    CacheConfig
	l1     *otter.Cache[cacheKey, *cacheEntry]
	log    *slog.Logger
	shared SharedCache
	locker SharedCacheLocker // with SharedLock: the shared tier's locks

	mu      sync.Mutex // guards flights and recent; taken by misses only
	flights map[cacheKey]*flight
	// recent keeps answers of flights that ended in the last recentFor, so
	// that a caller that just missed the flight gets its answer even when L1
	// has already evicted it (a full cache): identical calls make one vendor
	// call, whatever the cache's room.
	recent map[cacheKey]recentAnswer

	hits, sharedHits, misses, coalesced atomic.Int64
	sharedCoalesced, sharedLockWaits    atomic.Int64 // answers of other processes' calls; waits that ran out
	evictions, expirations, tooLarge    atomic.Int64
	sharedErrors, sharedWrites          atomic.Int64
	sharedFailing                       atomic.Bool    // between the warning and the recovery note
	writes                              sync.WaitGroup // background writes, unlocks and lock refreshes
	closing                             chan struct{}  // closed by close: lock refreshes stop
	closeOnce                           sync.Once
}

type recentAnswer struct {
	res *ChatCompletion
	at  time.Time
}

// recentFor is how long a finished flight's answer stays for late joiners; at
// most recentMax answers are kept.
const (
	recentFor = 2 * time.Second
	recentMax = 1024
)

type cacheEntry struct {
	c    *ChatCompletion // never handed out: callers get clones
	size uint32
}

func newResponseCache(cfg CacheConfig) (*responseCache, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = "harbor"
	}
	if cfg.SharedTimeout == 0 {
		cfg.SharedTimeout = DefaultSharedTimeout
	}
	if cfg.SharedLockWait == 0 {
		cfg.SharedLockWait = DefaultSharedLockWait
	}
	rc := &responseCache{cfg: cfg, shared: cfg.Shared, log: cfg.Logger, flights: map[cacheKey]*flight{},
		recent: map[cacheKey]recentAnswer{}, closing: make(chan struct{})}
	if cfg.SharedLock > 0 {
		rc.locker, _ = cfg.Shared.(SharedCacheLocker)
	}
	if rc.log == nil {
		rc.log = slog.Default()
	}
	l1, err := otter.New(&otter.Options[cacheKey, *cacheEntry]{
		MaximumWeight:    uint64(cfg.MaxBytes),
		Weigher:          func(_ cacheKey, e *cacheEntry) uint32 { return e.size },
		ExpiryCalculator: otter.ExpiryCreating[cacheKey, *cacheEntry](cfg.TTL),
		OnAtomicDeletion: func(e otter.DeletionEvent[cacheKey, *cacheEntry]) {
			switch {
			case e.Cause == otter.CauseExpiration:
				rc.expirations.Add(1)
			case e.WasEvicted():
				rc.evictions.Add(1)
			}
		},
	})
	if err != nil {
		return nil, invalidOption("WithCache", "WithCache: %v", err)
	}
	rc.l1 = l1
	return rc, nil
}

// lead is what a caller that leads a flight does first: look at L1 again. The
// previous leader stores its answer before it ends its flight, so a caller that
// missed L1 just before that and found no flight just after finds the answer
// here instead of calling the vendor a second time.
func (rc *responseCache) lead(k cacheKey, f *flight) (*ChatCompletion, bool) {
	e, ok := rc.l1.GetIfPresent(k)
	if !ok {
		return nil, false
	}
	rc.finish(k, f, e.c, nil, true)
	rc.hits.Add(1)
	return hitCopy(e.c), true
}

// get returns a caller's own copy of the L1 answer for k.
func (rc *responseCache) get(k cacheKey) (*ChatCompletion, bool) {
	e, ok := rc.l1.GetIfPresent(k)
	if !ok {
		return nil, false
	}
	rc.hits.Add(1)
	return hitCopy(e.c), true
}

// hitCopy is what a caller gets for a cached answer: a copy, marked, at no cost.
func hitCopy(c *ChatCompletion) *ChatCompletion {
	out := cloneCompletion(c)
	out.Cached, out.Cost = true, Cost{}
	return out
}

// storable reports whether an answer may be cached (see WithCache).
func storable(c *ChatCompletion) bool {
	if c == nil || len(c.Choices) == 0 {
		return false
	}
	for _, ch := range c.Choices {
		switch ch.FinishReason {
		case llm.FinishReasonContentFilter, llm.FinishReasonInsufficientSystemResource:
			return false
		}
	}
	return true
}

// put stores the cache's own copy of c in L1 and, in the background, in the shared
// tier, then releases the fleet's lock the flight f holds, if any. It returns
// that copy, and whether L1 took it (not when it is larger than the whole cache).
func (rc *responseCache) put(k cacheKey, c *ChatCompletion, f *flight) (*ChatCompletion, bool) {
	own := cloneCompletion(c)
	// What belongs to the call that stored it, not to the answer.
	own.Cached, own.Cost, own.Fallback, own.TraceID = false, Cost{}, nil, ""
	stored := rc.putL1(k, own)
	if rc.shared != nil {
		rc.writes.Add(1)
		go rc.putShared(k, own, f.takeLock())
	}
	return own, stored
}

func (rc *responseCache) putL1(k cacheKey, own *ChatCompletion) bool {
	size := completionSize(own)
	if int64(size) > rc.cfg.MaxBytes || size > math.MaxUint32 {
		rc.tooLarge.Add(1)
		return false
	}
	rc.l1.Set(k, &cacheEntry{c: own, size: uint32(size)})
	return true
}

// sharedEntry is how an answer is stored in the shared tier: the completion plus
// the two fields its JSON leaves out.
type sharedEntry struct {
	V          int             `json:"v"`
	Provider   string          `json:"provider"`
	RequestID  string          `json:"request_id,omitempty"`
	Completion *ChatCompletion `json:"completion"`
}

func (rc *responseCache) putShared(k cacheKey, own *ChatCompletion, lock sharedLock) {
	defer rc.writes.Done()
	defer rc.unlock(lock) // after the write: waiters find the answer once the lock is gone
	b, err := json.Marshal(sharedEntry{V: 1, Provider: own.Provider, RequestID: own.RequestID, Completion: own})
	if err != nil {
		rc.sharedFault("encode", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rc.cfg.SharedTimeout)
	defer cancel()
	if err := rc.shared.Set(ctx, k.shared(rc.cfg.Namespace), b, rc.cfg.TTL); err != nil {
		rc.sharedFault("write", err)
		return
	}
	rc.sharedWrites.Add(1)
	rc.sharedOK()
}

// sharedLock is a lock of the fleet's that a flight holds, kept alive until
// stop is closed.
type sharedLock struct {
	key, token string
	stop       chan struct{}
}

// hold keeps a lock taken with token alive, refreshing it every SharedLock/3,
// until the lock is released (unlock) or the cache closes.
func (rc *responseCache) hold(key, token string) sharedLock {
	l := sharedLock{key: key, token: token, stop: make(chan struct{})}
	rc.writes.Add(1)
	go func() {
		defer rc.writes.Done()
		t := time.NewTicker(max(rc.cfg.SharedLock/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-rc.closing:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), rc.cfg.SharedTimeout)
			ok, err := rc.locker.Refresh(ctx, key, token, rc.cfg.SharedLock)
			cancel()
			switch {
			case err != nil:
				rc.sharedFault("lock", err) // try again at the next tick, while the lock lives
			case !ok:
				return // expired and taken: a waiter calls the vendor too
			}
		}
	}()
	return l
}

// lockKey names the fleet's lock for k. It is outside the namespace's
// entries ("<namespace>:<digest>"), so WarmCacheFromShared never meets it.
func (rc *responseCache) lockKey(k cacheKey) string {
	return "lock:" + k.shared(rc.cfg.Namespace)
}

// unlock releases a lock taken by awaitShared, within SharedTimeout. A lock that
// cannot be released expires after SharedLock.
func (rc *responseCache) unlock(l sharedLock) {
	if l.token == "" {
		return
	}
	close(l.stop)
	ctx, cancel := context.WithTimeout(context.Background(), rc.cfg.SharedTimeout)
	defer cancel()
	if err := rc.locker.Unlock(ctx, l.key, l.token); err != nil {
		rc.sharedFault("unlock", err)
	}
}

// awaitShared is what the leader of a process's flight does on a miss when
// the shared tier can lock (SharedLock): take the fleet's lock for k — then
// the caller calls the vendor, and f holds the lock until the answer is
// stored or the call failed — or, while another process holds it, poll the
// shared tier for that process's answer, up to SharedLockWait. It returns
// that answer, or nil when the caller must call the vendor; an error only
// when ctx ended.
func (rc *responseCache) awaitShared(ctx context.Context, k cacheKey, f *flight) (*ChatCompletion, error) {
	key := rc.lockKey(k)
	deadline := time.Now().Add(rc.cfg.SharedLockWait)
	pause := 5 * time.Millisecond
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rc.cfg.SharedTimeout)
		token, ok, err := rc.locker.TryLock(lctx, key, rc.cfg.SharedLock)
		cancel()
		switch {
		case err != nil:
			rc.sharedFault("lock", err)
			return nil, nil // no lock to be had: call the vendor, as without the tier
		case ok:
			f.lock = rc.hold(key, token)
			return nil, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			rc.sharedLockWaits.Add(1)
			return nil, nil
		}
		if timer == nil {
			timer = time.NewTimer(min(pause, left))
		} else {
			timer.Reset(min(pause, left))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
		}
		if res, ok := rc.getShared(ctx, k); ok {
			return res, nil
		}
		pause = min(pause*3/2, 100*time.Millisecond)
	}
}

// getShared asks the shared tier, within SharedTimeout; any fault is a miss.
func (rc *responseCache) getShared(ctx context.Context, k cacheKey) (*ChatCompletion, bool) {
	if rc.shared == nil {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rc.cfg.SharedTimeout)
	defer cancel()
	b, err := rc.shared.Get(ctx, k.shared(rc.cfg.Namespace))
	if err != nil {
		if !errors.Is(err, ErrCacheMiss) {
			rc.sharedFault("read", err)
		} else {
			rc.sharedOK()
		}
		return nil, false
	}
	c, err := decodeShared(b)
	if err != nil {
		rc.sharedFault("decode", err)
		return nil, false
	}
	rc.sharedOK()
	return c, true
}

func decodeShared(b []byte) (*ChatCompletion, error) {
	var e sharedEntry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	if e.V != 1 || e.Completion == nil || len(e.Completion.Choices) == 0 {
		return nil, fmt.Errorf("not a harbor cache entry (version %d)", e.V)
	}
	e.Completion.Provider, e.Completion.RequestID = e.Provider, e.RequestID
	return e.Completion, nil
}

// sharedFault counts a shared-tier error and logs the first of a streak.
func (rc *responseCache) sharedFault(op string, err error) {
	rc.sharedErrors.Add(1)
	if !rc.sharedFailing.Swap(true) {
		rc.log.Warn("harbor: shared cache tier failing; serving from the in-process tier only until it recovers",
			"op", op, "error", llm.Redact(err.Error()))
	}
}

func (rc *responseCache) sharedOK() {
	if rc.sharedFailing.Load() && rc.sharedFailing.Swap(false) {
		rc.log.Info("harbor: shared cache tier recovered")
	}
}

// close stops refreshing the fleet's locks (they expire within SharedLock),
// waits for background writes to the shared tier and stops otter's goroutines.
func (rc *responseCache) close() {
	rc.closeOnce.Do(func() { close(rc.closing) })
	rc.writes.Wait()
	rc.l1.StopAllGoroutines()
}

// flight is one vendor call that identical requests wait for.
type flight struct {
	done    chan struct{}
	waiters atomic.Int32    // callers waiting for it (not the leader)
	res     *ChatCompletion // the cache's copy; waiters clone it
	err     error
	lock    sharedLock // the fleet's lock for the call, when this process took it (SharedLock)
}

// takeLock hands over the fleet's lock the flight holds (the zero sharedLock
// for none): the leader's goroutine calls it once, from put or finish.
func (f *flight) takeLock() sharedLock {
	l := f.lock
	f.lock = sharedLock{}
	return l
}

// join returns the flight for k and whether the caller leads it (and must finish
// it). A flight that ended successfully within recentFor is returned finished,
// unless the caller wants a fresh answer (recent false: WithCacheRefresh).
func (rc *responseCache) join(k cacheKey, recent bool) (*flight, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if f, ok := rc.flights[k]; ok {
		f.waiters.Add(1)
		return f, false
	}
	if r, ok := rc.recent[k]; ok && recent {
		if time.Since(r.at) < recentFor {
			f := &flight{done: closedChan, res: r.res}
			return f, false
		}
		delete(rc.recent, k)
	}
	f := &flight{done: make(chan struct{})}
	rc.flights[k] = f
	return f, true
}

// finish ends the flight: waiters get res (the cache's copy) or err. keep: res
// was stored, and late callers may have it too for recentFor.
func (rc *responseCache) finish(k cacheKey, f *flight, res *ChatCompletion, err error, keep bool) {
	rc.mu.Lock()
	delete(rc.flights, k)
	if res != nil && keep {
		if len(rc.recent) >= recentMax {
			now := time.Now()
			for rk, r := range rc.recent {
				if now.Sub(r.at) >= recentFor {
					delete(rc.recent, rk)
				}
			}
			if len(rc.recent) >= recentMax {
				clear(rc.recent) // all fresh: a burst of distinct calls; start over
			}
		}
		rc.recent[k] = recentAnswer{res, time.Now()}
	}
	rc.mu.Unlock()
	f.res, f.err = res, err
	close(f.done)
	if l := f.takeLock(); l.token != "" { // no answer was stored: let the next process try
		rc.writes.Add(1)
		go func() {
			defer rc.writes.Done()
			rc.unlock(l)
		}()
	}
}

// closedChan is the done channel of a flight that has already ended.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// errLeaderGone is what waiters see when the call they waited for ended without
// an answer anybody else can use (its caller cancelled it or closed its stream).
var errLeaderGone = errors.New("harbor: the identical call this one waited for was abandoned")

// wait waits for the flight. retry reports that the caller should try again
// itself: the leader's failure was its own (cancelled, timed out, abandoned) or
// transient.
func (f *flight) wait(ctx context.Context) (res *ChatCompletion, retry bool, err error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	if f.err == nil {
		return f.res, false, nil
	}
	var e *Error
	if errors.Is(f.err, errLeaderGone) || !errors.As(f.err, &e) || e.Transient ||
		errors.Is(f.err, ErrCanceled) || errors.Is(f.err, ErrStreamClosed) {
		return nil, true, nil
	}
	return nil, false, f.err
}
