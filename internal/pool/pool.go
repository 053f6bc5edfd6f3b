package pool

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// Pool is a sync.Pool of *T that counts what goes in and out (see the package
// doc). Its zero value is not usable: create one with New. It is safe for
// concurrent use.
type Pool[T any] struct {
	p     sync.Pool
	reset func(*T)
	c     *counters
}

// counters are a pool's counts, on cache lines of their own so that pools next
// to each other in memory do not slow each other down.
type counters struct {
	_        [64]byte
	created  atomic.Uint64
	gets     atomic.Uint64
	puts     atomic.Uint64
	discards atomic.Uint64
	_        [64 - 32]byte
	name     string
}

// Stats are a pool's counters at one moment (see the package doc for what
// each means).
type Stats struct {
	Name     string // the name given to New, such as "wire.buffer"
	Created  uint64 // objects allocated by the pool's New function since start (not objects alive)
	Gets     uint64 // calls of Get
	Puts     uint64 // objects given back with Put
	Discards uint64 // objects given back with Discard, left to the GC
	// Active is Gets - Puts - Discards, objects out of the pool now, read
	// while the pool is in use: never negative, at most Created, and exact
	// when no Get runs during the read.
	Active uint64
}

var registry struct {
	sync.Mutex
	pools []*counters
}

// New returns a pool named name, and registers it for Snapshot. newFn
// allocates an object when the pool is empty; reset, when not nil, is called
// by Put on the object before it goes back, to clear it and drop what it
// refers to. New panics if newFn is nil or name is empty or already registered:
// pools are package variables, and such a pool is a programming error.
func New[T any](name string, newFn func() *T, reset func(*T)) *Pool[T] {
	if name == "" || newFn == nil {
		panic("pool: New needs a name and a newFn")
	}
	c := &counters{name: name}
	registry.Lock()
	defer registry.Unlock()
	for _, r := range registry.pools {
		if r.name == name {
			panic("pool: a pool named " + name + " is already registered")
		}
	}
	registry.pools = append(registry.pools, c)
	p := &Pool[T]{reset: reset, c: c}
	p.p.New = func() any {
		c.created.Add(1)
		return newFn()
	}
	return p
}

// Get returns an object from the pool, or a new one from newFn. Give it back
// with Put, or with Discard when it is not worth keeping; an object never given
// back stays counted as active.
func (p *Pool[T]) Get() *T {
	p.c.gets.Add(1)
	return p.p.Get().(*T)
}

// Put resets x (with the reset function given to New) and gives it back to the
// pool. x must come from p.Get and must not be used afterwards.
func (p *Pool[T]) Put(x *T) {
	if p.reset != nil {
		p.reset(x)
	}
	p.c.puts.Add(1)
	p.p.Put(x)
}

// Discard counts x, which came from p.Get, as given back, without keeping it:
// it is left to the garbage collector.
func (p *Pool[T]) Discard(x *T) {
	_ = x
	p.c.discards.Add(1)
}

// Name returns the name given to New.
func (p *Pool[T]) Name() string { return p.c.name }

// Stats returns p's counters now.
func (p *Pool[T]) Stats() Stats { return p.c.stats() }

// Snapshot returns the counters of every pool created with New, sorted by
// name. The pools are in use while it reads them: each figure is exact when
// read, but figures are not one instant (see Stats.Active).
func Snapshot() []Stats {
	registry.Lock()
	out := make([]Stats, 0, len(registry.pools))
	for _, c := range registry.pools {
		out = append(out, c.stats())
	}
	registry.Unlock()
	slices.SortFunc(out, func(a, b Stats) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// stats reads c. Puts and discards are loaded before gets, so that Active is
// never negative: every object given back was got first. Gets made while stats
// reads can make Active overstate the objects out by as many; it is capped at
// Created, loaded last, which the objects out never exceed (each was created
// once).
func (c *counters) stats() Stats {
	s := Stats{Name: c.name}
	s.Puts = c.puts.Load()
	s.Discards = c.discards.Load()
	s.Gets = c.gets.Load()
	s.Created = c.created.Load()
	if back := s.Puts + s.Discards; s.Gets > back {
		s.Active = min(s.Gets-back, s.Created)
	}
	return s
}
