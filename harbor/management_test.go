package harbor_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// ConcurrencyStats counts real calls and real connections; its JSON has the
// seed's field names.
func TestConcurrencyStatsCountRealCalls(t *testing.T) {
	// Without the spec check, whose transport would replace harbor's own.
	m := harbortest.Start(t, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
	c, err := m.NewClient(harbor.WithLimits(harbor.Limits{MaxConcurrent: 10}))
	require.NoError(t, err)
	defer c.Close()
	ctx := context.Background()
	for range 3 {
		_, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
		require.NoError(t, err)
	}
	cs := c.ConcurrencyStats()
	assert.EqualValues(t, 3, cs.Requests.CompletedCount)
	assert.Zero(t, cs.Requests.ProcessingCount)
	assert.Positive(t, cs.Performance.Throughput)
	assert.Positive(t, cs.Performance.AvgResponseTime)
	require.NotNil(t, cs.Connections)
	assert.EqualValues(t, 1, cs.Connections.Dialed, "keep-alive: one connection for three calls")
	assert.EqualValues(t, 1, cs.Connections.Idle)
	assert.Zero(t, cs.Connections.Active)
	assert.Equal(t, 10, cs.Connections.MaxConnections)
	assert.Contains(t, cs.Providers, "deepseek")

	b, err := json.Marshal(cs)
	require.NoError(t, err)
	for _, f := range []string{`"connections"`, `"active"`, `"max_connections"`, `"queue_length"`, `"processing_count"`,
		`"completed_count"`, `"throughput"`, `"avg_response_time"`, `"error_rate"`} {
		assert.Contains(t, string(b), f)
	}

	// CleanupMemory closes the idle connection and says so.
	r := c.CleanupMemory()
	assert.EqualValues(t, 1, r.IdleConnectionsClosed)
	assert.Zero(t, c.ConcurrencyStats().Connections.Idle)
}

// HealthCheck reports from what calls did; ProbeHealth asks the model list.
func TestHealthCheck(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c, err := m.NewClient(harbor.WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()

	h := c.HealthCheck(ctx)
	assert.Equal(t, harbor.Healthy, h.Status)
	require.Contains(t, h.Providers, "deepseek", "a configured provider is reported before any call")
	assert.True(t, h.Providers["deepseek"].Credentials)

	_, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	h = c.HealthCheck(ctx)
	require.NotNil(t, h.Providers["deepseek"].LastSuccess)

	m.Enqueue(harbortest.ServerError())
	_, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.Error(t, err)
	h = c.HealthCheck(ctx)
	assert.Equal(t, harbor.Degraded, h.Status)
	assert.Equal(t, harbor.Degraded, h.Providers["deepseek"].Status)
	assert.EqualValues(t, 1, h.Providers["deepseek"].ConsecutiveFailures)
	assert.Equal(t, "server", h.Providers["deepseek"].LastErrorType)

	m.Enqueue(harbortest.ServerError(), harbortest.ServerError())
	for range 2 {
		_, _ = c.Chat.Completions.Create(ctx, hi(m.Model()))
	}
	h = c.HealthCheck(ctx)
	assert.Equal(t, harbor.Unhealthy, h.Status)

	// An invalid request says nothing about the vendor's health.
	_, err = c.Chat.Completions.Create(ctx, &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{{Role: "user", Content: "x"}}, Temperature: harbor.Some(9.0)})
	require.ErrorIs(t, err, harbor.ErrInvalidRequest)
	assert.EqualValues(t, 3, c.HealthCheck(ctx).Providers["deepseek"].ConsecutiveFailures)

	_, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	assert.Equal(t, harbor.Healthy, c.HealthCheck(ctx).Status, "one success heals")

	before := len(m.Requests())
	h = c.ProbeHealth(ctx)
	require.NotNil(t, h.Providers["deepseek"].Probe)
	assert.True(t, h.Providers["deepseek"].Probe.OK)
	assert.Len(t, m.ChatRequests(), 5, "the probe made no chat call")
	assert.Len(t, m.Requests(), before+1, "one free request: the model list")
}

// A provider without credentials is unhealthy, and says why.
func TestHealthWithoutCredentials(t *testing.T) {
	c, err := harbor.New(noEnv(t), harbor.WithBaseURL("deepseek", "http://127.0.0.1:1"))
	require.NoError(t, err)
	h := c.HealthCheck(context.Background())
	assert.Equal(t, harbor.Unhealthy, h.Status)
	assert.False(t, h.Providers["deepseek"].Credentials)
	assert.Contains(t, h.Providers["deepseek"].Error, "DEEPSEEK_API_KEY")
}

// WithPreload builds providers in New, and fails New without their keys.
func TestPreload(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c, err := m.NewClient(harbor.WithPreload("deepseek"))
	require.NoError(t, err)
	assert.Equal(t, []string{"deepseek"}, c.BoundProviders())

	_, err = harbor.New(noEnv(t), harbor.WithPreload("deepseek"))
	require.ErrorIs(t, err, harbor.ErrNoCredentials)
	_, err = harbor.New(noEnv(t), harbor.WithPreload("nobody"))
	requireInvalid(t, err, "unknown provider", "WithPreload", "nobody")
}

// Bind builds one provider now and returns its build's error: none once
// built, ErrNoCredentials without a key, ErrInvalidRequest naming the variable
// (never its value) for a malformed one; a failed build is not kept.
func TestBind(t *testing.T) {
	vars := map[string]string{}
	var mu sync.Mutex
	c, err := harbor.New(harbor.WithGetenv(func(k string) string { mu.Lock(); defer mu.Unlock(); return vars[k] }))
	require.NoError(t, err)
	set := func(k, v string) { mu.Lock(); defer mu.Unlock(); vars[k] = v }

	require.ErrorIs(t, c.Bind("deepseek"), harbor.ErrNoCredentials)
	set("DEEPSEEK_API_KEY", "sk-pasted\n")
	err = c.Bind("deepseek")
	requireInvalid(t, err, "malformed key", "DEEPSEEK_API_KEY", "control character")
	assert.NotContains(t, err.Error(), "sk-pasted")
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "DEEPSEEK_API_KEY", he.Param)
	assert.Empty(t, c.BoundProviders(), "a failed build is not kept")

	set("DEEPSEEK_API_KEY", "sk-fixed")
	require.NoError(t, c.Bind("deepseek"))
	assert.Equal(t, []string{"deepseek"}, c.BoundProviders())

	set("OPENAI_API_KEY", "sk-o")
	set("OPENAI_BASE_URL", "127.0.0.1:9102/v1")
	requireInvalid(t, c.Bind("openai"), "base URL without a scheme", "OPENAI_BASE_URL")

	requireInvalid(t, c.Bind("nobody"), "unknown provider", "Bind", "nobody")
}

