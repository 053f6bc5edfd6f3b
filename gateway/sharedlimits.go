package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harborai/harbor-go/rediscache"
)

// Fleet-wide limits: with Config.SharedLimits, every key's rpm, tpm and budget
// are counted in Redis, once for the whole fleet, instead of in each process.
//
// Each key is one Redis hash, harbor:limits:<namespace>:<key id> — the id from
// the config, never the key nor its hash — holding the same token buckets and
// budget the per-process limits keep (keys.go): rt/rl and tt/tl, the rpm and
// tpm buckets' tokens and last refill (ms); sp/ps, the budget spent in CNY and
// the start of its period (ms); st:<process id>, settle's marks (below). Lua
// scripts read and write it atomically, one round trip each: admit (before a
// call: budget, then tpm out of debt, then one request from the rpm bucket)
// and charge (after it: the answer's tokens and cost). They read the time
// from Redis (TIME), never from the instance, so instances whose clocks
// disagree still share one count. A key with neither rpm, tpm nor budget
// costs no round trip at all.
//
// A token bucket rather than a window: a key limited to N per minute may
// spend N at once, then N/60 per second, as the per-process limits do, so
// that turning shared_limits on or off changes where the count is kept, not
// what it allows.
//
// When Redis does not answer, on_redis_down decides: closed refuses the calls
// of limited keys; open counts them in this process. Either way, what this
// process counts that Redis did not take — calls admitted here (open), answers
// whose charge did not get through (both) — goes into the key's ledger
// (vkey.owed: requests, tokens and CNY, three numbers a key, however long the
// outage), and a third script, settle, hands it to Redis once Redis answers
// again: before the key's next round trip (its next call, or /stats and
// /metrics reading its budget), and at Shutdown. So a key that spends during
// an outage finds it counted by the fleet afterwards, instead of starting
// again as if it had spent nothing.
//
// Each ledger is charged exactly once. A settle sent is sealed under an id
// (this process's random id and a sequence number), and sent again with that
// id until Redis answers; the script records the last id it applied for the
// process in the key's hash (st:<process id>) and skips one it has seen, so a
// settle that ran but whose answer was lost (a timeout) is not counted again
// when retried. The marks are forgotten after settleMarkTTL: a settle retried
// later than that after Redis applied it would count twice (Redis would have
// to run it, then fail to answer this process's every try for a day).
//
// Only what surely never reached Redis is owed. A round trip that fails
// without an answer — a timeout, a connection lost after sending — may have
// run (a hung Redis runs what it was sent when it resumes): its call or
// charge is not owed, and is counted by Redis if it ran, else by no one. To
// keep that to the round trips under way when Redis fails, the first failure
// makes this process send nothing that cannot be retried safely: until a
// settle or a PING answers, charges go through the ledger and, with open, a
// call is admitted only after a PING, or counted here and owed.
//
// The buckets refill while Redis is away, so what a key owes them shrinks at
// their rate (owed.decay): an outage's spending old enough to have been
// refilled is owed nothing. Its CNY are owed whole, to the budget's current
// period only: spending from a period that has ended is dropped, as Redis's
// own count of that period was. What a process still owes when it ends —
// killed, or stopped while Redis is still away — is lost.

// Values of SharedLimitsConfig.OnRedisDown.
const (
	OnRedisDownOpen   = "open"
	OnRedisDownClosed = "closed"
)

// DefaultSharedLimitsTimeout bounds each round trip of the fleet-wide limits.
const DefaultSharedLimitsTimeout = 50 * time.Millisecond

// settleMarkTTL is how long the settle script remembers the last settle it
// applied for a process (a day: far longer than any retry; the bound of
// exactly once).
const settleMarkTTL = 24 * time.Hour

// limitsScriptPrelude is what both scripts start with: Redis's clock in ms and
// the token-bucket refill.
const limitsScriptPrelude = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function refill(tokens, last, perMin)
  if tokens == nil or last == nil then return perMin end
  local d = now - last
  if d > 0 then tokens = math.min(perMin, tokens + d * perMin / 60000) end
  return tokens
