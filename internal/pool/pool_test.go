package pool

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

type thing struct{ n int }

var seq atomic.Int64

// unique returns name made unique, as pools are registered for the life of the
// process and tests may run more than once (-count).
func unique(name string) string { return fmt.Sprintf("%s#%d", name, seq.Add(1)) }

func newThing() *thing { return new(thing) }

// find returns the Snapshot entry named name.
func find(t *testing.T, name string) Stats {
	t.Helper()
	for _, s := range Snapshot() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("Snapshot has no pool %q", name)
	return Stats{}
}

// TestCounts checks every counter after each step. Created is checked within
// bounds only: whether Get reuses an object is sync.Pool's business (a GC may
// empty it, and under -race it drops a Put now and then on purpose).
func TestCounts(t *testing.T) {
	name := unique("test.counts")
	var reset []*thing
	p := New(name, newThing, func(x *thing) { reset = append(reset, x); x.n = 0 })
	if p.Name() != name {
		t.Fatalf("Name() = %q, want %q", p.Name(), name)
	}
	var first *thing
	steps := []struct {
		do           func()
		want         Stats // Created aside
		minC, maxC   uint64
		wantResetLen int
	}{
		{func() {}, Stats{}, 0, 0, 0},
		{func() { first = p.Get(); first.n = 7; p.Put(first) }, Stats{Gets: 1, Puts: 1}, 1, 1, 1},
		{func() { _ = p.Get() }, Stats{Gets: 2, Puts: 1, Active: 1}, 1, 2, 1}, // kept out
		{func() { _ = p.Get() }, Stats{Gets: 3, Puts: 1, Active: 2}, 2, 3, 1},
		{func() { p.Discard(p.Get()) }, Stats{Gets: 4, Puts: 1, Discards: 1, Active: 2}, 3, 4, 1},
	}
	for i, s := range steps {
		s.do()
		s.want.Name = name
		for _, got := range []Stats{p.Stats(), find(t, name)} {
			c := got.Created
			got.Created = 0
			if got != s.want || c < s.minC || c > s.maxC {
				t.Errorf("step %d: Stats = %+v with Created %d, want %+v with Created in [%d, %d]", i, got, c, s.want, s.minC, s.maxC)
			}
		}
		if len(reset) != s.wantResetLen {
			t.Errorf("step %d: reset called %d times, want %d (once per Put, never on Get or Discard)", i, len(reset), s.wantResetLen)
		}
	}
	if len(reset) > 0 && (reset[0] != first || first.n != 0) {
		t.Errorf("Put did not reset the object given back")
	}
}

func TestResetOptional(t *testing.T) {
	p := New(unique("test.noreset"), newThing, nil)
	x := p.Get()
	x.n = 3
	p.Put(x) // no reset: nothing to call
	if s := p.Stats(); s.Gets != 1 || s.Puts != 1 || s.Active != 0 {
		t.Errorf("Stats() = %+v", s)
	}
}

func TestSnapshotSortedByName(t *testing.T) {
	a, b := unique("test.sort.b"), unique("test.sort.a")
	New(a, newThing, nil)
	New(b, newThing, nil)
	names := []string{}
	for _, s := range Snapshot() {
		names = append(names, s.Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("Snapshot names not sorted: %q", names)
	}
	if !slices.Contains(names, a) || !slices.Contains(names, b) {
		t.Errorf("Snapshot names %q miss the test pools", names)
	}
}

func TestNewPanics(t *testing.T) {
	dup := unique("test.dup")
	New(dup, newThing, nil)
	for name, f := range map[string]func(){
		"duplicate name": func() { New(dup, newThing, nil) },
		"empty name":     func() { New("", newThing, nil) },
		"nil newFn":      func() { New[thing](unique("test.nilnew"), nil, nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			f()
		})
	}
}

// TestConcurrent checks the counters under concurrent use (run with -race):
// once every goroutine is done, nothing is active and gets = puts + discards.
func TestConcurrent(t *testing.T) {
	p := New(unique("test.concurrent"), newThing, func(x *thing) { x.n = 0 })
	const goroutines, rounds = 8, 1000
	var wg sync.WaitGroup
	stop, reader := make(chan struct{}), make(chan struct{})
	go func() { // read the counters while the pool is in use
		defer close(reader)
		for {
			select {
			case <-stop:
				return
			default:
				s := p.Stats()
				if s.Active > s.Created || s.Active > s.Gets {
					t.Errorf("inconsistent read: %+v", s)
					return
				}
			}
		}
	}()
	for g := range goroutines {
		wg.Go(func() {
			for i := range rounds {
				x := p.Get()
				x.n = i
				if (g+i)%10 == 0 {
					p.Discard(x)
				} else {
					p.Put(x)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-reader
	s := p.Stats()
	if s.Gets != goroutines*rounds || s.Puts+s.Discards != s.Gets || s.Active != 0 || s.Discards != goroutines*rounds/10 {
		t.Errorf("after the goroutines: %+v", s)
	}
	if s.Created == 0 || s.Created > s.Gets {
		t.Errorf("Created = %d, want between 1 and Gets", s.Created)
	}
}

func TestGetPutDoNotAllocate(t *testing.T) {
	// newFn allocates nothing, so that a miss (a GC, or -race dropping a Put)
	// cannot be mistaken for an allocation of the counting.
	obj := new(thing)
	p := New(unique("test.allocs"), func() *thing { return obj }, func(x *thing) { x.n = 0 })
	p.Put(p.Get())
	if n := testing.AllocsPerRun(1000, func() { p.Put(p.Get()) }); n != 0 {
		t.Errorf("Get+Put allocated %.1f times per run, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = p.Stats() }); n != 0 {
		t.Errorf("Stats allocated %.1f times per run, want 0", n)
	}
}
