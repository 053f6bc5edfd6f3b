package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harborai/harbor-go/gateway/internal/h1server"
	"github.com/harborai/harbor-go/generated/harborapi"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/rawconn"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/prommetrics"
)

// Server is a running gateway: an http.Handler that answers the Harbor API
// (spec/harbor.yaml) by calling one harbor.Client. Make one with New; serve it
// with ListenAndServe or Serve (which apply the Config's timeouts and
// connection limits), or mount it in a server of your own as an http.Handler;
// stop it with Shutdown.
type Server struct {
	cfg       Config
	getenv    func(string) string
	b         *built
	client    *harbor.Client
	keys      *keyring
	anonymous bool
	// sharedLimits counts the keys' limits in Redis for the fleet; nil: in
	// this process.
	sharedLimits *sharedLimits
	now          func() time.Time // the clock of the per-process limits and budgets
	api          http.Handler     // the generated router, for every route but chat
	metrics      *prommetrics.Metrics
	gm           *gatewayMetrics
	accessLog    *slog.Logger    // Config.AccessLog, the caller's
	accessJSON   *jsonLines      // the gateway's own, when accessLog is nil; both nil: off
	models       []llm.Model     // what /v1/models lists (before per-key filtering)
	started      time.Time       // when New listed them: each one's created
	noCreds      map[string]bool // the offered providers without credentials at start: not listed
	chains       map[string]bool
	routing      routing         // where names go, for the keys' models
	pass         map[string]bool // passthrough fields; nil: none
	passAll      bool
	reasoning    *reasoningMemo // tool turns' reasoning, for SDKs that drop it (reasoning.go)

	streams  atomic.Int64
	requests atomic.Int64
	underWay atomic.Int64   // requests whose log line is not yet written
	handlers sync.WaitGroup // every request under way
	closing  atomic.Bool    // Shutdown closes the listeners: new calls are refused
	draining atomic.Bool    // Shutdown has begun: /ready answers 503

	// baseCtx is the parent of every request's context; cancelled when
	// Shutdown's grace period ends, to stop streams still running.
	baseCtx context.Context
	cancel  context.CancelFunc

	mu      sync.Mutex
	servers []*h1server.Server
	closed  bool
}

// New builds a gateway from cfg: it checks the whole Config, builds the
// harbor.Client and every provider it offers (no I/O: Redis is not dialled,
// no vendor is called) and, with Mock, starts the mock vendors. Errors name
// the setting or variable at fault, never a key: a vendor variable that is
// set but malformed (a key with a pasted newline, a base URL without its
// scheme) is one; a provider without its keys is not (its calls answer 503
// provider_not_configured, and Uncredentialed names it).
func New(cfg Config) (*Server, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, cfg.lines.locate(err)
	}
	return s, nil
}

