package wire

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
