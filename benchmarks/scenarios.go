package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/harborai/harbor-go/harbor"
)

// The fixed request every scenario sends: a realistic short chat turn with
// thinking off, so that answers are plain content.
const (
	Model        = "deepseek-v4-flash"
	SystemPrompt = "You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."
	UserPrompt   = "My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"
	Temperature  = 0.7
	MaxTokens    = 256
)

// Parallelism is the number of goroutines the parallel scenario aims for.
const Parallelism = 64

// HarborOptions configures harbor against the mock at url: key and base URL
// given explicitly, environment ignored, retries and stats left on (defaults).
func HarborOptions(url, apiKey string) []harbor.Option {
	return []harbor.Option{
		harbor.WithAPIKey("deepseek", apiKey),
		harbor.WithBaseURL("deepseek", url),
		harbor.WithGetenv(func(string) string { return "" }),
	}
}

// HarborRequest returns the fixed request in harbor's types.
func HarborRequest() *harbor.ChatRequest {
	return &harbor.ChatRequest{
		Model:       Model,
		Messages:    []harbor.Message{harbor.SystemMessage(SystemPrompt), harbor.UserMessage(UserPrompt)},
		Temperature: harbor.Some(Temperature),
		MaxTokens:   harbor.Some(MaxTokens),
		Thinking:    &harbor.Thinking{Type: harbor.ThinkingDisabled},
	}
}

// FloorRequestFixture returns the fixed request in the floor's types.
func FloorRequestFixture() *FloorRequest {
	return &FloorRequest{
		Model:       Model,
		Messages:    []FloorMessage{{Role: "system", Content: SystemPrompt}, {Role: "user", Content: UserPrompt}},
		Thinking:    &FloorThinking{Type: "disabled"},
		Temperature: Temperature,
		MaxTokens:   MaxTokens,
	}
}

// Env holds one harbor client and one floor client pointed at the same mock.
type Env struct {
	URL    string
	Harbor *harbor.Client
	Floor  *Floor

	hreq *harbor.ChatRequest
	freq *FloorRequest
}

// NewEnv builds both clients and warms them up: the provider is bound, and
// both pools hold enough connections for the parallel scenario.
func NewEnv(url, apiKey string) (*Env, error) {
	h, err := harbor.New(HarborOptions(url, apiKey)...)
	if err != nil {
		return nil, err
	}
	e := &Env{URL: url, Harbor: h, Floor: NewFloor(url, apiKey), hreq: HarborRequest(), freq: FloorRequestFixture()}
	ctx := context.Background()
	for _, op := range []func(context.Context) error{e.harborCreate, e.floorCreate, e.harborStream, e.floorStream} {
		if err := op(ctx); err != nil {
			e.Close()
			return nil, fmt.Errorf("warm-up: %w", err)
		}
	}
	for _, op := range []func(context.Context) error{e.harborCreate, e.floorCreate} {
		var wg sync.WaitGroup
		errs := make(chan error, Parallelism)
		for range Parallelism {
			wg.Add(1)
			go func() { defer wg.Done(); errs <- op(ctx) }()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				e.Close()
				return nil, fmt.Errorf("parallel warm-up: %w", err)
			}
		}
	}
	return e, nil
}

// Close releases both clients' idle connections.
func (e *Env) Close() {
	_ = e.Harbor.Close()
	e.Floor.Close()
}

var errEmpty = errors.New("empty answer")

func (e *Env) harborCreate(ctx context.Context) error {
	res, err := e.Harbor.Chat.Completions.Create(ctx, e.hreq)
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

func (e *Env) floorCreate(ctx context.Context) error {
	res, err := e.Floor.Create(ctx, e.freq)
	if err != nil {
		return err
	}
	if res.Choices[0].Message.Content == "" {
		return errEmpty
	}
	return nil
}

func (e *Env) harborStream(ctx context.Context) error {
	s, err := e.Harbor.Chat.Completions.Stream(ctx, e.hreq)
	if err != nil {
		return err
	}
	n := 0
	for s.Next() {
		c := s.Current()
		if len(c.Choices) > 0 {
			n += len(c.Choices[0].Delta.Content)
		}
	}
	err = s.Err()
	_ = s.Close()
	if err != nil {
		return err
	}
	if n == 0 || s.Usage() == nil {
		return errEmpty
	}
	return nil
}

func (e *Env) floorStream(ctx context.Context) error {
	s, err := e.Floor.Stream(ctx, e.freq)
	if err != nil {
		return err
	}
	n := 0
	var usage *FloorUsage
	for s.Next() {
		c := s.Current()
		if len(c.Choices) > 0 {
			n += len(c.Choices[0].Delta.Content)
		}
		if c.Usage != nil {
			usage = c.Usage
		}
	}
	err = s.Err()
	_ = s.Close()
	if err != nil {
		return err
	}
	if n == 0 || usage == nil {
		return errEmpty
	}
	return nil
}

func serial(op func(context.Context) error) func(*testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if err := op(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func parallel(op func(context.Context) error) func(*testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		b.ReportAllocs()
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((Parallelism + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
}

// Pair is one scenario run by both clients.
type Pair struct {
	Name          string
	Harbor, Floor func(*testing.B)
}

// Pairs returns the side-by-side scenarios: Create, Stream (every chunk
// consumed) and CreateParallel64 (about 64 goroutines sharing one client).
func (e *Env) Pairs() []Pair {
	return []Pair{
		{"Create", serial(e.harborCreate), serial(e.floorCreate)},
		{"Stream", serial(e.harborStream), serial(e.floorStream)},
		{"CreateParallel64", parallel(e.harborCreate), parallel(e.floorCreate)},
	}
}

var sinkClient *harbor.Client

// BenchNew measures harbor.New with the benchmark's options (built once).
func BenchNew(url, apiKey string) func(*testing.B) {
	opts := HarborOptions(url, apiKey)
	return func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			c, err := harbor.New(opts...)
			if err != nil {
				b.Fatal(err)
			}
			sinkClient = c
		}
	}
}

var sinkString string

// BenchRoute measures client.Route on a warm client; the budget is 0 allocs.
func (e *Env) BenchRoute(b *testing.B) {
	if _, _, err := e.Harbor.Route(Model); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, _, err := e.Harbor.Route(Model)
		if err != nil {
			b.Fatal(err)
		}
		sinkString = p
	}
}
