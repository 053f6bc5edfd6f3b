package harbor_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

func hi(model string) *harbor.ChatRequest {
	return &harbor.ChatRequest{Model: model, Messages: []harbor.Message{harbor.UserMessage("hi")}}
}

// Every entry point answers nil and zero inputs with a typed *Error, never a panic.
func TestNilAndZeroInputsAreTypedErrors(t *testing.T) {
	c := harbor.Must(harbor.New(noEnv(t)))
	var nilCtx context.Context // a nil context, as a caller might pass by mistake
	ctx := context.Background()
	var zero harbor.Client
	calls := map[string]func() error{
		"Create nil ctx":     func() error { _, err := c.Chat.Completions.Create(nilCtx, hi("deepseek-v4-flash")); return err },
		"Stream nil ctx":     func() error { _, err := c.Chat.Completions.Stream(nilCtx, hi("deepseek-v4-flash")); return err },
		"Create nil request": func() error { _, err := c.Chat.Completions.Create(ctx, nil); return err },
		"Stream nil request": func() error { _, err := c.Chat.Completions.Stream(ctx, nil); return err },
		"Create zero request": func() error {
			_, err := c.Chat.Completions.Create(ctx, &harbor.ChatRequest{})
			return err
		},
		"Stream zero message": func() error {
			_, err := c.Chat.Completions.Stream(ctx, &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{{}}})
			return err
		},
		"Create nil call option": func() error {
			_, err := c.Chat.Completions.Create(ctx, hi("deepseek-v4-flash"), nil)
			return err
		},
		"Create on a zero Client": func() error { _, err := zero.Chat.Completions.Create(ctx, hi("deepseek-v4-flash")); return err },
		"Stream on a zero Client": func() error { _, err := zero.Chat.Completions.Stream(ctx, hi("deepseek-v4-flash")); return err },
		"New nil option":          func() error { _, err := harbor.New(nil); return err },
		"Register zero":           func() error { return c.Register(harbor.Descriptor{}) },
		"ListRemoteModels nil ctx": func() error {
			_, err := c.ListRemoteModels(nilCtx, "deepseek")
			return err
		},
		"NewStream nil source": func() error {
			s := harbor.NewStream(nil)
			defer s.Close()
			for s.Next() {
			}
			return s.Err()
		},
	}
	for name, call := range calls {
		var err error
		require.NotPanics(t, func() { err = call() }, name)
		requireInvalid(t, err, name)
	}
	for _, name := range []string{"", "unknown-model"} {
		_, err := c.Route(name)
		require.ErrorIs(t, err, harbor.ErrUnknownModel, "Route(%q)", name)
	}
	_, err := c.ListRemoteModels(ctx, "")
	require.ErrorIs(t, err, harbor.ErrUnknownModel)
	var nilErr *harbor.Error
	assert.NotPanics(t, func() { _ = nilErr.Error() })
	assert.Zero(t, c.Stats().InFlight)
}

// Close may run while the first calls build the transport (go test -race).
func TestCloseDuringFirstCalls(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	for i := 0; i < 20; i++ {
		c := harbor.Must(harbor.New(m.Options()...))
		var wg sync.WaitGroup
		for j := 0; j < 4; j++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, err := c.Chat.Completions.Create(context.Background(), hi(m.Model()))
				assert.NoError(t, err)
			}()
			go func() { defer wg.Done(); assert.NoError(t, c.Close()) }()
		}
		wg.Wait()
	}
}

// cancelOnSend cancels the call's context as the request goes out, so the call is
// cancelled while it waits for the vendor, deterministically.
type cancelOnSend struct {
	rt     http.RoundTripper
	cancel context.CancelFunc
}

func (c cancelOnSend) RoundTrip(r *http.Request) (*http.Response, error) {
	c.cancel()
	return c.rt.RoundTrip(r)
}

