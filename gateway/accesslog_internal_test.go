package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
)

// slogLine is the line slog.NewJSONHandler(w, nil) writes for a Record of t,
// level and msg carrying attrs: what the gateway's encoder must write.
func slogLine(t testing.TB, tm time.Time, level slog.Level, msg string, attrs []slog.Attr) string {
	var buf bytes.Buffer
	r := slog.NewRecord(tm, level, msg, 0)
	r.AddAttrs(attrs...)
	require.NoError(t, slog.NewJSONHandler(&buf, nil).Handle(context.Background(), r))
	return buf.String()
}

// fastLine is the gateway's encoder's line for the same record.
func fastLine(t testing.TB, tm time.Time, level slog.Level, msg string, attrs []slog.Attr) string {
	b, ok := appendJSONLine(nil, tm, level, msg, attrs)
	require.True(t, ok, "the encoder refused %v", attrs)
	return string(b)
}

var trickyStrings = []string{
	"",
	"plain",
	`"quoted"`,
	`back\slash\`,
	"ctl \x00\x01\x07\b\f\x0b\x1f\x7f end",
	"\n\r\t",
	"<script>&amp;</script>",
	"line\u2028para\u2029",
	"bad \xff\xfe utf-8",
	"cut \xe4\xb8", // a rune's first two bytes only
	"\xc0\x80",     // overlong NUL
	"\xed\xa0\x80", // a surrogate
	"emoji 🚀👩‍🔬",
	"héllo 中文 \ufeff \ufffd",
	"unicode max \U0010ffff",
	strings.Repeat(`x"\`, 2000), // past the pooled buffer's first 1024 bytes
}

var trickyFloats = []float64{
	0, 0.1, 1e-7, 1e-6, 9.99999e-7, 1e21, 1e20, 999999999999999999999.0, 123.456,
	0.000123, 1.5, 100, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64 * 3,
	1.0 / 3, 2.5e-10, 1e100, 12345678912345678,
}

var trickyInts = []int64{0, 1, -1, 42, 1 << 31, math.MaxInt64, math.MinInt64, 1e15}

var trickyTimes = func() []time.Time {
	ist := time.FixedZone("IST", 5*3600+1800)
	odd := time.FixedZone("", -(3*3600 + 25*60 + 7)) // seconds in the offset
	return []time.Time{
		time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 100, ist),
		time.Date(1999, 7, 1, 0, 0, 0, 120000000, odd),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Now(), // monotonic reading and the local zone
	}
}()

// tricky returns the i-th value of vs, cycling.
func tricky[T any](vs []T, i int) T { return vs[(i%len(vs)+len(vs))%len(vs)] }

// exchangeFor builds an exchange whose optional fields are on where mask's
// bits say (10 of them), with values picked by i from the tricky lists.
func exchangeFor(mask, i int, now time.Time) (*exchange, *http.Request) {
	on := func(bit int) bool { return mask&(1<<bit) != 0 }
	s := func(k int) string { return tricky(trickyStrings, i+k) }
	n := func(k int) int64 { return tricky(trickyInts, i+k) }
	r := &http.Request{Method: s(1), URL: &url.URL{Path: s(2)}}
	if i%3 == 0 {
		r.Method, r.URL.Path = http.MethodPost, "/v1/chat/completions"
	}
	x := &exchange{
		status:    tricky([]int{0, 200, 400, 404, statusClientClosed, 500, 502, 599, 600}, i),
		written:   n(3),
		start:     now.Add(-tricky([]time.Duration{0, time.Microsecond, 1500 * time.Nanosecond, 1234567 * time.Microsecond, 100 * time.Hour, -time.Millisecond}, i)),
		traceID:   s(4),
		requestID: "",
	}
	if on(0) {
		x.requestID = s(5)
	}
	if on(1) {
		x.key = &vkey{id: s(6)}
	}
	if on(2) {
		x.model, x.stream = s(7), i%2 == 0
		if x.model == "" {
			x.model = "m"
		}
	}
	if on(3) {
		x.provider, x.sent = s(8)+"p", s(9)
	}
	if on(4) {
		x.usage = harbor.Usage{PromptTokens: int(n(10)), CompletionTokens: int(n(11)), TotalTokens: int(max(n(12), 1))}
	}
	if on(5) {
		x.cost = tricky(trickyFloats, i)
	}
	if on(6) {
		x.cache = harbor.CacheResult(1 + i%4)
	}
	if on(7) {
		x.attempts = 2 + i%3
	}
	if on(8) {
		x.errorType = s(13) + "e"
	}
	if on(9) {
		x.cause = errors.New(s(14) + " sk-0123456789abcdefghijklmnop " + s(15))
	}
	return x, r
}

