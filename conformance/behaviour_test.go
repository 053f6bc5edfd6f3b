package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// Behaviour across vendors (issue 13): fallback chains over every ordered pair of
// vendors, per error class, for Create and Stream, and the circuit breaker's
// transitions on every vendor.

// pairClient is a Client over two vendors' mocks with the chain "pair" from a to b.
func pairClient(t *testing.T, a, b harbortest.Vendor, opts ...harbor.Option) (ma, mb *harbortest.Mock, c *harbor.Client) {
	t.Helper()
	ma = harbortest.Start(t, a, harbortest.WithoutSpecCheck())
	mb = harbortest.Start(t, b, harbortest.WithoutSpecCheck())
	all := append(append(ma.Options(), mb.Options()...), harbor.WithMaxRetries(0),
		harbor.WithFallback("pair", ma.Model(), mb.Model()))
	c, err := harbor.New(append(all, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return ma, mb, c
}

func pairReq() *harbor.ChatRequest {
	return &harbor.ChatRequest{Model: "pair", Messages: []harbor.Message{harbor.UserMessage("hi")}}
}

type fallbackRow struct {
	name  string
	fault harbortest.Fault
	moves bool  // the chain moves to the second vendor
	class error // the class of the first vendor's error
}

var fallbackRows = []fallbackRow{
	{"500 server error", harbortest.ServerError(), true, harbor.ErrServer},
	{"503 overloaded", harbortest.Overloaded(), true, harbor.ErrServer},
	{"429 rate limited", harbortest.RateLimited(""), true, harbor.ErrRateLimited},
	{"connection reset", harbortest.ConnectionReset(), true, harbor.ErrConnection},
	{"401 unauthorized", harbortest.Unauthorized(), false, harbor.ErrAuthentication},
}

func TestFallbackAcrossVendors(t *testing.T) {
	for _, a := range harbortest.Vendors() {
		for _, b := range harbortest.Vendors() {
			if a == b {
				continue
			}
			t.Run(fmt.Sprintf("%s to %s", a, b), func(t *testing.T) {
				for _, row := range fallbackRows {
					for _, stream := range []bool{false, true} {
						name := row.name + "/create"
						if stream {
							name = row.name + "/stream"
						}
						t.Run(name, func(t *testing.T) {
							ma, mb, c := pairClient(t, a, b)
							ma.Enqueue(row.fault)
							fb, err := callOnce(t, c, stream)
							if !row.moves {
								require.ErrorIs(t, err, row.class)
								assert.Empty(t, mb.ChatRequests(), "never moves on for %s", row.name)
								return
							}
							require.NoError(t, err)
							require.NotNil(t, fb)
							assert.Equal(t, mb.Model(), fb.Model)
							require.Len(t, fb.Failed, 1)
							assert.Equal(t, ma.Provider(), fb.Failed[0].Provider)
							assert.ErrorIs(t, fb.Failed[0].Err, row.class)
							assert.EqualValues(t, 1, c.Stats().Fallbacks)
						})
					}
				}
				t.Run("stream cut after its first chunk/stream", func(t *testing.T) {
					ma, mb, c := pairClient(t, a, b, harbor.WithFallbackOn(harbor.ErrStreamTruncated, harbor.ErrConnection))
					ma.Enqueue(harbortest.AbortedStream(2))
					s, err := c.Chat.Completions.Stream(context.Background(), pairReq())
					require.NoError(t, err)
					defer s.Close()
					n := 0
					for s.Next() {
						n++
					}
					require.Positive(t, n)
					require.Error(t, s.Err())
					assert.Empty(t, mb.ChatRequests(), "a chunk reached the caller: never moves on")
				})
			})
		}
	}
}

// callOnce makes one call through the chain, reading a stream to its end.
func callOnce(t *testing.T, c *harbor.Client, stream bool) (*harbor.Fallback, error) {
	t.Helper()
	ctx := context.Background()
	if !stream {
		res, err := c.Chat.Completions.Create(ctx, pairReq())
		if err != nil {
			return nil, err
		}
		return res.Fallback, nil
	}
	s, err := c.Chat.Completions.Stream(ctx, pairReq())
	if err != nil {
		return nil, err
	}
	defer s.Close()
	n := 0
	for s.Next() {
		n++
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("no chunk")
	}
	return s.Fallback(), nil
}

// The breaker on every vendor: closed → open after 2 failures (calls refused
// unsent) → half-open after the cool-down → a failed probe opens it again → a
// good probe closes it.
func TestCircuitBreakerOnEveryVendor(t *testing.T) {
	for _, v := range harbortest.Vendors() {
		t.Run(string(v), func(t *testing.T) {
			m := harbortest.Start(t, v)
			c, err := m.NewClient(harbor.WithMaxRetries(0),
				harbor.WithCircuitBreaker(harbor.CircuitBreaker{Failures: 2, Cooldown: 30 * time.Millisecond}))
			require.NoError(t, err)
			ctx := context.Background()
			req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("hi")}}
			state := func() string { return c.HealthCheck(ctx).Providers[m.Provider()].Circuit }
			waitHalfOpen := func() {
				deadline := time.Now().Add(10 * time.Second)
				for state() != harbor.CircuitHalfOpen {
					require.True(t, time.Now().Before(deadline), "the breaker never went half-open")
					time.Sleep(2 * time.Millisecond)
				}
			}

			assert.Equal(t, harbor.CircuitClosed, state())
			m.Enqueue(harbortest.ServerError(), harbortest.ServerError())
			for range 2 {
				_, err := c.Chat.Completions.Create(ctx, req)
				require.ErrorIs(t, err, harbor.ErrServer)
			}
			assert.Equal(t, harbor.CircuitOpen, state())
			sent := len(m.ChatRequests())
			_, err = c.Chat.Completions.Create(ctx, req)
			require.ErrorIs(t, err, harbor.ErrCircuitOpen)
			_, err = c.Chat.Completions.Stream(ctx, req)
			require.ErrorIs(t, err, harbor.ErrCircuitOpen)
			assert.Len(t, m.ChatRequests(), sent, "refused unsent")

			waitHalfOpen()
			m.Enqueue(harbortest.ServerError())
			_, err = c.Chat.Completions.Create(ctx, req)
			require.ErrorIs(t, err, harbor.ErrServer, "the probe was sent and failed")
			assert.Equal(t, harbor.CircuitOpen, state(), "a failed probe opens it again")

			waitHalfOpen()
			_, err = c.Chat.Completions.Create(ctx, req)
			require.NoError(t, err, "the probe succeeds")
			assert.Equal(t, harbor.CircuitClosed, state())
		})
	}
}

