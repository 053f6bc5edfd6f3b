package harbor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// noLeaks fails the test if a goroutine started during it is still running once
// everything the test started has been cleaned up: it must be the test's first
// Cleanup, so that it runs last, after the mocks and clients are closed.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// gate stands in front of a mock vendor and counts what reaches it: chat requests
// in flight, the most in flight at once, and all of them. A request whose body
// contains "please fail" gets DeepSeek's HTTP 400 instead of the mock's answer.
//
// A request leaves the count before the client can see a byte of its answer (the
// mock answers into a recorder, which is copied out after), so the count at the
// mock is never above the number of calls in flight at the client.
type gate struct {
	next                  http.Handler
	inFlight, most, total atomic.Int64
	barrier               int64         // when > 0, requests wait until this many are in flight at once
	full                  chan struct{} // closed when the barrier is reached
	fullOnce              sync.Once
	hold                  bool          // requests wait for their context to end (the client to give up)
	release               chan struct{} // if not nil, requests wait until it is closed
	arrived               chan struct{} // one value per request that reached the gate, if not nil
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Reading the whole body first lets net/http notice a client that goes away
	// (it cancels r.Context() only once the body is consumed).
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	n := g.inFlight.Add(1)
	g.total.Add(1)
	for m := g.most.Load(); n > m && !g.most.CompareAndSwap(m, n); m = g.most.Load() {
	}
	if g.arrived != nil {
		g.arrived <- struct{}{}
	}
	if g.barrier > 0 {
		if n >= g.barrier {
			g.fullOnce.Do(func() { close(g.full) })
		}
		select {
		case <-g.full:
		case <-r.Context().Done():
		}
	}
	if g.hold {
		<-r.Context().Done()
	}
	if g.release != nil {
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
	}
	if r.Context().Err() != nil {
		g.inFlight.Add(-1)
		return
	}
	rec := httptest.NewRecorder()
	if bytes.Contains(body, []byte("please fail")) {
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(http.StatusBadRequest)
		io.WriteString(rec, `{"error":{"message":"told to fail","type":"invalid_request_error","param":null,"code":"invalid_request_error"}}`)
	} else {
		g.next.ServeHTTP(rec, r)
	}
	g.inFlight.Add(-1)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// gated starts a DeepSeek mock behind g and returns a client pointed at g.
func gated(t *testing.T, g *gate) *harbor.Client {
	t.Helper()
	m := harbortest.Start(t, harbortest.DeepSeek)
	g.next = m.Handler()
	g.full = make(chan struct{})
	srv, err := mockvendor.Listen("127.0.0.1:0", g)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	c, err := m.NewClient(harbor.WithBaseURL("deepseek", srv.URL()))
	require.NoError(t, err)
	return c
}

func ask(model, prompt string) *harbor.ChatRequest {
	return &harbor.ChatRequest{Model: model, Messages: []harbor.Message{harbor.UserMessage(prompt)}}
}

// Results come back in input order, each with its own answer or error: a nil
// request, an unknown model, a request the request check refuses, a vendor's 400
// and a provider without credentials fail alone, and the others succeed. Progress
// is called once per item, never concurrently, with counts that add up.
func TestBatchOrderAndPerItemErrors(t *testing.T) {
	noLeaks(t)
	g := &gate{}
	c := gated(t, g)

	const n = 24
	reqs := make([]*harbor.ChatRequest, n)
	for i := range reqs {
		reqs[i] = ask("deepseek-v4-flash", fmt.Sprintf("question %d", i))
	}
	reqs[3] = nil
	reqs[7] = ask("no-such-model", "hi")
	reqs[11] = &harbor.ChatRequest{Model: "deepseek-v4-flash"} // no messages
	reqs[15] = ask("deepseek-v4-flash", "please fail")
	reqs[19] = ask("gpt-4o", "hi") // the client has no OpenAI key
	failing := map[int]error{3: harbor.ErrInvalidRequest, 7: harbor.ErrUnknownModel, 11: harbor.ErrInvalidRequest,
		15: harbor.ErrInvalidRequest, 19: harbor.ErrNoCredentials}

	var (
		calls    []harbor.BatchProgress // appended without a lock: -race proves the calls never overlap
		inside   atomic.Bool
		overlaps atomic.Int64
	)
	results := c.Chat.Completions.Batch(context.Background(), reqs, harbor.BatchOptions{
		Concurrency: 5,
		Progress: func(p harbor.BatchProgress) {
			if inside.Swap(true) {
				overlaps.Add(1)
			}
			calls = append(calls, p)
			inside.Store(false)
		},
	})

	require.Len(t, results, n)
	for i, r := range results {
		assert.Equal(t, i, r.Index)
		if want, ok := failing[i]; ok {
			assert.Nil(t, r.Completion, "item %d", i)
			assert.ErrorIs(t, r.Err, want, "item %d", i)
			continue
		}
		require.NoError(t, r.Err, "item %d", i)
		assert.Equal(t, fmt.Sprintf("Hello! You said: question %d", i), r.Completion.Choices[0].Message.Content)
	}
	var he *harbor.Error
	require.ErrorAs(t, results[15].Err, &he)
	assert.Equal(t, 400, he.HTTPStatusCode(), "the vendor's own answer")
	assert.EqualValues(t, n-4, g.total.Load(), "only the nil, unknown, invalid and keyless requests were never sent")

	assert.Zero(t, overlaps.Load())
	require.Len(t, calls, n, "one Progress call per item")
	seen := map[int]bool{}
	failed := 0
	for k, p := range calls {
		assert.Equal(t, k+1, p.Done)
		assert.Equal(t, n, p.Total)
		assert.False(t, seen[p.Result.Index], "item %d reported twice", p.Result.Index)
		seen[p.Result.Index] = true
		assert.Equal(t, results[p.Result.Index], p.Result)
		if p.Result.Err != nil {
			failed++
		}
		assert.Equal(t, failed, p.Failed)
		if k > 0 {
			assert.GreaterOrEqual(t, p.Elapsed, calls[k-1].Elapsed)
		}
	}
	assert.Equal(t, len(failing), failed)
}

// The concurrency bound is reached and never passed, counted at the mock: the
// first requests wait there until Concurrency of them are in flight at once, so a
// smaller bound would hang (the test's deadline would then fail every item) and a
// larger one would show in the count.
func TestBatchConcurrencyBound(t *testing.T) {
	noLeaks(t)
	for _, tc := range []struct{ concurrency, requests, want int }{
		{1, 6, 1},
		{4, 30, 4},
		{0, 30, harbor.DefaultBatchConcurrency},
		{16, 5, 5}, // no more in flight than there are requests
	} {
		g := &gate{barrier: int64(tc.want)}
		c := gated(t, g)
		reqs := make([]*harbor.ChatRequest, tc.requests)
		for i := range reqs {
			reqs[i] = ask("deepseek-v4-flash", fmt.Sprint(i))
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		results := c.Chat.Completions.Batch(ctx, reqs, harbor.BatchOptions{Concurrency: tc.concurrency})
		cancel()
		for _, r := range results {
			require.NoError(t, r.Err, "concurrency %d", tc.concurrency)
		}
		assert.EqualValues(t, tc.want, g.most.Load(), "concurrency %d: most in flight at the mock", tc.concurrency)
		assert.EqualValues(t, tc.requests, g.total.Load())
	}
}

// Batch goes through the Client's admission control: with one slot and no queue,
// the request that holds the slot is the only one at the mock, and every other
// item fails alone with ErrQueueFull. With a queue, the Client's limit, not the
// batch's Concurrency, bounds what reaches the vendor.
func TestBatchThroughAdmissionControl(t *testing.T) {
	noLeaks(t)
	g := &gate{release: make(chan struct{})}
	m := harbortest.Start(t, harbortest.DeepSeek)
	g.next = m.Handler()
	srv, err := mockvendor.Listen("127.0.0.1:0", g)
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	c, err := m.NewClient(harbor.WithBaseURL("deepseek", srv.URL()), harbor.WithLimits(harbor.Limits{MaxConcurrent: 1}))
	require.NoError(t, err)

	const n = 12
	reqs := make([]*harbor.ChatRequest, n)
	for i := range reqs {
		reqs[i] = ask("deepseek-v4-flash", fmt.Sprint("q", i))
	}
	results := c.Chat.Completions.Batch(context.Background(), reqs, harbor.BatchOptions{
		Concurrency: 4,
		Progress: func(p harbor.BatchProgress) {
			if p.Done == n-1 { // all but the one holding the slot have failed: let it answer
				close(g.release)
			}
		},
	})
	ok := 0
	for i, r := range results {
		if r.Err == nil {
			ok++
			assert.Equal(t, fmt.Sprintf("Hello! You said: q%d", i), r.Completion.Choices[0].Message.Content)
			continue
		}
		assert.ErrorIs(t, r.Err, harbor.ErrQueueFull, "item %d", i)
	}
	assert.Equal(t, 1, ok)
	assert.EqualValues(t, 1, g.total.Load(), "only the call with the slot reached the vendor")

	g2 := &gate{barrier: 2}
	m2 := harbortest.Start(t, harbortest.DeepSeek)
	g2.next, g2.full = m2.Handler(), make(chan struct{})
	srv2, err := mockvendor.Listen("127.0.0.1:0", g2)
	require.NoError(t, err)
	t.Cleanup(func() { srv2.Close() })
	c2, err := m2.NewClient(harbor.WithBaseURL("deepseek", srv2.URL()), harbor.WithLimits(harbor.Limits{MaxConcurrent: 2, QueueSize: n}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, r := range c2.Chat.Completions.Batch(ctx, reqs, harbor.BatchOptions{Concurrency: 8}) {
		require.NoError(t, r.Err)
	}
	assert.EqualValues(t, 2, g2.most.Load(), "the Client's limit bounds the batch")
	assert.EqualValues(t, n, g2.total.Load())
}

// Cancelling the context stops the batch: the requests under way end with
// ErrCanceled, the ones not started get ErrCanceled too and are never sent, every
// item has a result and a Progress call, and no goroutine is left behind.
func TestBatchCancel(t *testing.T) {
	noLeaks(t)
	g := &gate{hold: true, arrived: make(chan struct{}, 16)}
	c := gated(t, g)
	reqs := make([]*harbor.ChatRequest, 10)
	for i := range reqs {
		reqs[i] = ask("deepseek-v4-flash", fmt.Sprint(i))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-g.arrived // both workers' first requests are at the mock
		<-g.arrived
		cancel()
	}()
	var last harbor.BatchProgress
	results := c.Chat.Completions.Batch(ctx, reqs, harbor.BatchOptions{
		Concurrency: 2,
		Progress:    func(p harbor.BatchProgress) { last = p },
	})

	require.Len(t, results, len(reqs))
	for i, r := range results {
		assert.Nil(t, r.Completion, "item %d", i)
		assert.ErrorIs(t, r.Err, harbor.ErrCanceled, "item %d", i)
		assert.ErrorIs(t, r.Err, context.Canceled, "item %d", i)
		var he *harbor.Error
		require.ErrorAs(t, r.Err, &he, "item %d", i)
		if i < 2 {
			assert.NotContains(t, r.Err.Error(), "not sent", "item %d was under way", i)
			continue
		}
		assert.Contains(t, r.Err.Error(), "not sent: the batch's context ended before this request started", "item %d", i)
		assert.Equal(t, "deepseek-v4-flash", he.Model)
		assert.True(t, he.Retryable(), "a request never sent may be sent again")
	}
	assert.EqualValues(t, 2, g.total.Load(), "no request started after the cancel")
	assert.Equal(t, harbor.BatchProgress{Done: 10, Failed: 10, Total: 10, Elapsed: last.Elapsed, Result: last.Result}, last)
	s := c.Stats()
	assert.EqualValues(t, 2, s.Requests, "the items never started are not calls")
	assert.EqualValues(t, 2, s.Canceled)
	assert.Zero(t, s.Failures)
}

// A context whose deadline has passed sends nothing; every item is ErrTimeout, as
// Create says for a deadline.
func TestBatchDeadlinePassed(t *testing.T) {
	noLeaks(t)
	g := &gate{}
	c := gated(t, g)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	results := c.Chat.Completions.Batch(ctx, []*harbor.ChatRequest{ask("deepseek-v4-flash", "a"), nil}, harbor.BatchOptions{})
	require.Len(t, results, 2)
	for _, r := range results {
		assert.ErrorIs(t, r.Err, harbor.ErrTimeout)
		assert.ErrorIs(t, r.Err, context.DeadlineExceeded)
	}
	assert.Zero(t, g.total.Load())
}

// What cannot run at all fails every item with a typed error, sends nothing and
// still reports every item: a negative concurrency, a nil context, a Client not
// made by New. An empty batch is an empty result.
func TestBatchRefusals(t *testing.T) {
	noLeaks(t)
	g := &gate{}
	c := gated(t, g)
	reqs := []*harbor.ChatRequest{ask("deepseek-v4-flash", "a"), ask("deepseek-v4-flash", "b"), ask("deepseek-v4-flash", "c")}
	var nilCtx context.Context
	var zero harbor.Client
	for name, batch := range map[string]func(harbor.BatchOptions) []harbor.BatchResult{
		"negative concurrency": func(o harbor.BatchOptions) []harbor.BatchResult {
			o.Concurrency = -1
			return c.Chat.Completions.Batch(context.Background(), reqs, o)
		},
		"nil context": func(o harbor.BatchOptions) []harbor.BatchResult {
			return c.Chat.Completions.Batch(nilCtx, reqs, o)
		},
		"zero Client": func(o harbor.BatchOptions) []harbor.BatchResult {
			return zero.Chat.Completions.Batch(context.Background(), reqs, o)
		},
	} {
		progress := 0
		results := batch(harbor.BatchOptions{Progress: func(harbor.BatchProgress) { progress++ }})
		require.Len(t, results, len(reqs), name)
		for i, r := range results {
			assert.Equal(t, i, r.Index, name)
			requireInvalid(t, r.Err, name)
		}
		assert.Equal(t, len(reqs), progress, name)
		assert.NotSame(t, results[0].Err, results[1].Err, "%s: each item has its own *Error", name)
	}
	var he *harbor.Error
	results := c.Chat.Completions.Batch(context.Background(), reqs, harbor.BatchOptions{Concurrency: -2})
	require.ErrorAs(t, results[0].Err, &he)
	assert.Equal(t, "Concurrency", he.Param)
	assert.Zero(t, g.total.Load(), "nothing was sent")

	called := false
	empty := c.Chat.Completions.Batch(context.Background(), nil, harbor.BatchOptions{Progress: func(harbor.BatchProgress) { called = true }})
	assert.NotNil(t, empty)
	assert.Empty(t, empty)
	assert.False(t, called)
}

// CallOptions reach every request of the batch.
func TestBatchCallOptions(t *testing.T) {
	noLeaks(t)
	m := harbortest.Start(t, harbortest.DeepSeek)
	reqs := []*harbor.ChatRequest{ask(m.Model(), "a"), ask(m.Model(), "b")}
	results := m.Client().Chat.Completions.Batch(context.Background(), reqs, harbor.BatchOptions{
		CallOptions: []harbor.CallOption{harbor.WithHeader("X-Batch", "nightly")},
	})
	for _, r := range results {
		require.NoError(t, r.Err)
	}
	sent := m.ChatRequests()
	require.Len(t, sent, 2)
	for _, r := range sent {
		assert.Equal(t, "nightly", r.Header.Get("X-Batch"))
	}
	bad := m.Client().Chat.Completions.Batch(context.Background(), reqs[:1], harbor.BatchOptions{CallOptions: []harbor.CallOption{nil}})
	assert.True(t, errors.Is(bad[0].Err, harbor.ErrInvalidRequest), "a nil CallOption is Create's error")
}
