package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/internal/redistest"
)

// pair is two gateways sharing one Redis for their keys' limits, as two
// instances of a fleet, and a key of theirs.
type pair struct {
	t      *testing.T
	redis  *redistest.Server
	rdb    *goredis.Client
	gs     [2]*gatewaytest.Gateway
	cs     [2]*caller
	key    string
	keyCfg gateway.KeyConfig
}

// newPair starts two gateways with one key k (its SHA256 is filled in) whose
// limits are counted in Redis (shared is the SharedLimitsConfig; nil: each
// counts its own).
func newPair(t *testing.T, k gateway.KeyConfig, shared *gateway.SharedLimitsConfig, extra ...gateway.KeyConfig) *pair {
	p := &pair{t: t, redis: redistest.Start(t)}
	p.start(k, shared, extra...)
	return p
}

// start starts the pair's gateways on its Redis (see newPair).
func (p *pair) start(k gateway.KeyConfig, shared *gateway.SharedLimitsConfig, extra ...gateway.KeyConfig) {
	t := p.t
	key, sum, err := gateway.NewKey()
	require.NoError(t, err)
	k.SHA256 = sum
	p.key, p.keyCfg = key, k
	if shared != nil && shared.RedisURL == "" {
		shared.RedisURL = p.redis.URL()
	}
	if shared != nil && shared.Timeout == 0 {
		// Not the 50ms default: on a loaded machine (-race, two CPUs) a slow
		// round trip would fall back to the per-process count and let one
		// more call in. The fault tests set theirs.
		shared.Timeout = 2 * time.Second
	}
	opt, err := goredis.ParseURL(p.redis.URL())
	require.NoError(t, err)
	opt.MaxRetries = -1
	p.rdb = goredis.NewClient(opt)
	t.Cleanup(func() { _ = p.rdb.Close() })
	for i := range p.gs {
		cfg := gateway.Config{Keys: append([]gateway.KeyConfig{k}, extra...), Upstream: noRetries()}
		if shared != nil {
			s := *shared
			cfg.SharedLimits = &s
		}
		p.gs[i] = gatewaytest.Start(t, cfg)
		p.gs[i].Key = key
		p.cs[i] = newCaller(t, p.gs[i])
	}
}

// call makes one chat call on gateway i with the pair's key.
func (p *pair) call(i int, body string) (*http.Response, []byte) {
	p.t.Helper()
	return p.cs[i].chat(body)
}

// admittedAlternating calls n times, alternating between the two gateways,
// and counts the answers by status.
func (p *pair) admittedAlternating(n int) map[int]int {
	codes := map[int]int{}
	for i := range n {
		res, _ := p.call(i%2, hi)
		codes[res.StatusCode]++
	}
	return codes
}

func (p *pair) redisCalls(cmd string) int {
	p.t.Helper()
	info, err := p.rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(p.t, err)
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "cmdstat_"+cmd+":calls="); ok {
			n, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
			return n
		}
	}
	return 0
}

// A key limited to N requests a minute gets N through two gateways sharing
// Redis — and 2N without shared limits, which is what the test guards against.
func TestSharedLimitsRPM(t *testing.T) {
	const n = 6
	t.Run("shared", func(t *testing.T) {
		p := newPair(t, gateway.KeyConfig{ID: "limited", RPM: n}, &gateway.SharedLimitsConfig{})
		codes := p.admittedAlternating(3 * n)
		assert.Equal(t, n, codes[http.StatusOK], "%v", codes)
		assert.Equal(t, 2*n, codes[http.StatusTooManyRequests], "%v", codes)
		res, body := p.call(0, hi)
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
		assert.Contains(t, decodeError(t, body).Error.Message, "requests per minute")
		ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
		require.NoError(t, err)
		assert.InDelta(t, 60/n, ra, 1, "one request comes back every 60/N seconds")
	})
	t.Run("per process", func(t *testing.T) {
		p := newPair(t, gateway.KeyConfig{ID: "limited", RPM: n}, nil)
		codes := p.admittedAlternating(3 * n)
		assert.Equal(t, 2*n, codes[http.StatusOK], "each process lets N through: %v", codes)
	})
}

// The instances' clocks do not matter: the scripts use Redis's. Two gateways an
// hour ahead and an hour behind still share one count.
func TestSharedLimitsClockSkew(t *testing.T) {
	const n = 4
	p := newPair(t, gateway.KeyConfig{ID: "limited", RPM: n, BudgetCNY: 1000, BudgetPeriod: time.Hour}, &gateway.SharedLimitsConfig{})
	gateway.SetClock(p.gs[0].Server, func() time.Time { return time.Now().Add(time.Hour) })
	gateway.SetClock(p.gs[1].Server, func() time.Time { return time.Now().Add(-time.Hour) })
	codes := p.admittedAlternating(3 * n)
	assert.Equal(t, n, codes[http.StatusOK], "%v", codes)
}

