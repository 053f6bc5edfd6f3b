package harbor

import (
	"context"
	"errors"
	"math"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"github.com/harborai/harbor-go/internal/pool"
	"github.com/harborai/harbor-go/internal/procmem"
	"github.com/harborai/harbor-go/llm"
)

// The management API: the original design's get_memory_stats,
// get_concurrency_stats, health_check and cleanup_memory, as Client methods
// whose JSON carries the seed's field names. Every figure is counted from what
// the Client really does; a section whose stage is off is left out rather than
// reported as zeros. Reading them may take locks; calls never do.

// MemoryStats is the answer of Client.MemoryStats (the seed's get_memory_stats).
//
// The seed's weak_references section has no counterpart: Go has no weak
// reference registry for harbor to count (harbor holds no weak references), so
// the section is left out rather than reported as zeros.
type MemoryStats struct {
	// Cache is the response cache's in-process tier; nil when the cache is off.
	Cache *CacheMemory `json:"cache,omitempty"`
	// ObjectPool is harbor's buffer and decoder pools (the seed's object_pool),
	// in total and per pool.
	ObjectPool ObjectPoolStats `json:"object_pool"`
	// SystemMemory is the process's resident and virtual size, as the OS counts
	// them; nil where harbor cannot read them (outside Linux).
	SystemMemory *SystemMemory `json:"system_memory,omitempty"`
	// Heap is the Go heap of the whole process (runtime.MemStats), harbor
	// included.
	Heap HeapMemory `json:"go_heap"`
}

// ObjectPoolStats counts harbor's pooled buffers and decoders. Go's sync.Pool,
// which they are built on, lets the garbage collector drop idle objects, so
// "total" is objects created since start, not objects alive.
type ObjectPoolStats struct {
	TotalObjects  uint64 `json:"total_objects"`  // objects the pools created since start
	ActiveObjects uint64 `json:"active_objects"` // objects taken and not yet given back
	// UsageRate is active_objects / total_objects: the share of what the pools
	// made that is in use now.
	UsageRate float64 `json:"usage_rate"`
	// ReuseRate is (gets - created) / gets: how often a Get found an object to
	// reuse instead of allocating.
	ReuseRate float64    `json:"reuse_rate"`
	Pools     []PoolStat `json:"pools"`
}

// PoolStat is one pool's counters.
type PoolStat struct {
	Name    string `json:"name"` // "wire.buffer", "fastreply.decoder"…
	Created uint64 `json:"created"`
	Gets    uint64 `json:"gets"`
	Active  uint64 `json:"active"`
}

// SystemMemory is the OS's view of the process (the seed's system_memory).
type SystemMemory struct {
	RSSMB float64 `json:"rss_mb"` // resident set size
	VMSMB float64 `json:"vms_mb"` // virtual memory size
}

// CacheMemory describes the response cache.
type CacheMemory struct {
	Size          int     `json:"size"`            // answers held in memory now
	MaxSize       int64   `json:"max_size"`        // the bound, in bytes (CacheConfig.MaxBytes): harbor bounds memory, not entries
	HitRate       float64 `json:"hit_rate"`        // (hits + shared_hits + coalesced) / lookups
	MemoryUsageMB float64 `json:"memory_usage_mb"` // bytes the held answers weigh, in MiB
	Hits          int64   `json:"hits"`            // answered from memory
	SharedHits    int64   `json:"shared_hits"`     // answered from the shared tier
	Coalesced     int64   `json:"coalesced"`       // answered by an identical call in flight
	Misses        int64   `json:"misses"`          // asked the vendor
	Evictions     int64   `json:"evictions"`       // dropped to stay within max_size
	Expirations   int64   `json:"expirations"`     // dropped after their TTL
	TooLarge      int64   `json:"too_large"`       // answers larger than max_size, not stored
	// Shared is the shared tier's side; nil without one.
	Shared *SharedCacheStats `json:"shared,omitempty"`
}