end
local function roll(sp, ps, period)
  sp = tonumber(sp) or 0
  ps = tonumber(ps) or now
  if period > 0 and now - ps >= period then
    ps = ps + math.floor((now - ps) / period) * period
    sp = 0
  end
  return sp, ps
end
local function keep(budget, period, ps)
  if budget > 0 and period == 0 then
    redis.call('PERSIST', KEYS[1])
  elseif budget > 0 then
    redis.call('PEXPIRE', KEYS[1], ps + period - now + 60000)
  else
    redis.call('PEXPIRE', KEYS[1], 120000)
  end
end
`

// admitScript: ARGV rpm, tpm, budget, period (ms). Returns {refusal, wait ms}:
// 0 admitted, 1 over rpm, 2 over tpm, 3 over budget.
var admitScript = redis.NewScript(limitsScriptPrelude + `
local rpm, tpm, budget, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', KEYS[1], 'rt', 'rl', 'tt', 'tl', 'sp', 'ps')
local sp, ps = roll(h[5], h[6], period)
if budget > 0 and sp >= budget then
  local wait = 0
  if period > 0 then wait = ps + period - now end
  return {3, wait}
end
if tpm > 0 then
  local tt = refill(tonumber(h[3]), tonumber(h[4]), tpm)
  if tt <= 0 then return {2, math.ceil(-tt * 60000 / tpm) + 1} end
end
if rpm > 0 then
  local rt = refill(tonumber(h[1]), tonumber(h[2]), rpm)
  if rt < 1 then return {1, math.ceil((1 - rt) * 60000 / rpm)} end
  redis.call('HSET', KEYS[1], 'rt', tostring(rt - 1), 'rl', now)
end
if budget > 0 then redis.call('HSET', KEYS[1], 'sp', tostring(sp), 'ps', ps) end
keep(budget, period, ps)
return {0, 0}
`)

// chargeScript: ARGV tpm, tokens, cost, budget, period (ms). Returns the
// budget spent in the period, as a string.
var chargeScript = redis.NewScript(limitsScriptPrelude + `
local tpm, tokens, cost, budget, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local h = redis.call('HMGET', KEYS[1], 'tt', 'tl', 'sp', 'ps')
if tpm > 0 and tokens > 0 then
  local tt = refill(tonumber(h[1]), tonumber(h[2]), tpm)
  redis.call('HSET', KEYS[1], 'tt', tostring(math.max(tt - tokens, -tpm)), 'tl', now)
end
local sp, ps = roll(h[3], h[4], period)
if budget > 0 then
  sp = sp + cost
  redis.call('HSET', KEYS[1], 'sp', tostring(sp), 'ps', ps)
end
keep(budget, period, ps)
return tostring(sp)
`)

// settleScript: ARGV process id, settle id (seq), rpm, tpm, budget, period
// (ms), requests, tokens, cost owed, the age of the latest cost (ms), the
// marks' time to live (ms). Returns 1 when it applied the settle, 0 when it
// had already (its mark for the process is at seq or past it).
//
// The buckets take what they are owed (already reduced by their refill since)
// down to one burst of debt at most, as charges do; the cost goes to the
// budget unless all of it was spent before the current period began (a key
// Redis has no count of, emptied or expired, starts its period with it). Other
// processes' marks older than their time to live are deleted.
var settleScript = redis.NewScript(limitsScriptPrelude + `
local mark, seq = 'st:' .. ARGV[1], tonumber(ARGV[2])
local rpm, tpm, budget, period = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local requests, tokens, cost = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local costAge, ttl = tonumber(ARGV[10]), tonumber(ARGV[11])
local last = redis.call('HGET', KEYS[1], mark)
if last and (tonumber(string.match(last, '^%d+')) or 0) >= seq then return 0 end
local h = redis.call('HMGET', KEYS[1], 'rt', 'rl', 'tt', 'tl', 'sp', 'ps')
local start = h[6]
if not start and cost > 0 then start = now - costAge end -- a new count: its period began with this spending
local sp, ps = roll(h[5], start, period)
if budget > 0 and cost > 0 and now - costAge >= ps then sp = sp + cost end
local marks = redis.call('HGETALL', KEYS[1])
if rpm > 0 and requests > 0 then
  local rt = refill(tonumber(h[1]), tonumber(h[2]), rpm)
  redis.call('HSET', KEYS[1], 'rt', tostring(math.max(rt - requests, -rpm)), 'rl', now)
