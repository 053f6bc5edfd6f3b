package wire

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// A stream read to its end marker and closed hands its connection back to the pool.
func TestStreamCloseReusesTheConnection(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {}\n\n")
		w.(http.Flusher).Flush()
		fmt.Fprint(w, "data: [DONE]\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(20 * time.Millisecond) // the end of the chunked body comes later
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	decode := func([]byte) (llm.Chunk, bool, error) { return llm.Chunk{}, false, nil }
	for i := 0; i < 5; i++ {
		resp, err := srv.Client().Get(srv.URL)
		require.NoError(t, err)
		s := NewStream(resp, "p", "m", decode)
		_, err = s.Next()
		require.NoError(t, err)
		_, err = s.Next()
		require.ErrorIs(t, err, io.EOF)
		require.NoError(t, s.Close())
	}
	assert.EqualValues(t, 1, conns.Load(), "every stream reused the first connection")
}

// stallBody hands out one event, then blocks the next read until it is closed,
// as a vendor that stops sending does. first is closed inside the read that
// returns the event, before Next decodes it: a Close started on that signal runs
// while Next is still at work, with nothing ordering the two.
type stallBody struct {
	event  string
	sent   bool
	first  chan struct{}
	closed chan struct{}
	once   sync.Once
}

func (b *stallBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		n := copy(p, b.event)
		close(b.first)
		return n, nil
	}
	<-b.closed
	return 0, errors.New("read on a closed body")
}

func (b *stallBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// Close from another goroutine while Next runs (llm.ChunkSource allows it) does
// not race with Next (run with -race: this failed when Close read the end flag
// Next writes), and makes a Next waiting on the body return.
func TestStreamCloseDuringNext(t *testing.T) {
	body := &stallBody{event: "data: {\"x\":1}\n\n", first: make(chan struct{}), closed: make(chan struct{})}
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: body}
	decode := func([]byte) (llm.Chunk, bool, error) { return llm.Chunk{ID: "c1"}, false, nil }
	s := NewStream(resp, "p", "m", decode)
	closed := make(chan error, 1)
	go func() {
		<-body.first
		closed <- s.Close()
	}()
	c, err := s.Next() // the event, decoded while Close runs
	require.NoError(t, err)
	assert.Equal(t, "c1", c.ID)
	_, err = s.Next() // waits on the body until Close closes it
	require.Error(t, err)
	assert.NotErrorIs(t, err, io.EOF, "a stream cut by Close did not end cleanly")
	require.NoError(t, <-closed)
	_, err = s.Next()
	assert.ErrorIs(t, err, io.EOF, "after an error, Next reports the end")
}

// chanBody hands out, read by read, what is sent on it; it ends (io.EOF) when
// the channel is closed.
type chanBody chan string

func (b chanBody) Read(p []byte) (int, error) {
	s, ok := <-b
	if !ok {
		return 0, io.EOF
	}
	if len(s) > len(p) {
		panic("chanBody: a read larger than the buffer")
	}
	return copy(p, s), nil
}

func (b chanBody) Close() error { return nil }

// llm.Stream.Buffered over a vendor's SSE body says whether the next chunk (or
// the end marker) has already been read whole: true in a burst, false when
// only part of an event, or nothing, is in.
func TestStreamBuffered(t *testing.T) {
	reads := make(chanBody, 4)
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: reads}
	decode := func(b []byte) (llm.Chunk, bool, error) { return llm.Chunk{ID: string(b)}, false, nil }
	s := llm.NewStream(NewStream(resp, "p", "m", decode))
	next := func(id string) {
		t.Helper()
		require.True(t, s.Next(), "%v", s.Err())
		require.Equal(t, id, s.Current().ID)
	}
	assert.False(t, s.Buffered(), "nothing read")

	reads <- "data: 1\n\ndata: 2\r\n\r\ndata: 3"
	next("1")
	assert.True(t, s.Buffered(), "event 2 came in the same read")
	next("2")
	assert.False(t, s.Buffered(), "event 3 is partial")

	reads <- "\n\n"
	next("3")
	assert.False(t, s.Buffered(), "nothing left")

	reads <- ": keep-alive\n\n"
	reads <- "data: 4\n\n"
	next("4")
	assert.False(t, s.Buffered(), "nothing left")

	reads <- "data: 5\n\ndata: [DONE]\n\n"
	close(reads) // the body ends there (Close drains it)
	next("5")
	assert.True(t, s.Buffered(), "the end marker is in")
	require.False(t, s.Next())
	require.NoError(t, s.Err())
	assert.True(t, s.Buffered(), "ended")
	require.NoError(t, s.Close())
}

// Bare (Wenxin v1) streams end on the vendor's last flag: then Next returns
// io.EOF at once, and Buffered says so.
func TestStreamBufferedAfterTheLastFlag(t *testing.T) {
	reads := make(chanBody, 4)
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: reads}
	decode := func(b []byte) (llm.Chunk, bool, error) { return llm.Chunk{ID: string(b)}, string(b) == "end", nil }
	s := NewStream(resp, "p", "m", decode)
	reads <- "data: end\n\n"
	_, err := s.Next()
	require.NoError(t, err)
	assert.True(t, s.Buffered(), "the stream has ended: Next does not read")
	_, err = s.Next()
	require.ErrorIs(t, err, io.EOF)
	close(reads)
	require.NoError(t, s.Close())
}
