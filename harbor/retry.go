package harbor

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// retryDoer is the llm.Doer every provider sends through: go-retryablehttp over the
// Client's pooled transport, configured for an SDK — silent, bounded, ctx-aware.
type retryDoer struct {
	rc    *retryablehttp.Client
	idle  time.Duration
	stats *stats
	o     *Options
	rt    http.RoundTripper
	ua    []string // the User-Agent header's value, shared by every request
}

func newRetryDoer(o *Options, rt http.RoundTripper, st *stats) *retryDoer {
	return &retryDoer{rc: newRetryClient(o, rt, st, nil), idle: o.IdleTimeout, stats: st, o: o, rt: rt,
		ua: []string{UserAgent()}}
}

// UserAgent is the User-Agent harbor sends unless a request sets its own (with
// WithHeader): "harbor-go/<Version> (go<version>; <os>/<arch>)". Vendors and
// proxies log it, so users can tell harbor's traffic apart.
func UserAgent() string {
	return "harbor-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// newRetryClient configures go-retryablehttp. rule, when not nil, is the
// provider's say on every response (see llm.RetryRule).
func newRetryClient(o *Options, rt http.RoundTripper, st *stats, rule llm.RetryRule) *retryablehttp.Client {
	maxAfter := o.MaxRetryAfter
	return &retryablehttp.Client{
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
				// vendor's bodies (llm.RetryRule).
				if rule != nil {
					switch rule(resp) {
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
			var retry bool
			var perr error
			switch shouldRetry(resp) {
			case llm.RetryNow:
				retry = true
			case llm.RetryNever:
				return false, nil
			default:
				retry, perr = retryablehttp.DefaultRetryPolicy(ctx, resp, err)
			}
			if retry && resp != nil && vendorerr.RetryAfter(resp.Header) > maxAfter {
				// The vendor wants a longer pause than we are allowed to wait: hand the
				// response back so the caller sees the 429 and its RetryAfter.
				return false, nil
			}
			return retry, perr
		},
		Backoff: func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
			if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
				if d := vendorerr.RetryAfter(resp.Header); d > 0 {
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
		RequestLogHook: func(_ retryablehttp.Logger, r *http.Request, attempt int) {
			if attempt > 0 {
				st.retries.Add(1)
			}
			if n, ok := r.Context().Value(attemptsKey{}).(*atomic.Int32); ok {
				n.Add(1) // only calls an Observer watches carry a counter
			}
		},
		// Requests sent without a copy of their body (see Do) are rewound here,
		// on the copy go-retryablehttp makes for every further attempt.
		PrepareRetry: func(r *http.Request) error {
			if r.GetBody == nil {
				return nil // no body, or go-retryablehttp replays its own copy
			}
			body, err := r.GetBody()
			if err != nil {
				return err
			}
			r.Body = body
			return nil
		},
	}
}

// shouldRetry reads the X-Should-Retry header of an error answer: a server that
// knows a retry cannot help (harbor serve's provider_not_configured, a spent
// balance) says "false", one that knows it will (a lock it is about to release)
// says "true", and the official OpenAI SDKs obey it before looking at the status.
// harbor does the same, so a harbor client in front of a harbor gateway (or any
// OpenAI-compatible server that sends it) does not resend what cannot succeed.
// Any other value, or none, leaves the decision to the status.
func shouldRetry(resp *http.Response) llm.RetryVerdict {
	if resp == nil {
		return llm.RetryByPolicy
	}
	v, ok := resp.Header["X-Should-Retry"]
	if !ok || len(v) == 0 {
		return llm.RetryByPolicy
	}
	switch v[0] {
	case "true":
		return llm.RetryNow
	case "false":
		return llm.RetryNever
	}
	return llm.RetryByPolicy
}

// withRule returns a Doer that consults rule on every response before the
// status-based policy, with the rule bound once, when a provider that states one
// (Descriptor.Retry) is bound; nil rule: d itself.
func (d *retryDoer) withRule(rule llm.RetryRule) *retryDoer {
	if rule == nil {
		return d
	}
	c := *d
	c.rc = newRetryClient(d.o, d.rt, d.stats, rule)
	return &c
}

// Do sends req with retries. Retries happen only before a response is returned, so a
// stream is never retried once its body reaches the caller.
//
// A request whose body can be replayed (GetBody, as http.NewRequest and
// wire.Endpoint.NewRequest set it) is sent without a copy of its body: the first
// attempt sends req.Body, and PrepareRetry rewinds the others. Any other body is
// read into memory once by go-retryablehttp, as before.
func (d *retryDoer) Do(req *http.Request) (*http.Response, error) {
	if _, ok := req.Header["User-Agent"]; !ok && req.Header != nil {
		// Shared slice, never written: Header.Set/Add replace values, and
		// RoundTrippers must not modify requests.
		req.Header["User-Agent"] = d.ua
	}
	var rreq *retryablehttp.Request
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		rreq = &retryablehttp.Request{Request: req}
	} else {
		var err error
		if rreq, err = retryablehttp.FromRequest(req); err != nil {
			return nil, err
		}
	}
	resp, err := d.rc.Do(rreq)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, err
	}
	if d.idle > 0 && resp.Body != nil && resp.Body != http.NoBody && !whole(resp.Body) {
		resp.Body = newIdleBody(resp.Body, d.idle)
	}
	return resp, nil
}

// whole reports whether body is already all in memory (a classifier read it): no
// read of it can hang, so it needs no idle timeout.
func whole(body io.ReadCloser) bool {
	w, ok := body.(wire.Whole)
	if !ok {
		return false
	}
	_, ok = w.Whole()
	return ok
}