// The same error object in a 200 answer is the same error on every
// OpenAI-shaped vendor, classified by OpenAI's vocabulary (a review found
// DeepSeek, Ark and Qianfan calling it a bad response while OpenAI's provider
// read it).
func TestTheSameErrorObjectIsTheSameErrorEverywhere(t *testing.T) {
	objects := []struct {
		body  string
		class error
	}{
		{`{"error":{"message":"Rate limit reached","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}`, harbor.ErrRateLimited},
		{`{"error":{"message":"bad key","type":"authentication_error","param":null,"code":"invalid_api_key"}}`, harbor.ErrAuthentication},
		{`{"error":{"message":"no such model","type":"invalid_request_error","param":null,"code":"model_not_found"}}`, harbor.ErrNotFound},
		{`{"error":{"message":"boom","type":"server_error","param":null,"code":null}}`, harbor.ErrServer},
	}
	for _, v := range []harbortest.Vendor{harbortest.DeepSeek, harbortest.Doubao, harbortest.Qianfan, harbortest.OpenAI} {
		for _, o := range objects {
			for _, stream := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%v/stream=%v", v, o.class, stream), func(t *testing.T) {
					m := harbortest.Start(t, v, harbortest.WithoutSpecCheck())
					c, err := m.NewClient(harbor.WithMaxRetries(0))
					require.NoError(t, err)
					m.Enqueue(harbortest.ReplyJSON(200, o.body))
					req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("hi")}}
					if stream {
						s, err := c.Chat.Completions.Stream(context.Background(), req)
						if err == nil {
							for s.Next() {
							}
							err = s.Err()
							s.Close()
						}
						require.ErrorIs(t, err, o.class)
						return
					}
					_, err = c.Chat.Completions.Create(context.Background(), req)
					require.ErrorIs(t, err, o.class)
				})
			}
		}
	}
}
