package harbor_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// mockDeepSeek starts the built-in mock DeepSeek; examples point a Client at it so
// they run offline. Against the real API, drop WithBaseURL and WithAPIKey and
// set DEEPSEEK_API_KEY.
func mockDeepSeek() (url string, stop func()) {
	mock, err := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{}))
	if err != nil {
		panic(err)
	}
	return mock.URL(), func() { mock.Close() }
}

// The response cache: the second identical request is answered from memory,
// marked Cached, with the first call's usage and no cost.
func ExampleWithCache() {
	url, stop := mockDeepSeek()
	defer stop()
	client, err := harbor.New(
		harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithCache(harbor.CacheConfig{
			MaxBytes: 64 << 20,  // memory the answers may hold
			TTL:      time.Hour, // how long an answer is served
			// Shared: a rediscache.Cache, for a fleet sharing answers
		}),
	)
	if err != nil {
		panic(err)
	}
	defer client.Close() // stops the cache's clean-up goroutine
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}}
	for range 2 {
		res, err := client.Chat.Completions.Create(context.Background(), req)
		if err != nil {
			panic(err)
		}
		fmt.Printf("cached=%v tokens=%d cost>0=%v\n", res.Cached, res.Usage.TotalTokens, res.Cost.Total > 0)
	}
	// A call that must not use the cache:
	res, _ := client.Chat.Completions.Create(context.Background(), req, harbor.WithCacheBypass())
	fmt.Println("bypassed, cached =", res.Cached)
	fmt.Printf("hit rate %.2f\n", client.MemoryStats().Cache.HitRate)
	// Output:
	// cached=false tokens=14 cost>0=true
	// cached=true tokens=14 cost>0=false
	// bypassed, cached = false
	// hit rate 0.50
}

// Admission control: at most one DeepSeek call at a time and nobody waiting, so
// a second call while the first one's stream is open is refused at once.
func ExampleWithLimits() {
	url, stop := mockDeepSeek()
	defer stop()
	client, err := harbor.New(
		harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithLimits(harbor.Limits{
			PerProvider: map[string]int{"deepseek": 1}, // calls at once, per provider
			QueueSize:   0,                             // calls that may wait for a slot
		}),
	)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}}
	s, err := client.Chat.Completions.Stream(ctx, req) // holds the slot until closed
	if err != nil {
		panic(err)
	}
	_, err = client.Chat.Completions.Create(ctx, req)
	fmt.Println(errors.Is(err, harbor.ErrQueueFull))
	s.Close()
	_, err = client.Chat.Completions.Create(ctx, req)
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// The management API after a call: what the seed called get_concurrency_stats,
// health_check and the cost totals.
func ExampleClient_ConcurrencyStats() {
	url, stop := mockDeepSeek()
	defer stop()
	client, err := harbor.New(harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"))
	if err != nil {
		panic(err)
	}
	defer client.Close()
	ctx := context.Background()
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}}
	if _, err := client.Chat.Completions.Create(ctx, req); err != nil {
		panic(err)
	}
	cs := client.ConcurrencyStats()
	fmt.Println("completed:", cs.Requests.CompletedCount, "errors:", cs.Performance.ErrorRate,
		"connections dialed:", cs.Connections.Dialed)
	h := client.HealthCheck(ctx)
	fmt.Println("health:", h.Status, "deepseek:", h.Providers["deepseek"].Status)
	cost := client.CostStats()
	fmt.Println("priced calls:", cost.Providers["deepseek"]["deepseek-v4-flash"].Calls, "total > 0:", cost.TotalCNY > 0)
	// Output:
	// completed: 1 errors: 0 connections dialed: 1
	// health: healthy deepseek: healthy
	// priced calls: 1 total > 0: true
}

// Prices of your own, on top of the defaults: each answer carries its cost.
func ExampleWithPrices() {
	url, stop := mockDeepSeek()
	defer stop()
	mine := harbor.PriceTable{"deepseek/deepseek-v4-flash": {Input: 1, CachedInput: 0.1, Output: 4}} // CNY per million tokens
	client, err := harbor.New(harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithPrices(harbor.DefaultPrices().Merge(mine)))
	if err != nil {
		panic(err)
	}
	res, err := client.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}})
	if err != nil {
		panic(err)
	}
	u := res.Usage
	fmt.Printf("%d prompt + %d completion tokens cost %.6f CNY\n", u.PromptTokens, u.CompletionTokens, res.Cost.Total)
	// Output:
	// 2 prompt + 12 completion tokens cost 0.000050 CNY
}
