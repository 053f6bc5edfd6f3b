package harbor_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// bareCtxProvider breaks llm.Provider's contract the way a provider of one's
// own easily does: it returns its context's error as it is.
type bareCtxProvider struct{}

func (bareCtxProvider) Name() string { return "bare" }
func (bareCtxProvider) Chat(ctx context.Context, _ *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (bareCtxProvider) ChatStream(ctx context.Context, _ *llm.ChatRequest, _ *llm.CallOptions) (llm.ChunkSource, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// A provider's bare context error still follows harbor's rule for calls the
// caller stopped: cancelled is ErrCanceled (counted as Canceled, not as a
// failure), an expired deadline ErrTimeout — for Create and for Stream.
func TestProviderBareContextError(t *testing.T) {
	c, err := harbor.New(noEnv(t), harbor.WithProvider(harbor.Descriptor{
		Name: "bare", Prefixes: []string{"bare-"}, Models: []harbor.Model{{ID: "bare-1"}},
		New: func(llm.Config) (llm.Provider, error) { return bareCtxProvider{}, nil },
	}))
	require.NoError(t, err)
	req := &harbor.ChatRequest{Model: "bare-1", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	call := func(stream bool, ctx context.Context) error {
		if stream {
			s, err := c.Chat.Completions.Stream(ctx, req)
			if err == nil {
				s.Close()
			}
			return err
		}
		_, err := c.Chat.Completions.Create(ctx, req)
		return err
	}
	for _, stream := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(10*time.Millisecond, cancel)
		err := call(stream, ctx)
		require.ErrorIs(t, err, harbor.ErrCanceled, "stream %v", stream)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, "canceled", harbor.ErrorType(err))
		var he *harbor.Error
		require.ErrorAs(t, err, &he)
		assert.Equal(t, "bare", he.Provider)
		assert.Equal(t, "bare-1", he.Model)

		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
		err = call(stream, ctx)
		cancel()
		require.ErrorIs(t, err, harbor.ErrTimeout, "stream %v", stream)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	}
	st := c.Stats()
	assert.EqualValues(t, 2, st.Canceled, "the cancelled calls count as Canceled")
	assert.EqualValues(t, 2, st.Failures, "the timeouts count as failures")
}