// SharedCacheStats counts the shared tier's traffic.
type SharedCacheStats struct {
	Writes  int64 `json:"writes"`  // answers stored
	Errors  int64 `json:"errors"`  // reads, writes and locks that failed or timed out (each served as a miss)
	Failing bool  `json:"failing"` // the latest operation failed
	// Only with CacheConfig.SharedLock (nil without): calls answered by an
	// identical call of another process (also counted in CacheMemory's
	// Coalesced), and calls that stopped waiting for one after SharedLockWait
	// and called the vendor themselves.
	Coalesced    *int64 `json:"coalesced,omitempty"`
	WaitsExpired *int64 `json:"waits_expired,omitempty"`
}

// HeapMemory is the Go runtime's view of the process's memory.
type HeapMemory struct {
	HeapAllocMB    float64 `json:"heap_alloc_mb"`    // live and not yet swept heap objects
	HeapInuseMB    float64 `json:"heap_inuse_mb"`    // heap spans in use
	HeapReleasedMB float64 `json:"heap_released_mb"` // returned to the OS
	SysMB          float64 `json:"sys_mb"`           // obtained from the OS, in all
	NumGC          uint32  `json:"num_gc"`
	Goroutines     int     `json:"goroutines"`
}

const mib = 1 << 20

func mb(b uint64) float64 { return math.Round(float64(b)/mib*100) / 100 }

// MemoryStats reports the memory the Client and its process use.
func (c *Client) MemoryStats() MemoryStats {
	var out MemoryStats
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	out.Heap = HeapMemory{HeapAllocMB: mb(m.HeapAlloc), HeapInuseMB: mb(m.HeapInuse), HeapReleasedMB: mb(m.HeapReleased),
		SysMB: mb(m.Sys), NumGC: m.NumGC, Goroutines: runtime.NumGoroutine()}
	var gets uint64
	for _, p := range pool.Snapshot() {
		op := &out.ObjectPool
		op.TotalObjects += p.Created
		op.ActiveObjects += p.Active
		gets += p.Gets
		op.Pools = append(op.Pools, PoolStat{Name: p.Name, Created: p.Created, Gets: p.Gets, Active: p.Active})
	}
	out.ObjectPool.UsageRate = ratio(float64(out.ObjectPool.ActiveObjects), float64(out.ObjectPool.TotalObjects))
	if gets > out.ObjectPool.TotalObjects {
		out.ObjectPool.ReuseRate = ratio(float64(gets-out.ObjectPool.TotalObjects), float64(gets))
	}
	if pm, err := procmem.Read(); err == nil {
		out.SystemMemory = &SystemMemory{RSSMB: mb(pm.RSS), VMSMB: mb(pm.VMS)}
	}
	if c == nil {
		return out
	}
	if rc := c.cache; rc != nil {
		cm := &CacheMemory{Size: rc.l1.EstimatedSize(), MaxSize: rc.cfg.MaxBytes, MemoryUsageMB: float64(rc.l1.WeightedSize()) / mib,
			Hits: rc.hits.Load(), SharedHits: rc.sharedHits.Load(), Coalesced: rc.coalesced.Load(), Misses: rc.misses.Load(),
			Evictions: rc.evictions.Load(), Expirations: rc.expirations.Load(), TooLarge: rc.tooLarge.Load()}
		served := cm.Hits + cm.SharedHits + cm.Coalesced
		cm.HitRate = ratio(float64(served), float64(served+cm.Misses))
		if rc.shared != nil {
			cm.Shared = &SharedCacheStats{Writes: rc.sharedWrites.Load(), Errors: rc.sharedErrors.Load(), Failing: rc.sharedFailing.Load()}
			if rc.locker != nil {
				co, we := rc.sharedCoalesced.Load(), rc.sharedLockWaits.Load()
				cm.Shared.Coalesced, cm.Shared.WaitsExpired = &co, &we
			}
		}
		out.Cache = cm
	}
	return out
}

