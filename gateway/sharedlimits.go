package gateway

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
// the start of its period (ms). Two Lua scripts read and write it atomically,
// one round trip each: admit (before a call: budget, then tpm out of debt,
// then one request from the rpm bucket) and charge (after it: the answer's
// tokens and cost). They read the time from Redis (TIME), never from the
// instance, so instances whose clocks disagree still share one count. A key
// with neither rpm, tpm nor budget costs no round trip at all.
//
// A token bucket rather than a window: a key limited to N per minute may
// spend N at once, then N/60 per second, as the per-process limits do, so
// that turning shared_limits on or off changes where the count is kept, not
// what it allows.

// Values of SharedLimitsConfig.OnRedisDown.
const (
	OnRedisDownOpen   = "open"
	OnRedisDownClosed = "closed"
)

// DefaultSharedLimitsTimeout bounds each round trip of the fleet-wide limits.
const DefaultSharedLimitsTimeout = 50 * time.Millisecond

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
	closed  bool // on_redis_down: closed

	errors atomic.Int64 // round trips that failed (each decided by closed)
}

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
		int64(k.rpm.burst), int64(k.tpm.burst), strconv.FormatFloat(k.budget, 'g', -1, 64), periodMillis(k.period)).Int64Slice()
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
		int64(k.tpm.burst), tokens, strconv.FormatFloat(cost, 'g', -1, 64),
		strconv.FormatFloat(k.budget, 'g', -1, 64), periodMillis(k.period)).Err()
}

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
// process.
func (s *Server) admitKey(ctx context.Context, k *vkey) (refusal, time.Duration) {
	now := s.now()
	l := s.sharedLimits
	if l == nil || !k.limited() {
		return k.admit(now)
	}
	why, wait, err := l.admit(ctx, k)
	if err == nil {
		if why == admitted {
			k.admitted(now) // the fallback's buckets follow this instance's share
		}
		return why, wait
	}
	l.fault(err)
	if l.closed {
		return limitsUnavailable, time.Second
	}
	return k.admit(now)
}

// chargeKey counts an answer against k: in this process always (its figures
// and the fallback's state), and in Redis with shared limits.
func (s *Server) chargeKey(ctx context.Context, k *vkey, tokens int, cost float64) {
	k.charge(s.now(), tokens, cost)
	l := s.sharedLimits
	if l == nil || !(tokens > 0 && k.tpm.rate > 0 || cost > 0 && k.budget > 0) {
		return
	}
	if err := l.charge(ctx, k, tokens, cost); err != nil {
		l.fault(err) // lost from the fleet's count: Redis did not take it
	}
}

// keySpent is what k has spent of its budget: the fleet's with shared limits
// (this process's if Redis does not answer), else this process's.
func (s *Server) keySpent(ctx context.Context, k *vkey) (spent, budget float64) {
	spent, budget = k.snapshot(s.now())
	if l := s.sharedLimits; l != nil && budget > 0 {
		if v, err := l.spent(ctx, k); err == nil {
			spent = v
		} else {
			l.fault(err)
		}
	}
	return spent, budget
}

func (l *sharedLimits) fault(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	l.errors.Add(1)
}

// buildSharedLimits makes the fleet-wide limits c.SharedLimits asks for, on
// the cache's Redis client when it names the same Redis.
func (c *Config) buildSharedLimits(b *built, getenv func(string) string) (*sharedLimits, error) {
	sl := c.SharedLimits
	if sl == nil {
		return nil, nil
	}
	url := sl.RedisURL
	if url == "" && sl.RedisURLEnv != "" {
		url = getenv(sl.RedisURLEnv)
	}
	if url == "" {
		url = b.redisURL
	}
	if url == "" {
		return nil, fmt.Errorf("shared_limits: no Redis: set shared_limits.redis_url (or redis_url_env), or cache.redis_url")
	}
	l := &sharedLimits{timeout: sl.Timeout, closed: sl.OnRedisDown == OnRedisDownClosed}
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
		return nil, fmt.Errorf("shared_limits.redis_url: %w", err)
	}
	b.closers = append(b.closers, func() { _ = rc.Close() })
	b.redis = append(b.redis, rc)
	l.client = rc.Client()
	return l, nil
}