end
if tpm > 0 and tokens > 0 then
  local tt = refill(tonumber(h[3]), tonumber(h[4]), tpm)
  redis.call('HSET', KEYS[1], 'tt', tostring(math.max(tt - tokens, -tpm)), 'tl', now)
end
if budget > 0 then redis.call('HSET', KEYS[1], 'sp', tostring(sp), 'ps', ps) end
for i = 1, #marks, 2 do
  local f = marks[i]
  if f ~= mark and string.sub(f, 1, 3) == 'st:' then
    local at = tonumber(string.match(marks[i + 1], ':(%d+)$'))
    if at == nil or now - at > ttl then redis.call('HDEL', KEYS[1], f) end
  end
end
redis.call('HSET', KEYS[1], mark, seq .. ':' .. now)
keep(budget, period, ps)
return 1
`)

// spentScript: ARGV period (ms). Returns the budget spent in the current
// period, as a string, without writing.
var spentScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local period = tonumber(ARGV[1])
local h = redis.call('HMGET', KEYS[1], 'sp', 'ps')
local sp, ps = tonumber(h[1]) or 0, tonumber(h[2]) or now
if period > 0 and now - ps >= period then sp = 0 end
return tostring(sp)
`)

// sharedLimits counts the keys' limits in Redis for the whole fleet.
type sharedLimits struct {
	client  redis.UniversalClient
	prefix  string // harbor:limits:<namespace>:
	timeout time.Duration
	closed  bool   // on_redis_down: closed
	process string // this process's id in the settle marks: random, never a key

	errors  atomic.Int64  // round trips that failed (each decided by closed)
	seq     atomic.Uint64 // the settles' ids
	suspect atomic.Bool   // a round trip failed, and no settle or PING has answered since
}

// owed is what a key owes Redis: requests and tokens to its rpm and tpm
// buckets, CNY to its budget.
//
// A bucket refills while Redis is away, so its debt shrinks at the bucket's
// rate: requests and tokens are what is owed at time at, never more than the
// bucket's whole range (full to its deepest debt, two bursts). A key that
// spent N in an outage of a few seconds owes about N; spending a minute or
// two old is owed nothing, as the bucket would have refilled it. A budget does
// not refill: cost is owed whole, costAt (its latest spending) telling the
// settle script which period it belongs to.
type owed struct {
	requests, tokens float64
	at               time.Time
	cost             float64
	costAt           time.Time
}

func (o *owed) empty() bool { return o.requests <= 0 && o.tokens <= 0 && o.cost <= 0 }

// decay takes off what k's buckets refilled since o.at.
func (o *owed) decay(k *vkey, now time.Time) {
	if d := now.Sub(o.at).Seconds(); d > 0 {
		o.requests = max(0, o.requests-d*k.rpm.rate)
		o.tokens = max(0, o.tokens-d*k.tpm.rate)
		o.at = now
	}
}

// ledger is a key's debt to Redis. pending grows while Redis fails; a settle
// seals it as batch under the id seq and sends that batch, with that id,
// until Redis answers — so that the settle script, which skips an id it has
// applied, counts it once however many tries reach Redis.
type ledger struct {
	mu       sync.Mutex
	pending  owed
	batch    *owed
	seq      uint64
	settling bool        // a try is under way: others do not wait for it
	owing    atomic.Bool // pending or batch holds something (read without mu)
}

