package harbortest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/harborai/harbor-go/conformance/harbortest"
	"github.com/harborai/harbor-go/harbor"
)

// A DeepSeek mock answers the first call with a 429 and lets the retry
// through; the recorded requests show both attempts. In a test, use
// harbortest.Start(t, harbortest.DeepSeek) instead of New and Close.
func Example() {
	m, err := harbortest.New(harbortest.DeepSeek)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	m.Enqueue(harbortest.RateLimited(""), harbortest.Fault{}) // a 429, then the mock's own answer

	res, err := m.Client().Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model:    m.Model(),
		Messages: []harbor.Message{harbor.UserMessage("Hello")},
		Thinking: &harbor.Thinking{Type: harbor.ThinkingDisabled},
	})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("answer:", res.Choices[0].Message.Content)

	for i, r := range m.ChatRequests() {
		var body struct {
			Model    string `json:"model"`
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			fmt.Println("bad body:", err)
			return
		}
		fmt.Printf("request %d: %s %s model=%s %s=%q key sent: %v\n", i+1, r.Method, r.Path, body.Model,
			body.Messages[0].Role, body.Messages[0].Content, r.Header.Get("Authorization") == "Bearer "+m.APIKey())
	}
	// Output:
	// answer: Hello! You said: Hello
	// request 1: POST /chat/completions model=deepseek-v4-flash user="Hello" key sent: true
	// request 2: POST /chat/completions model=deepseek-v4-flash user="Hello" key sent: true
}

// A canned raw reply scripts what the mock would never say on its own. Here
// Wenxin (Qianfan v1) reports an error the way it does, inside an HTTP 200
// body, and then streams a scripted answer that ends with is_end, not
// [DONE].
func ExampleMock_Reply() {
	m, err := harbortest.New(harbortest.Wenxin)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	client := m.Client()
	req := &harbor.ChatRequest{Model: m.Model(), Messages: []harbor.Message{harbor.UserMessage("Hi")}}

	m.Enqueue(harbortest.ReplyJSON(200, `{"error_code":336003,"error_msg":"Invalid param"}`))
	_, err = client.Chat.Completions.Create(context.Background(), req)
	var he *harbor.Error
	if errors.As(err, &he) {
		fmt.Printf("error: code %s, invalid request: %v\n", he.Code, errors.Is(err, harbor.ErrInvalidRequest))
	}

	m.Reply(harbortest.Reply{Events: []harbortest.Event{
		{Data: `{"id":"as-1","object":"chat.completion","created":1,"sentence_id":0,"is_end":false,"result":"Scripted ","usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`},
		{Data: `{"id":"as-1","object":"chat.completion","created":1,"sentence_id":1,"is_end":true,"result":"answer.","finish_reason":"normal","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`},
	}})
	stream, err := client.Chat.Completions.Stream(context.Background(), req)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer stream.Close()
	text, finish := "", ""
	for chunk, err := range stream.All() {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		for _, c := range chunk.Choices {
			text += c.Delta.Content
			if c.FinishReason != "" {
				finish = c.FinishReason
			}
		}
	}
	tokens := 0
	if u := stream.Usage(); u != nil {
		tokens = u.TotalTokens
	}
	fmt.Printf("stream: %q finish=%s tokens=%d\n", text, finish, tokens)
	fmt.Println("chat requests:", len(m.ChatRequests()), "all requests (with the token fetch):", len(m.Requests()))
	// Output:
	// error: code 336003, invalid request: true
	// stream: "Scripted answer." finish=stop tokens=3
	// chat requests: 2 all requests (with the token fetch): 3
}
