package gateway_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/harbor"
)

// flushCounter is a ResponseRecorder that counts writes and flushes, and what
// each flush sent.
type flushCounter struct {
	*httptest.ResponseRecorder
	flushed []string
	sent    int
	writes  int
}

func (f *flushCounter) Write(p []byte) (int, error) {
	f.writes++
	return f.ResponseRecorder.Write(p)
}

func (f *flushCounter) Flush() {
	b := f.Body.String()
	f.flushed = append(f.flushed, b[f.sent:])
	f.sent = len(b)
	f.ResponseRecorder.Flush()
}

// eventsPerFlush is how many events each flush sent.
func (f *flushCounter) eventsPerFlush() []int {
	n := make([]int, len(f.flushed))
	for i, s := range f.flushed {
		n[i] = strings.Count(s, "data: ")
	}
	return n
}

// streamThrough sends a streamed request for model to srv and returns what
// each flush sent. usage asks for the usage chunk.
func streamThrough(t *testing.T, srv *gateway.Server, model string, usage bool) *flushCounter {
	t.Helper()
	body := fmt.Sprintf(`{"model":%q,"stream":true,"messages":[{"role":"user","content":"hi"}]}`, model)
	if usage {
		body = strings.Replace(body, `"stream":true`, `"stream":true,"stream_options":{"include_usage":true}`, 1)
	}
	w := &flushCounter{ResponseRecorder: httptest.NewRecorder()}
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body)))
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, len(w.flushed), w.writes, "one write a flush")
	return w
}

func fakeServer(t *testing.T, fake *fakeProvider) *gateway.Server {
	t.Helper()
	srv, err := gateway.New(gateway.Config{
		Getenv:        func(string) string { return "" },
		ClientOptions: []harbor.Option{fake.option()},
		AccessLog:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// A stream is flushed whenever the vendor pauses, with every chunk that came
// before the pause, and never in the middle of a burst: no chunk waits for
// the next one, and a burst goes out in one write. The gateway's own events
// ([DONE], the usage chunk before it when asked for) go out with the chunks
// still held, or in a write of their own.
func TestStreamFlushes(t *testing.T) {
	cases := []struct {
		name string
		// buffered(n): whether chunk n+1 is in when chunk n is (nil: the
		// source cannot tell).
		buffered func(n int) bool
		want     []int // vendor chunks in each flush; the last flush also has [DONE]
	}{
		{"a source that cannot tell", nil, []int{1, 1, 1, 1, 1, 0}},
		{"the vendor pauses after every chunk", func(int) bool { return false }, []int{1, 1, 1, 1, 1, 0}},
		{"bursts and pauses", func(n int) bool { return n != 3 && n != 5 }, []int{3, 2, 0}},
		{"one burst, end marker included", func(int) bool { return true }, []int{5}},
	}
	for _, tc := range cases {
		for _, usage := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, usage %v", tc.name, usage), func(t *testing.T) {
				fake := newFake(5, 4, 0)
				fake.buffered = tc.buffered
				w := streamThrough(t, fakeServer(t, fake), "fake-1", usage)
				want := append([]int(nil), tc.want...)
				want[len(want)-1]++ // [DONE]
				if usage {
					want[len(want)-1]++
				}
				require.Equal(t, want, w.eventsPerFlush())
				last := w.flushed[len(w.flushed)-1]
				assert.True(t, strings.HasSuffix(last, "data: [DONE]\n\n"), last)
				if usage {
					assert.Contains(t, last, `"usage":{`, "the usage chunk goes with [DONE]")
				}
			})
		}
	}
}

// A vendor that never pauses cannot make the gateway hold more than
// maxPending (64 KiB) before it writes.
func TestStreamFlushBound(t *testing.T) {
	fake := newFake(20, 10<<10, 0) // 20 chunks of 10 KiB, all in at once
	fake.buffered = func(int) bool { return true }
	w := streamThrough(t, fakeServer(t, fake), "fake-1", false)
	assert.GreaterOrEqual(t, len(w.flushed), 3, "200 KiB in writes of at most 64 KiB and a chunk")
	for i, f := range w.flushed {
		assert.Less(t, len(f), 64<<10+11<<10, "write %d", i)
	}
	assert.Equal(t, 21, strings.Count(w.Body.String(), "data: "))
}