func newServer(cfg Config) (*Server, error) {
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	now := time.Now()
	keys, err := newKeyring(cfg.Keys, now)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	b, err := cfg.buildClient(getenv)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	sl, err := cfg.buildSharedLimits(b, getenv)
	if err != nil {
		b.close()
		return nil, fmt.Errorf("config: %w", err)
	}
	s := &Server{cfg: cfg, getenv: getenv, b: b, client: b.client, keys: keys, anonymous: len(cfg.Keys) == 0,
		sharedLimits: sl, now: time.Now, reasoning: newReasoningMemo()}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.chains = map[string]bool{}
	for _, c := range b.chains {
		s.chains[c] = true
	}
	s.routing = routing{client: b.client, chains: cfg.Fallbacks}
	for _, f := range cfg.PassthroughFields {
		if f == "*" {
			s.passAll = true
			continue
		}
		if s.pass == nil {
			s.pass = map[string]bool{}
		}
		s.pass[f] = true
	}
	s.started = now
	s.models, s.noCreds = s.listModels(now)
	s.gm = newGatewayMetrics(s)
	if !cfg.Management.NoMetrics {
		ids := prommetrics.ModelIDs(b.client.Models())
		var provs []string
		for _, e := range cfg.Endpoints {
			provs = append(provs, e.Name)
		}
		m, err := prommetrics.New(prommetrics.Options{Models: ids, Providers: provs,
			QueueLength: func() float64 { return float64(b.client.QueueLength()) },
			Circuits:    func() map[string]string { return b.client.CircuitStates() }})
		if err != nil {
			b.close()
			return nil, fmt.Errorf("metrics: %w", err)
		}
		if err := s.gm.register(m.Registry()); err != nil {
			b.close()
			return nil, fmt.Errorf("metrics: %w", err)
		}
		s.metrics = m
		b.observer.next = m
	}
	switch {
	case cfg.AccessLog != nil:
		s.accessLog = cfg.AccessLog
	case cfg.Log.Access == "off":
	case cfg.AccessLogOutput != nil:
		s.accessJSON = newJSONLines(cfg.AccessLogOutput, cfg.Log.AccessFlush)
	case cfg.Log.Access == "stderr":
		s.accessJSON = newJSONLines(os.Stderr, cfg.Log.AccessFlush)
	default:
		s.accessJSON = newJSONLines(os.Stdout, cfg.Log.AccessFlush)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.notFound)
	// A model id may hold a "/" ("deepseek/deepseek-v4-pro"), which the OpenAI
	// SDKs send raw or as %2F depending on the SDK and its version. The
	// generated route's {model} is one path segment (all OpenAPI 3.0 can say):
	// it takes the %2F form (net/http's ServeMux matches the escaped path and
	// unescapes the value); this one, less specific, takes the rest.
	mux.HandleFunc("GET /v1/models/{model...}", func(w http.ResponseWriter, r *http.Request) {
		if model := r.PathValue("model"); model != "" {
			routes{s}.RetrieveModel(w, r, model)
			return
		}
		s.notFound(w, r) // "/v1/models/": no id
	})
	s.api = harborapi.HandlerWithOptions(routes{s}, harborapi.StdHTTPServerOptions{
		BaseRouter: mux,
		ErrorHandlerFunc: func(w http.ResponseWriter, r *http.Request, err error) {
			s.writeError(exchangeOf(w), invalid("", "invalid_parameter", err.Error()))
		},
	})
	return s, nil
}

// Client is the harbor.Client the gateway calls, for its management figures.
func (s *Server) Client() *harbor.Client { return s.client }

// ServeHTTP answers one request of the Harbor API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handlers.Add(1)
	defer s.handlers.Done()
	s.requests.Add(1)
	s.underWay.Add(1)
	x := newExchange(w)
	if s.draining.Load() {
		// Shutdown has begun: each answer closes its connection, so that
		// no caller keeps one idle for the end of shutdown_delay to close
		// under its next request (found by a new-user trial).
		x.Header().Set("Connection", "close")
	}
	defer func() {
		s.gm.observe(x, r)
		s.logLine(x, r)
		s.underWay.Add(-1)
	}()
	// The hot path is routed by hand: the generated wrapper binds the trace
	// headers through oapi-codegen's runtime and copies the request to add a
	// context value no handler reads — 4 allocations (440 B) per request, within the
	// noise in time (BenchmarkChatJSON vs BenchmarkChatJSONGeneratedRouter).
	// Every other route goes through the generated router.
	if r.URL.Path == "/v1/chat/completions" && r.Method == http.MethodPost {
		s.chat(x, r)
		return
	}
	traceOf(r.Context(), r, x) // for the headers and the log line; these routes call no vendor
	setTraceHeaders(x.Header(), x)
	s.api.ServeHTTP(x, r)
}

// refused answers a request the HTTP server refuses before the gateway sees
// it (a malformed request line or header, headers over MaxHeaderBytes, an
// Expect it does not serve…) as every other error: OpenAI's error body,
// trace headers, an access log line and a count in the metrics.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s.underWay.Add(1) // the answer leaves before its log line, as ServeHTTP's
	x := newExchange(w)
	traceOf(r.Context(), r, x)
	setTraceHeaders(x.Header(), x)
	defer func() {
		s.gm.observe(x, r)
		s.logLine(x, r)
		s.underWay.Add(-1)
	}()
	x.Header().Set("Connection", "close")
	// The request itself is at fault, even where the status is a 5xx (501,
	// 505), which the SDKs would retry: the same request gets the same answer.
	s.writeError(x, apiError{status: code, typ: typeInvalidRequest, code: refusalCodes[code], message: msg,
		errorType: "invalid_request", final: code >= 500})
}

// refusalCodes are the error codes of the HTTP server's refusals.
var refusalCodes = map[int]string{
	http.StatusBadRequest:                  "malformed_request",
	http.StatusExpectationFailed:           "expectation_failed",
	http.StatusRequestHeaderFieldsTooLarge: "headers_too_large",
	http.StatusNotImplemented:              "not_implemented",
	http.StatusHTTPVersionNotSupported:     "http_version_not_supported",
}