// CostStats keeps running totals per provider and model; DeepSeek's cache-hit
// tokens are priced as such.
func TestCostStats(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	price := harbor.Price{Input: 2, CachedInput: 0.5, Output: 8}
	c, err := m.NewClient(harbor.WithPrices(harbor.PriceTable{"deepseek/deepseek-v4-flash": price}))
	require.NoError(t, err)
	var total float64
	for range 2 {
		res, err := c.Chat.Completions.Create(context.Background(), hi(m.Model()))
		require.NoError(t, err)
		assert.Equal(t, price.CostOf(res.Usage), res.Cost)
		total += res.Cost.Total
	}
	cs := c.CostStats()
	assert.InDelta(t, total, cs.TotalCNY, 1e-12)
	mc := cs.Providers["deepseek"]["deepseek-v4-flash"]
	assert.EqualValues(t, 2, mc.Calls)
	assert.Positive(t, mc.PromptTokens)

	// DeepSeek reports cache-hit tokens; they cost CachedInput.
	u := harbor.Usage{PromptTokens: 1000, CompletionTokens: 100, PromptCacheHitTokens: 800, PromptCacheMissTokens: 200}
	got := price.CostOf(u)
	assert.InDelta(t, 200*2/1e6, got.Input, 1e-12)
	assert.InDelta(t, 800*0.5/1e6, got.CachedInput, 1e-12)
	assert.InDelta(t, 100*8/1e6, got.Output, 1e-12)

	off, err := m.NewClient(harbor.WithPrices(harbor.PriceTable{}))
	require.NoError(t, err)
	res, err := off.Chat.Completions.Create(context.Background(), hi(m.Model()))
	require.NoError(t, err)
	assert.Zero(t, res.Cost, "an empty table turns pricing off")
}

