package benchmarks

// The managed call path (harbor.WithCache, WithLimits, WithObserver) on
// DeepSeek: what its stages cost on a miss, what a cache hit costs, and how many
// vendor calls 64 identical calls at once make.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/benchmarks/internal/redisproc"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/prommetrics"
	"github.com/harborai/harbor-go/rediscache"
)

// Observed is the variant of the Create and Stream scenarios whose harbor client
// has the managed stages that stay on a miss: a Prometheus observer and a
// limiter (Create/observed, Stream/observed).
const Observed = "observed"

// GenerousLimits are the observed client's admission limits: caps far above any
// concurrency the benchmarks reach, and a queue, so that no call ever waits
// (each pays the limiter's fast path: one slot taken and given back per cap).
var GenerousLimits = harbor.Limits{MaxConcurrent: 1 << 14, DefaultPerProvider: 1 << 14, QueueSize: 1 << 14}

// The managed call path's targets (issue 12), which cmd/ratios checks in its
// report. Every one is a ratio or a count measured in one run, except HitMaxNs.
const (
	// MissMaxRatio bounds harbor/floor client CPU of Create and Stream with the
	// managed stages off (harbor's defaults).
	MissMaxRatio = 0.90
	// ObservedMaxOverhead bounds harbor's client CPU with the observer and the
	// limiter on over the same without (Create/observed over Create, Stream/observed
	// over Stream): within 5%.
	ObservedMaxOverhead = 1.05
	// HitMaxNs bounds a Create answered from L1 (CreateHit), wall ns/op.
	HitMaxNs = 2000
	// HitMinSpeedup is how many times cheaper than a loopback Create (a miss, the
	// Create scenario's harbor side) a CreateHit must be, in wall time.
	HitMinSpeedup = 30
	// FlightUpstream is how many vendor calls Singleflight64's 64 identical calls
	// may make.
	FlightUpstream = 1
)

// Flight is how many identical calls the Singleflight64 scenario makes at once.
const Flight = 64

// BenchCache is the response cache of the hit scenarios: room for the one answer
// they read.
func BenchCache() harbor.CacheConfig {
	return harbor.CacheConfig{MaxBytes: 1 << 20, TTL: time.Hour}
}

// RoomyCache is Singleflight64's response cache: room for the answers of about
// 400 000 ops (each stores one of about 660 B), far more than a run makes, so
// nothing is evicted and the scenario measures coalescing alone.
func RoomyCache() harbor.CacheConfig {
	return harbor.CacheConfig{MaxBytes: 256 << 20, TTL: time.Hour}
}

// FullCache is Singleflight64Full's response cache: about 400 answers, filled
// before the scenario runs, so that every answer stored evicts another, as in
// the steady state of a busy service.
func FullCache() harbor.CacheConfig {
	return harbor.CacheConfig{MaxBytes: 256 << 10, TTL: time.Hour}
}

// ObservedHarborOptions are HarborOptions plus the stages a miss goes through
// when they are on: WithObserver(m) and WithLimits(GenerousLimits). Stats and
// pricing are on in every client (harbor's defaults).
func ObservedHarborOptions(url, apiKey string, m *prommetrics.Metrics) []harbor.Option {
	return append(HarborOptions(url, apiKey), harbor.WithObserver(m), harbor.WithLimits(GenerousLimits))
}

// L2Cache is the L2 hit scenarios' response cache: an in-process tier too small
// for any answer (each is counted too large and not kept), so that every lookup
// goes on to the shared tier, as a process's first lookup of an answer another
// process stored does. Its SharedTimeout is L2Timeout.
func L2Cache(shared harbor.SharedCache) harbor.CacheConfig {
	return harbor.CacheConfig{MaxBytes: 1, TTL: time.Hour, Shared: shared, SharedTimeout: L2Timeout}
}

