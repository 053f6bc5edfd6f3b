package benchmarks

import (
	"context"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
)

// TestFloorAndHarborAgree guards the benchmark: both clients must get the same
// answer and usage from the mock, streamed or not, so a ratio never compares a
// broken call with a working one.
func TestFloorAndHarborAgree(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	// NewEnv already sent this request, so the mock's context cache is warm for
	// both clients and cache hit/miss counts are comparable.
	h, err := e.Harbor.Chat.Completions.Create(ctx, e.hreq)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.Floor.Create(ctx, e.freq)
	if err != nil {
		t.Fatal(err)
	}
	hc, fc := h.Choices[0], f.Choices[0]
	if want := "Hello! You said: " + UserPrompt; hc.Message.Content != want {
		t.Errorf("harbor content = %q, want %q", hc.Message.Content, want)
	}
	if hc.Message.Content != fc.Message.Content || hc.FinishReason != fc.FinishReason {
		t.Errorf("harbor %q/%s, floor %q/%s", hc.Message.Content, hc.FinishReason, fc.Message.Content, fc.FinishReason)
	}
	if hc.Message.ReasoningContent != "" || fc.Message.ReasoningContent != "" {
		t.Errorf("thinking is disabled but reasoning came back")
	}
	hu := FloorUsage{h.Usage.PromptTokens, h.Usage.CompletionTokens, h.Usage.TotalTokens, h.Usage.PromptCacheHitTokens, h.Usage.PromptCacheMissTokens}
	if hu != f.Usage || hu.TotalTokens == 0 {
		t.Errorf("usage: harbor %+v, floor %+v", hu, f.Usage)
	}

	// Streams: same text, same final usage, same as the non-streamed answer.
	hs, err := e.Harbor.Chat.Completions.Stream(ctx, e.hreq)
	if err != nil {
		t.Fatal(err)
	}
	var hText strings.Builder
	hChunks := 0
	for hs.Next() {
		hChunks++
		if c := hs.Current(); len(c.Choices) > 0 {
			hText.WriteString(c.Choices[0].Delta.Content)
		}
	}
	if err := hs.Err(); err != nil {
		t.Fatal(err)
	}
	_ = hs.Close()
	fs, err := e.Floor.Stream(ctx, e.freq)
	if err != nil {
		t.Fatal(err)
	}
	var fText strings.Builder
	var fUsage *FloorUsage
	fChunks := 0
	for fs.Next() {
		fChunks++
		c := fs.Current()
		if len(c.Choices) > 0 {
			fText.WriteString(c.Choices[0].Delta.Content)
		}
		if c.Usage != nil {
			fUsage = c.Usage
		}
	}
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	_ = fs.Close()
	if hText.String() != hc.Message.Content || fText.String() != hc.Message.Content || hChunks != fChunks {
		t.Errorf("stream text: harbor %q (%d chunks), floor %q (%d chunks), want %q", hText.String(), hChunks, fText.String(), fChunks, hc.Message.Content)
	}
	u := hs.Usage()
	if u == nil || fUsage == nil {
		t.Fatalf("stream usage: harbor %v, floor %v", u, fUsage)
	}
	if got := (FloorUsage{u.PromptTokens, u.CompletionTokens, u.TotalTokens, u.PromptCacheHitTokens, u.PromptCacheMissTokens}); got != *fUsage || got != f.Usage {
		t.Errorf("stream usage: harbor %+v, floor %+v, non-streamed %+v", got, *fUsage, f.Usage)
	}
	t.Logf("%d chunks per stream, usage %+v", hChunks, f.Usage)

	if s := e.Harbor.Stats(); s.Failures != 0 || s.Retries != 0 || s.InFlight != 0 || s.StreamsOpen != 0 {
		t.Errorf("harbor stats after clean calls: %+v", s)
	}
}

// TestConnectionReuse checks that the floor keeps its connections (it is the
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
	for _, c := range []struct {
		name      string
		op        func(context.Context) error
		mustReuse bool
	}{
		{name: "floor Create", op: e.floorCreate, mustReuse: true},
		{name: "floor Stream", op: e.floorStream, mustReuse: true},
		{name: "harbor Create", op: e.harborCreate},
		{name: "harbor Stream", op: e.harborStream},
	} {
		// The first call may dial; every later one should reuse.
		fresh := count(c.op)
		t.Logf("%s: %d new connections in 20 sequential calls", c.name, fresh)
		if c.mustReuse && fresh > 1 {
			t.Errorf("%s opened %d connections in 20 sequential calls; the floor must reuse its connection", c.name, fresh)
		}
	}
}