// The background cleaner runs CleanupMemory and Close stops it.
func TestAutoCleanup(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ran := make(chan harbor.CleanupReport, 1)
	c, err := harbor.New(noEnv(t), harbor.WithAutoCleanup(harbor.AutoCleanup{Interval: time.Millisecond,
		OnCleanup: func(r harbor.CleanupReport) {
			select {
			case ran <- r:
			default:
			}
		}}))
	require.NoError(t, err)
	<-ran
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close twice is fine")

	for name, a := range map[string]harbor.AutoCleanup{
		"negative interval":     {Interval: -1},
		"negative threshold":    {Interval: time.Second, MemoryThresholdMB: -1},
		"threshold no interval": {MemoryThresholdMB: 10},
	} {
		_, err := harbor.New(harbor.WithAutoCleanup(a))
		requireInvalid(t, err, name, "WithAutoCleanup")
	}
}

// MemoryStats has the seed's sections, and no section for a stage that is off.
func TestMemoryStatsShape(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // Close stops the cache's goroutine
	c, err := harbor.New(noEnv(t), harbor.WithCache(harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute}))
	require.NoError(t, err)
	defer c.Close()
	b, err := json.Marshal(c.MemoryStats())
	require.NoError(t, err)
	for _, f := range []string{`"cache"`, `"size"`, `"max_size"`, `"hit_rate"`, `"memory_usage_mb"`, `"go_heap"`,
		`"object_pool"`, `"usage_rate"`, `"total_objects"`, `"active_objects"`, `"system_memory"`, `"rss_mb"`, `"vms_mb"`} {
		assert.Contains(t, string(b), f)
	}
	assert.NotContains(t, string(b), "weak_references")
	assert.NotContains(t, string(b), `"shared"`, "no shared tier configured")
}

// The object pools are harbor's real ones, counted as calls use them.
func TestMemoryStatsCountThePools(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	before := m.Client().MemoryStats().ObjectPool
	_, err := m.Client().Chat.Completions.Create(context.Background(), hi(m.Model()))
	require.NoError(t, err)
	after := m.Client().MemoryStats().ObjectPool
	var names []string
	var gets uint64
	for _, p := range after.Pools {
		names = append(names, p.Name)
		gets += p.Gets
	}
	assert.Contains(t, names, "wire.buffer")
	var getsBefore uint64
	for _, p := range before.Pools {
		getsBefore += p.Gets
	}
	assert.Greater(t, gets, getsBefore, "the call took objects from the pools")
	assert.Positive(t, after.TotalObjects)
	ms := m.Client().MemoryStats()
	require.NotNil(t, ms.SystemMemory, "Linux reports RSS and VMS")
	assert.Positive(t, ms.SystemMemory.RSSMB)
	assert.GreaterOrEqual(t, ms.SystemMemory.VMSMB, ms.SystemMemory.RSSMB)
}

// A New refused after its stages were built (an alias no provider serves)
// leaves no cache goroutine behind (found by a review).
func TestRefusedNewLeavesNothingRunning(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, err := harbor.New(noEnv(t), harbor.WithCache(harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute}),
		harbor.WithAlias("fast", "nothing/abc"))
	require.Error(t, err)
}
