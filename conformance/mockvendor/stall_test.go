package mockvendor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// watchedCtx reports, by closing waiting, the first time someone asks for its
// Done channel: with no delays configured, only a stalled stream waits on it.
type watchedCtx struct {
	context.Context
	waiting chan struct{}
	once    sync.Once
}

func (c *watchedCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

// StallAfter stops a stream after that many data events and holds it open until
// the client is gone, for the mocks' own streams and for scripted ones alike.
func TestStreamStallAfter(t *testing.T) {
	cases := []struct {
		name   string
		mock   func() http.Handler
		path   string
		body   string
		events int // data events before the stall
	}{
		{"own stream", func() http.Handler {
			ds := NewDeepSeek(DeepSeekConfig{Now: fixedNow})
			ds.Enqueue(StalledStream(2))
			return ds
		}, "/chat/completions", streamBody(), 2},
		{"scripted stream", func() http.Handler {
			ds := NewDeepSeek(DeepSeekConfig{})
			f := ReplySSE(`{"n":1}`, `{"n":2}`, "[DONE]")
			f.StallAfter = 1
			ds.Enqueue(f)
			return ds
		}, "/chat/completions", replyReq, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.mock()
			base, cancel := context.WithCancel(context.Background())
			defer cancel()
			ctx := &watchedCtx{Context: base, waiting: make(chan struct{})}
			rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body)).WithContext(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.ServeHTTP(rec, req)
			}()
			select {
			case <-ctx.waiting: // the handler waits for the client to leave
			case <-done:
				t.Fatalf("the stream ended instead of stalling, after %d data events", strings.Count(rec.Body.String(), "data: "))
			}
			sent := rec.Body.String() // the handler writes nothing while it waits
			assert.Equal(t, tc.events, strings.Count(sent, "data: "), "data events before the stall")
			assert.NotContains(t, sent, "[DONE]")

			cancel() // the client goes away
			<-done
			assert.Equal(t, sent, rec.Body.String(), "nothing is sent after the stall")
		})
	}
}
