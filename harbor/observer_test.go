package harbor_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

type recorder struct {
	mu     sync.Mutex
	events []harbor.CallEvent
}

func (r *recorder) Observe(e harbor.CallEvent) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) take() []harbor.CallEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func kinds(es []harbor.CallEvent) []harbor.EventKind {
	out := make([]harbor.EventKind, len(es))
	for i, e := range es {
		out[i] = e.Kind
	}
	return out
}

// Every routed call reports start and end (streams: first chunk in between) with
// what it did: usage, cost, attempts, cache result, error class, request id.
func TestObserverSeesEveryCall(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	rec := &recorder{}
	c, err := m.NewClient(harbor.WithObserver(rec))
	require.NoError(t, err)
	ctx := context.Background()

	m.Enqueue(harbortest.RateLimited(""))
	res, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.NoError(t, err)
	es := rec.take()
	require.Equal(t, []harbor.EventKind{harbor.EventStart, harbor.EventEnd}, kinds(es))
	end := es[1]
	assert.Equal(t, "chat", end.Operation)
	assert.Equal(t, "deepseek", end.Provider)
	assert.Equal(t, "deepseek-v4-flash", end.Model)
	assert.False(t, end.Stream)
	assert.Equal(t, 2, end.Attempts, "the 429 and its retry")
	assert.Equal(t, res.Usage, end.Usage)
	assert.Equal(t, res.Cost, end.Cost)
	assert.Positive(t, end.Cost.Total)
	assert.Positive(t, end.Latency)
	assert.Equal(t, harbor.CacheOff, end.Cache)
	assert.NoError(t, end.Err)
	assert.Empty(t, end.ErrorType)
	assert.Equal(t, res.RequestID, end.RequestID)
	assert.Equal(t, es[0].Start, end.Start)

	s, err := c.Chat.Completions.Stream(ctx, hi(m.Model()))
	require.NoError(t, err)
	for s.Next() {
	}
	require.NoError(t, s.Err())
	es = rec.take()
	require.Equal(t, []harbor.EventKind{harbor.EventStart, harbor.EventFirstChunk, harbor.EventEnd}, kinds(es))
	assert.True(t, es[2].Stream)
	assert.Positive(t, es[1].TimeToFirstChunk)
	assert.Equal(t, es[1].TimeToFirstChunk, es[2].TimeToFirstChunk)
	assert.GreaterOrEqual(t, es[2].Latency, es[2].TimeToFirstChunk)
	assert.Positive(t, es[2].Usage.TotalTokens, "the stream's usage")
	assert.Positive(t, es[2].Cost.Total)

	m.Enqueue(harbortest.Unauthorized())
	_, err = c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.ErrorIs(t, err, harbor.ErrAuthentication)
	es = rec.take()
	require.Len(t, es, 2)
	assert.Equal(t, "authentication", es[1].ErrorType)
	assert.ErrorIs(t, es[1].Err, harbor.ErrAuthentication)
	assert.Zero(t, es[1].Cost)

	// A request refused before routing is not a call: no events.
	_, err = c.Chat.Completions.Create(ctx, &harbor.ChatRequest{})
	require.Error(t, err)
	assert.Empty(t, rec.take())
}

// A stream closed early ends once, as a cancellation.
func TestObserverSeesAnEarlyClose(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	rec := &recorder{}
	c, err := m.NewClient(harbor.WithObserver(rec), harbor.WithObserver(harbor.ObserverFunc(func(harbor.CallEvent) {})))
	require.NoError(t, err)
	s, err := c.Chat.Completions.Stream(context.Background(), hi(m.Model()))
	require.NoError(t, err)
	require.True(t, s.Next())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	es := rec.take()
	require.Equal(t, []harbor.EventKind{harbor.EventStart, harbor.EventFirstChunk, harbor.EventEnd}, kinds(es))
	assert.Equal(t, "canceled", es[2].ErrorType)
}

func TestErrorTypesAreAFixedSet(t *testing.T) {
	types := harbor.ErrorTypes()
	assert.Contains(t, types, "rate_limited")
	assert.Contains(t, types, "other")
	assert.Equal(t, "", harbor.ErrorType(nil))
	assert.Equal(t, "queue_full", harbor.ErrorType(&harbor.Error{Kind: harbor.ErrQueueFull}))
	assert.Equal(t, "other", harbor.ErrorType(assert.AnError))
	_, err := harbor.New(harbor.WithObserver(nil))
	requireInvalid(t, err, "nil observer", "WithObserver")
}