// errSettling: another call is settling the key's ledger; this one does not
// wait for it, and counts as if Redis had not answered.
var errSettling = errors.New("gateway: shared limits: the key's ledger is being settled")

// errLimitsUnavailable is a refusal of on_redis_down: closed.
const limitsUnavailable refusal = -1

func (l *sharedLimits) redisKey(k *vkey) string { return l.prefix + k.id }

// limited reports whether k has anything for Redis to count.
func (k *vkey) limited() bool { return k.rpm.rate > 0 || k.tpm.rate > 0 || k.budget > 0 }

func periodMillis(d time.Duration) int64 { return d.Milliseconds() }

func (l *sharedLimits) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), l.timeout)
}

// admit asks Redis whether k may call now.
func (l *sharedLimits) admit(parent context.Context, k *vkey) (refusal, time.Duration, error) {
	ctx, cancel := l.ctx(parent)
	defer cancel()
	res, err := admitScript.Run(ctx, l.client, []string{l.redisKey(k)},
		int64(k.rpm.burst), int64(k.tpm.burst), formatFloat(k.budget), periodMillis(k.period)).Int64Slice()
	if err != nil {
		return admitted, 0, err
	}
	if len(res) != 2 || res[0] < 0 || res[0] > int64(overBudget) {
		return admitted, 0, fmt.Errorf("gateway: shared limits: unexpected answer %v", res)
	}
	return refusal(res[0]), time.Duration(res[1]) * time.Millisecond, nil
}

// charge counts an answer's tokens and cost against k in Redis.
func (l *sharedLimits) charge(parent context.Context, k *vkey, tokens int, cost float64) error {
	ctx, cancel := l.ctx(parent)
	defer cancel()
	return chargeScript.Run(ctx, l.client, []string{l.redisKey(k)},
		int64(k.tpm.burst), tokens, formatFloat(cost), formatFloat(k.budget), periodMillis(k.period)).Err()
}

// owe adds to k's ledger what this process counted and Redis did not take.
func (l *sharedLimits) owe(k *vkey, now time.Time, requests, tokens, cost float64) {
	lg := &k.owed
	lg.mu.Lock()
	defer lg.mu.Unlock()
	o := &lg.pending
	o.decay(k, now)
	if k.rpm.rate > 0 {
		o.requests = min(o.requests+requests, 2*k.rpm.burst)
	}
	if k.tpm.rate > 0 {
		o.tokens = min(o.tokens+tokens, 2*k.tpm.burst)
	}
	if k.budget > 0 && cost > 0 {
		o.cost, o.costAt = o.cost+cost, now
	}
	if !o.empty() {
		lg.owing.Store(true)
	}
}

// settle hands k's ledger to Redis: the batch under way, then what was owed
// meanwhile (two batches at most, so that a key spending without pause cannot
// hold its caller). nil when Redis took them.
func (l *sharedLimits) settle(parent context.Context, k *vkey, now time.Time) error {
	lg := &k.owed
	for range 2 {
		lg.mu.Lock()
		if lg.settling {
			lg.mu.Unlock()
			return errSettling
		}
		if lg.batch != nil {
			lg.batch.decay(k, now)
			if lg.batch.empty() { // refilled since: nothing left to send
				lg.batch = nil
			}
		}
		if lg.batch == nil {
			lg.pending.decay(k, now)
			if lg.pending.empty() {
				lg.owing.Store(false)
				lg.mu.Unlock()
				return nil
			}
			b := lg.pending
			lg.batch, lg.seq, lg.pending = &b, l.seq.Add(1), owed{}
		}
		b, seq := *lg.batch, lg.seq
		lg.settling = true
		lg.mu.Unlock()

		err := l.send(parent, k, seq, &b, now)
		lg.mu.Lock()
		lg.settling = false
		if err == nil {
			lg.batch = nil
		}
		lg.owing.Store(lg.batch != nil || !lg.pending.empty())
		lg.mu.Unlock()
		if err != nil {
			return err
		}
		l.suspect.Store(false)
	}
	return nil
}

