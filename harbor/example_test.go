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
