package harbor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// twoVendors is a Client over the DeepSeek and Doubao mocks, with a chain "fast"
// from the first to the second.
func twoVendors(t *testing.T, opts ...harbor.Option) (ds, ark *harbortest.Mock, c *harbor.Client) {
	t.Helper()
	ds = harbortest.Start(t, harbortest.DeepSeek, harbortest.WithoutSpecCheck())
	ark = harbortest.Start(t, harbortest.Doubao, harbortest.WithoutSpecCheck())
	all := append(append(ds.Options(), ark.Options()...), harbor.WithMaxRetries(0),
		harbor.WithFallback("fast", ds.Model(), ark.Model()))
	c, err := harbor.New(append(all, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return ds, ark, c
}

func fastReq() *harbor.ChatRequest { return hi("fast") }

// The chain moves on for the default classes, says which model answered and what
// failed, and counts the fallback.
func TestFallbackMovesOnForDefaultClasses(t *testing.T) {
	for name, fault := range map[string]harbortest.Fault{
		"server error": harbortest.ServerError(),
		"rate limited": harbortest.RateLimited(""),
		"overloaded":   harbortest.Overloaded(),
		"connection":   harbortest.ConnectionReset(),
	} {
		t.Run(name, func(t *testing.T) {
			ds, ark, c := twoVendors(t)
			ds.Enqueue(fault)
			res, err := c.Chat.Completions.Create(context.Background(), fastReq())
			require.NoError(t, err)
			require.NotNil(t, res.Fallback)
			assert.Equal(t, "fast", res.Fallback.Chain)
			assert.Equal(t, ark.Model(), res.Fallback.Model)
			assert.Equal(t, "doubao", res.Provider)
			require.Len(t, res.Fallback.Failed, 1)
			assert.Equal(t, ds.Model(), res.Fallback.Failed[0].Model)
			assert.Equal(t, "deepseek", res.Fallback.Failed[0].Provider)
			assert.NotEmpty(t, res.Fallback.Failed[0].ErrorType)
			assert.EqualValues(t, 1, c.Stats().Fallbacks)
			assert.Len(t, ark.ChatRequests(), 1)
		})
	}
}

// Never on an invalid request, authentication, content filter or cancellation.
func TestFallbackNeverMovesOnForTheCallersFaults(t *testing.T) {
	for name, fault := range map[string]harbortest.Fault{
		"unauthorized":   harbortest.Unauthorized(),
		"invalid params": harbortest.InvalidParams(""),
	} {
		t.Run(name, func(t *testing.T) {
			ds, ark, c := twoVendors(t)
			ds.Enqueue(fault)
			_, err := c.Chat.Completions.Create(context.Background(), fastReq())
			require.Error(t, err)
			var fe *harbor.FallbackError
			assert.False(t, errors.As(err, &fe), "one model tried: the plain error")
			assert.Empty(t, ark.ChatRequests(), "the next model was not asked")
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		_, ark, c := twoVendors(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Chat.Completions.Create(ctx, fastReq())
		require.ErrorIs(t, err, harbor.ErrCanceled)
		assert.Empty(t, ark.ChatRequests())
	})
}

// Every model failing gives a *FallbackError listing them, whose class is the last one's.
func TestFallbackErrorListsEveryModel(t *testing.T) {
	ds, ark, c := twoVendors(t)
	ds.Enqueue(harbortest.ServerError())
	ark.Enqueue(harbortest.Overloaded())
	_, err := c.Chat.Completions.Create(context.Background(), fastReq())
	var fe *harbor.FallbackError
	require.ErrorAs(t, err, &fe)
	require.Len(t, fe.Attempts, 2)
	assert.Equal(t, "fast", fe.Chain)
	assert.Contains(t, err.Error(), ds.Model())
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "doubao", he.Provider)
}

// A stream moves on before its first chunk, never after.
func TestFallbackStreams(t *testing.T) {
	t.Run("before the first chunk", func(t *testing.T) {
		ds, ark, c := twoVendors(t)
		ds.Enqueue(harbortest.ServerError())
		s, err := c.Chat.Completions.Stream(context.Background(), fastReq())
		require.NoError(t, err)
		text, _, _ := readStream(t, s)
		assert.NotEmpty(t, text)
		require.NotNil(t, s.Fallback())
		assert.Equal(t, ark.Model(), s.Fallback().Model)
	})
	t.Run("a stream cut before any chunk", func(t *testing.T) {
		ds, ark, c := twoVendors(t, harbor.WithFallbackOn(harbor.ErrStreamTruncated, harbor.ErrServer))
		ds.Enqueue(harbortest.ReplySSE()) // headers, then the body ends: no chunk, no [DONE]
		s, err := c.Chat.Completions.Stream(context.Background(), fastReq())
		require.NoError(t, err)
		text, _, _ := readStream(t, s)
		assert.NotEmpty(t, text)
		assert.Len(t, ark.ChatRequests(), 1)
	})
	t.Run("after the first chunk", func(t *testing.T) {
		ds, ark, c := twoVendors(t, harbor.WithFallbackOn(harbor.ErrStreamTruncated))
		ds.Enqueue(harbortest.TruncatedStream(2))
		s, err := c.Chat.Completions.Stream(context.Background(), fastReq())
		require.NoError(t, err)
		n := 0
		for s.Next() {
			n++
		}
		assert.Positive(t, n)
		require.ErrorIs(t, s.Err(), harbor.ErrStreamTruncated)
		assert.Empty(t, ark.ChatRequests(), "chunks reached the caller: no moving on")
		s.Close()
	})
}

// A chain per call; chain names are checked by New.
func TestFallbackPerCallAndChecks(t *testing.T) {
	ds, ark, c := twoVendors(t)
	ds.Enqueue(harbortest.ServerError())
	res, err := c.Chat.Completions.Create(context.Background(), hi(ds.Model()), harbor.WithFallbackModels(ark.Model()))
	require.NoError(t, err)
	assert.Equal(t, "", res.Fallback.Chain)
	assert.Equal(t, ark.Model(), res.Fallback.Model)

	_, err = harbor.New(harbor.WithFallback("x", "deepseek-v4-flash", "no-such-model"))
	requireInvalid(t, err, "unknown model", "WithFallback", "no-such-model")
	_, err = harbor.New(harbor.WithFallback("x"))
	requireInvalid(t, err, "empty chain", "WithFallback")
	_, err = harbor.New(harbor.WithFallbackOn(harbor.ErrCanceled))
	requireInvalid(t, err, "canceled", "WithFallbackOn")
	_, err = harbor.New(harbor.WithFallbackOn(errors.New("mine")))
	requireInvalid(t, err, "not a class", "WithFallbackOn")
}

// The breaker opens after N failures: calls fail at once without reaching the
// vendor, a chain skips the provider, and after the cool-down one probe closes it.
func TestCircuitBreaker(t *testing.T) {
	ds, ark, c := twoVendors(t, harbor.WithCircuitBreaker(harbor.CircuitBreaker{Failures: 2, Cooldown: 50 * time.Millisecond}))
	ctx := context.Background()
	ds.Enqueue(harbortest.ServerError(), harbortest.ServerError())
	for range 2 {
		_, err := c.Chat.Completions.Create(ctx, hi(ds.Model()))
		require.ErrorIs(t, err, harbor.ErrServer)
	}
	assert.Equal(t, harbor.CircuitOpen, c.HealthCheck(ctx).Providers["deepseek"].Circuit)

	_, err := c.Chat.Completions.Create(ctx, hi(ds.Model()))
	require.ErrorIs(t, err, harbor.ErrCircuitOpen)
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.Positive(t, he.RetryAfter)
	assert.Len(t, ds.ChatRequests(), 2, "the open breaker sent nothing")
	h := c.HealthCheck(ctx).Providers["deepseek"]
	assert.EqualValues(t, 2, h.ConsecutiveFailures, "a call the breaker refused is no failure of the vendor's (found by a new-user trial)")
	assert.Equal(t, "server", h.LastErrorType)

	res, err := c.Chat.Completions.Create(ctx, fastReq())
	require.NoError(t, err)
	assert.Equal(t, "circuit_open", res.Fallback.Failed[0].ErrorType, "the chain skipped the open provider")
	assert.Len(t, ds.ChatRequests(), 2)

	// After the cool-down: one probe, which succeeds and closes the breaker.
	deadline := time.Now().Add(5 * time.Second)
	for c.HealthCheck(ctx).Providers["deepseek"].Circuit == harbor.CircuitOpen && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	_, err = c.Chat.Completions.Create(ctx, hi(ds.Model()))
	require.NoError(t, err)
	assert.Equal(t, harbor.CircuitClosed, c.HealthCheck(ctx).Providers["deepseek"].Circuit)
	_ = ark
}