// send runs the settle script for batch b under id seq.
func (l *sharedLimits) send(parent context.Context, k *vkey, seq uint64, b *owed, now time.Time) error {
	ctx, cancel := l.ctx(parent)
	defer cancel()
	var costAge int64
	if b.cost > 0 {
		costAge = max(now.Sub(b.costAt).Milliseconds(), 0)
	}
	return settleScript.Run(ctx, l.client, []string{l.redisKey(k)},
		l.process, seq, int64(k.rpm.burst), int64(k.tpm.burst), formatFloat(k.budget), periodMillis(k.period),
		formatFloat(b.requests), formatFloat(b.tokens), formatFloat(b.cost), costAge, settleMarkTTL.Milliseconds()).Err()
}

// ready readies Redis for k's next round trip: it settles what k owes and,
// with probe (a call about to be admitted in open mode) after a failure, PINGs
// Redis first, so that a call whose admission might be lost in a round trip
// that goes unanswered is counted here and owed instead. nil: go on.
func (l *sharedLimits) ready(ctx context.Context, k *vkey, now time.Time, probe bool) error {
	if k.owed.owing.Load() {
		return l.settle(ctx, k, now)
	}
	if probe && l.suspect.Load() {
		pctx, cancel := l.ctx(ctx)
		defer cancel()
		if err := l.client.Ping(pctx).Err(); err != nil {
			return err
		}
		l.suspect.Store(false)
	}
	return nil
}

// settleAll settles every key's ledger, until Redis fails (Shutdown).
func (l *sharedLimits) settleAll(keys []*vkey, now time.Time) {
	for _, k := range keys {
		if !k.owed.owing.Load() {
			continue
		}
		if err := l.settle(context.Background(), k, now); err != nil {
			l.fault(err)
			return
		}
	}
}

// unsent reports whether err says that the command never ran: Redis answered
// an error (each script can fail only on its first read, before it writes), or
// there was no connection to send it on. Any other failure — a timeout, a
// connection lost after sending — leaves it unknown: a hung Redis runs what it
// was sent when it resumes.
func unsent(err error) bool {
	var rerr redis.Error
	var op *net.OpError
	switch {
	case errors.As(err, &rerr), errors.Is(err, errSettling):
		return true
	case errors.As(err, &op) && op.Op == "dial":
		return true
	}
	return errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// spent reads what k has spent of its budget in the current period.
func (l *sharedLimits) spent(parent context.Context, k *vkey) (float64, error) {
	ctx, cancel := l.ctx(parent)
	defer cancel()
	s, err := spentScript.Run(ctx, l.client, []string{l.redisKey(k)}, periodMillis(k.period)).Text()
	if err != nil {
		return 0, err
	}
	return strconv.ParseFloat(s, 64)
}

// admitKey decides whether k may call now: in Redis for the fleet with
// shared limits, else (or when Redis fails and on_redis_down is open) in this
// process. Redis first settles what k owes (see the top of this file).
func (s *Server) admitKey(ctx context.Context, k *vkey) (refusal, time.Duration) {
	now := s.now()
	l := s.sharedLimits
	if l == nil || !k.limited() {
		return k.admit(now)
	}
	err := l.ready(ctx, k, now, !l.closed)
	if l.closed && errors.Is(err, errSettling) {
		err = nil // closed counts nothing here: no need to wait for the settle under way
	}
	maybeCounted := false // by Redis, in a round trip that went unanswered
	if err == nil {
		var why refusal
		var wait time.Duration
		why, wait, err = l.admit(ctx, k)
		if err == nil {
			if why == admitted {
				k.admitted(now) // the fallback's buckets follow this instance's share
			}
			return why, wait
		}
		maybeCounted = !unsent(err)
	}
	l.fault(err)
	if l.closed {
		return limitsUnavailable, time.Second
	}
	why, wait := k.admit(now)
	if why == admitted && !maybeCounted {
		l.owe(k, now, 1, 0, 0)
	}
	return why, wait
}

// chargeKey counts an answer against k: in this process always (its figures
// and the fallback's state), and in Redis with shared limits — through k's
// ledger, settled at once, while k owes or after a failure: a charge sent on
// its own whose answer is lost could be neither retried nor owed.
func (s *Server) chargeKey(ctx context.Context, k *vkey, tokens int, cost float64) {
	now := s.now()
	k.charge(now, tokens, cost)
	l := s.sharedLimits
	if l == nil || !(tokens > 0 && k.tpm.rate > 0 || cost > 0 && k.budget > 0) {
		return
	}
	if k.owed.owing.Load() || l.suspect.Load() {
		l.owe(k, now, 0, float64(tokens), cost)
		if err := l.settle(ctx, k, now); err != nil {
			l.fault(err) // owed until Redis answers
		}
		return
	}
	if err := l.charge(ctx, k, tokens, cost); err != nil {
		l.fault(err)
		if unsent(err) {
			l.owe(k, now, 0, float64(tokens), cost)
		}
	}
}

// keySpent is what k has spent of its budget: the fleet's with shared limits
// (this process's if Redis does not answer), else this process's.
func (s *Server) keySpent(ctx context.Context, k *vkey) (spent, budget float64) {
	now := s.now()
	spent, budget = k.snapshot(now)
	if l := s.sharedLimits; l != nil && budget > 0 {
		err := l.ready(ctx, k, now, false)
		if err == nil || errors.Is(err, errSettling) { // a read: nothing to lose
			var v float64
			if v, err = l.spent(ctx, k); err == nil {
				spent = v
			}
		}
		if err != nil {
			l.fault(err)
		}
	}
	return spent, budget
}

// fault counts a round trip that failed, and makes the next ones wait for a
// settle or a PING to answer.
func (l *sharedLimits) fault(err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, errSettling) {
		return
	}
	l.errors.Add(1)
	l.suspect.Store(true)
}

