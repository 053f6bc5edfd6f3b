package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

func chatCmd(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("harbor chat", flag.ContinueOnError)
	model := fs.String("m", "deepseek-v4-flash", "model name, alias or vendor/model")
	fs.StringVar(model, "model", "deepseek-v4-flash", "same as -m")
	stream := fs.Bool("stream", false, "stream the answer as it is generated")
	mock := fs.Bool("mock", false, "use the built-in mock vendor even when keys are set")
	system := fs.String("system", "", "system prompt")
	temp := fs.Float64("temperature", -1, "sampling temperature 0–2 (default: the vendor's)")
	maxTokens := fs.Int("max-tokens", 0, "cap on answer tokens (default: the vendor's)")
	thinking := fs.String("thinking", "", "reasoning mode: enabled or disabled (default: the model's)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: harbor chat [flags] \"prompt\"   (the prompt is read from stdin when omitted)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	prompt := strings.Join(rest, " ")
	if prompt == "" || prompt == "-" {
		b, err := io.ReadAll(io.LimitReader(e.stdin, 16<<20))
		if err != nil {
			fmt.Fprintf(e.stderr, "harbor chat: reading the prompt from stdin: %v\n", err)
			return 1
		}
		prompt = strings.TrimSpace(string(b))
	}
	if prompt == "" {
		fmt.Fprintln(e.stderr, "harbor chat: no prompt given (pass it as an argument or on stdin)")
		return 2
	}

	req := &harbor.ChatRequest{Model: *model}
	if *system != "" {
		req.Messages = append(req.Messages, harbor.SystemMessage(*system))
	}
	req.Messages = append(req.Messages, harbor.UserMessage(prompt))
	if *temp >= 0 {
		req.Temperature = harbor.Some(*temp)
	}
	if *maxTokens > 0 {
		req.MaxTokens = harbor.Some(*maxTokens)
	}
	if *thinking != "" {
		req.Thinking = &harbor.Thinking{Type: *thinking}
	}

	// Route first (no I/O) to know which key the model needs.
	probe, err := harbor.New(harbor.WithGetenv(e.getenv))
	if err != nil {
		report(e, "chat", err)
		return 1
	}
	provider, _, err := probe.Route(*model)
	if err != nil {
		report(e, "chat", err)
		return 1
	}
	b, err := newBackend(provider, *mock, e)
	if err != nil {
		report(e, "chat", err)
		return 1
	}
	defer b.close()

	out := newPrinter(e)
	if *stream {
		err = streamChat(ctx, b.client, req, out)
	} else {
		err = createChat(ctx, b.client, req, out)
	}
	if err != nil {
		out.endSection()
		report(e, "chat", err)
		return 1
	}
	return 0
}

func createChat(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest, out *printer) error {
	res, err := c.Chat.Completions.Create(ctx, req)
	if err != nil {
		return err
	}
	if len(res.Choices) == 0 {
		return errors.New("the vendor returned no choices")
	}
	ch := res.Choices[0]
	out.reasoning(ch.Message.ReasoningContent)
	out.answer(ch.Message.Content)
	for _, tc := range ch.Message.ToolCalls {
		out.answer(fmt.Sprintf("\n[tool call %s: %s(%s)]", tc.ID, tc.Function.Name, tc.Function.Arguments))
	}
	out.summary(res.Model, ch.FinishReason, &res.Usage)
	return nil
}

func streamChat(ctx context.Context, c *harbor.Client, req *harbor.ChatRequest, out *printer) error {
	s, err := c.Chat.Completions.Stream(ctx, req)
	if err != nil {
		return err
	}
	defer s.Close()
	var model, finish string
	for s.Next() {
		ch := s.Current()
		model = ch.Model
		for _, choice := range ch.Choices {
			out.reasoning(choice.Delta.ReasoningContent)
			out.answer(choice.Delta.Content)
			if choice.FinishReason != "" {
				finish = choice.FinishReason
			}
		}
	}
	if err := s.Err(); err != nil {
		return err
	}
	out.summary(model, finish, s.Usage())
	return nil
}