// The gateway's encoder writes the bytes slog's JSON handler writes for every
// combination of the line's optional fields, with quotes, control characters,
// invalid UTF-8, U+2028, emoji, floats either side of encoding/json's exponent
// cutoffs and the extreme ints in them, in any time zone.
func TestAccessLineMatchesSlog(t *testing.T) {
	for mask := range 1 << 10 {
		for k := range 3 {
			i := mask*3 + k
			now := tricky(trickyTimes, i)
			x, r := exchangeFor(mask, i, now)
			attrs, level := x.accessAttrs(nil, r, now)
			want := slogLine(t, now, level, "request", attrs)
			if got := fastLine(t, now, level, "request", attrs); got != want {
				t.Fatalf("mask %#x, case %d:\nslog: %s\nfast: %s", mask, i, want, got)
			}
		}
	}
}

// The encoder's own rules, beyond what accessAttrs makes: floats slog writes
// as errors, negative floats, other kinds and levels, the time's edge cases.
func TestAppendJSONLineEdges(t *testing.T) {
	tm := trickyTimes[0]
	var floats []slog.Attr
	for _, f := range append(trickyFloats, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), -0.1, -1e-7, -1e21, -123.456) {
		floats = append(floats, slog.Float64("f", f))
	}
	var strs []slog.Attr
	for _, s := range trickyStrings {
		strs = append(strs, slog.String(s+"k", s)) // the keys are escaped too
	}
	for _, c := range []struct {
		name  string
		tm    time.Time
		level slog.Level
		msg   string
		attrs []slog.Attr
	}{
		{"floats", tm, slog.LevelInfo, "request", floats},
		{"strings", tm, slog.LevelWarn, "x\"\u2028\xff", strs},
		{"kinds", tm, slog.LevelError, "m", []slog.Attr{slog.Uint64("u", math.MaxUint64), slog.Int64("i", math.MinInt64),
			slog.Bool("t", true), slog.Bool("f", false), slog.Duration("d", 1500*time.Millisecond), slog.Int("z", 0)}},
		{"no attrs", tm, slog.LevelDebug, "", nil},
		{"odd levels", tm, slog.LevelInfo + 2, "m", nil},
		{"odd levels", tm, slog.LevelDebug - 3, "m", nil},
		{"zero time", time.Time{}, slog.LevelInfo, "m", []slog.Attr{slog.Int("a", 1)}},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m", nil},
		{"year -1", time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "m", nil},
	} {
		want := slogLine(t, c.tm, c.level, c.msg, c.attrs)
		assert.Equal(t, want, fastLine(t, c.tm, c.level, c.msg, c.attrs), c.name)
	}
}

// timeField is a line's "time" member, which the fallback's slog takes from
// its own clock.
var timeField = regexp.MustCompile(`^\{"time":"[^"]*",`)