// buildSharedLimits makes the fleet-wide limits c.SharedLimits asks for, on
// the cache's Redis client when it names the same Redis.
func (c *Config) buildSharedLimits(b *built, getenv func(string) string) (*sharedLimits, error) {
	sl := c.SharedLimits
	if sl == nil {
		return nil, nil
	}
	url, setting := sl.RedisURL, "shared_limits.redis_url"
	if url == "" && sl.RedisURLEnv != "" {
		// Not the cache's Redis instead: instances of a fleet that differ in
		// this variable would count in different places.
		setting = envSetting("shared_limits.redis_url_env", sl.RedisURLEnv)
		if url = getenv(sl.RedisURLEnv); url == "" {
			return nil, errors.New(envUnset("shared_limits.redis_url_env", sl.RedisURLEnv))
		}
	}
	if url == "" {
		url = b.redisURL
	}
	if url == "" && b.noRedis != "" {
		return nil, fmt.Errorf("shared_limits: no Redis: %s", b.noRedis)
	}
	if url == "" {
		return nil, fmt.Errorf("shared_limits: no Redis: set shared_limits.redis_url (or redis_url_env), or cache.redis_url")
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("shared_limits: %w", err)
	}
	l := &sharedLimits{timeout: sl.Timeout, closed: sl.OnRedisDown == OnRedisDownClosed, process: hex.EncodeToString(id[:])}
	if l.timeout == 0 {
		l.timeout = DefaultSharedLimitsTimeout
	}
	ns := sl.Namespace
	if ns == "" && c.Cache != nil {
		ns = c.Cache.Namespace
	}
	if ns == "" {
		ns = "harbor"
	}
	l.prefix = "harbor:limits:" + ns + ":"
	if url == b.redisURL && b.shared != nil {
		l.client = b.shared.Client()
		return l, nil
	}
	rc, err := rediscache.Open(url, rediscache.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", setting, err)
	}
	b.closers = append(b.closers, func() { _ = rc.Close() })
	b.redis = append(b.redis, rc)
	l.client = rc.Client()
	return l, nil
}
