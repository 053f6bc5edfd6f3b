package harbor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/llm"
)

// DefaultBatchConcurrency is how many requests Batch keeps in flight when
// BatchOptions.Concurrency is 0.
const DefaultBatchConcurrency = 8

// BatchOptions configures Completions.Batch. The zero value is ready to use:
// DefaultBatchConcurrency requests at a time, no progress reports, no call options.
type BatchOptions struct {
	// Concurrency is the most requests in flight at once; 0 means
	// DefaultBatchConcurrency. Batch never starts more than one goroutine per
	// request, so a Concurrency above len(reqs) is the same as len(reqs). A
	// negative Concurrency is an error: every item then fails with ErrInvalidRequest
	// (Param "Concurrency") and nothing is sent.
	Concurrency int

	// Progress, if set, is called once for every item, as it finishes (in the order
	// they finish, not the input order), with the item's result and the counts so
	// far. Calls never overlap: Progress may write to a file or a terminal without
	// locking. It runs on Batch's goroutines, so a slow Progress slows the batch;
	// Batch returns after the last call has returned.
	Progress func(BatchProgress)

	// CallOptions apply to every request, as if given to Create
	// (WithRequestTimeout then bounds each request, not the whole batch).
	CallOptions []CallOption
}

// BatchResult is the outcome of one request of a batch: Completion on success,
// otherwise Err, a *Error classified like Create's.
type BatchResult struct {
	Index      int // the request's position in the slice given to Batch
	Completion *ChatCompletion
	Err        error
}

// BatchProgress is what BatchOptions.Progress receives after each item.
type BatchProgress struct {
	Done    int           // items finished, this one included (successes and failures)
	Failed  int           // of those, items whose Err is not nil (not started ones included)
	Total   int           // len(reqs)
	Elapsed time.Duration // since Batch was called
	// Result is the item that has just finished.
	Result BatchResult
}

// Batch sends many chat completion requests through the Client with bounded
// concurrency and returns one BatchResult per request, in the order of reqs
// (results[i].Index == i). Every request goes through Create, so it is routed,
// validated, retried, cached and counted as a single call would be, and the
// Client's admission control applies to it: with WithLimits, Concurrency above the
// Client's limits only makes more requests wait in its queue, and an item that
// finds the queue full fails alone with ErrQueueFull.
//
// One request failing does not stop the others: its error is in its own result,
// and a nil request is an ErrInvalidRequest for that item only. When ctx ends,
// Batch starts no more requests; those under way end as Create's do (ErrCanceled
// for a cancelled ctx, ErrTimeout for a passed deadline), and each item not
// started gets an error of the same class that says it was never sent (and is
// Retryable: nothing was tried). No item is ever left without a result, and Batch
// returns only when every goroutine it started has finished.
//
// Requests start in input order, at most opts.Concurrency at a time. harbor never
// modifies a request, so one may appear in reqs more than once. Batch on an empty
// slice returns an empty slice and calls nothing.
func (cc Completions) Batch(ctx context.Context, reqs []*ChatRequest, opts BatchOptions) []BatchResult {
	b := &batch{
		cc:      cc,
		ctx:     ctx,
		reqs:    reqs,
		opts:    opts,
		results: make([]BatchResult, len(reqs)),
		start:   time.Now(),
	}
	if len(reqs) == 0 {
		return b.results
	}
	if err := b.check(); err != nil {
		for i := range reqs {
			b.finish(i, nil, err())
		}
		return b.results
	}
	workers := opts.Concurrency
	if workers == 0 {
		workers = DefaultBatchConcurrency
	}
	workers = min(workers, len(reqs))
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			b.work()
		}()
	}
	wg.Wait()
	return b.results
}

// batch is one run of Batch.
type batch struct {
	cc      Completions
	ctx     context.Context
	reqs    []*ChatRequest
	opts    BatchOptions
	results []BatchResult // each index written by the one goroutine that took it
	start   time.Time
	next    atomic.Int64 // the next index to take

	mu           sync.Mutex // serialises the counters and Progress
	done, failed int
}

// check returns, for a batch that cannot run at all, a function that builds the
// error each item gets (a fresh *Error each, since callers may annotate them).
func (b *batch) check() func() error {
	switch {
	case b.cc.c == nil:
		return func() error { e := *errNoClient; return &e }
	case b.ctx == nil:
		return func() error {
			return llm.InvalidRequest("", "", "ctx", "the context is nil; pass context.Background() or a request's context")
		}
	case b.opts.Concurrency < 0:
		n := b.opts.Concurrency
		return func() error {
			return llm.InvalidRequest("", "", "Concurrency", "BatchOptions.Concurrency is %d; use a positive number, or 0 for %d", n, DefaultBatchConcurrency)
		}
	}
	return nil
}

// work takes the next request until none is left: it sends it, or, once the
// context has ended, gives it the error of a request never sent.
func (b *batch) work() {
	for {
		i := int(b.next.Add(1) - 1)
		if i >= len(b.reqs) {
			return
		}
		if err := b.ctx.Err(); err != nil {
			b.finish(i, nil, notStarted(b.reqs[i], err))
			continue
		}
		res, err := b.cc.Create(b.ctx, b.reqs[i], b.opts.CallOptions...)
		b.finish(i, res, err)
	}
}

// notStarted is the error of a request Batch never sent because its context had
// ended: ErrCanceled or ErrTimeout, as Create would have said, with a message that
// tells it apart from a request cut short.
func notStarted(req *ChatRequest, cause error) error {
	model := ""
	if req != nil {
		model = req.Model
	}
	e := vendorerr.Transport("", model, cause)
	e.Message = "not sent: the batch's context ended before this request started"
	e.Transient = true // the same request may well succeed in a new batch
	return e
}

func (b *batch) finish(i int, res *ChatCompletion, err error) {
	r := BatchResult{Index: i, Completion: res, Err: err}
	b.results[i] = r
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done++
	if err != nil {
		b.failed++
	}
	if b.opts.Progress != nil {
		b.opts.Progress(BatchProgress{Done: b.done, Failed: b.failed, Total: len(b.reqs), Elapsed: time.Since(b.start), Result: r})
	}
}
