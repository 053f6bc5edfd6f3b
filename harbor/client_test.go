package harbor_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
)

// fakeProvider answers from memory and counts calls.
type fakeProvider struct {
	name  string
	calls atomic.Int64
	last  atomic.Pointer[llm.ChatRequest]
}

func (f *fakeProvider) Name() string { return f.name }
func (f *fakeProvider) Chat(_ context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (*llm.ChatCompletion, error) {
	f.calls.Add(1)
	f.last.Store(req)
	return &llm.ChatCompletion{ID: "x", Model: req.Model, Choices: []llm.Choice{{Message: llm.AssistantMessage("ok"), FinishReason: "stop"}}}, nil
}
func (f *fakeProvider) ChatStream(_ context.Context, req *llm.ChatRequest, _ *llm.CallOptions) (llm.ChunkSource, error) {
	f.calls.Add(1)
	return fakeSource{}, nil
}

type fakeSource struct{}

func (fakeSource) Next() (llm.Chunk, error) { return llm.Chunk{}, errors.New("boom") }
func (fakeSource) Close() error             { return nil }

func fakeDescriptor(name string, builds *atomic.Int64, p *fakeProvider) harbor.Descriptor {
	return harbor.Descriptor{
		Name:     name,
		Models:   []harbor.Model{{ID: name + "-large"}},
		Prefixes: []string{name + "-"},
		New: func(llm.Config) (llm.Provider, error) {
			builds.Add(1)
			return p, nil
		},
	}
}

func noEnv(t *testing.T) harbor.Option {
	return harbor.WithGetenv(func(k string) string { return "" })
}

func TestNewIsLazy(t *testing.T) {
	var envReads atomic.Int64
	c, err := harbor.New(harbor.WithGetenv(func(string) string { envReads.Add(1); return "" }))
	require.NoError(t, err)
	assert.Empty(t, c.BoundProviders(), "New must bind no provider")
	assert.NotEmpty(t, c.Models(), "local model listing needs no provider")
	r, err := c.Route("deepseek-v4-pro")
	require.NoError(t, err)
	assert.Equal(t, harbor.Route{Provider: "deepseek", Model: "deepseek-v4-pro"}, r)
	assert.Empty(t, c.BoundProviders(), "listing and routing must not bind")
	assert.Zero(t, envReads.Load(), "nothing reads the environment before a provider is needed")
}

func TestLazyBindingHappensOnceUnderConcurrency(t *testing.T) {
	var builds atomic.Int64
	fp := &fakeProvider{name: "acme"}
	c, err := harbor.New(noEnv(t), harbor.WithProvider(fakeDescriptor("acme", &builds, fp)))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{Model: "acme-large", Messages: []harbor.Message{harbor.UserMessage("hi")}})
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 1, builds.Load())
	assert.EqualValues(t, 100, fp.calls.Load())
	assert.Equal(t, []string{"acme"}, c.BoundProviders(), "only the used provider is bound")
	assert.EqualValues(t, 100, c.Stats().Requests)
}

func TestBindFailureIsNotCached(t *testing.T) {
	key := ""
	c, err := harbor.New(harbor.WithGetenv(func(k string) string {
		if k == "DEEPSEEK_API_KEY" {
			return key
		}
		return ""
	}), harbor.WithBaseURL("deepseek", "http://127.0.0.1:1"), harbor.WithMaxRetries(0))
	require.NoError(t, err)
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	_, err = c.Chat.Completions.Create(context.Background(), req)
	require.ErrorIs(t, err, harbor.ErrNoCredentials)
	assert.Contains(t, err.Error(), "DEEPSEEK_API_KEY", "the error says how to fix it")
	assert.Empty(t, c.BoundProviders())

	key = "sk-now-set-1234"
	_, err = c.Chat.Completions.Create(context.Background(), req)
	require.ErrorIs(t, err, harbor.ErrConnection, "bound now; fails on the closed port instead")
	assert.Equal(t, []string{"deepseek"}, c.BoundProviders())
	assert.NotContains(t, err.Error(), key)
}