// deepSeekVendor answers every request with an event stream whose body is
// the one body returns, as the DeepSeek API would, through harbor's real
// provider and SSE decoder.
type deepSeekVendor func() io.ReadCloser

func (v deepSeekVendor) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: v(), ContentLength: -1, Request: req}, nil
}

func (v deepSeekVendor) options() []harbor.Option {
	return []harbor.Option{
		harbor.WithProviderConfig("deepseek", harbor.ProviderConfig{APIKey: "sk-test", BaseURL: "http://deepseek.test"}),
		harbor.WithTransport(v), harbor.WithMaxRetries(0),
	}
}

// deepSeekEvents are a 20-chunk answer's events as DeepSeek frames them (a
// role, 18 words, the finish with the usage), then [DONE]: 21 events.
func deepSeekEvents() []string {
	var ev []string
	chunk := func(delta, finish, usage string) {
		ev = append(ev, fmt.Sprintf(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"deepseek-v4-flash",`+
			`"choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]%s}`+"\n\n", delta, finish, usage))
	}
	chunk(`{"role":"assistant","content":""}`, "null", "")
	for i := range 18 {
		chunk(fmt.Sprintf(`{"content":"w%d "}`, i), "null", "")
	}
	chunk(`{"content":""}`, `"stop"`, `,"usage":{"prompt_tokens":5,"completion_tokens":18,"total_tokens":23}`)
	return append(ev, "data: [DONE]\n\n")
}

// A vendor whose 20 events arrive in one burst (one read of the connection)
// costs the gateway one write, not 21: the profile's third of a stream's CPU
// (benchmarks/results/gateway-profile.md). Every chunk is still its own
// event, and every choice carries finish_reason and logprobs, null until
// there is one, as OpenAI's do.
func TestStreamBurstIsOneWrite(t *testing.T) {
	burst := strings.Join(deepSeekEvents(), "")
	require.Less(t, len(burst), 4096, "the burst fits the decoder's first read")
	for _, usage := range []bool{false, true} {
		vendor := deepSeekVendor(func() io.ReadCloser { return io.NopCloser(strings.NewReader(burst)) })
		srv, err := gateway.New(gateway.Config{Getenv: func(string) string { return "" }, ClientOptions: vendor.options(),
			AccessLog: slog.New(slog.NewJSONHandler(io.Discard, nil))})
		require.NoError(t, err)
		w := streamThrough(t, srv, "deepseek-v4-flash", usage)
		require.NoError(t, srv.Close())
		want := []int{21} // 20 chunks and [DONE]
		if usage {
			want = []int{22}
		}
		assert.Equal(t, want, w.eventsPerFlush(), "usage %v: the whole answer in one write", usage)

		events := sseData(t, w.Body.String())
		require.Equal(t, "[DONE]", events[len(events)-1])
		chunks := events[:len(events)-1]
		if usage {
			require.Len(t, chunks, 21)
			var last map[string]any
			require.NoError(t, json.Unmarshal([]byte(chunks[20]), &last))
			assert.Equal(t, []any{}, last["choices"], "the usage chunk: no choices")
			assert.NotNil(t, last["usage"])
			chunks = chunks[:20]
		}
		require.Len(t, chunks, 20)
		for i, data := range chunks {
			var c struct {
				Choices []map[string]json.RawMessage `json:"choices"`
			}
			require.NoError(t, json.Unmarshal([]byte(data), &c), data)
			require.Len(t, c.Choices, 1, data)
			want := "null"
			if i == 19 {
				want = `"stop"`
			}
			assert.Equal(t, want, string(c.Choices[0]["finish_reason"]), "chunk %d: %s", i, data)
			assert.Equal(t, "null", string(c.Choices[0]["logprobs"]), "chunk %d: %s", i, data)
		}
	}
}

// A vendor error that arrives in the same burst as chunks does not lose them:
// the chunks held and the error event go out together, and no [DONE].
func TestStreamErrorAfterABurst(t *testing.T) {
	events := deepSeekEvents()[:4]
	burst := strings.Join(events, "") + `data: {"error":{"message":"overloaded","type":"server_error","code":"busy"}}` + "\n\n"
	vendor := deepSeekVendor(func() io.ReadCloser { return io.NopCloser(strings.NewReader(burst)) })
	srv, err := gateway.New(gateway.Config{Getenv: func(string) string { return "" }, ClientOptions: vendor.options(),
		AccessLog: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	require.NoError(t, err)
	w := streamThrough(t, srv, "deepseek-v4-flash", false)
	require.NoError(t, srv.Close())
	assert.Equal(t, []int{5}, w.eventsPerFlush(), "4 chunks and the error event in one write")
	data := sseData(t, w.Body.String())
	require.Len(t, data, 5)
	assert.Contains(t, data[4], `"error":{`)
	assert.NotContains(t, w.Body.String(), "[DONE]")
}

// sseData returns the data of each event of an SSE body.
func sseData(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for ev := range strings.SplitSeq(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		data, ok := strings.CutPrefix(ev, "data: ")
		require.True(t, ok, "one data line an event: %q", ev)
		require.NotContains(t, data, "\n")
		out = append(out, data)
	}
	return out
}

// lockstepBody is a vendor's body that sends its next event only once the
// gateway's client has received the one before: a gateway that held an event
// until the next one arrived would never get it.
type lockstepBody struct {
	events   []string
	i        int
	received <-chan struct{} // a value per event the client has read
	stalled  atomic.Bool
}

func (b *lockstepBody) Read(p []byte) (int, error) {
	if b.i == len(b.events) {
		return 0, io.EOF
	}
	if b.i > 0 {
		select {
		case <-b.received:
		case <-time.After(10 * time.Second): // a guard, not a pace: the client never got event i
			b.stalled.Store(true)
			return 0, errors.New("the client never received the last event")
		}
	}
	n := copy(p, b.events[b.i])
	b.i++
	return n, nil
}

func (b *lockstepBody) Close() error { return nil }

// A vendor that sends one event at a time, each after the caller has
// received the one before, streams to its end: no event waits for the next.
// (The caller checks the stream against spec/harbor.yaml, which requires
// finish_reason on every choice.)
func TestStreamEventsAreNotHeldBack(t *testing.T) {
	received := make(chan struct{}, 32)
	body := &lockstepBody{events: deepSeekEvents(), received: received}
	vendor := deepSeekVendor(func() io.ReadCloser { return body })
	g := gatewaytest.Start(t, gateway.Config{ClientOptions: vendor.options()})
	cl := newCaller(t, g)
	req, err := http.NewRequest(http.MethodPost, g.URL+"/v1/chat/completions",
		strings.NewReader(`{"model":"deepseek-v4-flash","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+g.Key)
	req.Header.Set("Content-Type", "application/json")
	res, err := cl.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	sc := bufio.NewScanner(res.Body)
	var chunks int
	done := false
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		if data == "[DONE]" {
			done = true
			break
		}
		require.NotContains(t, data, `"error"`)
		chunks++
		received <- struct{}{}
	}
	require.NoError(t, sc.Err())
	assert.False(t, body.stalled.Load(), "an event was held until the next one")
	assert.Equal(t, 20, chunks)
	assert.True(t, done, "the stream reached [DONE]")
}

// A stream replayed from the cache says so in X-Harbor-Cache, as a plain
// answer does (found by a new-user trial: only the access log said it).
func TestCachedStreamSaysHit(t *testing.T) {
	g := gatewaytest.Start(t, gateway.Config{Cache: &gateway.CacheConfig{MaxBytes: 1 << 20, TTL: time.Minute}})
	c := newCaller(t, g)
	const body = `{"model":"deepseek-v4-flash","stream":true,"temperature":0,"messages":[{"role":"user","content":"cache me"}]}`
	res, first := c.chat(body)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", first)
	assert.Empty(t, res.Header.Get("X-Harbor-Cache"), "a miss is known only at the stream's end")
	res, again := c.chat(body)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", again)
	assert.Equal(t, "hit", res.Header.Get("X-Harbor-Cache"))
	assert.Contains(t, string(again), "[DONE]")
}