// L2Timeout bounds the L2 scenarios' Redis reads and writes (harbor's
// SharedTimeout and rediscache's read, write and dial timeouts) instead of the
// defaults of 50ms and 100ms: on a loaded 2-core machine a read now and then
// stalls for longer, which harbor rightly serves as a miss, but which would fail
// a benchmark that measures hits. A deadline's length costs nothing.
const L2Timeout = time.Second

// CachedHarborOptions are HarborOptions plus WithCache(cfg).
func CachedHarborOptions(url, apiKey string, cfg harbor.CacheConfig) []harbor.Option {
	return append(HarborOptions(url, apiKey), harbor.WithCache(cfg))
}

// Managed holds the managed path's harbor clients, all against the DeepSeek mock
// of a VendorEnv, whose floor the observed scenarios run against.
type Managed struct {
	ds *VendorEnv

	// Observed has a Prometheus observer (Metrics) and GenerousLimits.
	Observed *harbor.Client
	Metrics  *prommetrics.Metrics
	// Cached has the response cache, warmed with the benchmark request: its
	// Creates and Streams of that request are L1 hits.
	Cached *harbor.Client
	// Flight has a response cache of its own with room to spare
	// (RoomyCache), for Singleflight64, whose ops each send a request never sent
	// before; FullFlight one that is full (FullCache), for Singleflight64Full.
	Flight, FullFlight *harbor.Client

	// StagesOff and StagesObserved are a plain and an observed client over
	// CannedTransport: the StagesCost scenarios.
	StagesOff, StagesObserved *harbor.Client
	// stagesFloor is the floor over the same CannedTransport
	// (StagesCost/*/floor): the floor's own work without the socket, so that
	// the report can say how low harbor/floor on loopback can go at all.
	stagesFloor *VendorEnv
	// L2 has the shared tier on a real Redis (rediscache) and no room in L1,
	// warmed: its Creates and Streams of the benchmark request are L2 hits. nil
	// until StartL2 succeeds; L2Skipped says why it did not.
	L2        *harbor.Client
	L2Skipped error
	redis     *redisproc.Server
	shared    *rediscache.Cache

	seq atomic.Int64 // numbers Singleflight64's requests
}

// ErrNoDeepSeek is why the managed scenarios are left out: they run against
// DeepSeek, which the Env does not benchmark.
var ErrNoDeepSeek = errors.New("the managed call path is benchmarked on DeepSeek, which is not in the run")

