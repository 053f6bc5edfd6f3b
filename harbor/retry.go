package harbor

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// retryDoer is the llm.Doer every provider sends through: go-retryablehttp over the
// Client's pooled transport, configured for an SDK — silent, bounded, ctx-aware.
type retryDoer struct {
	rc    *retryablehttp.Client
	idle  time.Duration
	stats *stats
}

func newRetryDoer(o *Options, rt http.RoundTripper, st *stats) *retryDoer {
	maxAfter := o.MaxRetryAfter
	rc := &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: keepPool{rt}},
		Logger:       nil, // an SDK does not log on its users' behalf
		RetryWaitMin: o.RetryWaitMin,
		RetryWaitMax: o.RetryWaitMax,
		RetryMax:     o.MaxRetries,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			if err == nil {
				// The provider may overrule the status: only it can read its
				// vendor's bodies (llm.ClassifyingDoer).
				if classify, _ := ctx.Value(classifierKey{}).(func(*http.Response) llm.RetryVerdict); classify != nil {
					switch classify(resp) {
					case llm.RetryNow:
						return true, nil
					case llm.RetryNever:
						return false, nil
					}
				}
				if resp.StatusCode == http.StatusOK {
					return false, nil
				}
			}
			retry, perr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
			if retry && resp != nil && wire.RetryAfter(resp.Header) > maxAfter {
				// The vendor wants a longer pause than we are allowed to wait: hand the
				// response back so the caller sees the 429 and its RetryAfter.
				return false, nil
			}
			return retry, perr
		},
		Backoff: func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
			if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
				if d := wire.RetryAfter(resp.Header); d > 0 {
					return d // already capped by CheckRetry
				}
			}
			d := min << attempt
			if d > max || d <= 0 {
				d = max
			}
			// Full jitter in [d/2, d]: a fleet of clients must not retry in lockstep.
			return d/2 + rand.N(d/2+1)
		},
		// Return the last response (with its vendor error body) instead of a generic
		// "giving up after N attempts" error.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		RequestLogHook: func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
			if attempt > 0 {
				st.retries.Add(1)
			}
		},
	}
	return &retryDoer{rc: rc, idle: o.IdleTimeout, stats: st}
}

// classifierKey carries DoClassified's retry function to CheckRetry, which
// go-retryablehttp configures per client, not per request.
type classifierKey struct{}

// DoClassified is Do, with classify overruling the retry policy where the
// provider knows better (see llm.ClassifyingDoer).
func (d *retryDoer) DoClassified(req *http.Request, classify func(*http.Response) llm.RetryVerdict) (*http.Response, error) {
	return d.Do(req.WithContext(context.WithValue(req.Context(), classifierKey{}, classify)))
}

// Do sends req with retries. Retries happen only before a response is returned, so a
// stream is never retried once its body reaches the caller.
func (d *retryDoer) Do(req *http.Request) (*http.Response, error) {
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	resp, err := d.rc.Do(rreq)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, err
	}
	if d.idle > 0 && resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = newIdleBody(resp.Body, d.idle)
	}
	return resp, nil
}

var _ llm.ClassifyingDoer = (*retryDoer)(nil)
