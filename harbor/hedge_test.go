package harbor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// A slow first model is hedged: the second answers, the first is cancelled, both
// are counted, and the answer says it was hedged.
func TestHedgedRequest(t *testing.T) {
	rec := &recorder{}
	ds, ark, c := twoVendors(t, harbor.WithHedging(harbor.Hedge{After: 20 * time.Millisecond}), harbor.WithObserver(rec))
	ds.Enqueue(harbortest.Fault{Latency: time.Minute}) // the first model hangs
	res, err := c.Chat.Completions.Create(context.Background(), fastReq())
	require.NoError(t, err)
	assert.Equal(t, "doubao", res.Provider)
	require.NotNil(t, res.Fallback)
	assert.True(t, res.Fallback.Hedged)
	assert.Equal(t, ark.Model(), res.Fallback.Model)
	assert.Empty(t, res.Fallback.Failed, "the hedged first model was cancelled, not failed")
	assert.EqualValues(t, 1, c.Stats().Hedges)
	assert.Len(t, ds.ChatRequests(), 1)
	assert.Len(t, ark.ChatRequests(), 1)

	var ends []harbor.CallEvent
	for _, e := range rec.take() {
		if e.Kind == harbor.EventEnd {
			ends = append(ends, e)
		}
	}
	require.Len(t, ends, 2, "both attempts ended and were counted")
	byProvider := map[string]harbor.CallEvent{ends[0].Provider: ends[0], ends[1].Provider: ends[1]}
	assert.Equal(t, "canceled", byProvider["deepseek"].ErrorType, "the loser was cancelled at once")
	assert.True(t, byProvider["doubao"].Hedged)
	assert.Equal(t, 1, byProvider["doubao"].Fallback)
}

// A first model that answers within the delay is not hedged.
func TestNoHedgeWhenTheFirstIsFast(t *testing.T) {
	_, ark, c := twoVendors(t, harbor.WithHedging(harbor.Hedge{After: time.Minute}))
	res, err := c.Chat.Completions.Create(context.Background(), fastReq())
	require.NoError(t, err)
	assert.Equal(t, "deepseek", res.Provider)
	assert.False(t, res.Fallback.Hedged)
	assert.Empty(t, ark.ChatRequests())
	assert.Zero(t, c.Stats().Hedges)
}

// A first model that fails before the delay moves on at once, as a chain does.
func TestHedgeFirstFailsFast(t *testing.T) {
	ds, _, c := twoVendors(t, harbor.WithHedging(harbor.Hedge{After: time.Minute}))
	ds.Enqueue(harbortest.ServerError())
	res, err := c.Chat.Completions.Create(context.Background(), fastReq())
	require.NoError(t, err)
	assert.Equal(t, "doubao", res.Provider)
	require.Len(t, res.Fallback.Failed, 1)
	assert.Equal(t, "server", res.Fallback.Failed[0].ErrorType)
}

func TestHedgeIsChecked(t *testing.T) {
	for name, h := range map[string]harbor.Hedge{
		"negative after": {After: -1},
		"percentile 1":   {Percentile: 1},
		"negative min":   {MinAfter: -time.Second},
	} {
		_, err := harbor.New(harbor.WithHedging(h))
		requireInvalid(t, err, name, "WithHedging")
	}
}

// Streams are hedged until their first chunk: the first to deliver one wins.
func TestHedgedStream(t *testing.T) {
	ds, ark, c := twoVendors(t, harbor.WithHedging(harbor.Hedge{After: 20 * time.Millisecond}))
	ds.Enqueue(harbortest.Fault{Latency: time.Minute})
	s, err := c.Chat.Completions.Stream(context.Background(), fastReq())
	require.NoError(t, err)
	text, _, _ := readStream(t, s)
	assert.NotEmpty(t, text)
	require.NotNil(t, s.Fallback())
	assert.True(t, s.Fallback().Hedged)
	assert.Equal(t, ark.Model(), s.Fallback().Model)
	assert.Len(t, ds.ChatRequests(), 1)
	assert.EqualValues(t, 1, c.Stats().Hedges)
	assert.Zero(t, c.Stats().StreamsOpen, "the loser's stream was closed")
}