// NewManaged builds the managed clients against the DeepSeek mock of e and warms
// them: the observer has seen its labels, the caches hold the benchmark's
// answer. It starts a redis-server for the L2 scenarios (StartL2); without one
// on PATH they are left out (L2Skipped), unless HARBOR_REQUIRE_REDIS=1.
func NewManaged(e *Env) (*Managed, error) {
	ds := e.Vendor(DeepSeek)
	if ds == nil {
		return nil, ErrNoDeepSeek
	}
	m, err := newManaged(ds)
	if err != nil {
		return nil, err
	}
	if err := m.StartL2(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// StartL2 starts a redis-server (internal/redisproc), opens the shared tier on it
// and builds and warms the L2 client. Without redis-server on PATH it sets
// L2Skipped and returns nil, or fails when HARBOR_REQUIRE_REDIS=1.
func (m *Managed) StartL2() error {
	srv, err := redisproc.Start()
	if errors.Is(err, redisproc.ErrNoServer) && !redisproc.Required() {
		m.L2Skipped = err
		return nil
	}
	if err != nil {
		return err
	}
	m.redis = srv
	if m.shared, err = rediscache.Open(srv.URL(), rediscache.Options{DialTimeout: L2Timeout, ReadTimeout: L2Timeout, WriteTimeout: L2Timeout}); err != nil {
		return err
	}
	if m.L2, err = harbor.New(CachedHarborOptions(m.ds.url, specs[DeepSeek].apiKey, L2Cache(m.shared))...); err != nil {
		return err
	}
	ctx := context.Background()
	if err := harborCreate(ctx, m.L2, m.ds.hreq); err != nil { // the miss that stores the answer, in the background
		return fmt.Errorf("L2 warm-up: %w", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		err := m.l2Create(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, errNotCached) || time.Now().After(deadline) {
			return fmt.Errorf("L2 warm-up: %w", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return m.l2Stream(ctx)
}

func newManaged(ds *VendorEnv) (*Managed, error) {
	m := &Managed{ds: ds}
	var err error
	if m.Metrics, err = prommetrics.New(prommetrics.Options{Models: []string{Model}}); err != nil {
		return nil, err
	}
	key := specs[DeepSeek].apiKey
	inProc, err := prommetrics.New(prommetrics.Options{Models: []string{Model}})
	if err != nil {
		return nil, err
	}
	ct := NewCannedTransport(mockproc.NewMock(DeepSeek))
	canned := harbor.WithTransport(ct)
	if ds.Floor == nil || ds.freq == nil {
		return nil, errors.New("managed scenarios need DeepSeek's floor")
	}
	m.stagesFloor = &VendorEnv{Vendor: DeepSeek, Model: ds.Model, freq: ds.freq,
		Floor: &Floor{vendor: DeepSeek, url: ds.Floor.url, auth: ds.Floor.auth, hc: &http.Client{Transport: ct}}}
	for _, c := range []struct {
		dst  **harbor.Client
		opts []harbor.Option
	}{
		{&m.Observed, ObservedHarborOptions(ds.url, key, m.Metrics)},
		{&m.Cached, CachedHarborOptions(ds.url, key, BenchCache())},
		{&m.Flight, CachedHarborOptions(ds.url, key, RoomyCache())},
		{&m.FullFlight, CachedHarborOptions(ds.url, key, FullCache())},
		{&m.StagesOff, append(HarborOptions(ds.url, key), canned)},
		{&m.StagesObserved, append(ObservedHarborOptions(ds.url, key, inProc), canned)},
	} {
		if *c.dst, err = harbor.New(c.opts...); err != nil {
			m.Close()
			return nil, err
		}
	}
	ctx := context.Background()
	for _, op := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"observed Create", m.observedCreate}, {"observed Stream", m.observedStream},
		{"cache fill", func(ctx context.Context) error { return harborCreate(ctx, m.Cached, m.ds.hreq) }},
		{"filling FullFlight's cache", m.fillFull},
		{"in-process Create", func(ctx context.Context) error { return harborCreate(ctx, m.StagesOff, m.ds.hreq) }},
		{"in-process Stream", func(ctx context.Context) error { return harborStream(ctx, m.StagesOff, m.ds.hreq) }},
		{"in-process observed Create", func(ctx context.Context) error { return harborCreate(ctx, m.StagesObserved, m.ds.hreq) }},
		{"in-process observed Stream", func(ctx context.Context) error { return harborStream(ctx, m.StagesObserved, m.ds.hreq) }},
		{"in-process floor Create", m.stagesFloor.floorCreate}, {"in-process floor Stream", m.stagesFloor.floorStream},
		{"Create hit", m.hitCreate}, {"Stream hit", m.hitStream},
	} {
		if err := op.run(ctx); err != nil {
			m.Close()
			return nil, fmt.Errorf("managed warm-up, %s: %w", op.name, err)
		}
	}
	for _, c := range []*harbor.Client{m.Flight, m.FullFlight} {
		if _, err := m.SingleflightOp(ctx, c); err != nil {
			m.Close()
			return nil, fmt.Errorf("managed warm-up, singleflight: %w", err)
		}
	}
	return m, nil
}

// fillFull fills FullFlight's cache with answers to requests never sent before
// until it evicts.
func (m *Managed) fillFull(ctx context.Context) error {
	for range 10000 {
		if err := harborCreate(ctx, m.FullFlight, m.flightRequest()); err != nil {
			return err
		}
		if m.FullFlight.MemoryStats().Cache.Evictions > 0 {
			return nil
		}
	}
	return errors.New("the cache did not fill up")
}

// Close closes the managed clients (not the VendorEnv's).
func (m *Managed) Close() {
	for _, c := range []*harbor.Client{m.Observed, m.Cached, m.Flight, m.FullFlight, m.StagesOff, m.StagesObserved, m.L2} {
		if c != nil {
			_ = c.Close()
		}
	}
	if m.shared != nil {
		_ = m.shared.Close()
	}
	if m.redis != nil {
		m.redis.Close()
	}
}

func (m *Managed) observedCreate(ctx context.Context) error {
	return harborCreate(ctx, m.Observed, m.ds.hreq)
}

func (m *Managed) observedStream(ctx context.Context) error {
	return harborStream(ctx, m.Observed, m.ds.hreq)
}

// Pairs returns the observed scenarios, Create/observed and Stream/observed: the
// harbor side with the observer and the limiter on, the floor the same as in
// Create and Stream. Measured in the same rounds as Create and Stream, their
// harbor/floor ratios say what the stages cost on a miss.
func (m *Managed) Pairs() []Pair {
	return []Pair{
		{Name: "Create/" + Observed, Vendor: DeepSeek, Variant: Observed, Harbor: serial(m.observedCreate), Floor: serial(m.ds.floorCreate)},
		{Name: "Stream/" + Observed, Vendor: DeepSeek, Variant: Observed, Harbor: serial(m.observedStream), Floor: serial(m.ds.floorStream)},
	}
}

var errNotCached = errors.New("the answer did not come from the cache")

// hitCreate is the CreateHit op: the benchmark request, answered from L1.
func (m *Managed) hitCreate(ctx context.Context) error { return m.cachedCreate(ctx, m.Cached) }

// hitStream is the StreamHit op: the benchmark request's stream, replayed from
// L1 as chunks, every chunk read, text and usage required.
func (m *Managed) hitStream(ctx context.Context) error { return m.cachedStream(ctx, m.Cached) }

// l2Create and l2Stream are the CreateL2Hit and StreamL2Hit ops: as hitCreate
// and hitStream, answered from Redis.
func (m *Managed) l2Create(ctx context.Context) error { return m.cachedCreate(ctx, m.L2) }
func (m *Managed) l2Stream(ctx context.Context) error { return m.cachedStream(ctx, m.L2) }

// cachedCreate is a Create of the benchmark request that must be answered by c's
// cache.
func (m *Managed) cachedCreate(ctx context.Context, c *harbor.Client) error {
	res, err := c.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	if !res.Cached {
		return errNotCached
	}
	return nil
}

// cachedStream is a Stream of the benchmark request that must be replayed from
// c's cache, every chunk read, text and usage required.
func (m *Managed) cachedStream(ctx context.Context, c *harbor.Client) error {
	s, err := c.Chat.Completions.Stream(ctx, m.ds.hreq)
	if err != nil {
		return err
	}
	n := 0
	for s.Next() {
		c := s.Current()
		if len(c.Choices) > 0 {
			n += len(c.Choices[0].Delta.Content)
		}
	}
	err = s.Err()
	cached := s.Cached()
	_ = s.Close()
	switch {
	case err != nil:
		return err
	case n == 0 || s.Usage() == nil:
		return errEmpty
	case !cached:
		return errNotCached
	}
	return nil
}

// Harbor-only benchmarks of the managed path, in report order. The L2 ones run
// only with a redis-server (Managed.SoloNames).
var ManagedSolo = []string{"CreateHit", "StreamHit", "CreateL2Hit", "StreamL2Hit", "Singleflight64", "Singleflight64Full",
	"StagesCost/Create/off", "StagesCost/Create/observed", "StagesCost/Create/floor",
	"StagesCost/Stream/off", "StagesCost/Stream/observed", "StagesCost/Stream/floor"}

// SoloNames returns the names of ManagedSolo that m can run: all but the L2
// ones when there is no L2 client.
func (m *Managed) SoloNames() []string {
	var out []string
	for _, n := range ManagedSolo {
		if m.Solo(n) != nil {
			out = append(out, n)
		}
	}
	return out
}

// Solo returns the harbor-only benchmark called name, one of ManagedSolo; nil
// for an L2 one without an L2 client.
func (m *Managed) Solo(name string) func(*testing.B) {
	switch name {
	case "CreateL2Hit", "StreamL2Hit":
		if m.L2 == nil {
			return nil
		}
		if name == "CreateL2Hit" {
			return serial(m.l2Create)
		}
		return serial(m.l2Stream)
	case "CreateHit":
		return serial(m.hitCreate)
	case "StreamHit":
		return serial(m.hitStream)
	case "Singleflight64":
		return m.BenchSingleflight(m.Flight)
	case "Singleflight64Full":
		return m.BenchSingleflight(m.FullFlight)
	case "StagesCost/Create/off":
		return serial(func(ctx context.Context) error { return harborCreate(ctx, m.StagesOff, m.ds.hreq) })
	case "StagesCost/Create/observed":
		return serial(func(ctx context.Context) error { return harborCreate(ctx, m.StagesObserved, m.ds.hreq) })
	case "StagesCost/Stream/off":
		return serial(func(ctx context.Context) error { return harborStream(ctx, m.StagesOff, m.ds.hreq) })
	case "StagesCost/Stream/observed":
		return serial(func(ctx context.Context) error { return harborStream(ctx, m.StagesObserved, m.ds.hreq) })
	case "StagesCost/Create/floor":
		return serial(m.stagesFloor.floorCreate)
	case "StagesCost/Stream/floor":
		return serial(m.stagesFloor.floorStream)
	}
	return nil
}

// FlightResult is what one Singleflight64 op saw.
type FlightResult struct {
	Upstream  int64 // HTTP requests sent (httptrace GotConn on the calls' context)
	Fresh     int   // answers not marked Cached: the one that led
	Coalesced int64 // calls that waited for the leader (MemoryStats' counter)
	Hits      int64 // calls answered from L1 (came after the leader stored its answer)
}

// SingleflightOp makes Flight identical Creates at once on c (Flight or
// FullFlight), with a request never sent before, and says how they were
// answered. Every call must succeed with text.
func (m *Managed) SingleflightOp(ctx context.Context, c *harbor.Client) (FlightResult, error) {
	before := c.MemoryStats().Cache
	var upstream atomic.Int64
	fr, err := m.flight(httptrace.WithClientTrace(ctx, gotConnCounter(&upstream)), c)
	after := c.MemoryStats().Cache
	fr.Upstream = upstream.Load()
	fr.Coalesced, fr.Hits = after.Coalesced-before.Coalesced, after.Hits-before.Hits
	return fr, err
}

// flight is one Singleflight64 op on c: Flight goroutines released at once,
// each making the same Create.
func (m *Managed) flight(ctx context.Context, c *harbor.Client) (FlightResult, error) {
	req := m.flightRequest()
	var (
		wg      sync.WaitGroup
		fresh   atomic.Int32
		errOnce sync.Once
		first   error
	)
	start := make(chan struct{})
	for range Flight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := c.Chat.Completions.Create(ctx, req)
			if err == nil && (len(res.Choices) == 0 || res.Choices[0].Message.Content == "") {
				err = errEmpty
			}
			if err != nil {
				errOnce.Do(func() { first = err })
				return
			}
			if !res.Cached {
				fresh.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	return FlightResult{Fresh: int(fresh.Load())}, first
}

// flightRequest is the benchmark request with a numbered user message: a request
// the Flight client has not sent before.
func (m *Managed) flightRequest() *harbor.ChatRequest {
	r := *m.ds.hreq
	r.Messages = []harbor.Message{harbor.SystemMessage(SystemPrompt),
		harbor.UserMessage(UserPrompt + " (" + strconv.FormatInt(m.seq.Add(1), 10) + ")")}
	return &r
}

// gotConnCounter counts the HTTP requests made with the context that carries
// it: net/http calls GotConn once per request, on a new or a reused connection.
func gotConnCounter(n *atomic.Int64) *httptrace.ClientTrace {
	return &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { n.Add(1) }}
}

// BenchSingleflight is Singleflight64 on c (Flight; FullFlight for
// Singleflight64Full): per op, Flight identical Creates at once with a new
// request (cache on). Besides ns/op it reports upstream-calls/op (HTTP requests
// sent; want 1), coalesced/op and l1-hits/op (how the other 63 were answered:
// waiting for the leader, or from L1 once it had stored its answer), and
// evictions/op (0 with room in the cache; about one per op when it is full).
func (m *Managed) BenchSingleflight(c *harbor.Client) func(*testing.B) {
	return func(b *testing.B) {
		var upstream atomic.Int64
		ctx := httptrace.WithClientTrace(context.Background(), gotConnCounter(&upstream))
		before := c.MemoryStats().Cache // reads runtime.MemStats: outside the timed loop
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := m.flight(ctx, c); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		after := c.MemoryStats().Cache
		n := float64(b.N)
		b.ReportMetric(float64(upstream.Load())/n, "upstream-calls/op")
		b.ReportMetric(float64(after.Coalesced-before.Coalesced)/n, "coalesced/op")
		b.ReportMetric(float64(after.Hits-before.Hits)/n, "l1-hits/op")
		b.ReportMetric(float64(after.Evictions-before.Evictions)/n, "evictions/op")
	}
}

// CannedTransport answers harbor in memory with the responses a vendor mock gave
// once, one for Create and one for Stream: no socket, no other process, no mock
// at work per call. The StagesCost scenarios run a plain and an observed client
// over it, so that the difference between the two is the stages' own CPU, which
// on a loopback call is smaller than the call's noise. Safe for concurrent use.
type CannedTransport struct {
	h       http.Handler
	mu      sync.Mutex
	answers [2]*cannedAnswer // Create, Stream
	bufs    sync.Pool
}

type cannedAnswer struct {
	status int
	header http.Header
	body   []byte
}

// NewCannedTransport records h's answers on first use.
func NewCannedTransport(h http.Handler) *CannedTransport {
	return &CannedTransport{h: h, bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

var streamField = []byte(`"stream":true`)

// RoundTrip reads the request's body, as a connection would send it, and
// returns the recorded answer to a request of its kind (streamed or not),
// recording it from the handler the first time.
func (t *CannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	buf := t.bufs.Get().(*bytes.Buffer)
	defer t.bufs.Put(buf)
	buf.Reset()
	if req.Body != nil {
		_, err := buf.ReadFrom(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	kind := 0
	if bytes.Contains(buf.Bytes(), streamField) {
		kind = 1
	}
	t.mu.Lock()
	a := t.answers[kind]
	if a == nil {
		in := req.Clone(req.Context())
		in.Body = io.NopCloser(bytes.NewReader(bytes.Clone(buf.Bytes())))
		in.RequestURI = req.URL.RequestURI()
		rec := httptest.NewRecorder()
		t.h.ServeHTTP(rec, in)
		a = &cannedAnswer{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		if a.status == http.StatusOK { // errors are not kept: the next call asks again
			t.answers[kind] = a
		}
	}
	t.mu.Unlock()
	return &http.Response{
		Status: http.StatusText(a.status), StatusCode: a.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: a.header, Body: io.NopCloser(bytes.NewReader(a.body)), ContentLength: int64(len(a.body)), Request: req,
	}, nil
}