// A line the encoder cannot write as slog would (an attribute of another kind,
// a group, an empty key) goes to slog's own handler on the same writer.
func TestJSONLinesFallsBackToSlog(t *testing.T) {
	tm := trickyTimes[0]
	for _, attrs := range [][]slog.Attr{
		{slog.String("a", "b"), slog.Any("any", map[string]int{"x": 1})},
		{slog.Group("g", slog.Int("n", 1)), slog.Int("after", 2)},
		{slog.Group("", slog.Int("inlined", 1))},
		{slog.Attr{}, slog.Int("after", 2)},
		{slog.String("", "keyless")},
		{slog.Time("t", tm), slog.Any("err", errors.New("boom"))},
	} {
		_, ok := appendJSONLine(nil, tm, slog.LevelInfo, "request", attrs)
		assert.False(t, ok, "%v", attrs)
		var buf bytes.Buffer
		newJSONLines(&buf, 0).log(tm, slog.LevelInfo, "request", attrs)
		want := slogLine(t, tm, slog.LevelInfo, "request", attrs)
		assert.Equal(t, timeField.ReplaceAllString(want, "{"), timeField.ReplaceAllString(buf.String(), "{"))
	}
}

// A caller's Config.AccessLog still gets the attributes it got from slog
// before the gateway had its own encoder, in the same order.
func TestCallerAccessLogGetsTheAttrs(t *testing.T) {
	var buf bytes.Buffer
	s := &Server{accessLog: slog.New(slog.NewJSONHandler(&buf, nil))}
	x, r := exchangeFor(1<<10-1, 1, time.Now())
	s.logLine(x, r)
	var keys []string
	dec := json.NewDecoder(&buf)
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		var v any
		require.NoError(t, dec.Decode(&v))
	}
	assert.Equal(t, []string{"time", "level", "msg", "method", "path", "status", "latency_ms", "trace_id", "request_id",
		"key_id", "model", "stream", "provider", "sent_model", "prompt_tokens", "completion_tokens", "total_tokens",
		"cost_cny", "cache", "attempts", "error_type", "error", "bytes"}, keys)
}

// FuzzAccessLine holds the encoder to slog's bytes on fuzzed strings and
// numbers, every field of the line at once.
func FuzzAccessLine(f *testing.F) {
	for i, s := range trickyStrings[:len(trickyStrings)-1] {
		f.Add(s, "/v1/chat/completions", s, s, s, s, s, 200, int64(i), 1.5, tricky(trickyFloats, i), int64(-7), uint8(i), true, int64(i)*1e9)
	}
	f.Add("\xff", "\u2028", "<>&", "", "\x00", "😀", "a\\b", 599, int64(math.MaxInt64), math.Inf(1), 1e21, int64(math.MinInt64), uint8(2), false, int64(-1))
	f.Fuzz(func(t *testing.T, method, path, trace, model, provider, errType, cause string, status int,
		tokens int64, latencyMS, cost float64, written int64, cache uint8, stream bool, unixNano int64) {
		now := time.Unix(0, unixNano)
		lat := time.Duration(0)
		if !math.IsNaN(latencyMS) && math.Abs(latencyMS) < 1e12 {
			lat = time.Duration(latencyMS * float64(time.Millisecond))
		}
		x := &exchange{status: status, written: written, start: now.Add(-lat), traceID: trace, requestID: trace + "r",
			key: &vkey{id: provider + model}, model: model, stream: stream, provider: provider, sent: model + provider,
			usage:    harbor.Usage{PromptTokens: int(tokens), CompletionTokens: int(tokens / 3), TotalTokens: int(tokens)},
			cost:     cost,
			cache:    harbor.CacheResult(cache),
			attempts: int(uint64(tokens) % 5), errorType: errType}
		if cause != "" {
			x.cause = errors.New(cause)
		}
		r := &http.Request{Method: method, URL: &url.URL{Path: path}}
		attrs, level := x.accessAttrs(nil, r, now)
		attrs = append(attrs, slog.Float64("raw", cost), slog.Float64("lat", latencyMS), slog.String(cause+"k", errType))
		want := slogLine(t, now, level, "request", attrs)
		if got := fastLine(t, now, level, "request", attrs); got != want {
			t.Fatalf("\nslog: %q\nfast: %q", want, got)
		}
	})
}

// slowWriter writes a line a few bytes at a time, yielding between them, so
// that two Writes not serialised by jsonLines would interleave. It takes no
// lock of its own: the race detector sees one missing in jsonLines.
type slowWriter struct{ buf bytes.Buffer }

