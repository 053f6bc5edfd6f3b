// Command harbor is the cold-start probe of harbor: harbor.New, one Create
// against the DeepSeek mock at os.Args[1], and exit. See package
// coldstartprobe.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/harborai/harbor-go/harbor"
)

func main() {
	start := time.Now()
	if err := run(start); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(start time.Time) error {
	if len(os.Args) != 2 {
		return errors.New("usage: probe MOCK_URL (key in HARBOR_PROBE_KEY)")
	}
	t := time.Now()
	c, err := harbor.New(
		harbor.WithAPIKey("deepseek", os.Getenv("HARBOR_PROBE_KEY")),
		harbor.WithBaseURL("deepseek", os.Args[1]),
		harbor.WithGetenv(func(string) string { return "" }),
	)
	if err != nil {
		return err
	}
	newDur := time.Since(t)
	defer c.Close()
	res, err := c.Chat.Completions.Create(context.Background(), &harbor.ChatRequest{
		Model: "deepseek-v4-flash",
		Messages: []harbor.Message{
			harbor.SystemMessage("You are a concise support assistant for a shipping company. Answer in plain English, in at most three sentences, and never invent tracking numbers."),
			harbor.UserMessage("My parcel left Rotterdam on Monday and the tracking page has not changed since. What usually causes that kind of delay?"),
		},
		Temperature: harbor.Some(0.7),
		MaxTokens:   harbor.Some(256),
		Thinking:    &harbor.Thinking{Type: harbor.ThinkingDisabled},
	})
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 || res.Choices[0].Message.Content == "" {
		return errors.New("empty answer")
	}
	fmt.Printf("ok main_ns=%d new_ns=%d main_at=%d\n", time.Since(start).Nanoseconds(), newDur.Nanoseconds(), start.UnixNano())
	return nil
}