// ConcurrencyStats is the answer of Client.ConcurrencyStats (the seed's
// get_concurrency_stats), in total and per provider.
type ConcurrencyStats struct {
	// Connections counts harbor's own transport; nil with WithTransport, whose
	// connections harbor cannot see.
	Connections *ConnectionStats `json:"connections,omitempty"`
	Requests    RequestStats     `json:"requests"`
	Performance PerformanceStats `json:"performance"`
	// Providers has the same figures per provider that has been routed to.
	Providers map[string]ProviderConcurrency `json:"providers,omitempty"`
}

// ConnectionStats counts TCP connections from real dials and closes.
type ConnectionStats struct {
	// Active is how many open connections carry a call now: min(open, calls in
	// flight) — exact over HTTP/1.1, which harbor's transport speaks; over
	// HTTP/2 (a proxied request, or WithTransport), where calls share a
	// connection, it may count a connection more than once up to open.
	Active int64 `json:"active"`
	// Idle is open - active: pooled connections waiting for a call.
	Idle int64 `json:"idle"`
	// Dialed is how many connections were opened since New.
	Dialed int64 `json:"dialed"`
	// MaxConnections is the configured cap on concurrent calls
	// (Limits.MaxConcurrent, the seed's max_connections); left out when unset.
	MaxConnections int `json:"max_connections,omitempty"`
	// PoolUsageRate is active / max_connections; left out without a cap.
	PoolUsageRate float64 `json:"pool_usage_rate,omitempty"`
}

// RequestStats counts calls.
type RequestStats struct {
	QueueLength     int64 `json:"queue_length"`     // calls waiting for an admission slot
	ProcessingCount int64 `json:"processing_count"` // calls admitted and not ended (open streams included)
	CompletedCount  int64 `json:"completed_count"`  // calls that ended, either way (cache hits included)
	FailedCount     int64 `json:"failed_count"`     // of those, the ones that failed (the caller's cancellations excepted)
}

// PerformanceStats are rates over recent calls.
type PerformanceStats struct {
	// Throughput is calls ended per second over the last minute (over the time
	// since New when that is shorter). Counted lock-free per second; calls racing
	// the turn of a second may be missed, never counted twice.
	Throughput float64 `json:"throughput"`
	// AvgResponseTime is the mean latency of ended calls since New, in
	// milliseconds (a stream's: until its end).
	AvgResponseTime float64 `json:"avg_response_time"`
	// ErrorRate is failed_count / completed_count.
	ErrorRate float64 `json:"error_rate"`
}

// ProviderConcurrency is one provider's part of ConcurrencyStats.
type ProviderConcurrency struct {
	Requests    RequestStats     `json:"requests"`
	Performance PerformanceStats `json:"performance"`
	// MaxConcurrent is the provider's admission cap; left out when unset.
	MaxConcurrent int `json:"max_concurrent,omitempty"`
}

// ConcurrencyStats reports connections, queues and rates, in total and per
// provider.
func (c *Client) ConcurrencyStats() ConcurrencyStats {
	var out ConcurrencyStats
	if c == nil {
		return out
	}
	now := time.Now()
	span := int64(windowSeconds)
	if age := int64(now.Sub(c.born).Seconds()) + 1; age < span {
		span = age
	}
	var total rateWindowSum
	for _, st := range c.statesSnapshot() {
		pc := ProviderConcurrency{MaxConcurrent: limitOf(st.limit)}
		pc.Requests, pc.Performance = st.figures(now.Unix(), span)
		if pc.Requests.CompletedCount == 0 && pc.Requests.ProcessingCount == 0 && pc.Requests.QueueLength == 0 {
			continue
		}
		if out.Providers == nil {
			out.Providers = map[string]ProviderConcurrency{}
		}
		out.Providers[st.name] = pc
		total.add(pc, st)
	}
	out.Requests = total.req
	out.Requests.QueueLength += c.global.queued()
	out.Performance = PerformanceStats{Throughput: math.Round(total.rate*100) / 100,
		AvgResponseTime: total.avgMs(), ErrorRate: ratio(float64(total.req.FailedCount), float64(total.req.CompletedCount))}
	if cc := &c.conns; c.opts.Transport == nil {
		open := cc.open()
		active := min(open, out.Requests.ProcessingCount)
		cs := &ConnectionStats{Active: active, Idle: open - active, Dialed: cc.dials.Load(),
			MaxConnections: c.opts.Limits.MaxConcurrent}
		if cs.MaxConnections > 0 {
			cs.PoolUsageRate = ratio(float64(out.Requests.ProcessingCount), float64(cs.MaxConnections))
		}
		out.Connections = cs
	}
	return out
}

