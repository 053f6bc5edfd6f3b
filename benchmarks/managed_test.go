package benchmarks

import (
	"context"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// managedOnMock builds the managed clients against an in-process DeepSeek mock
// with recording on, so that a test can count the requests the vendor saw.
func managedOnMock(t *testing.T) (*Managed, mockproc.Mock) {
	t.Helper()
	mock := mockproc.NewMock(DeepSeek)
	srv, err := mockvendor.Listen("127.0.0.1:0", mock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ds, err := newVendorEnv(DeepSeek, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ds.Close)
	m, err := newManaged(ds)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, mock
}

// seen returns how many requests mock has recorded, and a function that says
// how many came since.
func seen(mock mockproc.Mock) func() int {
	n := len(mock.Requests())
	return func() int { return len(mock.Requests()) - n }
}

// The CreateHit and StreamHit ops are hits: Cached is set, the answer is the
// vendor's, and the vendor sees no request; a fresh cache asks the vendor once
// and then answers Create and Stream itself.
func TestCacheHitsAreHits(t *testing.T) {
	m, mock := managedOnMock(t)
	ctx := context.Background()

	since := seen(mock)
	for range 3 {
		if err := m.hitCreate(ctx); err != nil {
			t.Fatalf("CreateHit op: %v", err)
		}
		if err := m.hitStream(ctx); err != nil {
			t.Fatalf("StreamHit op: %v", err)
		}
	}
	if n := since(); n != 0 {
		t.Errorf("the warm cache sent %d requests to the vendor in 3 Creates and 3 Streams, want 0", n)
	}

	want, err := m.ds.Harbor.Chat.Completions.Create(ctx, m.ds.hreq) // the vendor's answer, no cache
	if err != nil {
		t.Fatal(err)
	}
	c, err := harbor.New(CachedHarborOptions(m.ds.url, mockproc.APIKey, BenchCache())...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	since = seen(mock)
	miss, err := c.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	hit, err := c.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Chat.Completions.Stream(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for s.Next() {
		if ch := s.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	streamCached, usage := s.Cached(), s.Usage()
	_ = s.Close()

	if n := since(); n != 1 {
		t.Errorf("a miss, a Create hit and a Stream hit sent %d requests to the vendor, want 1", n)
	}
	if miss.Cached || !hit.Cached || !streamCached {
		t.Errorf("Cached: miss %v, Create hit %v, Stream hit %v; want false, true, true", miss.Cached, hit.Cached, streamCached)
	}
	wantText := want.Choices[0].Message.Content
	for what, got := range map[string]string{"miss": miss.Choices[0].Message.Content, "Create hit": hit.Choices[0].Message.Content, "Stream hit": text.String()} {
		if got != wantText {
			t.Errorf("%s: text %q, want the vendor's %q", what, got, wantText)
		}
	}
	if hit.Usage.TotalTokens != want.Usage.TotalTokens || usage == nil || usage.TotalTokens != want.Usage.TotalTokens {
		t.Errorf("usage: Create hit %+v, Stream hit %+v; want the vendor's %+v", hit.Usage, usage, want.Usage)
	}
	if st := c.MemoryStats().Cache; st == nil || st.Hits != 2 || st.Misses != 1 {
		t.Errorf("cache stats %+v, want 2 hits and 1 miss", st)
	}
}

// A Singleflight64 op makes one vendor call for its 64 identical calls, which
// all succeed; the trace-based count the benchmark reports agrees with the mock.
func TestSingleflightMakesOneUpstreamCall(t *testing.T) {
	m, mock := managedOnMock(t)
	ctx := context.Background()
	for i := range 5 {
		since := seen(mock)
		fr, err := m.SingleflightOp(ctx, m.Flight)
		if err != nil {
			t.Fatalf("op %d: %v", i, err)
		}
		if n := since(); n != FlightUpstream || fr.Upstream != FlightUpstream || fr.Fresh != 1 {
			t.Errorf("op %d: the vendor saw %d requests, the trace counted %d, %d answers were not cached; want 1, 1, 1", i, n, fr.Upstream, fr.Fresh)
		}
		if fr.Coalesced+fr.Hits != Flight-1 {
			t.Errorf("op %d: %d coalesced + %d L1 hits, want %d", i, fr.Coalesced, fr.Hits, Flight-1)
		}
	}
	// Singleflight64Full's cache is full before it runs, and its ops succeed.
	if ev := m.FullFlight.MemoryStats().Cache.Evictions; ev == 0 {
		t.Error("FullFlight's cache has evicted nothing: it is not full")
	}
	if fr, err := m.SingleflightOp(ctx, m.FullFlight); err != nil || fr.Upstream < 1 || fr.Fresh < 1 {
		t.Errorf("a Singleflight64Full op: %+v, %v", fr, err)
	}
	// Each op's request is new: the last one carries its own number.
	reqs := mock.Requests()
	if body := string(reqs[len(reqs)-1].Body); !strings.Contains(body, UserPrompt+" (") {
		t.Errorf("the last request does not carry a numbered user message: %s", body)
	}
}

// The observed scenarios' client answers as the plain one does, reports every
// call to Prometheus, and never waits for admission.
func TestObservedScenario(t *testing.T) {
	m, mock := managedOnMock(t)
	ctx := context.Background()
	before := requestsTotal(t, m)
	since := seen(mock)
	if err := m.observedCreate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.observedStream(ctx); err != nil {
		t.Fatal(err)
	}
	if n := since(); n != 2 {
		t.Errorf("a Create and a Stream sent %d requests, want 2", n)
	}
	if got := requestsTotal(t, m) - before; got != 2 {
		t.Errorf("harbor_requests_total rose by %v, want 2", got)
	}
	got, err := m.Observed.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.ds.Harbor.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	if got.Choices[0].Message.Content != want.Choices[0].Message.Content || got.Usage.TotalTokens != want.Usage.TotalTokens || got.Cached {
		t.Errorf("observed answer %q (usage %+v, cached %v), plain %q (usage %+v)", got.Choices[0].Message.Content, got.Usage, got.Cached,
			want.Choices[0].Message.Content, want.Usage)
	}
	cs := m.Observed.ConcurrencyStats()
	if cs.Connections == nil || cs.Connections.MaxConnections != GenerousLimits.MaxConcurrent || cs.Requests.QueueLength != 0 {
		t.Errorf("observed client's concurrency stats %+v: want the generous cap and no queue", cs)
	}
	if names := []string{m.Pairs()[0].Name, m.Pairs()[1].Name}; names[0] != "Create/observed" || names[1] != "Stream/observed" {
		t.Errorf("pairs %v", names)
	}
}

// requestsTotal sums harbor_requests_total over its series.
func requestsTotal(t *testing.T, m *Managed) float64 {
	t.Helper()
	mfs, err := m.Metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "harbor_requests_total" {
			for _, s := range mf.GetMetric() {
				sum += counterValue(s)
			}
		}
	}
	return sum
}

func counterValue(m *dto.Metric) float64 { return m.GetCounter().GetValue() }

// CannedTransport asks its handler once per kind of request and answers the
// rest from memory with what harbor decodes as the vendor's answer; the
// StagesCost clients built on it answer as the loopback client does.
func TestCannedTransport(t *testing.T) {
	m, _ := managedOnMock(t)
	ctx := context.Background()
	mock := mockproc.NewMock(DeepSeek)
	c, err := harbor.New(append(HarborOptions("http://127.0.0.1:1", mockproc.APIKey), harbor.WithTransport(NewCannedTransport(mock)))...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want, err := m.ds.Harbor.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	for _, client := range []*harbor.Client{c, m.StagesOff, m.StagesObserved} {
		for range 3 {
			got, err := client.Chat.Completions.Create(ctx, m.ds.hreq)
			if err != nil {
				t.Fatal(err)
			}
			if got.Choices[0].Message.Content != want.Choices[0].Message.Content || got.Usage.TotalTokens != want.Usage.TotalTokens {
				t.Errorf("canned answer %q (usage %+v), loopback %q (usage %+v)", got.Choices[0].Message.Content, got.Usage, want.Choices[0].Message.Content, want.Usage)
			}
			if err := harborStream(ctx, client, m.ds.hreq); err != nil {
				t.Fatalf("canned stream: %v", err)
			}
		}
	}
	reqs := mock.Requests()
	if len(reqs) != 2 || strings.Contains(string(reqs[0].Body), `"stream":true`) || !strings.Contains(string(reqs[1].Body), `"stream":true`) {
		t.Errorf("the handler saw %d requests, want a Create and then a Stream", len(reqs))
	}
}

// The L2 ops are answered from Redis: Cached, counted as shared hits, no vendor
// request, nothing kept in L1 (too small), and the vendor's text.
func TestL2HitsAreHits(t *testing.T) {
	m, mock := managedOnMock(t)
	if err := m.StartL2(); err != nil {
		t.Fatal(err)
	}
	if m.L2 == nil {
		t.Skip(m.L2Skipped)
	}
	ctx := context.Background()
	before := m.L2.MemoryStats().Cache
	since := seen(mock)
	for range 3 {
		if err := m.l2Create(ctx); err != nil {
			t.Fatalf("CreateL2Hit op: %v", err)
		}
		if err := m.l2Stream(ctx); err != nil {
			t.Fatalf("StreamL2Hit op: %v", err)
		}
	}
	after := m.L2.MemoryStats().Cache
	if n := since(); n != 0 {
		t.Errorf("the L2 hits sent %d requests to the vendor, want 0", n)
	}
	if got := after.SharedHits - before.SharedHits; got != 6 || after.Hits != before.Hits || after.Size != 0 {
		t.Errorf("cache stats %+v (before %+v): want 6 more shared hits, no L1 hit, nothing in L1", after, before)
	}
	want, err := m.ds.Harbor.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.L2.Chat.Completions.Create(ctx, m.ds.hreq)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Cached || got.Choices[0].Message.Content != want.Choices[0].Message.Content || got.Usage.TotalTokens != want.Usage.TotalTokens {
		t.Errorf("L2 hit %q (cached %v, usage %+v), vendor %q (usage %+v)", got.Choices[0].Message.Content, got.Cached, got.Usage,
			want.Choices[0].Message.Content, want.Usage)
	}
}