func (w *slowWriter) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		n := min(len(p), 7)
		w.buf.Write(p[:n])
		p = p[n:]
		runtime.Gosched()
	}
	return written, nil
}

// Concurrent requests' lines come out whole, one per request, each valid
// JSON, the fallback's lines among them — written at once, and in batches
// (flushed by the timer, by size, and at close).
func TestJSONLinesConcurrent(t *testing.T) {
	for _, every := range []time.Duration{0, time.Millisecond, time.Hour} {
		t.Run(fmt.Sprint(every), func(t *testing.T) {
			w := &slowWriter{}
			s := &Server{accessJSON: newJSONLines(w, every)}
			const goroutines, each = 16, 50
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Go(func() {
					for i := range each {
						if i%10 == 9 {
							s.accessJSON.log(time.Now(), slog.LevelInfo, "request", []slog.Attr{slog.Any("fallback", []int{g, i})})
							continue
						}
						x, r := exchangeFor(g*each+i, g*each+i, time.Now())
						s.logLine(x, r)
					}
				})
			}
			wg.Wait()
			s.accessJSON.close()
			lines := strings.Split(strings.TrimSuffix(w.buf.String(), "\n"), "\n")
			require.Equal(t, goroutines*each, len(lines), "lines written")
			for _, l := range lines {
				var v map[string]any
				require.NoError(t, json.Unmarshal([]byte(l), &v), l)
				assert.Equal(t, "request", v["msg"])
			}
		})
	}
}

// writes records each Write, for the batching tests.
type writes struct {
	mu  sync.Mutex
	got [][]byte
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, bytes.Clone(p))
	return len(p), nil
}

func (w *writes) calls() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.got)
}

// line is the n-th test line, newline included.
func line(n int) []byte { return fmt.Appendf(nil, `{"n":%d}`+"\n", n) }

// TestJSONLinesBatch proves that with a flush interval lines wait, in order,
// and leave in one write when it has passed, when accessBatch bytes wait, or
// at close — and that after close each line is written at once.
func TestJSONLinesBatch(t *testing.T) {
	t.Run("interval", func(t *testing.T) {
		w := &writes{}
		j := newJSONLines(w, 20*time.Millisecond)
		for i := range 5 {
			j.emit(line(i))
		}
		require.Eventually(t, func() bool { return len(w.calls()) > 0 }, 5*time.Second, time.Millisecond, "the timer flushes")
		assert.Equal(t, [][]byte{slices.Concat(line(0), line(1), line(2), line(3), line(4))}, w.calls(), "one write, in order")
		j.emit(line(5)) // the timer is set again
		require.Eventually(t, func() bool { return len(w.calls()) == 2 }, 5*time.Second, time.Millisecond)
		assert.Equal(t, line(5), w.calls()[1])
		j.close()
		assert.Len(t, w.calls(), 2, "nothing was waiting")
	})
	t.Run("size", func(t *testing.T) {
		w := &writes{}
		j := newJSONLines(w, time.Hour)
		var want []byte
		n := 0
		for len(want) < accessBatch {
			assert.Empty(t, w.calls(), "lines wait until %d bytes do", accessBatch)
			want = append(want, line(n)...)
			j.emit(line(n))
			n++
		}
		require.Len(t, w.calls(), 1, "the batch left when it reached accessBatch")
		assert.Equal(t, want, w.calls()[0])
		j.emit(line(n))
		assert.Len(t, w.calls(), 1)
		j.close()
		require.Len(t, w.calls(), 2, "close writes what waits")
		assert.Equal(t, line(n), w.calls()[1])
		j.emit(line(n + 1))
		require.Len(t, w.calls(), 3, "after close, at once")
		assert.Equal(t, line(n+1), w.calls()[2])
	})
	t.Run("off", func(t *testing.T) {
		w := &writes{}
		j := newJSONLines(w, 0)
		j.emit(line(0))
		j.emit(line(1))
		assert.Equal(t, [][]byte{line(0), line(1)}, w.calls(), "each line at once")
	})
}