func TestCancelIsErrCanceledAndNotAFailure(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek, harbortest.WithoutSpecCheck(),
		harbortest.WithDeepSeekConfig(mockvendor.DeepSeekConfig{Latency: time.Minute}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := harbor.Must(harbor.New(append(m.Options(), harbor.WithTransport(cancelOnSend{http.DefaultTransport, cancel}))...))

	_, err := c.Chat.Completions.Create(ctx, hi(m.Model()))
	require.ErrorIs(t, err, harbor.ErrCanceled)
	require.ErrorIs(t, err, context.Canceled, "a cancelled call also matches context.Canceled")
	var he *harbor.Error
	require.ErrorAs(t, err, &he)
	assert.Equal(t, "deepseek", he.Provider)
	for _, other := range []error{harbor.ErrConnection, harbor.ErrTimeout, harbor.ErrServer} {
		assert.NotErrorIs(t, err, other, "exactly one class")
	}
	s := c.Stats()
	assert.EqualValues(t, 1, s.Canceled)
	assert.Zero(t, s.Failures, "the caller's own cancel is not a failure")

	// A deadline is a timeout, and a failure.
	dctx, dcancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer dcancel()
	c2 := harbor.Must(harbor.New(m.Options()...))
	_, err = c2.Chat.Completions.Create(dctx, hi(m.Model()))
	require.ErrorIs(t, err, harbor.ErrTimeout)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, harbor.ErrCanceled)
	assert.EqualValues(t, 1, c2.Stats().Failures)
}

// Cancelling a stream, or closing it from another goroutine, while the vendor is
// between two events ends it at once, as ErrCanceled or ErrStreamClosed, and
// neither is a failure. In a synctest bubble over an in-memory transport the next
// event is 20ms of the bubble's clock away, so "between two events" is certain, not
// likely, and "at once" is exact.
func TestStreamCancelAndEarlyCloseAreNotFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const model = "deepseek-v4-flash"
		c := harbor.Must(harbor.New(
			harbor.WithGetenv(func(string) string { return "" }),
			harbor.WithAPIKey("deepseek", "sk-test-secret-0123456789"),
			harbor.WithBaseURL("deepseek", "http://deepseek.invalid"),
			harbor.WithTransport(memTransport{mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{ChunkDelay: 20 * time.Millisecond})}),
		))
		defer c.Close()

		// Cancel mid-stream.
		ctx, cancel := context.WithCancel(context.Background())
		s, err := c.Chat.Completions.Stream(ctx, hi(model))
		require.NoError(t, err)
		require.True(t, s.Next())
		first := time.Now()
		cancel()
		for s.Next() {
		}
		require.ErrorIs(t, s.Err(), harbor.ErrCanceled)
		require.ErrorIs(t, s.Err(), context.Canceled)
		assert.Zero(t, time.Since(first), "ended by the cancel, not by the next event")
		require.NoError(t, s.Close())

		// Close mid-stream from another goroutine.
		s, err = c.Chat.Completions.Stream(context.Background(), hi(model))
		require.NoError(t, err)
		require.True(t, s.Next())
		first = time.Now()
		go s.Close()
		for s.Next() {
		}
		require.ErrorIs(t, s.Err(), harbor.ErrStreamClosed)
		assert.Zero(t, time.Since(first), "ended by the Close, not by the next event")

		st := c.Stats()
		assert.EqualValues(t, 2, st.Canceled)
		assert.Zero(t, st.Failures)
		assert.Zero(t, st.StreamsOpen)

		// A stream read to its end and then closed is neither.
		s, err = c.Chat.Completions.Stream(context.Background(), hi(model))
		require.NoError(t, err)
		n := 0
		for s.Next() {
			n++
		}
		require.NoError(t, s.Err())
		require.NoError(t, s.Close())
		assert.Greater(t, n, 2, "the whole stream")
		assert.EqualValues(t, 2, c.Stats().Canceled)
	})
}