// cutNotice is how long Shutdown, past its grace period, lets the streams it
// cuts tell their callers so before it closes their connections.
const cutNotice = 250 * time.Millisecond

// RequestsUnderWay is how many requests the gateway is handling. A plain
// answer is sent the moment it is whole, and the request's access log line
// and metrics follow it: a request counts here until they are written, so a
// test that has its answer waits for this to reach 0 before it reads them.
func (s *Server) RequestsUnderWay() int64 { return s.underWay.Load() }

// ListenAndServe listens on the Config's Listen address and serves until
// Shutdown, returning http.ErrServerClosed then.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Addr is the address ListenAndServe listens on.
func (s *Server) Addr() string { return s.cfg.Listen }

// Serve serves on l with the Config's limits — header, read and idle timeouts,
// header size, at most MaxConnections connections at once — until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	sc := s.cfg.Server
	hs := &h1server.Server{
		Handler:           s,
		ReadHeaderTimeout: sc.ReadHeaderTimeout,
		ReadTimeout:       sc.ReadTimeout,
		IdleTimeout:       sc.IdleTimeout,
		MaxHeaderBytes:    int(sc.MaxHeaderBytes),
		BaseContext:       s.baseCtx,
		// What the server says of callers (a request it could not parse) is
		// debug: the access log has a line per request. A handler's panic
		// is the gateway's own bug, and an error.
		Refused: s.refused,
		Log: func(msg string, err error) {
			level := slog.LevelDebug
			if strings.HasPrefix(msg, "panic") {
				level = slog.LevelError
			}
			slog.Log(context.Background(), level, "gateway: http server", "message", msg, "error", err)
		},
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = l.Close()
		return http.ErrServerClosed
	}
	s.servers = append(s.servers, hs)
	s.mu.Unlock()
	return hs.Serve(newLimitListener(l, sc.MaxConnections))
}

// Shutdown stops the gateway gracefully: /ready turns 503 and, after the
// Config's ShutdownDelay (serving as before meanwhile, but each answer closes
// its connection; cut short if ctx ends, not waited again by a second
// Shutdown), listeners close, idle connections close, and requests under way —
// streams included — may finish for up to its ShutdownTimeout (or until ctx
// ends, if sooner). Then the calls still running are cancelled and their
// connections closed. It returns once every handler has returned and the
// harbor client, the Redis tier and the mocks are closed; the error is ctx's
// or the timeout's when streams had to be cut.
func (s *Server) Shutdown(ctx context.Context) error {
	// Only the first Shutdown waits the delay: a second one (a test's
	// cleanup, a program's own deadline) goes on to close at once.
	if d := s.cfg.Server.ShutdownDelay; s.draining.CompareAndSwap(false, true) && d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	s.closing.Store(true)
	s.mu.Lock()
	s.closed = true
	servers := s.servers
	s.mu.Unlock()
	grace, cancel := context.WithTimeout(ctx, s.cfg.Server.ShutdownTimeout)
	defer cancel()
	var err error
	for _, hs := range servers {
		if e := hs.Shutdown(grace); e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		// The grace period is over: cut what is left. The streams cut get
		// a moment to send their callers a shutting_down error event before
		// the connections close.
		s.cancel()
		waited := make(chan struct{})
		go func() { s.handlers.Wait(); close(waited) }()
		select {
		case <-waited:
		case <-time.After(cutNotice):
		}
		for _, hs := range servers {
			_ = hs.Close()
		}
	}
	s.cancel()
	s.handlers.Wait()
	if l := s.sharedLimits; l != nil {
		l.settleAll(s.keys.keys, s.now()) // what Redis missed, if it answers now: lost otherwise
	}
	s.b.close()
	s.reasoning.close()
	if s.accessJSON != nil {
		s.accessJSON.close() // the lines still waiting in a batch
	}
	return err
}

// Close stops the gateway at once: connections are closed and calls cancelled.
func (s *Server) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Shutdown(ctx)
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// limitListener accepts at most n connections at once; the others wait in the
// kernel's backlog until one closes.
type limitListener struct {
	net.Listener
	sem  chan struct{}
	done chan struct{}
	once sync.Once
}

func newLimitListener(l net.Listener, n int) net.Listener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	// Raw reads and writes: the scheduler's monitor thread is not woken by
	// them (internal/rawconn).
	return &limitConn{Conn: rawconn.Wrap(c), release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// CloseWrite half-closes the connection, for the server's linger.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
