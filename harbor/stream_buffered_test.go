package harbor_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// burstProvider streams two chunks from memory for any model but "burst-bad",
// which fails before its first chunk; its sources' Buffered says buffered
// (nil: they have no Buffered method).
type burstProvider struct {
	buffered *bool
}

func (p *burstProvider) Name() string { return "burst" }

func (p *burstProvider) Chat(context.Context, *llm.ChatRequest, *llm.CallOptions) (*llm.ChatCompletion, error) {
	return nil, &llm.Error{Provider: "burst", Kind: llm.ErrInvalidRequest, Message: "streams only"}
}

func (p *burstProvider) ChatStream(_ context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (llm.ChunkSource, error) {
	if req.Model == "burst-bad" {
		return nil, &llm.Error{Provider: "burst", Model: req.Model, Kind: llm.ErrServer, StatusCode: 500, Transient: true, Message: "down"}
	}
	chunks := []llm.Chunk{
		{ID: "b", Object: "chat.completion.chunk", Model: req.Model, Choices: []llm.ChunkChoice{{Delta: llm.Delta{Role: "assistant", Content: "hello"}}}},
		{ID: "b", Object: "chat.completion.chunk", Model: req.Model, Choices: []llm.ChunkChoice{{FinishReason: "stop"}},
			Usage: &llm.Usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}},
	}
	if p.buffered == nil {
		return &opaqueSource{chunks: chunks}, nil
	}
	return &burstSource{opaqueSource: opaqueSource{chunks: chunks}, buffered: *p.buffered}, nil
}

// opaqueSource cannot tell whether its next chunk is in memory.
type opaqueSource struct {
	chunks []llm.Chunk
	closed atomic.Bool
}

func (s *opaqueSource) Next() (llm.Chunk, error) {
	if len(s.chunks) == 0 {
		return llm.Chunk{}, io.EOF
	}
	c := s.chunks[0]
	s.chunks = s.chunks[1:]
	return c, nil
}

func (s *opaqueSource) Close() error { s.closed.Store(true); return nil }

type burstSource struct {
	opaqueSource
	buffered bool
}

func (s *burstSource) Buffered() bool { return s.buffered }

func burstClient(t *testing.T, buffered *bool, opts ...harbor.Option) *harbor.Client {
	t.Helper()
	p := &burstProvider{buffered: buffered}
	d := harbor.Descriptor{Name: "burst", Prefixes: []string{"burst-"},
		New: func(llm.Config) (llm.Provider, error) { return p, nil }}
	c, err := harbor.New(append([]harbor.Option{noEnv(t), harbor.WithProvider(d), harbor.WithMaxRetries(0),
		harbor.WithFallback("chain", "burst-bad", "burst-good"), harbor.WithFallback("pair", "burst-a", "burst-b")},
		opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

// Every Stream harbor returns tells whether its next chunk is in memory, as
// its vendor's source does (harbor's gateway batches its writes on that): a
// plain stream, a fallback chain's and a hedged one forward it; a source that
// cannot tell is taken to wait.
func TestStreamBufferedIsForwarded(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		walked := burstClient(t, &buffered)
		// With hedging, every chain is raced (hedgedSource); without, walked (chainSource).
		hedged := burstClient(t, &buffered, harbor.WithHedging(harbor.Hedge{After: time.Minute}))
		for _, tc := range []struct {
			name, model string
			c           *harbor.Client
		}{{"plain", "burst-good", walked}, {"fallback", "chain", walked}, {"hedge", "pair", hedged}} {
			name := tc.name
			s, err := tc.c.Chat.Completions.Stream(context.Background(), hi(tc.model))
			require.NoError(t, err, name)
			if name == "hedge" {
				assert.True(t, s.Buffered(), "hedge: the race's first chunk is in memory")
			}
			require.True(t, s.Next(), name)
			assert.Equal(t, buffered, s.Buffered(), "%s, the source's %v", name, buffered)
			switch name {
			case "fallback":
				require.NotNil(t, s.Fallback())
				require.Len(t, s.Fallback().Failed, 1, "the chain moved on")
			case "hedge":
				require.NotNil(t, s.Fallback())
				assert.Equal(t, "burst-a", s.Fallback().Model)
			}
			require.True(t, s.Next(), name)
			require.False(t, s.Next(), name)
			require.NoError(t, s.Err(), name)
			require.NoError(t, s.Close())
		}
	}

	c := burstClient(t, nil)
	s, err := c.Chat.Completions.Stream(context.Background(), hi("burst-good"))
	require.NoError(t, err)
	require.True(t, s.Next())
	assert.False(t, s.Buffered(), "a source without Buffered")
	require.NoError(t, s.Close())
}

// A stream replayed from the cache is all in memory: Buffered is true from
// before its first chunk to its end, whatever the vendor's stream said.
func TestStreamBufferedReplay(t *testing.T) {
	waits := false
	c := burstClient(t, &waits, cacheOn())
	ctx := context.Background()
	s, err := c.Chat.Completions.Stream(ctx, hi("burst-good"))
	require.NoError(t, err)
	for s.Next() {
		assert.False(t, s.Buffered(), "the vendor's stream")
	}
	require.NoError(t, s.Err())
	require.NoError(t, s.Close())

	s, err = c.Chat.Completions.Stream(ctx, hi("burst-good"))
	require.NoError(t, err)
	defer s.Close()
	require.True(t, s.Cached())
	n := 0
	for assert.True(t, s.Buffered(), "replayed, before chunk %d", n+1) && s.Next() {
		n++
	}
	require.NoError(t, s.Err())
	assert.Equal(t, 2, n)
}
