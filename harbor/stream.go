package harbor

import (
	"errors"
	"io"
	"sync/atomic"

	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/llm"
)

// trackedSource keeps the stats, the per-call context and the admission slot of a
// stream: all live until the stream is closed.
//
// Exactly one of Next (the stream ended: end marker or error) and Close (the caller
// closed it first) finishes the stream and counts how it ended, even when Close
// runs in another goroutine while Next waits: an error Next sees after Close is
// the caller's own doing, not a failure.
type trackedSource struct {
	src      llm.ChunkSource
	k        call
	c        *Client
	finished atomic.Bool
	started  bool                       // a chunk was delivered (Next's goroutine only)
	usage    *Usage                     // the latest usage a chunk carried (Next's goroutine only)
	fill     atomic.Pointer[streamFill] // set when this stream's answer fills the cache
	closed   atomic.Bool                // Close ran (a chain may close a source twice)
}

// Cached reports whether the stream is replayed from the response cache (read by
// llm.Stream.Cached).
func (t *trackedSource) Cached() bool { return t.k.cache.Hit() }

// CacheStatus is how the cache answered the stream, CacheResult's name, ""
// when it was not replayed from it (read by llm.Stream.CacheStatus).
func (t *trackedSource) CacheStatus() string {
	if !t.k.cache.Hit() {
		return ""
	}
	return t.k.cache.String()
}

// TraceID is the call's trace id (read by llm.Stream.TraceID).
func (t *trackedSource) TraceID() string { return t.k.trace.id() }

// RequestID is the vendor's request id: the stream's, or the cached answer's
// (read by llm.Stream.RequestID).
func (t *trackedSource) RequestID() string {
	if r, ok := t.src.(interface{ RequestID() string }); ok {
		return r.RequestID()
	}
	return ""
}

// Buffered forwards the source's (a vendor's stream, a cache replay): whether
// Next would return without waiting (read by llm.Stream.Buffered). A source
// that cannot tell says false.
func (t *trackedSource) Buffered() bool {
	b, ok := t.src.(interface{ Buffered() bool })
	return ok && b.Buffered()
}

func (t *trackedSource) Next() (llm.Chunk, error) {
	if cerr := t.k.ctx.Err(); cerr != nil && !t.finished.Load() {
		// The call's context ended (the caller cancelled it, or its deadline
		// passed): the stream ends here, whatever the connection still has
		// buffered, so that a cancel has one outcome, not one that depends on
		// how far the vendor got.
		err := t.k.annotate(vendorerr.Transport(t.k.name, t.k.asked, cerr))
		if !t.finished.Swap(true) {
			t.end(err)
		}
		return llm.Chunk{}, err
	}
	c, err := t.src.Next()
	if err == nil {
		if !t.started {
			t.started = true
			t.c.firstChunk(&t.k)
		}
		if c.Usage != nil {
			t.usage = c.Usage // the provider's own; read at the end, never written
		}
		if f := t.fill.Load(); f != nil {
			f.asm.Add(c)
		}
		return c, nil
	}
	if !errors.Is(err, io.EOF) {
		err = t.k.annotate(err)
	}
	if !t.finished.Swap(true) {
		t.end(err)
	}
	return c, err
}

// end counts how the stream ended (err: io.EOF for its end marker) and ends the
// cache flight it leads.
func (t *trackedSource) end(err error) {
	if errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		t.c.stats.fail(err)
	}
	if f := t.fill.Swap(nil); f != nil {
		if err == nil {
			f.complete(t.k.name, t.k.model, t.RequestID())
		} else {
			f.rc.finish(f.key, f.f, nil, err, false)
		}
	}
	t.c.endedUsage(&t.k, t.usage, t.RequestID(), err)
}

func (t *trackedSource) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	if !t.finished.Swap(true) {
		t.c.stats.canceled.Add(1) // closed before the end
		// ErrStreamClosed: counted as a cancellation, and a flight this stream
		// led lets its waiters ask for themselves.
		t.endClosed()
	}
	err := t.src.Close()
	t.k.adm.release()
	if t.k.live {
		t.k.st.inFlight.Add(-1)
	}
	t.k.done()
	t.c.stats.streamsOpen.Add(-1)
	return err
}

func (t *trackedSource) endClosed() {
	if f := t.fill.Swap(nil); f != nil {
		f.rc.finish(f.key, f.f, nil, errLeaderGone, false)
	}
	// No usage: Next may be running in another goroutine, and a stream closed
	// early has not reported it.
	t.c.endedUsage(&t.k, nil, "", llm.ErrStreamClosed)
}

// streamFill collects a streamed miss's answer for the cache.
type streamFill struct {
	rc  *responseCache
	key cacheKey
	f   *flight
	asm Accumulator
}

// complete stores the assembled answer and hands it to the waiters.
func (f *streamFill) complete(provider, model, requestID string) {
	res := f.asm.complete()
	res.Provider, res.RequestID = provider, requestID
	if res.Model == "" {
		res.Model = model
	}
	if !storable(res) {
		f.rc.finish(f.key, f.f, nil, errLeaderGone, false)
		return
	}
	own, stored := f.rc.put(f.key, res, f.f)
	f.rc.finish(f.key, f.f, own, nil, stored)
}