// Route tells what goes on the wire: checked against what the mock received.
func TestRouteAgreesWithTheWire(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c := harbor.Must(harbor.New(append(m.Options(), harbor.WithAlias("legacy", "deepseek-chat"))...))
	for _, name := range []string{"deepseek-reasoner", "deepseek-chat", "legacy", "deepseek/deepseek-reasoner", "deepseek-v4-pro"} {
		r, err := c.Route(name)
		require.NoError(t, err, name)
		m.Reset()
		_, err = c.Chat.Completions.Create(context.Background(), hi(name))
		require.NoError(t, err, name)
		reqs := m.ChatRequests()
		require.Len(t, reqs, 1, name)
		var sent struct {
			Model    string `json:"model"`
			Thinking *struct {
				Type string `json:"type"`
			} `json:"thinking"`
		}
		require.NoError(t, json.Unmarshal(reqs[0].Body, &sent), name)
		assert.Equal(t, sent.Model, r.Model, "%s: Route.Model is what is sent", name)
		thinking := ""
		if sent.Thinking != nil {
			thinking = sent.Thinking.Type
		}
		assert.Equal(t, thinking, r.Thinking, "%s: Route.Thinking is what is sent", name)
	}
}

func TestUserAgent(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c := harbor.Must(harbor.New(m.Options()...))
	_, err := c.Chat.Completions.Create(context.Background(), hi(m.Model()))
	require.NoError(t, err)
	want := "harbor-go/" + harbor.Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	assert.Equal(t, want, harbor.UserAgent())
	assert.Equal(t, want, m.ChatRequests()[0].Header.Get("User-Agent"))

	// Overridable per call and per client.
	m.Reset()
	_, err = c.Chat.Completions.Create(context.Background(), hi(m.Model()), harbor.WithHeader("User-Agent", "mine/1"))
	require.NoError(t, err)
	assert.Equal(t, []string{"mine/1"}, m.ChatRequests()[0].Header.Values("User-Agent"))
	m.Reset()
	c2 := harbor.Must(harbor.New(append(m.Options(), harbor.WithHeader("User-Agent", "fleet/2"))...))
	_, err = c2.Chat.Completions.Create(context.Background(), hi(m.Model()))
	require.NoError(t, err)
	assert.Equal(t, []string{"fleet/2"}, m.ChatRequests()[0].Header.Values("User-Agent"))
}

// Temperature 0 is a real value: it must reach the vendor, for every vendor whose
// API takes it. ERNIE models take (0, 1] (Wenxin v1 sends its documented smallest
// value instead, pinned by its conformance table; the Qianfan v2 mock answers 400).
func TestTemperatureZeroIsSent(t *testing.T) {
	for _, v := range []harbortest.Vendor{harbortest.DeepSeek, harbortest.Doubao, harbortest.OpenAI} {
		m := harbortest.Start(t, v)
		c := harbor.Must(harbor.New(m.Options()...))
		req := hi(m.Model())
		req.Temperature = harbor.Some(0.0)
		_, err := c.Chat.Completions.Create(context.Background(), req)
		require.NoError(t, err, v)
		var sent map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(m.ChatRequests()[0].Body, &sent), v)
		assert.Equal(t, "0", string(sent["temperature"]), "%s: temperature 0 is on the wire", v)
	}
}

// chunksProvider streams chunks from memory and never looks at the context, like a
// connection whose whole answer is already buffered.
type chunksProvider struct{ n int }

func (chunksProvider) Name() string { return "mem" }
func (chunksProvider) Chat(context.Context, *llm.ChatRequest, *llm.CallOptions) (*llm.ChatCompletion, error) {
	return nil, llm.InvalidRequest("mem", "", "", "stream only")
}
func (p chunksProvider) ChatStream(context.Context, *llm.ChatRequest, *llm.CallOptions) (llm.ChunkSource, error) {
	return &memSource{left: p.n}, nil
}

type memSource struct{ left int }

func (m *memSource) Next() (llm.Chunk, error) {
	if m.left == 0 {
		return llm.Chunk{}, io.EOF
	}
	m.left--
	return llm.Chunk{ID: "c"}, nil
}
func (m *memSource) Close() error { return nil }

