package wenxin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// defaultTokenLifetime is assumed when a grant omits expires_in: Baidu's tokens last
// 30 days.
const defaultTokenLifetime = 30 * 24 * time.Hour

// tokenSource fetches, caches and refreshes the OAuth access token. It is shared by
// every call of one Provider: the first call that needs a token fetches it and every
// concurrent caller waits for that one fetch (a hand-written singleflight), so a
// burst of 100 first calls costs one round trip to the token endpoint.
type tokenSource struct {
	gen    *gen.Client
	key    string
	secret string
	now    func() time.Time // Options.Now; nil is time.Now (see clock)

	// parked, when not nil, is called (with mu held) each time a caller parks
	// behind the in-flight fetch, with the number of callers now parked behind it.
	// Tests wait on it to know the callers really piled up instead of sleeping.
	parked func(waiting int)

	mu      sync.Mutex
	token   string
	expires time.Time // refresh at or after this instant
	flight  *tokenFetch
}

// tokenFetch is one in-flight fetch; done is closed when token/err are set.
type tokenFetch struct {
	done    chan struct{}
	waiters int // callers parked behind this fetch, under tokenSource.mu
	token   string
	err     *llm.Error
}

// get returns a valid access token, fetching one when none is cached or the cached
// one is near its expiry.
func (s *tokenSource) get(ctx context.Context, model string) (string, error) {
	s.mu.Lock()
	for {
		if s.token != "" && s.clock().Before(s.expires) {
			t := s.token
			s.mu.Unlock()
			return t, nil
		}
		f := s.flight
		if f == nil {
			break
		}
		f.waiters++
		if s.parked != nil {
			s.parked(f.waiters)
		}
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return "", transportError(model, ctx.Err())
		}
		if f.err == nil {
			return f.token, nil
		}
		// The leader's own deadline or cancellation is not ours: try again (one of the
		// waiters becomes the new leader). Any other failure is shared.
		if !errors.Is(f.err, context.Canceled) && !errors.Is(f.err, context.DeadlineExceeded) || ctx.Err() != nil {
			e := *f.err // a copy: the shared error is read by many goroutines
			e.Model = model
			return "", &e
		}
		s.mu.Lock()
	}
	f := &tokenFetch{done: make(chan struct{})}
	s.flight = f
	s.mu.Unlock()

	tok, ttl, err := s.fetch(ctx, model)

	s.mu.Lock()
	if err == nil {
		s.token, s.expires = tok, s.clock().Add(cacheFor(ttl))
	}
	s.flight = nil
	f.token, f.err = tok, err
	s.mu.Unlock()
	close(f.done)
	if err != nil {
		return "", err
	}
	return tok, nil
}

// clock is the time now by Options.Now, or time.Now.
func (s *tokenSource) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// cacheFor is how long a token is used: 90% of its lifetime (27 days for the usual
// 30-day token). Refreshing early keeps a token from expiring between the check and
// the vendor's, absorbs clock skew, and costs one extra grant a month; a token
// revoked earlier is caught by error 110/111 anyway.
func cacheFor(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		ttl = defaultTokenLifetime
	}
	return ttl / 10 * 9
}

// invalidate forgets tok after the vendor rejected it (error 110/111), but only if it
// is still the cached token: when many calls fail with the same token at once, the
// first one's refresh is not thrown away by the others.
func (s *tokenSource) invalidate(tok string) {
	s.mu.Lock()
	if s.token == tok {
		s.token, s.expires = "", time.Time{}
	}
	s.mu.Unlock()
}

// fetch asks the token endpoint for a new token.
func (s *tokenSource) fetch(ctx context.Context, model string) (string, time.Duration, *llm.Error) {
	resp, err := s.gen.GetAccessToken(ctx, &gen.GetAccessTokenParams{GrantType: gen.ClientCredentials, ClientId: s.key, ClientSecret: s.secret})
	if err != nil {
		return "", 0, transportError(model, err, s.key, s.secret)
	}
	var (
		tr  gen.TokenResponse
		out *llm.Error
	)
	rerr := wire.ReadBody(resp, func(b []byte) error {
		out = tokenFailure(model, resp, b, &tr, s.key, s.secret)
		return nil
	})
	if rerr != nil {
		return "", 0, transportError(model, rerr, s.key, s.secret)
	}
	if out != nil {
		return "", 0, out
	}
	ttl := time.Duration(0)
	if tr.ExpiresIn != nil {
		ttl = time.Duration(*tr.ExpiresIn) * time.Second
	}
	return *tr.AccessToken, ttl, nil
}

// tokenFailure decodes a token endpoint answer into tr and returns the error it
// represents, or nil for a usable grant. An OAuth error body ({"error":
// "invalid_client","error_description":…}) is an authentication failure whatever the
// status; other non-200 answers are classified by status.
func tokenFailure(model string, resp *http.Response, b []byte, tr *gen.TokenResponse, secrets ...string) *llm.Error {
	jerr := json.Unmarshal(b, tr)
	if jerr == nil && tr.Error != nil && *tr.Error != "" {
		msg := llm.Redact(engine.Str(tr.ErrorDescription), secrets...)
		if msg == "" {
			msg = llm.Redact(*tr.Error, secrets...)
		}
		return &llm.Error{Provider: Name, Model: model, StatusCode: statusIfNot200(resp.StatusCode), Code: *tr.Error,
			Message:   "cannot get a Wenxin access token: " + msg + " (check " + EnvAPIKey + " and " + EnvSecretKey + ")",
			RequestID: vendorerr.RequestID(resp.Header), Kind: llm.ErrAuthentication}
	}
	if resp.StatusCode != http.StatusOK {
		e := vendorerr.Status(Name, model, resp, b, secrets...)
		e.Message = "cannot get a Wenxin access token: " + e.Message
		return e
	}
	// No body snippets from here on: a grant carries refresh_token and session_secret.
	if jerr != nil {
		return &llm.Error{Provider: Name, Model: model, Kind: llm.ErrBadResponse, Err: jerr,
			Message: "cannot decode the token endpoint's answer: " + jerr.Error()}
	}
	if tr.AccessToken == nil || *tr.AccessToken == "" {
		return &llm.Error{Provider: Name, Model: model, Kind: llm.ErrBadResponse,
			Message: "the token endpoint answered 200 without an access_token"}
	}
	return nil
}

func statusIfNot200(status int) int {
	if status == http.StatusOK {
		return 0
	}
	return status
}