func TestRouting(t *testing.T) {
	var builds atomic.Int64
	fp := &fakeProvider{name: "acme"}
	c, err := harbor.New(noEnv(t),
		harbor.WithProvider(fakeDescriptor("acme", &builds, fp)),
		harbor.WithAlias("fast", "deepseek/deepseek-v4-flash"),
		harbor.WithAlias("house", "acme-large"),
		harbor.WithAlias("legacy", "deepseek-reasoner"))
	require.NoError(t, err)
	cases := []struct{ in, provider, model, thinking string }{
		{"deepseek-v4-flash", "deepseek", "deepseek-v4-flash", ""},
		// Retired names: Route says what really goes on the wire.
		{"deepseek-reasoner", "deepseek", "deepseek-v4-flash", harbor.ThinkingEnabled},
		{"deepseek-chat", "deepseek", "deepseek-v4-flash", harbor.ThinkingDisabled},
		{"deepseek/deepseek-chat", "deepseek", "deepseek-v4-flash", harbor.ThinkingDisabled},
		{"legacy", "deepseek", "deepseek-v4-flash", harbor.ThinkingEnabled}, // an alias of a retired name
		{"deepseek/deepseek-v4-pro", "deepseek", "deepseek-v4-pro", ""},
		{"deepseek-v5-preview", "deepseek", "deepseek-v5-preview", ""}, // prefix
		{"fast", "deepseek", "deepseek-v4-flash", ""},
		{"house", "acme", "acme-large", ""},
		{"acme/anything", "acme", "anything", ""},
		{"acme-small", "acme", "acme-small", ""},
		{"doubao-seed-1-6-251015", "doubao", "doubao-seed-1-6-251015", ""},
		{"ep-20240607092512-c5wnh", "doubao", "ep-20240607092512-c5wnh", ""},  // Ark endpoint id
		{"doubao/deepseek-v3-2-251201", "doubao", "deepseek-v3-2-251201", ""}, // third party on Ark
		{"ernie-x1-turbo-32k", "qianfan", "ernie-x1-turbo-32k", ""},
		{"ernie-9.0-new", "qianfan", "ernie-9.0-new", ""},
		{"qianfan/deepseek-r1", "qianfan", "deepseek-r1", ""},
		{"ERNIE-4.0-8K", "wenxin", "ERNIE-4.0-8K", ""},
		{"wenxin/ernie-4.0-8k", "wenxin", "ernie-4.0-8k", ""},
		{"gpt-4o", "openai", "gpt-4o", ""},
		{"o3-mini", "openai", "o3-mini", ""},
	}
	for _, tc := range cases {
		r, err := c.Route(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, harbor.Route{Provider: tc.provider, Model: tc.model, Thinking: tc.thinking}, r, tc.in)
	}
	for _, bad := range []string{"llama-unknown", "nobody/model", "deepseek/", ""} {
		_, err := c.Route(bad)
		require.ErrorIs(t, err, harbor.ErrUnknownModel, bad)
	}

	// The caller's request is never mutated by alias rewriting.
	req := &harbor.ChatRequest{Model: "house", Messages: []harbor.Message{harbor.UserMessage("hi")}}
	_, err = c.Chat.Completions.Create(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "house", req.Model)
	assert.Equal(t, "acme-large", fp.last.Load().Model)
}

func TestRouteAllocatesNothing(t *testing.T) {
	c := harbor.Must(harbor.New(noEnv(t)))
	_, _ = c.Route("deepseek-v4-flash") // builds the table once
	for _, m := range []string{"deepseek-v4-flash", "deepseek/deepseek-v4-pro", "deepseek-v9", "deepseek-reasoner"} {
		allocs := testing.AllocsPerRun(100, func() { _, _ = c.Route(m) })
		assert.Zero(t, allocs, m)
	}
	allocs := testing.AllocsPerRun(100, func() { _ = c.Models() })
	assert.Zero(t, allocs, "Models")
}

func TestRegisterAtRuntime(t *testing.T) {
	c := harbor.Must(harbor.New(noEnv(t)))
	_, err := c.Route("acme-large")
	require.ErrorIs(t, err, harbor.ErrUnknownModel)
	var builds atomic.Int64
	require.NoError(t, c.Register(fakeDescriptor("acme", &builds, &fakeProvider{name: "acme"})))
	r, err := c.Route("acme-large")
	require.NoError(t, err)
	assert.Equal(t, "acme", r.Provider)
	assert.Error(t, c.Register(harbor.Descriptor{Name: "x"}), "a descriptor without New is refused")
}

func TestValidationHappensBeforeIO(t *testing.T) {
	var builds atomic.Int64
	fp := &fakeProvider{name: "acme"}
	c := harbor.Must(harbor.New(noEnv(t), harbor.WithProvider(fakeDescriptor("acme", &builds, fp))))
	msgs := []harbor.Message{harbor.UserMessage("hi")}
	cases := map[string]*harbor.ChatRequest{
		"nil":             nil,
		"no model":        {Messages: msgs},
		"no messages":     {Model: "acme-large"},
		"bad role":        {Model: "acme-large", Messages: []harbor.Message{{Role: "robot", Content: "x"}}},
		"tool without id": {Model: "acme-large", Messages: []harbor.Message{{Role: "tool", Content: "x"}}},
		"temperature":     {Model: "acme-large", Messages: msgs, Temperature: harbor.Some(2.5)},
		"top_p":           {Model: "acme-large", Messages: msgs, TopP: harbor.Some(-0.1)},
		"max_tokens":      {Model: "acme-large", Messages: msgs, MaxTokens: harbor.Some(0)},
		"tool_choice":     {Model: "acme-large", Messages: msgs, ToolChoice: &harbor.ToolChoice{Function: "nope"}},
		"response_format": {Model: "acme-large", Messages: msgs, ResponseFormat: &harbor.ResponseFormat{Type: "yaml"}},
	}
	for name, req := range cases {
		_, err := c.Chat.Completions.Create(context.Background(), req)
		require.ErrorIs(t, err, harbor.ErrInvalidRequest, name)
		var he *harbor.Error
		require.ErrorAs(t, err, &he, name)
		assert.NotEmpty(t, he.Message, name)
	}
	assert.Zero(t, fp.calls.Load(), "no invalid request reached the provider")
	assert.EqualValues(t, len(cases), c.Stats().Failures)
}

func TestNewAllocatesOnlyTheClient(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _, _ = harbor.New() })
	assert.LessOrEqual(t, allocs, 1.0, "New allocates the Client and nothing else")
}
