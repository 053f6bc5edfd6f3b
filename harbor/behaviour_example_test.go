package harbor_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// A fallback chain over two vendors: DeepSeek fails with a server error, Doubao
// answers, and the answer lists the attempt that failed. Offline: both vendors
// are harbor's mocks.
func ExampleWithFallback() {
	ds := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{})
	dsSrv, _ := mockvendor.Listen("127.0.0.1:0", ds)
	defer dsSrv.Close()
	arkSrv, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewArk(mockvendor.ArkConfig{}))
	defer arkSrv.Close()

	client, err := harbor.New(
		harbor.WithBaseURL("deepseek", dsSrv.URL()), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithBaseURL("doubao", arkSrv.URL()+"/api/v3"), harbor.WithAPIKey("doubao", "ark-mock"),
		harbor.WithMaxRetries(0), // fail fast, so the example shows the chain at work
		harbor.WithFallback("fast", "deepseek-v4-flash", "doubao-seed-1-6-flash-250828"),
	)
	if err != nil {
		panic(err)
	}
	ds.Enqueue(mockvendor.ServerError()) // DeepSeek's next answer is a 500

	res, err := client.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model: "fast", Messages: []harbor.Message{harbor.UserMessage("Hello")}})
	if err != nil {
		panic(err)
	}
	fmt.Println("answered by:", res.Provider, res.Fallback.Model)
	for _, a := range res.Fallback.Failed {
		fmt.Println("failed first:", a.Provider, a.Model, a.ErrorType)
	}
	fmt.Println(res.Choices[0].Message.Content)
	// Output:
	// answered by: doubao doubao-seed-1-6-flash-250828
	// failed first: deepseek deepseek-v4-flash server
	// Hello! You said: Hello
}

// A circuit breaker: after two failures DeepSeek's calls fail at once, without
// being sent, until the cool-down has passed.
func ExampleWithCircuitBreaker() {
	ds := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{})
	srv, _ := mockvendor.Listen("127.0.0.1:0", ds)
	defer srv.Close()
	client, _ := harbor.New(harbor.WithBaseURL("deepseek", srv.URL()), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithMaxRetries(0), harbor.WithCircuitBreaker(harbor.CircuitBreaker{Failures: 2, Cooldown: time.Minute}))
	ds.Enqueue(mockvendor.ServerError(), mockvendor.ServerError())
	req := &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}}
	for range 3 {
		_, err := client.Chat.Completions.Create(context.Background(), req)
		fmt.Println(harbor.ErrorType(err), errors.Is(err, harbor.ErrCircuitOpen))
	}
	fmt.Println("circuit:", client.HealthCheck(context.Background()).Providers["deepseek"].Circuit)
	// Output:
	// server false
	// server false
	// circuit_open true
	// circuit: open
}

// Trace ids: the caller's, sent to the vendor as a W3C traceparent and on the
// answer (or a generated one when the context has none).
func ExampleContextWithTraceID() {
	url, stop := mockDeepSeek()
	defer stop()
	client, _ := harbor.New(harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"))
	ctx := harbor.ContextWithTraceID(context.Background(), "4bf92f3577b34da6a3ce929d0e0e4736")
	res, err := client.Chat.Completions.Create(ctx, &harbor.ChatRequest{
		Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.TraceID)
	// Output:
	// 4bf92f3577b34da6a3ce929d0e0e4736
}

// Assembling a streamed tool call: the Accumulator says when its arguments are
// complete, before the stream ends.
func ExampleAccumulator() {
	url, stop := mockDeepSeek()
	defer stop()
	client, _ := harbor.New(harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"))
	params := map[string]any{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}},
		"required": []string{"query"}}
	s, err := client.Chat.Completions.Stream(context.Background(), &harbor.ChatRequest{
		Model:    "deepseek-v4-flash",
		Messages: []harbor.Message{harbor.UserMessage("weather in Beijing")},
		Tools:    []harbor.Tool{harbor.FunctionTool("search", "search the web", params)},
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	var acc harbor.Accumulator
	for s.Next() {
		acc.Add(s.Current())
		if tc, ok := acc.JustFinishedToolCall(); ok {
			fmt.Println("call", tc.Function.Name, "with", tc.Function.Arguments != "")
		}
	}
	fmt.Println("finish:", acc.Completion().Choices[0].FinishReason)
	// Output:
	// call search with true
	// finish: tool_calls
}

// One structured line per call: here printed with only the attributes that do
// not vary from run to run (the latency and the trace id do).
func ExampleWithLogger() {
	url, stop := mockDeepSeek()
	defer stop()
	h := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case "time", "latency_ms", "trace_id", "cost_cny":
			return slog.Attr{}
		}
		return a
	}})
	client, _ := harbor.New(harbor.WithBaseURL("deepseek", url), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithLogger(slog.New(h)))
	_, _ = client.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("Hello")}})
	// Output:
	// level=INFO msg="harbor: call" provider=deepseek model=deepseek-v4-flash stream=false prompt_tokens=2 completion_tokens=12 attempts=1 cache=off
}

// Hedging: DeepSeek is slow this time, so after 20 ms the chain's second model
// is asked too, answers first, and wins; DeepSeek's call is cancelled.
func ExampleWithHedging() {
	ds := mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{})
	dsSrv, _ := mockvendor.Listen("127.0.0.1:0", ds)
	defer dsSrv.Close()
	arkSrv, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewArk(mockvendor.ArkConfig{}))
	defer arkSrv.Close()
	client, _ := harbor.New(
		harbor.WithBaseURL("deepseek", dsSrv.URL()), harbor.WithAPIKey("deepseek", "sk-mock"),
		harbor.WithBaseURL("doubao", arkSrv.URL()+"/api/v3"), harbor.WithAPIKey("doubao", "ark-mock"),
		harbor.WithFallback("fast", "deepseek-v4-flash", "doubao-seed-1-6-flash-250828"),
		harbor.WithHedging(harbor.Hedge{After: 20 * time.Millisecond}),
	)
	ds.Enqueue(mockvendor.Fault{Latency: time.Minute}) // DeepSeek's next answer hangs
	res, err := client.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model: "fast", Messages: []harbor.Message{harbor.UserMessage("Hello")}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Provider, "hedged:", res.Fallback.Hedged, "hedges:", client.Stats().Hedges)
	// Output:
	// doubao hedged: true hedges: 1
}