// Tokens per minute are counted from each answer on either instance: a key
// in debt is refused on both.
func TestSharedLimitsTPM(t *testing.T) {
	p := newPair(t, gateway.KeyConfig{ID: "tokens", TPM: 20}, &gateway.SharedLimitsConfig{})
	res, _ := p.call(0, hi) // the mock's answer to "hi" uses 14 tokens
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = p.call(1, hi) // 6 left: still admitted, and into debt
	require.Equal(t, http.StatusOK, res.StatusCode)
	for i := range 2 {
		res, body := p.call(i, hi)
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
		assert.Contains(t, decodeError(t, body).Error.Message, "tokens per minute")
	}
}

// A budget crossed by a stream on one instance: the stream finishes (it was
// admitted under budget, and is charged at its end), the next call anywhere is
// refused. What Redis holds is exactly what the instances charged: nothing
// is counted twice.
func TestSharedBudgetCrossedMidStream(t *testing.T) {
	p := newPair(t, gateway.KeyConfig{ID: "small", BudgetCNY: 0.00001, BudgetPeriod: time.Hour}, &gateway.SharedLimitsConfig{})
	res, body := p.call(0, `{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"a stream over budget"}]}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	ev := events(t, body)
	require.Equal(t, "[DONE]", ev[len(ev)-1], "the stream ran to its end")
	for i := range 2 {
		res, body := p.call(i, hi)
		require.Equal(t, http.StatusPaymentRequired, res.StatusCode, "%s", body)
		ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
		require.NoError(t, err)
		assert.InDelta(t, 3600, ra, 5, "renews with the period")
	}
	var charged float64
	for _, g := range p.gs {
		_, m := newCaller(t, g).do(http.MethodGet, "/metrics", "")
		charged += sumSamples(string(m), "harbor_cost_cny_total{")
		assert.Regexp(t, `harbor_gateway_key_budget_spent_ratio\{key="small"\} [1-9]`, string(m), "both report the fleet's spending")
	}
	spent, err := p.rdb.HGet(context.Background(), "harbor:limits:harbor:small", "sp").Float64()
	require.NoError(t, err)
	assert.InDelta(t, charged, spent, 1e-12, "Redis holds what the instances charged, once")
	assert.Positive(t, spent)
}

// sumSamples adds the values of an exposition's lines that start with prefix.
func sumSamples(exposition, prefix string) float64 {
	var total float64
	for _, line := range strings.Split(exposition, "\n") {
		if strings.HasPrefix(line, prefix) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err == nil {
				total += v
			}
		}
	}
	return total
}

// A key whose limits are 0 has no limits (0 means none, as in the config's
// doc): it is never refused, and costs no round trip to Redis.
func TestSharedLimitsZeroLimit(t *testing.T) {
	p := newPair(t, gateway.KeyConfig{ID: "unlimited", RPM: 0, TPM: 0, BudgetCNY: 0}, &gateway.SharedLimitsConfig{})
	before := p.redisCalls("evalsha") + p.redisCalls("eval")
	codes := p.admittedAlternating(20)
	assert.Equal(t, 20, codes[http.StatusOK])
	assert.Equal(t, before, p.redisCalls("evalsha")+p.redisCalls("eval"), "no script ran")
	keys, err := p.rdb.Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	assert.Empty(t, keys)
}

// A Redis flushed mid-run forgets the counts: each key starts again with
// full buckets and nothing spent (the documented outcome); nothing fails.
func TestSharedLimitsFlushed(t *testing.T) {
	const n = 3
	p := newPair(t, gateway.KeyConfig{ID: "limited", RPM: n}, &gateway.SharedLimitsConfig{})
	assert.Equal(t, n, p.admittedAlternating(2 * n)[http.StatusOK])
	require.NoError(t, p.rdb.FlushAll(context.Background()).Err())
	assert.Equal(t, n, p.admittedAlternating(2 * n)[http.StatusOK])
}

// Redis down, hung or answering errors: on_redis_down open counts in each
// process instead (so two gateways let 2N through); closed refuses the
// key's calls with 503 limits_unavailable and lets keys without limits
// through. No call waits much longer than the timeout.
func TestSharedLimitsRedisFaults(t *testing.T) {
	const n = 2
	faults := []struct {
		name  string
		apply func(p *pair)
	}{
		{"down", func(p *pair) { p.redis.Kill() }},
		{"hung", func(p *pair) { p.redis.Pause(); p.t.Cleanup(p.redis.Resume) }},
		{"errors", func(p *pair) {
			// A string where the key's hash should be: every script fails (WRONGTYPE).
			require.NoError(p.t, p.rdb.Set(context.Background(), "harbor:limits:harbor:limited", "not a hash", 0).Err())
		}},
	}
	for _, f := range faults {
		for _, mode := range []string{gateway.OnRedisDownOpen, gateway.OnRedisDownClosed} {
			t.Run(f.name+"/"+mode, func(t *testing.T) {
				freeKey, freeSum, err := gateway.NewKey()
				require.NoError(t, err)
				p := newPair(t, gateway.KeyConfig{ID: "limited", RPM: n},
					&gateway.SharedLimitsConfig{OnRedisDown: mode, Timeout: gateway.DefaultSharedLimitsTimeout},
					gateway.KeyConfig{ID: "free", SHA256: freeSum})
				f.apply(p)
				start := time.Now()
				codes := p.admittedAlternating(3 * n)
				res, body := p.call(0, hi)
				took := time.Since(start)
				assert.Less(t, took, time.Duration(3*n+1)*time.Second/2, "each call waits at most about the 50ms timeout")
				switch mode {
				case gateway.OnRedisDownOpen:
					assert.Equal(t, 2*n, codes[http.StatusOK], "each process counts N: %v", codes)
					assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
				case gateway.OnRedisDownClosed:
					assert.Equal(t, 0, codes[http.StatusOK], "%v", codes)
					require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
					assert.Equal(t, "limits_unavailable", *decodeError(t, body).Error.Code)
					assert.Equal(t, "1", res.Header.Get("Retry-After"))
					res, body = p.cs[1].chat(hi, "Authorization", "Bearer "+freeKey)
					assert.Equal(t, http.StatusOK, res.StatusCode, "a key without limits needs no Redis: %s", body)
				}
				_, m := p.cs[0].do(http.MethodGet, "/metrics", "")
				assert.Regexp(t, `\nharbor_gateway_shared_limits_errors_total [1-9]`, string(m))
			})
		}
	}
}

// costOfHi is what one call of hi costs (the mock's usage at harbor's prices).
func costOfHi(t *testing.T) float64 {
	g := gatewaytest.Start(t, gateway.Config{})
	c := newCaller(t, g)
	res, body := c.chat(hi)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	_, m := c.do(http.MethodGet, "/metrics", "")
	cost := sumSamples(string(m), "harbor_cost_cny_total{")
	require.Positive(t, cost)
	return cost
}

// What a key spends while Redis is down (on_redis_down: open) is counted by
// the fleet once Redis is back: the instance that admitted the calls settles
// them into Redis before its next call, and that call — and the other
// instance's — meets the key's rpm, tpm or budget as spent. Here Redis comes
// back empty, so without the settle the key would start again with nothing
// spent. closed refuses during the outage, so it owes nothing.
func TestSharedLimitsOutageSettled(t *testing.T) {
	c := costOfHi(t)
	for _, tc := range []struct {
		name   string
		key    gateway.KeyConfig
		mode   string
		outage []int // the statuses of gateway 0's calls while Redis is down
		after  int   // the status of each gateway's call once Redis is back
	}{
		// The local bucket lets 3 through; Redis's, fresh, would let 3 more.
		{"rpm", gateway.KeyConfig{RPM: 3}, gateway.OnRedisDownOpen, []int{200, 200, 200, 429}, 429},
		// hi uses 14 tokens: 20, 6, then in debt; Redis's fresh bucket is owed 28.
		{"tpm", gateway.KeyConfig{TPM: 20}, gateway.OnRedisDownOpen, []int{200, 200, 429}, 429},
		// Three calls spend 3c of 2.5c.
		{"budget", gateway.KeyConfig{BudgetCNY: 2.5 * c, BudgetPeriod: time.Hour}, gateway.OnRedisDownOpen,
			[]int{200, 200, 200, 402}, 402},
		{"closed", gateway.KeyConfig{RPM: 3, BudgetCNY: 2.5 * c, BudgetPeriod: time.Hour}, gateway.OnRedisDownClosed,
			[]int{503, 503}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.key.ID = "limited"
			p := newPair(t, tc.key, &gateway.SharedLimitsConfig{OnRedisDown: tc.mode})
			p.redis.Kill()
			for i, want := range tc.outage {
				res, body := p.call(0, hi)
				require.Equal(t, want, res.StatusCode, "call %d while Redis is down: %s", i, body)
			}
			p.redis.Restart() // empty: only the settle can tell Redis what was spent
			for i := range p.gs {
				res, body := p.call(i, hi)
				require.Equal(t, tc.after, res.StatusCode, "gateway %d once Redis is back: %s", i, body)
			}
			ctx := context.Background()
			h, err := p.rdb.HGetAll(ctx, "harbor:limits:harbor:limited").Result()
			require.NoError(t, err)
			switch tc.name {
			case "rpm": // 3 owed; the refill since (3 a minute) is a fraction of one
				assert.InDelta(t, 0, parseFloat(t, h["rt"]), 0.5, "%v", h)
			case "tpm": // 20 - 28, less the refill since (20 a minute)
				assert.InDelta(t, -8, parseFloat(t, h["tt"]), 1, "%v", h)
			case "budget":
				assert.InDelta(t, p.charged(0), parseFloat(t, h["sp"]), 1e-12, "Redis has what gateway 0 spent, once: %v", h)
			}
			for _, secret := range []string{p.key, p.keyCfg.SHA256} {
				assert.NotContains(t, fmt.Sprint(h), secret)
			}
		})
	}
}

// A settle whose answer is lost after Redis ran it (the reply held past the
// timeout) is sent again with the same id, and Redis skips it: what was owed
// is counted once.
func TestSharedLimitsSettleRetriedOnce(t *testing.T) {
	p := &pair{t: t, redis: redistest.Start(t)}
	slow := redistest.StartSlowProxy(t, p.redis.Addr())
	p.start(gateway.KeyConfig{ID: "limited", RPM: 1000, BudgetCNY: 1000, BudgetPeriod: time.Hour},
		&gateway.SharedLimitsConfig{RedisURL: slow.URL(), OnRedisDown: gateway.OnRedisDownOpen, Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	const key = "harbor:limits:harbor:limited"
	spent := func() float64 {
		v, err := p.rdb.HGet(ctx, key, "sp").Float64()
		require.NoError(t, err)
		return v
	}
	var firstSettled float64

	// Redis answers errors (a string where the hash should be): the calls are
	// counted in the gateway, and owed — the first in the batch the gateway
	// tries to settle (and fails to, while the errors last), the others after
	// it.
	require.NoError(t, p.rdb.Set(ctx, key, "not a hash", 0).Err())
	for i := range 3 {
		res, body := p.call(0, hi)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
		if i == 0 {
			// Not after: /metrics settles what a budgeted key owes.
			first := p.charged(0)
			defer func() { assert.InDelta(t, first, firstSettled, 1e-12, "the first batch ran") }()
		}
	}
	require.NoError(t, p.rdb.Del(ctx, key).Err())

	// Redis runs the first batch, but its answer never arrives: this call is
	// counted in the gateway too, and owed.
	slow.SetReplyLatency(time.Hour)
	res, body := p.call(0, hi)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	firstSettled = spent()

	// Answers arrive again: the first batch is sent again, with its id, and
	// skipped; the rest is settled.
	slow.SetLatency(0)
	res, body = p.call(0, hi)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.InDelta(t, p.charged(0), spent(), 1e-12, "Redis has what the gateway spent, once")
}

// charged is what gateway i's calls cost (its harbor_cost_cny_total).
func (p *pair) charged(i int) float64 {
	p.t.Helper()
	_, m := p.cs[i].do(http.MethodGet, "/metrics", "")
	return sumSamples(string(m), "harbor_cost_cny_total{")
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "%q", s)
	return f
}

// A slow Redis (a proxy adding latency each way): below the timeout the key's
// limit is counted for the fleet; above it (1s each way, against a 500ms
// shared_limits.timeout, which rediscache's 100ms read timeout caps) each call
// meets on_redis_down within a bounded time — open: each gateway lets its own
// share of N through; closed: 503 limits_unavailable, keys without limits
// served — and once Redis is fast again it counts for the fleet again (what
// open let through meanwhile is settled there: TestSharedLimitsOutageSettled).
func TestSharedLimitsRedisSlow(t *testing.T) {
	const n = 2
	for _, mode := range []string{gateway.OnRedisDownOpen, gateway.OnRedisDownClosed} {
		t.Run(mode, func(t *testing.T) {
			freeKey, freeSum, err := gateway.NewKey()
			require.NoError(t, err)
			p := &pair{t: t, redis: redistest.Start(t)}
			slow := redistest.StartSlowProxy(t, p.redis.Addr())
			p.start(gateway.KeyConfig{ID: "limited", RPM: n},
				&gateway.SharedLimitsConfig{RedisURL: slow.URL(), OnRedisDown: mode, Timeout: 500 * time.Millisecond},
				gateway.KeyConfig{ID: "free", SHA256: freeSum})

			slow.SetLatency(10 * time.Millisecond)
			assert.Equal(t, map[int]int{http.StatusOK: n, http.StatusTooManyRequests: n}, p.admittedAlternating(2*n),
				"below the timeout: N for the fleet")

			slow.SetLatency(time.Second)
			var slowest time.Duration
			codes := map[int]int{}
			for i := range 3 * n {
				start := time.Now()
				res, body := p.call(i%2, hi)
				slowest = max(slowest, time.Since(start))
				codes[res.StatusCode]++
				if mode == gateway.OnRedisDownClosed {
					require.Equal(t, http.StatusServiceUnavailable, res.StatusCode, "%s", body)
					assert.Equal(t, "limits_unavailable", *decodeError(t, body).Error.Code)
					assert.Equal(t, "1", res.Header.Get("Retry-After"))
				}
			}
			// Bounded by the timeout, not by Redis's 2s round trip; loose for a
			// loaded machine.
			assert.Less(t, slowest, 2*time.Second)
			switch mode {
			case gateway.OnRedisDownOpen:
				// Each gateway admitted N/2 while Redis counted; alone it allows
				// the rest of its N: N more for the two.
				assert.Equal(t, map[int]int{http.StatusOK: n, http.StatusTooManyRequests: 2 * n}, codes)
			case gateway.OnRedisDownClosed:
				res, body := p.cs[1].chat(hi, "Authorization", "Bearer "+freeKey)
				assert.Equal(t, http.StatusOK, res.StatusCode, "a key without limits needs no Redis: %s", body)
			}
			_, m := p.cs[0].do(http.MethodGet, "/metrics", "")
			errs := sumSamples(string(m), "harbor_gateway_shared_limits_errors_total")
			assert.GreaterOrEqual(t, errs, float64(n), "the slow round trips are counted")

			slow.SetLatency(0)
			assert.Equal(t, map[int]int{http.StatusTooManyRequests: 2}, p.admittedAlternating(2),
				"Redis counts again: its bucket is still empty")
			t.Logf("%s: slowest call at 1s each way: %v; codes %v; gateway 0's shared limits errors %v", mode, slowest, codes, errs)
		})
	}
}

// Redis holds the keys' ids only: never a key, nor its hash.
func TestSharedLimitsNoKeyInRedis(t *testing.T) {
	p := newPair(t, gateway.KeyConfig{ID: "limited", RPM: 100, TPM: 100000, BudgetCNY: 10, BudgetPeriod: time.Hour}, &gateway.SharedLimitsConfig{})
	p.admittedAlternating(4)
	ctx := context.Background()
	keys, err := p.rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Equal(t, []string{"harbor:limits:harbor:limited"}, keys)
	all := fmt.Sprint(keys, p.rdb.HGetAll(ctx, keys[0]).Val())
	for _, secret := range []string{p.key, p.keyCfg.SHA256, p.key[len(p.key)-8:]} {
		assert.NotContains(t, all, secret)
	}
	ttl, err := p.rdb.PTTL(ctx, keys[0]).Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Hour+time.Minute, ttl, float64(10*time.Second), "a key's counts expire a minute after its budget's period")
}

func TestSharedLimitsConfig(t *testing.T) {
	_, err := gateway.New(gateway.Config{SharedLimits: &gateway.SharedLimitsConfig{}})
	require.ErrorContains(t, err, "shared_limits: no Redis")
	_, err = gateway.New(gateway.Config{SharedLimits: &gateway.SharedLimitsConfig{RedisURL: "redis://127.0.0.1:1/0", OnRedisDown: "maybe"}})
	require.ErrorContains(t, err, "shared_limits.on_redis_down")
	cfg, err := gateway.ParseConfig([]byte("shared_limits:\n  redis_url_env: REDIS_URL\n  on_redis_down: closed\n  timeout: 20ms\n"))
	require.NoError(t, err)
	assert.Equal(t, &gateway.SharedLimitsConfig{RedisURLEnv: "REDIS_URL", OnRedisDown: "closed", Timeout: 20 * time.Millisecond}, cfg.SharedLimits)
}
