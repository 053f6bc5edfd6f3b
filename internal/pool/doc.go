// Package pool is sync.Pool with counters: harbor's buffer and decoder pools,
// named and registered, so that a stats call can report them as they are.
//
// A Pool[T] is created once, in a package variable, with New; New registers it
// under its name (a name used twice panics, as expvar.Publish does). Snapshot
// returns the counters of every registered pool, sorted by name.
//
// # What is counted
//
// Four counters, each bumped with one atomic add, with no lock and no
// allocation:
//
//   - Created: calls of the pool's New function, that is objects allocated
//     because the pool was empty when Get was called. It is objects allocated
//     since the process started, not objects alive: the garbage collector may
//     drop idle pooled objects at any GC (sync.Pool keeps them for one or two
//     cycles), after which Get allocates again and Created grows.
//   - Gets: calls of Get.
//   - Puts: calls of Put, objects given back to the pool; Discards: calls of
//     Discard, objects given back but left to the garbage collector (a buffer
//     grown too big to keep, say).
//
// Active, in Stats, is Gets - Puts - Discards: objects out of the pool right
// now, in use by a call. Gets - Created is how many Gets were served by a reused
// object.
//
// No counter says how many objects sit idle in the pool: sync.Pool does not tell,
// and the GC empties it without notice. For the same reason there is no Drain:
// only a garbage collection (runtime.GC, debug.FreeOSMemory) frees idle pooled
// objects, and it does so for every pool at once.
//
// # Usage rate
//
// A usage rate is the caller's definition, not this package's. One honest one
// is Active / Created, the share of the objects allocated since start that are
// in use now: between 0 and 1, since every object out was once created, and
// falling as the GC drops idle objects and Get allocates new ones. Another is
// the reuse rate, (Gets - Created) / Gets.
//
// # Cost
//
// Get adds one atomic add to sync.Pool.Get (two on a miss, when New is called);
// Put and Discard one each. The counters are shared by all goroutines, so under
// heavy parallel use their cache line moves between cores; BenchmarkGetPut
// measures it against a bare sync.Pool.
package pool
