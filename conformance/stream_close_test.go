package conformance

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// TestStreamCloseFromAnotherGoroutine closes every provider's stream from another
// goroutine while the caller's Next runs, as llm.ChunkSource and harbor.Stream
// allow: Next returns false, Err matches ErrStreamClosed, and under -race nothing
// races. The mock stalls after the first data event (harbortest.StalledStream),
// so the stream cannot end on its own; the transport below tells the closing
// goroutine when to act, without sleeping:
//
//   - "while Next decodes": Close starts inside the body read that delivers the
//     first event, so it runs while that Next decodes it, with nothing ordering
//     the two (the race detector's case: Close once read a flag Next writes);
//   - "while Next waits": Close starts when the next Next, after the first chunk
//     came back, reads the body of a vendor that sends nothing more.
func TestStreamCloseFromAnotherGoroutine(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			t.Run("while Next decodes", func(t *testing.T) { closeDuringNext(t, v, false) })
			t.Run("while Next waits", func(t *testing.T) { closeDuringNext(t, v, true) })
		})
	}
}

func closeDuringNext(t *testing.T, v harbortest.Vendor, waiting bool) {
	m := harbortest.Start(t, v)
	m.Enqueue(harbortest.StalledStream(1))
	rt := &signalTransport{base: http.DefaultTransport.(*http.Transport).Clone(), signal: make(chan struct{}), onEntry: waiting}
	c, err := m.NewClient(harbor.WithTransport(rt))
	require.NoError(t, err)
	defer c.Close()

	s, err := c.Chat.Completions.Stream(ctxT(t), &harbor.ChatRequest{Model: m.Model(), Messages: user("hi")})
	require.NoError(t, err)
	closed := make(chan error, 1)
	go func() {
		<-rt.signal
		closed <- s.Close()
	}()
	n := 0
	if waiting {
		require.True(t, s.Next(), "the first chunk: %v", s.Err())
		n++
		rt.armed.Store(true) // the next body read is the one that waits
	} else {
		rt.armed.Store(true) // the first body read with data signals
	}
	for s.Next() {
		n++
	}
	require.NoError(t, <-closed)
	assert.LessOrEqual(t, n, 1, "the mock sent one data event")
	err = s.Err()
	require.Error(t, err, "a stream closed before its end is not a clean end")
	assert.ErrorIs(t, err, harbor.ErrStreamClosed)
	assert.False(t, s.Next(), "Next stays false after Close")
	assert.ErrorIs(t, s.Err(), harbor.ErrStreamClosed)
}

// signalTransport closes signal at the first read of an event-stream body once
// armed: on entering the read when onEntry is set (armed after the first chunk
// came back, the read can only wait), else when a read returns data (armed
// before the first Next: the read that brings the first event).
type signalTransport struct {
	base    http.RoundTripper
	onEntry bool
	armed   atomic.Bool
	signal  chan struct{}
	once    sync.Once
}

func (s *signalTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(r)
	if err == nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body = &signalBody{ReadCloser: resp.Body, t: s}
	}
	return resp, err
}

type signalBody struct {
	io.ReadCloser
	t *signalTransport
}

func (b *signalBody) Read(p []byte) (int, error) {
	if b.t.onEntry && b.t.armed.Load() {
		b.t.once.Do(func() { close(b.t.signal) })
	}
	n, err := b.ReadCloser.Read(p)
	if !b.t.onEntry && n > 0 && b.t.armed.Load() {
		b.t.once.Do(func() { close(b.t.signal) })
	}
	return n, err
}
