package harbor_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// The README's quickstart, run against the built-in mock DeepSeek so it needs no key.
// Against the real API, drop the two With options and set DEEPSEEK_API_KEY.
func Example() {
	mock, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{}))
	defer mock.Close()

	client, err := harbor.New(
		harbor.WithBaseURL("deepseek", mock.URL()), // omit for api.deepseek.com
		harbor.WithAPIKey("deepseek", "sk-mock"),   // or DEEPSEEK_API_KEY
	)
	if err != nil {
		panic(err)
	}
	res, err := client.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model:       "deepseek-v4-flash",
		Messages:    []harbor.Message{harbor.UserMessage("Hello")},
		Thinking:    &harbor.Thinking{Type: harbor.ThinkingDisabled},
		Temperature: harbor.Some(0.0), // zero is sent, not dropped
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Choices[0].Message.Content)
	fmt.Println(res.Usage.TotalTokens > 0)
	// Output:
	// Hello! You said: Hello
	// true
}

// Streaming a reasoning model: reasoning and answer arrive as separate deltas, and
// the last chunk carries the usage.
func ExampleCompletions_Stream() {
	mock, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{KeepAlives: 2}))
	defer mock.Close()
	client := harbor.Must(harbor.New(harbor.WithBaseURL("deepseek", mock.URL()), harbor.WithAPIKey("deepseek", "sk-mock")))

	stream, err := client.Chat.Completions.Stream(context.Background(), &harbor.ChatRequest{
		Model:    "deepseek-reasoner", // retired name: harbor sends deepseek-v4-flash + thinking
		Messages: []harbor.Message{harbor.UserMessage("Why is the sky blue?")},
	})
	if err != nil {
		panic(err)
	}
	defer stream.Close()
	var reasoning, answer string
	for chunk, err := range stream.All() {
		if err != nil {
			panic(err)
		}
		for _, c := range chunk.Choices {
			reasoning += c.Delta.ReasoningContent
			answer += c.Delta.Content
		}
	}
	fmt.Println("reasoning:", reasoning)
	fmt.Println("answer:", answer)
	fmt.Println("usage at the end:", stream.Usage() != nil)
	// Output:
	// reasoning: The user said "Why is the sky blue?". I will answer briefly.
	// answer: Hello! You said: Why is the sky blue?
	// usage at the end: true
}

// Errors are *harbor.Error, classified with errors.Is.
func ExampleError() {
	mock, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-the-real-one"}))
	defer mock.Close()
	client := harbor.Must(harbor.New(harbor.WithBaseURL("deepseek", mock.URL()), harbor.WithAPIKey("deepseek", "sk-wrong-key-1234")))

	_, err := client.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage("hi")},
	})
	var he *harbor.Error
	if errors.As(err, &he) {
		fmt.Println(he.HTTPStatusCode(), errors.Is(err, harbor.ErrAuthentication), he.Retryable())
	}
	// Output:
	// 401 true false
}

// streamReasoning is the whole program a user writes: it streams a reasoning answer
// from whichever vendor serves model. Only the model name changes between vendors.
func streamReasoning(client *harbor.Client, model, prompt string) (reasoning, answer string, err error) {
	stream, err := client.Chat.Completions.Stream(context.Background(), &harbor.ChatRequest{
		Model:    model,
		Messages: []harbor.Message{harbor.UserMessage(prompt)},
	})
	if err != nil {
		return "", "", err
	}
	defer stream.Close()
	for chunk, err := range stream.All() {
		if err != nil {
			return reasoning, answer, err
		}
		for _, c := range chunk.Choices {
			reasoning += c.Delta.ReasoningContent
			answer += c.Delta.Content
		}
	}
	return reasoning, answer, nil
}

// One client, three vendors: DeepSeek, Doubao (Volcengine Ark) and Wenxin/ERNIE
// (Baidu Qianfan), each a mock speaking that vendor's own wire format. Against the real
// APIs, drop the WithProviderConfig options and set DEEPSEEK_API_KEY, ARK_API_KEY and
// QIANFAN_API_KEY.
func Example_vendors() {
	ds, _ := mockvendor.Listen("", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{}))
	ark, _ := mockvendor.Listen("", mockvendor.NewArk(mockvendor.ArkConfig{}))
	qf, _ := mockvendor.Listen("", mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{}))
	defer ds.Close()
	defer ark.Close()
	defer qf.Close()
	client := harbor.Must(harbor.New(
		harbor.WithProviderConfig("deepseek", harbor.ProviderConfig{APIKey: "sk-mock", BaseURL: ds.URL()}),
		harbor.WithProviderConfig("doubao", harbor.ProviderConfig{APIKey: "ark-mock", BaseURL: ark.URL() + "/api/v3"}),
		harbor.WithProviderConfig("qianfan", harbor.ProviderConfig{APIKey: "bce-v3/ALTAK-mock/x", BaseURL: qf.URL() + "/v2"}),
	))

	for _, model := range []string{"deepseek-reasoner", "doubao-seed-1-6-251015", "ernie-x1-turbo-32k"} {
		reasoning, answer, err := streamReasoning(client, model, "Why is the sky blue?")
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s\n  reasoning: %s\n  answer: %s\n", model, reasoning, answer)
	}
	fmt.Println("bound:", client.BoundProviders())
	// Output:
	// deepseek-reasoner
	//   reasoning: The user said "Why is the sky blue?". I will answer briefly.
	//   answer: Hello! You said: Why is the sky blue?
	// doubao-seed-1-6-251015
	//   reasoning: The user said "Why is the sky blue?". I will answer briefly.
	//   answer: Hello! You said: Why is the sky blue?
	// ernie-x1-turbo-32k
	//   reasoning: The user said "Why is the sky blue?". I will answer briefly.
	//   answer: Hello! You said: Why is the sky blue?
	// bound: [deepseek doubao qianfan]
}

// Many requests at once, at most Concurrency in flight: the results come back in
// the order of the requests, each with its answer or its own error, and Progress
// hears of every item as it finishes.
func ExampleCompletions_Batch() {
	mock, _ := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{}))
	defer mock.Close()
	client := harbor.Must(harbor.New(harbor.WithBaseURL("deepseek", mock.URL()), harbor.WithAPIKey("deepseek", "sk-mock")))

	var reqs []*harbor.ChatRequest
	for _, q := range []string{"What is Go?", "What is a goroutine?", "What is a channel?"} {
		reqs = append(reqs, &harbor.ChatRequest{Model: "deepseek-v4-flash", Messages: []harbor.Message{harbor.UserMessage(q)}})
	}
	reqs = append(reqs, &harbor.ChatRequest{Model: "no-such-model", Messages: []harbor.Message{harbor.UserMessage("hi")}})

	results := client.Chat.Completions.Batch(context.Background(), reqs, harbor.BatchOptions{
		Concurrency: 2,
		Progress: func(p harbor.BatchProgress) {
			if p.Done == p.Total {
				fmt.Printf("%d done, %d failed\n", p.Done, p.Failed)
			}
		},
	})
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.Index, "failed; unknown model:", errors.Is(r.Err, harbor.ErrUnknownModel))
			continue
		}
		fmt.Println(r.Index, r.Completion.Choices[0].Message.Content)
	}
	// Output:
	// 4 done, 1 failed
	// 0 Hello! You said: What is Go?
	// 1 Hello! You said: What is a goroutine?
	// 2 Hello! You said: What is a channel?
	// 3 failed; unknown model: true
}