func limitOf(l *limiter) int {
	if l == nil {
		return 0
	}
	return cap(l.slots)
}

// figures reads one provider's counters.
func (st *providerState) figures(now, span int64) (RequestStats, PerformanceStats) {
	r := RequestStats{QueueLength: st.limit.queued(), ProcessingCount: st.inFlight.Load(),
		CompletedCount: st.ended.Load(), FailedCount: st.failed.Load()}
	p := PerformanceStats{Throughput: math.Round(st.window.rate(now, span)*100) / 100,
		ErrorRate: ratio(float64(r.FailedCount), float64(r.CompletedCount))}
	if r.CompletedCount > 0 {
		p.AvgResponseTime = math.Round(float64(st.latencyNs.Load())/float64(r.CompletedCount)/1e6*100) / 100
	}
	return r, p
}

type rateWindowSum struct {
	req       RequestStats
	rate      float64
	latencyNs int64
}

func (s *rateWindowSum) add(pc ProviderConcurrency, st *providerState) {
	s.req.QueueLength += pc.Requests.QueueLength
	s.req.ProcessingCount += pc.Requests.ProcessingCount
	s.req.CompletedCount += pc.Requests.CompletedCount
	s.req.FailedCount += pc.Requests.FailedCount
	s.rate += pc.Performance.Throughput
	s.latencyNs += st.latencyNs.Load()
}

func (s *rateWindowSum) avgMs() float64 {
	if s.req.CompletedCount == 0 {
		return 0
	}
	return math.Round(float64(s.latencyNs)/float64(s.req.CompletedCount)/1e6*100) / 100
}