// BenchmarkAccessLog is one typical plain request's line — a key, a model, a
// provider, tokens, a cost, the cache missed — through slog's JSON handler
// (Config.AccessLog's path, and the gateway's own before jsonLines) and
// through the gateway's encoder, both to io.Discard.
func BenchmarkAccessLog(b *testing.B) {
	x := &exchange{status: 200, written: 612, start: time.Now(), traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
		key: &vkey{id: "team-search"}, model: "deepseek-v4-flash", provider: "deepseek", sent: "deepseek-v4-flash",
		usage: harbor.Usage{PromptTokens: 52, CompletionTokens: 61, TotalTokens: 113}, cost: 0.000239, cache: harbor.CacheMiss, attempts: 1}
	r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/v1/chat/completions"}}
	for _, bc := range []struct {
		name string
		s    *Server
	}{
		{"slog", &Server{accessLog: slog.New(slog.NewJSONHandler(io.Discard, nil))}},
		{"fast", &Server{accessJSON: newJSONLines(io.Discard, 0)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.s.logLine(x, r)
			}
		})
	}
}

// TestJSONLinesCloseKeepsOrder proves that a line logged while close runs
// leaves after the lines that waited before it: close must write the batch in
// the same hold of the mutex that turns batching off, or a line coming in
// between is written at once, ahead of the batch. The test queues close and
// then a line on the mutex, and puts the mutex in starvation mode (close,
// woken, loses it once after waiting over 1ms), in which it is handed to its
// waiters in turn: close, then the line, then close again.
func TestJSONLinesCloseKeepsOrder(t *testing.T) {
	for range 3 {
		w := &writes{}
		j := newJSONLines(w, time.Hour)
		j.emit(line(0))
		j.mu.Lock()
		var wg sync.WaitGroup
		wg.Go(j.close)
		time.Sleep(5 * time.Millisecond) // close waits for the mutex first
		wg.Go(func() { j.emit(line(1)) })
		time.Sleep(5 * time.Millisecond) // then the line
		j.mu.Unlock()
		j.mu.Lock() // taken back before close, woken, gets it: starvation
		time.Sleep(5 * time.Millisecond)
		j.mu.Unlock()
		wg.Wait()
		assert.Equal(t, string(slices.Concat(line(0), line(1))), string(bytes.Join(w.calls(), nil)),
			"the line waiting before close leaves first")
	}
}

// failingWriter fails every Write while broken is set, after writing the
// first partial bytes of it.
type failingWriter struct {
	writes
	broken  bool
	partial int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.broken {
		return min(w.partial, len(p)), errors.New("write |1: broken pipe")
	}
	return w.writes.Write(p)
}

// A log that cannot be written costs its lines, counted, and says so once
// per streak on the gateway's own log; the lines after it are written again.
func TestJSONLinesCountsLostLines(t *testing.T) {
	var own bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&own, nil)))

	for _, every := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprint("flush=", every), func(t *testing.T) {
			own.Reset()
			w := &failingWriter{broken: true, partial: 3}
			j := newJSONLines(w, every)
			for i := range 3 {
				j.emit(line(i))
				j.flush()
			}
			assert.Equal(t, uint64(3), j.lost.Load(), "a partly written line is lost too")
			assert.Equal(t, 1, strings.Count(own.String(), "the access log cannot be written"), "once per streak:\n%s", own.String())
			assert.Contains(t, own.String(), "broken pipe")
			if every > 0 { // a batch of several lines
				j.emit(line(3))
				j.emit(line(4))
				j.flush()
				assert.Equal(t, uint64(5), j.lost.Load())
			}
			w.broken = false
			j.emit(line(9))
			j.close()
			assert.Equal(t, [][]byte{line(9)}, w.calls())
			assert.Contains(t, own.String(), "the access log is written again")
			assert.Regexp(t, `lost_lines=[35]\b`, own.String())
		})
	}
}
