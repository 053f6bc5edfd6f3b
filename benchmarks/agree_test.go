package benchmarks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptrace"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/harborai/harbor-go/benchmarks/internal/mockproc"
	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// answer is one call's outcome, in a shape both clients can be reduced to.
type answer struct {
	content, reasoning, finish string
	usage                      FloorUsage
	chunks                     int // streams only
}

// finish normalises a floor's finish reason the way harbor does: ERNIE's
// "normal" (Qianfan v1 and v2) is a natural end, i.e. "stop".
func finish(r string) string {
	if r == "normal" {
		return "stop"
	}
	return r
}

func harborUsage(u *harbor.Usage) FloorUsage {
	return FloorUsage{u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.PromptCacheHitTokens, u.PromptCacheMissTokens}
}

func wenxinUsage(u WenxinUsage) FloorUsage {
	return FloorUsage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
}

func (e *VendorEnv) harborCreateAnswer(t *testing.T, ctx context.Context) answer {
	t.Helper()
	h, err := e.Harbor.Chat.Completions.Create(ctx, e.hreq)
	if err != nil {
		t.Fatal(err)
	}
	c := h.Choices[0]
	return answer{content: c.Message.Content, reasoning: c.Message.ReasoningContent, finish: string(c.FinishReason), usage: harborUsage(&h.Usage)}
}

func (e *VendorEnv) floorCreateAnswer(t *testing.T, ctx context.Context) answer {
	t.Helper()
	if e.Wenxin != nil {
		f, err := e.Wenxin.Create(ctx, WenxinEndpoint, e.wreq)
		if err != nil {
			t.Fatal(err)
		}
		return answer{content: f.Result, finish: finish(f.FinishReason), usage: wenxinUsage(f.Usage)}
	}
	f, err := e.Floor.Create(ctx, e.freq)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Choices[0]
	return answer{content: c.Message.Content, reasoning: c.Message.ReasoningContent, finish: finish(c.FinishReason), usage: f.Usage}
}

