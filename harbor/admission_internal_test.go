package harbor

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/internal/h1"
)

// A provider limit of 2 with a queue of 1: two calls run, one waits, the fourth
// is refused at once with ErrQueueFull; when the gate opens all admitted calls
// finish.
func TestAdmissionLimitsAndQueues(t *testing.T) {
	g := newGated()
	c := gatedClient(t, g, WithLimits(Limits{PerProvider: map[string]int{"gated": 2}, QueueSize: 1}))
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Chat.Completions.Create(ctx, gatedReq())
			errs <- err
		}()
	}
	waitFor(t, "two calls at the vendor and one queued", func() bool {
		return g.waiting.Load() == 2 && c.QueueLength() == 1
	})
	cs := c.ConcurrencyStats()
	assert.EqualValues(t, 1, cs.Requests.QueueLength)
	assert.EqualValues(t, 2, cs.Requests.ProcessingCount)
	assert.Equal(t, 2, cs.Providers["gated"].MaxConcurrent)

	_, err := c.Chat.Completions.Create(ctx, gatedReq())
	require.ErrorIs(t, err, ErrQueueFull)
	var he *Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "gated", he.Provider)
	assert.Contains(t, he.Message, "queue")

	g.open()
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 3, g.calls.Load(), "the refused call never reached the vendor")
	cs = c.ConcurrencyStats()
	assert.EqualValues(t, 4, cs.Requests.CompletedCount)
	assert.EqualValues(t, 1, cs.Requests.FailedCount)
	assert.InDelta(t, 0.25, cs.Performance.ErrorRate, 1e-9)
}

// Waiting honours the context: a queued call whose context ends leaves the
// queue with ErrCanceled (or ErrTimeout for a deadline).
func TestAdmissionWaitHonoursTheContext(t *testing.T) {
	g := newGated()
	c := gatedClient(t, g, WithLimits(Limits{MaxConcurrent: 1, QueueSize: 4}))
	go func() { _, _ = c.Chat.Completions.Create(context.Background(), gatedReq()) }()
	waitFor(t, "the first call at the vendor", func() bool { return g.waiting.Load() == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Chat.Completions.Create(ctx, gatedReq())
		done <- err
	}()
	waitFor(t, "the second call queued", func() bool { return c.QueueLength() == 1 })
	cancel()
	err := <-done
	require.ErrorIs(t, err, ErrCanceled)
	assert.Zero(t, c.QueueLength())
	assert.EqualValues(t, 1, g.calls.Load())

	ctx, cancel = context.WithTimeout(context.Background(), 0)
	defer cancel()
	_, err = c.Chat.Completions.Create(ctx, gatedReq())
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrTimeout) || errors.Is(err, ErrCanceled), err)
}

// A stream holds its slot until it is closed (by the caller, or by itself at its
// end), not only until its headers arrive.
func TestStreamHoldsItsSlotUntilClosed(t *testing.T) {
	g := newGated()
	g.open()
	c := gatedClient(t, g, WithLimits(Limits{DefaultPerProvider: 1}))
	ctx := context.Background()
	s, err := c.Chat.Completions.Stream(ctx, gatedReq())
	require.NoError(t, err)
	require.True(t, s.Next())
	_, err = c.Chat.Completions.Create(ctx, gatedReq())
	require.ErrorIs(t, err, ErrQueueFull, "the open stream holds the slot")
	require.NoError(t, s.Close())
	_, err = c.Chat.Completions.Create(ctx, gatedReq())
	require.NoError(t, err)
	assert.Zero(t, c.ConcurrencyStats().Requests.ProcessingCount)
}

// Without limits nothing waits and nothing is refused (today's behaviour).
func TestNoLimitsByDefault(t *testing.T) {
	g := newGated()
	c := gatedClient(t, g)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Chat.Completions.Create(context.Background(), gatedReq())
			assert.NoError(t, err)
		}()
	}
	waitFor(t, "50 calls at the vendor at once", func() bool { return g.waiting.Load() == 50 })
	g.open()
	wg.Wait()
	assert.Nil(t, c.global)
}

func TestLimitsAreChecked(t *testing.T) {
	for name, l := range map[string]Limits{
		"MaxConcurrent":      {MaxConcurrent: -1},
		"DefaultPerProvider": {DefaultPerProvider: -1},
		"QueueSize":          {QueueSize: -1},
		"MaxConnsPerHost":    {MaxConnsPerHost: -1},
		`PerProvider["x"]`:   {PerProvider: map[string]int{"x": -2}},
	} {
		_, err := New(WithLimits(l))
		require.ErrorIs(t, err, ErrInvalidRequest, name)
		assert.Contains(t, err.Error(), name)
	}
}

// MaxConnsPerHost reaches the transport.
func TestMaxConnsPerHostCapsTheTransport(t *testing.T) {
	c, err := New(WithLimits(Limits{MaxConnsPerHost: 7}))
	require.NoError(t, err)
	c.doer()
	assert.Equal(t, 7, c.transport.(*h1.Transport).MaxConnsPerHost)
}
