package llm

import (
	"errors"
	"io"
	"iter"
	"sync"
)

// ChunkSource produces a stream's chunks. Providers implement it over the vendor's
// SSE body; tests can implement it (or use StreamOf) to fake a stream.
//
// A source may also have a method Buffered() bool, read by Stream.Buffered: true
// only when its Next would return at once (the next chunk, the end or an error
// is already in memory), never when Next may wait on the network. It is called
// from Next's goroutine, between calls to Next, and must not block, read or
// allocate. A source without it is taken to be always waiting (false), which
// costs a consumer such as harbor's gateway a flush per chunk, never a delay;
// sources that wrap another must forward it.
type ChunkSource interface {
	// Next returns the next chunk, io.EOF after the last one, or an error.
	Next() (Chunk, error)
	// Close releases the underlying connection. Called exactly once, possibly from
	// another goroutine while Next is blocked: it must then make Next return (with
	// any error) and must not race with it.
	Close() error
}

// Stream is a pull-style stream of chunks:
//
//	s, err := client.Chat.Completions.Stream(ctx, req)
//	if err != nil { … }
//	defer s.Close()
//	for s.Next() {
//		fmt.Print(s.Current().Choices[0].Delta.Content)
//	}
//	if err := s.Err(); err != nil { … }
//
// or, with range-over-func, `for chunk, err := range s.All()`. A Stream is meant for
// one goroutine; Close may be called from any goroutine, any number of times.
type Stream struct {
	src   ChunkSource
	cur   Chunk
	err   error
	usage *Usage
	done  bool

	closeOnce sync.Once
	closeErr  error
	closed    chan struct{}
}

// NewStream wraps a ChunkSource. Use it to return fake streams from test doubles.
// A nil src gives a stream that ends at once with an ErrInvalidRequest.
func NewStream(src ChunkSource) *Stream {
	if src == nil {
		src = &sliceSource{err: InvalidRequest("", "", "", "NewStream: the ChunkSource is nil")}
	}
	return &Stream{src: src, closed: make(chan struct{})}
}

// StreamOf returns a Stream that yields chunks and then ends with err (nil for a
// clean end). Handy in users' tests.
func StreamOf(err error, chunks ...Chunk) *Stream {
	return NewStream(&sliceSource{chunks: chunks, err: err})
}

// Next advances to the next chunk and reports whether there is one. It returns false
// at the end of the stream or on error; check Err.
func (s *Stream) Next() bool {
	if s.done {
		return false
	}
	if s.isClosed() {
		s.done, s.err = true, errClosed()
		return false
	}
	c, err := s.src.Next()
	if err != nil {
		s.done = true
		switch {
		case s.isClosed():
			// Close ran while Next waited: whatever the source saw (a read on a
			// closed body, a reset) is the caller's own doing, reported one way.
			s.err = errClosed()
		case !errors.Is(err, io.EOF):
			s.err = err
		}
		s.Close()
		return false
	}
	if c.Usage != nil {
		s.usage = c.Usage
	}
	s.cur = c
	return true
}

func (s *Stream) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// errClosed is what Err reports once the caller closed the stream early.
func errClosed() error {
	return &Error{Kind: ErrStreamClosed, Message: "the stream was closed by the caller before it ended"}
}

// Current returns the chunk Next advanced to.
func (s *Stream) Current() Chunk { return s.cur }

// Err returns the error that ended the stream, or nil after a clean end.
func (s *Stream) Err() error { return s.err }

// Usage returns the token usage reported so far; after a clean end, the final usage.
func (s *Stream) Usage() *Usage { return s.usage }

// RequestID is the vendor's request id for this stream, from its response
// headers ("" when the vendor sent none, or the source does not know it).
func (s *Stream) RequestID() string {
	r, ok := s.src.(interface{ RequestID() string })
	if !ok {
		return ""
	}
	return r.RequestID()
}

// TraceID is the trace id harbor gave the call (see harbor.WithTraceID), "" for a
// stream harbor did not make.
func (s *Stream) TraceID() string {
	r, ok := s.src.(interface{ TraceID() string })
	if !ok {
		return ""
	}
	return r.TraceID()
}

// Fallback reports, for a stream opened through a fallback chain, which model
// is streaming and which failed before it; nil otherwise.
func (s *Stream) Fallback() *Fallback {
	r, ok := s.src.(interface{ Fallback() *Fallback })
	if !ok {
		return nil
	}
	return r.Fallback()
}

// Cached reports whether the stream is replayed from harbor's response cache
// rather than streamed by the vendor (see harbor.WithCache).
func (s *Stream) Cached() bool {
	c, ok := s.src.(interface{ Cached() bool })
	return ok && c.Cached()
}

// CacheStatus says how harbor's response cache answered a replayed stream —
// "hit", "shared_hit" (another process's answer) or "coalesced" (an identical
// call in flight) — and is "" for a stream the vendor sends, or a source that
// does not tell.
func (s *Stream) CacheStatus() string {
	c, ok := s.src.(interface{ CacheStatus() string })
	if !ok {
		return ""
	}
	return c.CacheStatus()
}

// Buffered reports whether Next would return at once, without waiting for the
// vendor: the next chunk (or the stream's end) has already arrived, as when a
// vendor sends a burst of events, or the stream is replayed from harbor's
// cache, or has ended. False when the source cannot tell (see ChunkSource).
//
// A consumer that relays chunks uses it to batch its own writes: write (and
// flush) a chunk only when Buffered is false, so that a burst goes out in one
// write and no chunk waits for the next one. harbor's gateway does that.
func (s *Stream) Buffered() bool {
	if s.done || s.isClosed() {
		return true // Next returns false at once
	}
	b, ok := s.src.(interface{ Buffered() bool })
	return ok && b.Buffered()
}

// Close releases the connection. It is idempotent and safe to call concurrently with
// Next, from any goroutine: a Next that is waiting returns false, and so does any
// later Next, with Err matching ErrStreamClosed — the same whatever the timing
// (unless the stream had already ended, cleanly or not).
func (s *Stream) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.closeErr = s.src.Close()
	})
	return s.closeErr
}

// All returns the stream as an iterator. It yields each chunk with a nil error, and a
// final zero chunk with the error if the stream failed. Breaking out of the loop closes
// the stream.
func (s *Stream) All() iter.Seq2[Chunk, error] {
	return func(yield func(Chunk, error) bool) {
		defer s.Close()
		for s.Next() {
			if !yield(s.cur, nil) {
				return
			}
		}
		if s.err != nil {
			yield(Chunk{}, s.err)
		}
	}
}

type sliceSource struct {
	chunks []Chunk
	err    error
}

func (f *sliceSource) Next() (Chunk, error) {
	if len(f.chunks) == 0 {
		if f.err != nil {
			return Chunk{}, f.err
		}
		return Chunk{}, io.EOF
	}
	c := f.chunks[0]
	f.chunks = f.chunks[1:]
	return c, nil
}

func (f *sliceSource) Close() error { return nil }

// Buffered is true: every chunk, and the end, is in memory.
func (f *sliceSource) Buffered() bool { return true }
