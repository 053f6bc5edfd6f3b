package harbor

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/llm"
)

// gated is a provider whose calls wait until the test opens the gate, so that
// tests can hold calls in flight and count what waits behind them.
type gated struct {
	calls   atomic.Int64 // Chat and ChatStream calls that reached the provider
	waiting atomic.Int64 // of those, the ones waiting at the gate
	gate    chan struct{}
	once    sync.Once
}

func newGated() *gated { return &gated{gate: make(chan struct{})} }

func (g *gated) open() { g.once.Do(func() { close(g.gate) }) }

func (g *gated) Name() string { return "gated" }

func (g *gated) pass(ctx context.Context) error {
	g.calls.Add(1)
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case <-g.gate:
		return nil
	case <-ctx.Done():
		return llm.Canceled("gated", "", ctx.Err())
	}
}

func gatedAnswer(model string) *llm.ChatCompletion {
	return &llm.ChatCompletion{ID: "g-1", Object: "chat.completion", Model: model,
		Choices: []llm.Choice{{Message: llm.AssistantMessage("gated answer"), FinishReason: "stop"}},
		Usage:   llm.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15}}
}

func (g *gated) Chat(ctx context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	if err := g.pass(ctx); err != nil {
		return nil, err
	}
	return gatedAnswer(req.Model), nil
}

func (g *gated) ChatStream(ctx context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (llm.ChunkSource, error) {
	if err := g.pass(ctx); err != nil {
		return nil, err
	}
	return newReplay(gatedAnswer(req.Model)), nil
}

func gatedClient(t *testing.T, g *gated, opts ...Option) *Client {
	t.Helper()
	d := Descriptor{Name: "gated", Models: []Model{{ID: "gated-1"}}, Prefixes: []string{"gated-"},
		New: func(llm.Config) (llm.Provider, error) { return g, nil }}
	c, err := New(append([]Option{WithProvider(d), WithGetenv(func(string) string { return "" })}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { g.open(); c.Close() })
	return c
}

func gatedReq() *ChatRequest {
	return &ChatRequest{Model: "gated-1", Messages: []Message{llm.UserMessage("hi")}}
}

// waitFor polls cond until it holds: the conditions are real counts of
// goroutines parked somewhere, never a guess at how long that takes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// drain reads a stream to its end.
func drain(t *testing.T, s *Stream) string {
	t.Helper()
	defer s.Close()
	var text string
	for s.Next() {
		for _, ch := range s.Current().Choices {
			text += ch.Delta.Content
		}
	}
	require.NoError(t, s.Err())
	return text
}

var _ = io.EOF