// statesSnapshot lists the providers' figures in name order.
func (c *Client) statesSnapshot() []*providerState {
	c.statesMu.Lock()
	out := make([]*providerState, 0, len(c.states))
	for _, st := range c.states {
		out = append(out, st)
	}
	c.statesMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// QueueLength is how many calls wait for an admission slot now; a cheap read
// for gauges (prommetrics.Options.QueueLength).
func (c *Client) QueueLength() int64 {
	if c == nil {
		return 0
	}
	n := c.global.queued()
	for _, st := range c.statesSnapshot() {
		n += st.limit.queued()
	}
	return n
}

// Health is the answer of HealthCheck and ProbeHealth (the seed's health_check).
type Health struct {
	// Status is "healthy" when every provider listed is, "unhealthy" when none
	// is usable, "degraded" in between.
	Status    string                    `json:"status"`
	CheckedAt time.Time                 `json:"checked_at"`
	Providers map[string]ProviderHealth `json:"providers"`
}

// Health statuses.
const (
	Healthy   = "healthy"
	Degraded  = "degraded"
	Unhealthy = "unhealthy"
)

// ProviderHealth is one provider's health.
type ProviderHealth struct {
	// Status: "unhealthy" without credentials or after UnhealthyAfter
	// consecutive vendor-side failures (or a failed probe), "degraded" after
	// fewer, "healthy" otherwise.
	Status string `json:"status"`
	// Credentials reports that the provider found its keys (it could be built).
	Credentials bool `json:"credentials"`
	// Error says why the provider could not be built, when it could not.
	Error               string     `json:"error,omitempty"`
	LastSuccess         *time.Time `json:"last_success,omitempty"`
	LastFailure         *time.Time `json:"last_failure,omitempty"`
	LastErrorType       string     `json:"last_error_type,omitempty"`
	ConsecutiveFailures int64      `json:"consecutive_failures"`
	// Circuit is the provider's circuit breaker state (closed, open,
	// half_open); left out without WithCircuitBreaker.
	Circuit string `json:"circuit,omitempty"`
	// Probe is the result of ProbeHealth's request; nil for HealthCheck, or when
	// the vendor has nothing to probe that costs no tokens.
	Probe *ProbeResult `json:"probe,omitempty"`
}

// ProbeResult is what a probe found.
type ProbeResult struct {
	OK        bool    `json:"ok"`
	LatencyMs float64 `json:"latency_ms"`
	ErrorType string  `json:"error_type,omitempty"`
	Error     string  `json:"error,omitempty"`
}

// UnhealthyAfter is how many consecutive vendor-side failures (server errors,
// timeouts, connection and credential errors — not invalid requests or the
// caller's cancellations) make a provider unhealthy; fewer make it degraded.
const UnhealthyAfter = 3

// HealthCheck reports the health of the providers this Client uses — those it
// has built, those configured with options or preloaded — from what their calls
// did: no request is made. It builds (without I/O) the configured providers not
// built yet, to learn whether their keys are there.
func (c *Client) HealthCheck(ctx context.Context) Health {
	return c.health(ctx, false)
}

// ProbeHealth is HealthCheck plus one request per provider that costs no tokens:
// the vendor's model list (GET /models), where the vendor has one. It never makes
// a paid call; providers without a free endpoint are not probed. ctx bounds the
// probes.
func (c *Client) ProbeHealth(ctx context.Context) Health {
	return c.health(ctx, true)
}

func (c *Client) health(ctx context.Context, probe bool) Health {
	h := Health{Status: Healthy, CheckedAt: time.Now(), Providers: map[string]ProviderHealth{}}
	if c == nil {
		h.Status = Unhealthy
		return h
	}
	if ctx == nil {
		ctx = context.Background()
	}
	t, err := c.table()
	if err != nil {
		h.Status = Unhealthy
		return h
	}
	usable := 0
	for _, s := range t.slots {
		_, configured := c.opts.Providers[s.desc.Name]
		if s.p.Load() == nil && !configured && s.st.ended.Load() == 0 && s.st.bindError.Load() == nil {
			continue // never used nor configured: nothing to report
		}
		ph := ProviderHealth{ConsecutiveFailures: s.st.consecutiveFailures.Load()}
		p, err := c.provider(s)
		ph.Credentials = err == nil
		if err != nil {
			ph.Error = err.Error()
		}
		if ns := s.st.lastSuccess.Load(); ns != 0 {
			t := time.Unix(0, ns)
			ph.LastSuccess = &t
		}
		if ns := s.st.lastFailure.Load(); ns != 0 {
			t := time.Unix(0, ns)
			ph.LastFailure = &t
		}
		if e := s.st.lastErrorType.Load(); e != nil && ph.ConsecutiveFailures > 0 {
			ph.LastErrorType = *e
		}
		if b := s.st.brk; b != nil {
			ph.Circuit = b.stateName(time.Now())
		}
		probeFailed := false
		if probe && p != nil {
			if l, ok := p.(llm.ModelLister); ok {
				start := time.Now()
				_, perr := l.ListModels(ctx)
				pr := &ProbeResult{OK: perr == nil, LatencyMs: math.Round(float64(time.Since(start))/1e4) / 100}
				if perr != nil {
					pr.ErrorType, pr.Error = ErrorType(perr), perr.Error()
					// A vendor that answers "no such endpoint" is up; anything
					// else (no answer, bad key, 5xx) is a failed probe.
					probeFailed = !errors.Is(perr, ErrNotFound)
				}
				ph.Probe = pr
			}
		}
		switch {
		case !ph.Credentials || ph.ConsecutiveFailures >= UnhealthyAfter || probeFailed || ph.Circuit == CircuitOpen:
			ph.Status = Unhealthy
		case ph.ConsecutiveFailures > 0:
			ph.Status = Degraded
		default:
			ph.Status = Healthy
			usable++
		}
		if ph.Status == Degraded {
			usable++
		}
		h.Providers[s.desc.Name] = ph
	}
	for _, ph := range h.Providers {
		if ph.Status != Healthy {
			h.Status = Degraded
		}
	}
	if len(h.Providers) > 0 && usable == 0 {
		h.Status = Unhealthy
	}
	return h
}

// CleanupReport says what CleanupMemory freed.
type CleanupReport struct {
	ExpiredEntries        int64   `json:"expired_entries"`         // cache entries past their TTL, dropped
	IdleConnectionsClosed int64   `json:"idle_connections_closed"` // pooled connections closed
	HeapFreedMB           float64 `json:"heap_freed_mb"`           // heap in use before minus after
	ReleasedToOSMB        float64 `json:"released_to_os_mb"`       // heap returned to the OS by this cleanup
	DurationMs            float64 `json:"duration_ms"`             // how long the cleanup took
}

// CleanupMemory is the seed's cleanup_memory: it drops expired cache entries,
// closes idle connections, collects garbage twice (which empties harbor's
// buffer and decoder pools: a sync.Pool keeps idle objects for one collection)
// and returns freed memory to the OS (debug.FreeOSMemory). It reports what that
// freed. It stops the world briefly; it is meant for idle moments or a memory
// threshold (WithAutoCleanup), not for every call.
func (c *Client) CleanupMemory() CleanupReport {
	start := time.Now()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var r CleanupReport
	if c != nil {
		if rc := c.cache; rc != nil {
			n := rc.expirations.Load()
			rc.l1.CleanUp()
			r.ExpiredEntries = rc.expirations.Load() - n
		}
		if cc := &c.conns; c.opts.Transport == nil && c.httpReady.Load() {
			n := cc.closes.Load()
			c.closeIdle()
			r.IdleConnectionsClosed = cc.closes.Load() - n
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&after)
	if before.HeapInuse > after.HeapInuse {
		r.HeapFreedMB = mb(before.HeapInuse - after.HeapInuse)
	}
	if after.HeapReleased > before.HeapReleased {
		r.ReleasedToOSMB = mb(after.HeapReleased - before.HeapReleased)
	}
	r.DurationMs = math.Round(float64(time.Since(start))/1e4) / 100
	return r
}

// CostStats is the answer of Client.CostStats: what the Client's calls cost by
// its price table, since New, per provider and model. Cache hits cost nothing
// and are not counted; models the table does not price are left out.
type CostStats struct {
	TotalCNY  float64                         `json:"total_cny"`
	Providers map[string]map[string]ModelCost `json:"providers,omitempty"`
}

// CostStats reports the running cost totals.
func (c *Client) CostStats() CostStats {
	var out CostStats
	if c == nil {
		return out
	}
	for _, st := range c.statesSnapshot() {
		st.costs.Range(func(k, v any) bool {
			if out.Providers == nil {
				out.Providers = map[string]map[string]ModelCost{}
			}
			if out.Providers[st.name] == nil {
				out.Providers[st.name] = map[string]ModelCost{}
			}
			mc := v.(*costCounter).snapshot()
			out.Providers[st.name][k.(string)] = mc
			out.TotalCNY += mc.CNY
			return true
		})
	}
	return out
}

// CircuitStates returns the circuit breaker state (CircuitClosed, CircuitOpen,
// CircuitHalfOpen) of every provider the Client has routed to; nil without
// WithCircuitBreaker. A cheap read for gauges (prommetrics.Options.Circuits).
func (c *Client) CircuitStates() map[string]string {
	if c == nil || c.opts.Breaker == nil {
		return nil
	}
	now := time.Now()
	out := map[string]string{}
	for _, st := range c.statesSnapshot() {
		if st.brk != nil {
			out[st.name] = st.brk.stateName(now)
		}
	}
	return out
}