func (e *VendorEnv) harborStreamAnswer(t *testing.T, ctx context.Context) answer {
	t.Helper()
	s, err := e.Harbor.Chat.Completions.Stream(ctx, e.hreq)
	if err != nil {
		t.Fatal(err)
	}
	var a answer
	var text, reasoning strings.Builder
	for s.Next() {
		a.chunks++
		if c := s.Current(); len(c.Choices) > 0 {
			text.WriteString(c.Choices[0].Delta.Content)
			reasoning.WriteString(c.Choices[0].Delta.ReasoningContent)
			if r := c.Choices[0].FinishReason; r != "" {
				a.finish = string(r)
			}
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	a.content, a.reasoning = text.String(), reasoning.String()
	if u := s.Usage(); u != nil {
		a.usage = harborUsage(u)
	}
	return a
}

func (e *VendorEnv) floorStreamAnswer(t *testing.T, ctx context.Context) answer {
	t.Helper()
	var a answer
	var text, reasoning strings.Builder
	if e.Wenxin != nil {
		s, err := e.Wenxin.Stream(ctx, WenxinEndpoint, e.wreq)
		if err != nil {
			t.Fatal(err)
		}
		for s.Next() {
			a.chunks++
			c := s.Current()
			text.WriteString(c.Result)
			a.usage = wenxinUsage(c.Usage)
			if c.IsEnd {
				a.finish = finish(c.FinishReason)
			}
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		_ = s.Close()
		a.content = text.String()
		return a
	}
	s, err := e.Floor.Stream(ctx, e.freq)
	if err != nil {
		t.Fatal(err)
	}
	for s.Next() {
		a.chunks++
		c := s.Current()
		if len(c.Choices) > 0 {
			text.WriteString(c.Choices[0].Delta.Content)
			reasoning.WriteString(c.Choices[0].Delta.ReasoningContent)
			if r := c.Choices[0].FinishReason; r != nil && *r != "" {
				a.finish = finish(*r)
			}
		}
		if c.Usage != nil {
			a.usage = *c.Usage
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	a.content, a.reasoning = text.String(), reasoning.String()
	return a
}

// TestFloorAndHarborAgree guards the benchmark: for every vendor, both clients
// must get the same answer and usage from the mock, streamed or not, so a
// ratio never compares a broken call with a working one.
func TestFloorAndHarborAgree(t *testing.T) {
	e := env(t)
	for v, why := range e.Skipped {
		t.Run(v, func(t *testing.T) { t.Skip(why) })
	}
	for _, ve := range e.Vendors {
		t.Run(ve.Vendor, func(t *testing.T) {
			ctx := context.Background()
			// NewEnv already sent this request, so DeepSeek's context cache is warm
			// for both clients and cache hit/miss counts are comparable.
			h, f := ve.harborCreateAnswer(t, ctx), ve.floorCreateAnswer(t, ctx)
			if want := "Hello! You said: " + UserPrompt; h.content != want {
				t.Errorf("harbor content = %q, want %q", h.content, want)
			}
			if h.finish != "stop" {
				t.Errorf("harbor finish reason = %q, want stop", h.finish)
			}
			if h.reasoning != "" || f.reasoning != "" {
				t.Errorf("thinking is off but reasoning came back: harbor %q, floor %q", h.reasoning, f.reasoning)
			}
			if h != f || h.usage.TotalTokens == 0 {
				t.Errorf("Create: harbor %+v, floor %+v", h, f)
			}

			// Streams: same text, finish reason, chunk count and final usage, and
			// the same as the non-streamed answer.
			hs, fs := ve.harborStreamAnswer(t, ctx), ve.floorStreamAnswer(t, ctx)
			if hs != fs {
				t.Errorf("Stream: harbor %+v, floor %+v", hs, fs)
			}
			if hs.content != h.content || hs.finish != h.finish || hs.usage != h.usage {
				t.Errorf("Stream %+v differs from Create %+v", hs, h)
			}
			t.Logf("%s: %d chunks per stream, usage %+v", ve.Model, hs.chunks, h.usage)

			if s := ve.Harbor.Stats(); s.Failures != 0 || s.Retries != 0 || s.InFlight != 0 || s.StreamsOpen != 0 {
				t.Errorf("harbor stats after clean calls: %+v", s)
			}
		})
	}
}

// TestFloorSendsWhatHarborSends checks, against in-process mocks with
// recording on, that each floor puts the same request on the wire as harbor
// (method, path, JSON body), so neither side does less work than the other.
func TestFloorSendsWhatHarborSends(t *testing.T) {
	for _, v := range Vendors {
		t.Run(v, func(t *testing.T) {
			m := mockproc.NewMock(v)
			srv, err := mockvendor.Listen("127.0.0.1:0", m)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			// The warm-up sends harbor Create, floor Create, harbor Stream, floor
			// Stream, in that order (and more Creates for DeepSeek's pools).
			ve, err := newVendorEnv(v, srv.URL())
			if errors.Is(err, ErrWenxinNotBuiltin) {
				t.Skip(err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ve.Close()
			var chats []mockvendor.RecordedRequest
			for _, r := range m.Requests() {
				if !strings.Contains(r.Path, "/oauth/") {
					chats = append(chats, r)
				}
			}
			if len(chats) < 4 {
				t.Fatalf("the mock saw %d chat requests, want at least 4", len(chats))
			}
			for i, what := range []string{"Create", "Stream"} {
				h, f := chats[2*i], chats[2*i+1]
				// Each client fetched its own Wenxin access token: compare the rest.
				hq, fq := query(t, h.RawQuery), query(t, f.RawQuery)
				if h.Method != f.Method || h.Path != f.Path || !reflect.DeepEqual(hq, fq) {
					t.Errorf("%s: harbor %s %s?%s, floor %s %s?%s", what, h.Method, h.Path, h.RawQuery, f.Method, f.Path, f.RawQuery)
				}
				var hb, fb map[string]any
				if err := json.Unmarshal(h.Body, &hb); err != nil {
					t.Fatalf("%s: harbor body: %v", what, err)
				}
				if err := json.Unmarshal(f.Body, &fb); err != nil {
					t.Fatalf("%s: floor body: %v", what, err)
				}
				if !reflect.DeepEqual(hb, fb) {
					t.Errorf("%s bodies differ:\nharbor %s\nfloor  %s", what, h.Body, f.Body)
				}
				if h.Header.Get("Authorization") != f.Header.Get("Authorization") {
					t.Errorf("%s: Authorization differs", what)
				}
			}
		})
	}
}

// query parses a recorded query, with the access_token value replaced by
// whether it was present.
func query(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	if q.Has("access_token") {
		q.Set("access_token", fmt.Sprint(q.Get("access_token") != ""))
	}
	return q
}

// TestConnectionReuse checks that every floor keeps its connections (it is the
// reference, so it must be careful) and reports whether harbor does.
func TestConnectionReuse(t *testing.T) {
	e := env(t)
	count := func(op func(context.Context) error) (fresh int64) {
		var n atomic.Int64
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) {
				if !i.Reused {
					n.Add(1)
				}
			},
		})
		for range 20 {
			if err := op(ctx); err != nil {
				t.Fatal(err)
			}
		}
		return n.Load()
	}
	for _, ve := range e.Vendors {
		for _, c := range []struct {
			name      string
			op        func(context.Context) error
			mustReuse bool
		}{
			{name: "floor Create", op: ve.floorCreate, mustReuse: true},
			{name: "floor Stream", op: ve.floorStream, mustReuse: true},
			{name: "harbor Create", op: ve.harborCreate},
			{name: "harbor Stream", op: ve.harborStream},
		} {
			// The first call may dial; every later one should reuse.
			fresh := count(c.op)
			t.Logf("%s %s: %d new connections in 20 sequential calls", ve.Vendor, c.name, fresh)
			if c.mustReuse && fresh > 1 {
				t.Errorf("%s %s opened %d connections in 20 sequential calls; the floor must reuse its connection", ve.Vendor, c.name, fresh)
			}
		}
	}
}