// A cancel (or an expired deadline) ends a stream at the next Next, whatever the
// connection still has buffered: one outcome, not one that depends on timing.
func TestStreamEndsAtCancelEvenWhenBuffered(t *testing.T) {
	c := harbor.Must(harbor.New(noEnv(t), harbor.WithProvider(harbor.Descriptor{Name: "mem", Prefixes: []string{"mem-"},
		New: func(llm.Config) (llm.Provider, error) { return chunksProvider{n: 5}, nil }})))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.Chat.Completions.Stream(ctx, hi("mem-1"))
	require.NoError(t, err)
	require.True(t, s.Next())
	cancel()
	assert.False(t, s.Next(), "no chunk after the cancel")
	require.ErrorIs(t, s.Err(), harbor.ErrCanceled)
	require.ErrorIs(t, s.Err(), context.Canceled)
	require.NoError(t, s.Close())

	dctx, dcancel := context.WithCancel(context.Background())
	defer dcancel()
	s, err = c.Chat.Completions.Stream(dctx, hi("mem-1"), harbor.WithRequestTimeout(time.Hour))
	require.NoError(t, err)
	for s.Next() {
	}
	require.NoError(t, s.Err(), "a stream that ends before its context is clean")
	require.NoError(t, s.Close())

	st := c.Stats()
	assert.EqualValues(t, 1, st.Canceled)
	assert.Zero(t, st.Failures)
}

// A nil *Client reports a missed New instead of panicking, wherever it can.
func TestNilClient(t *testing.T) {
	var c *harbor.Client
	ctx := context.Background()
	require.NotPanics(t, func() {
		_, err := c.Route("deepseek-v4-flash")
		requireInvalid(t, err, "Route", "harbor.New")
		_, err = c.ListRemoteModels(ctx, "deepseek")
		requireInvalid(t, err, "ListRemoteModels")
		_, err = c.Balance(ctx, "deepseek")
		requireInvalid(t, err, "Balance")
		requireInvalid(t, c.Register(harbor.Descriptor{}), "Register")
		assert.NoError(t, c.Close())
		assert.Nil(t, c.Models())
		assert.Nil(t, c.BoundProviders())
		assert.Zero(t, c.Stats())
	})
}

// A client-level WithHeader costs nothing per call: the providers get the
// client's headers, built once by New.
func TestClientHeadersCostNothingPerCall(t *testing.T) {
	allocs := func(opts ...harbor.Option) float64 {
		var builds atomic.Int64
		fp := &fakeProvider{name: "acme"}
		c := harbor.Must(harbor.New(append([]harbor.Option{noEnv(t), harbor.WithProvider(fakeDescriptor("acme", &builds, fp))}, opts...)...))
		req := hi("acme-large")
		ctx := context.Background()
		return testing.AllocsPerRun(200, func() { _, _ = c.Chat.Completions.Create(ctx, req) })
	}
	assert.Equal(t, allocs(), allocs(harbor.WithHeader("X-Team", "a")))
}

// WithHeader replaces a header the provider sets (a proxy's own Authorization, a
// Content-Type), instead of sending a second value that vendors would not read.
func TestWithHeaderReplacesTheProvidersHeader(t *testing.T) {
	m := harbortest.Start(t, harbortest.DeepSeek)
	c := harbor.Must(harbor.New(m.Options()...))
	_, err := c.Chat.Completions.Create(context.Background(), hi(m.Model()),
		harbor.WithHeader("Authorization", "Bearer "+m.APIKey()), harbor.WithHeader("X-Trace", "t1"))
	require.NoError(t, err)
	h := m.ChatRequests()[0].Header
	assert.Equal(t, []string{"Bearer " + m.APIKey()}, h.Values("Authorization"), "one value, the caller's")
	assert.Equal(t, []string{"t1"}, h.Values("X-Trace"))
}
