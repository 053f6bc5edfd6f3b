// Package gatewaytest runs a harbor gateway inside a test: on a loopback
// port, with the built-in mock vendors as its upstreams and a virtual key to
// call it with, so that any HTTP or OpenAI client can be tested against it
// offline:
//
//	func TestMyClient(t *testing.T) {
//		g := gatewaytest.Start(t, gateway.Config{})   // shut down when t ends
//		// point an OpenAI SDK at g.BaseURL() with API key g.Key
//		g.Mock(harbortest.DeepSeek).Enqueue(harbortest.ServerError()) // script the vendor's next answer
//	}
//
// The gateway's own client retries a vendor's 429 and 5xx (twice, by
// default), so a single scripted failure is retried past: to see it reach the
// caller, set cfg.Upstream.MaxRetries to 0, or enqueue one per attempt.
//
// The environment is not read (no real vendor key is ever used): every
// built-in vendor is answered by its mock (package conformance/harbortest),
// unless cfg names other upstreams.
package gatewaytest

import (
	"context"
	"github.com/harborai/harbor-go/internal/syncbuf"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/harbor"
)

// Gateway is a gateway serving on a loopback port for one test.
type Gateway struct {
	// URL is the gateway's root ("http://127.0.0.1:54321").
	URL string
	// Key is a virtual key with no limits (id "test"), when cfg had no keys;
	// "" when it had its own.
	Key string
	// Server is the gateway itself.
	Server *gateway.Server

	mu     sync.Mutex
	mocks  map[harbortest.Vendor]*harbortest.Mock
	log    *syncbuf.Buffer
	served chan struct{}
}

// Start runs a gateway for cfg until the test ends. cfg.Listen is ignored (a
// free loopback port is used); with no keys in cfg, one is added (Key); the
// environment is not read unless cfg.Getenv is set; built-in vendors without
// credentials are answered by their mocks (cfg.Mock is set); the access log
// goes to AccessLog unless cfg.AccessLog is set (each line at once:
// log.access_flush is dropped then). Faults enqueued on Mock(v)
// reach the gateway's calls.
func Start(tb testing.TB, cfg gateway.Config) *Gateway {
	tb.Helper()
	g, err := New(cfg)
	if err != nil {
		tb.Fatalf("gatewaytest: %v", err)
	}
	tb.Cleanup(func() { _ = g.Close() })
	return g
}

// New is Start outside tests (examples, benchmarks, TestMain): the caller
// closes the Gateway.
func New(cfg gateway.Config) (*Gateway, error) {
	g := &Gateway{mocks: map[harbortest.Vendor]*harbortest.Mock{}, log: &syncbuf.Buffer{}}
	if len(cfg.Keys) == 0 {
		key, sum, err := gateway.NewKey()
		if err != nil {
			return nil, err
		}
		g.Key = key
		cfg.Keys = []gateway.KeyConfig{{ID: "test", SHA256: sum}}
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	cfg.Mock = true
	cfg.MockBackend = func(providers []string) ([]harbor.Option, func(), error) {
		var opts []harbor.Option
		for _, p := range providers {
			m, err := harbortest.New(harbortest.Vendor(p), harbortest.WithoutSpecCheck())
			if err != nil {
				g.closeMocks()
				return nil, nil, err
			}
			g.mu.Lock()
			g.mocks[harbortest.Vendor(p)] = m
			g.mu.Unlock()
			// Not m.Options(): its WithGetenv (no environment, so that a
			// developer's real keys never reach a mock) would come after the
			// gateway's and replace cfg.Getenv for every provider, so that an
			// openai_compatible endpoint's api_key_env would never be read.
			// The mocked built-ins need only their configuration.
			opts = append(opts, harbor.WithProviderConfig(m.Provider(), harbor.ProviderConfig{APIKey: m.APIKey(),
				SecretKey: m.SecretKey(), AppID: m.AppID(), BaseURL: m.BaseURL()}),
				harbor.WithRetryWait(harbortest.RetryWaitMin, harbortest.RetryWaitMax))
		}
		return opts, g.closeMocks, nil
	}
	if cfg.AccessLog == nil {
		cfg.AccessLog = slog.New(slog.NewJSONHandler(g.log, nil))
		cfg.Log.AccessFlush = 0 // the lines are AccessLog's at once, not batched
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Listen = l.Addr().String()
	srv, err := gateway.New(cfg)
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	g.Server, g.URL = srv, "http://"+l.Addr().String()
	g.served = make(chan struct{})
	go func() {
		defer close(g.served)
		_ = srv.Serve(l)
	}()
	return g, nil
}

// Close shuts the gateway down (streams under way get up to 10 s) and stops
// its mocks. It may be called more than once.
func (g *Gateway) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := g.Server.Shutdown(ctx)
	<-g.served
	return err
}

// BaseURL is where OpenAI SDKs point: URL + "/v1".
func (g *Gateway) BaseURL() string { return g.URL + "/v1" }

// Mock is the mock answering for vendor v, to script faults (Enqueue) and
// read what the gateway sent (ChatRequests); nil when v is not mocked.
func (g *Gateway) Mock(v harbortest.Vendor) *harbortest.Mock {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.mocks[v]
}

// AccessLog is what the gateway's access log has written (JSON lines), when
// Start set it up. A request's line is written just after its answer is
// sent, so AccessLog first waits, up to a second, for the requests under
// way to end (Server.RequestsUnderWay): a stream still open is waited for
// that long, then left out.
func (g *Gateway) AccessLog() string {
	for deadline := time.Now().Add(time.Second); g.Server.RequestsUnderWay() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	return g.log.String()
}

func (g *Gateway) closeMocks() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.mocks {
		_ = m.Close()
	}
}
