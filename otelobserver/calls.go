package otelobserver

import (
	"context"
	"sync"
)

// calls holds the open span of every call between its EventStart and its
// EventEnd, as the context Tracer.Start returned (it carries the span, and
// gives the metrics recorded at the end their exemplar's trace). It is keyed by
// harbor.CallEvent.CallID and split into shards, each with its own lock, so
// that concurrent calls rarely wait for one another.
type calls struct {
	shards [callShards]callShard
}

const callShards = 32 // a power of two: CallIDs are consecutive, so the low bits spread them

type callShard struct {
	mu sync.Mutex
	m  map[uint64]context.Context
	_  [48]byte // a cache line each: shards locked at once do not share one
}

func (c *calls) shard(id uint64) *callShard { return &c.shards[id&(callShards-1)] }

func (c *calls) put(id uint64, ctx context.Context) {
	s := c.shard(id)
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[uint64]context.Context)
	}
	s.m[id] = ctx
	s.mu.Unlock()
}

// take removes the call's context and returns it; ok is false when there is
// none (the span was not recording, or no EventStart had this CallID).
func (c *calls) take(id uint64) (ctx context.Context, ok bool) {
	s := c.shard(id)
	s.mu.Lock()
	ctx, ok = s.m[id]
	if ok {
		delete(s.m, id)
	}
	s.mu.Unlock()
	return ctx, ok
}

// get returns the call's context, leaving it in place.
func (c *calls) get(id uint64) (ctx context.Context, ok bool) {
	s := c.shard(id)
	s.mu.Lock()
	ctx, ok = s.m[id]
	s.mu.Unlock()
	return ctx, ok
}

// len is the number of open spans.
func (c *calls) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
