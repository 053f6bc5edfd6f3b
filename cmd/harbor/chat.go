package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

var chatCommand = &command{
	name:    "chat",
	args:    "[flags] [prompt ...]",
	summary: "ask a model (the prompt from the arguments, stdin, or both)",
	about: `Sends one user message to the model and prints the answer on stdout. The reasoning
and a usage line go to stderr, so 'harbor chat … > answer.txt' keeps only the answer.

The prompt is the arguments joined by spaces. When stdin is not a terminal (a pipe
or a file) it is read too and appended after a blank line, so
'cat notes.txt | harbor chat "Summarize:"' sends "Summarize:\n\n<notes>". With no
arguments, or the single argument "-", the prompt is stdin alone.

--no-stdin (or -n, as in ssh -n) never reads stdin: the prompt is the arguments
alone. Use it where stdin is not meant for harbor: in a loop that reads its own
input ('while read l; do harbor chat -n "$l"; done < questions.txt' would otherwise
swallow the rest of the file), or under a pipe that stays open ('sleep 8 | harbor
chat hi' would wait for it).

Which endpoint answers:
  - the routed vendor's base URL variable is set (OPENAI_BASE_URL, DEEPSEEK_BASE_URL…):
    that endpoint, with the key if one is set (an OpenAI-compatible server needs none);
  - its key is set (DEEPSEEK_API_KEY, ARK_API_KEY…): the real API;
  - neither: the built-in mock of that vendor (offline), with a notice on stderr.
    When stdout is not a terminal the exit status is then 3, not 0, so a script
    cannot take a mock answer for a real one. --no-mock (or HARBOR_NO_MOCK=1) makes
    a missing key an error instead (status 1); --mock picks the mock on purpose
    (status 0).
`,
	exits: []exitStatus{
		exitsOK,
		{exitFailed, "the call failed (network, vendor error, missing key with --no-mock)"},
		{exitUsage, "usage error: bad flags or arguments (-m \"\", an unknown model), or the\n" +
			"request or a setting was refused before anything was sent (a *_BASE_URL\n" +
			"that is not an absolute URL, a key with a space or newline in it,\n" +
			"--temperature 5)"},
		{exitMockAnswer, "the answer came from the built-in mock because no key was set, and stdout\n" +
			"is not a terminal (scripts cannot take it for real)"},
		exitsInterrupted,
	},
	define: func(fs *flag.FlagSet) runFunc {
		o := &chatOptions{fs: fs}
		fs.StringVar(&o.model, "m", "deepseek-v4-flash", "model name, alias or vendor/model (see 'harbor models')")
		fs.StringVar(&o.model, "model", "deepseek-v4-flash", "same as -m")
		fs.BoolVar(&o.stream, "stream", false, "stream the answer as it is generated")
		fs.BoolVar(&o.stats, "stats", false, "after the answer, print the client's management figures as JSON on stderr\n(memory, concurrency, health, cost: the Client's MemoryStats, ConcurrencyStats, HealthCheck, CostStats)")
		fs.BoolVar(&o.noStdin, "no-stdin", false, "never read stdin: the prompt is the arguments alone (for loops that read a file)")
		fs.BoolVar(&o.noStdin, "n", false, "same as --no-stdin")
		o.mock.define(fs)
		fs.StringVar(&o.system, "system", "", "system prompt")
		fs.Float64Var(&o.temperature, "temperature", 0, "sampling temperature, >= 0 (default: the vendor's)")
		fs.IntVar(&o.maxTokens, "max-tokens", 0, "cap on answer tokens, > 0 (default: the vendor's)")
		fs.StringVar(&o.thinking, "thinking", "", "reasoning mode: enabled or disabled (default: the model's)")
		return o.run
	},
}

type chatOptions struct {
	fs          *flag.FlagSet
	model       string
	stream      bool
	stats       bool
	noStdin     bool
	mock        mockFlags
	system      string
	temperature float64
	maxTokens   int
	thinking    string
}

// request checks the flags and builds the request; an error is a usage error.
func (o *chatOptions) request(prompt string) (*harbor.ChatRequest, error) {
	if strings.TrimSpace(o.model) == "" {
		return nil, errors.New("a model is required: -m MODEL (see 'harbor models')")
	}
	req := &harbor.ChatRequest{Model: o.model}
	if o.system != "" {
		req.Messages = append(req.Messages, harbor.SystemMessage(o.system))
	}
	req.Messages = append(req.Messages, harbor.UserMessage(prompt))
	if isSet(o.fs, "temperature") {
		if o.temperature < 0 {
			return nil, fmt.Errorf("--temperature must be >= 0, got %v", o.temperature)
		}
		req.Temperature = harbor.Some(o.temperature)
	}
	if isSet(o.fs, "max-tokens") {
		if o.maxTokens <= 0 {
			return nil, fmt.Errorf("--max-tokens must be a positive number, got %d (omit it for the vendor's default)", o.maxTokens)
		}
		req.MaxTokens = harbor.Some(o.maxTokens)
	}
	switch o.thinking {
	case "":
	case "enabled", "disabled":
		req.Thinking = &harbor.Thinking{Type: o.thinking}
	default:
		return nil, fmt.Errorf("--thinking must be enabled or disabled, got %q", o.thinking)
	}
	return req, nil
}

// prompt joins the arguments and, when stdin is not a terminal and --no-stdin is
// not set, what it carries: the arguments first, then a blank line, then stdin.
func (o *chatOptions) prompt(ctx context.Context, rest []string, e env) (string, error) {
	arg := strings.Join(rest, " ")
	if o.noStdin {
		return arg, nil
	}
	onlyStdin := arg == "" || arg == "-"
	if onlyStdin {
		arg = ""
	}
	var in string
	if onlyStdin || !e.stdinTTY {
		b, err := readStdin(ctx, e, 16<<20, "the prompt")
		if err != nil {
			return "", err
		}
		in = strings.TrimSpace(string(b))
	}
	switch {
	case arg == "":
		return in, nil
	case in == "":
		return arg, nil
	default:
		return arg + "\n\n" + in, nil
	}
}

// readStdin reads stdin to its end (at most limit bytes when limit > 0), or
// until Ctrl-C: a person typing at a terminal can still interrupt. what names
// the input in the error ("the prompt").
func readStdin(ctx context.Context, e env, limit int64, what string) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		r := e.stdin
		if limit > 0 {
			r = io.LimitReader(r, limit)
		}
		b, err := io.ReadAll(r)
		got <- result{b, err}
	}()
	select {
	case r := <-got:
		if r.err != nil {
			return nil, fmt.Errorf("reading %s from stdin: %w", what, r.err)
		}
		return r.b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (o *chatOptions) run(ctx context.Context, rest []string, e env) int {
	policy, err := o.mock.policy(e)
	if err != nil {
		return usageError(e, "chat", "%v", err)
	}
	// Check the flags before waiting for stdin.
	if _, err := o.request(""); err != nil {
		return usageError(e, "chat", "%v", err)
	}
	if o.noStdin && strings.Join(rest, " ") == "-" {
		return usageError(e, "chat", `the prompt "-" means stdin, which --no-stdin says not to read`)
	}
	prompt, err := o.prompt(ctx, rest, e)
	if err != nil {
		return failed(ctx, e, "chat", err)
	}
	if prompt == "" && o.noStdin {
		return usageError(e, "chat", "no prompt given (with --no-stdin, pass it as arguments)")
	}
	if prompt == "" {
		return usageError(e, "chat", "no prompt given (pass it as arguments or on stdin)")
	}
	req, _ := o.request(prompt)

	// Route first (no I/O) to know which key the model needs.
	probe, err := harbor.New(harbor.WithGetenv(e.getenv))
	if err != nil {
		return failed(ctx, e, "chat", err)
	}
	route, err := probe.Route(o.model)
	if errors.Is(err, harbor.ErrUnknownModel) {
		report(e, "chat", err)
		return exitUsage
	}
	if err != nil {
		return failed(ctx, e, "chat", err)
	}
	b, err := newBackend(route.Provider, policy, e)
	if err != nil {
		return failed(ctx, e, "chat", err)
	}
	defer b.close()

	out := newPrinter(e)
	if o.stream {
		err = streamChat(ctx, b.client, req, out)
	} else {
		err = createChat(ctx, b.client, req, out)
	}
	out.endSection()
	if o.stats {
		printStats(ctx, e, b.client)
	}
	if err != nil {
		return failed(ctx, e, "chat", err)
	}
	return b.exitCode()
}

// printStats writes the management figures of c as indented JSON to stderr.
func printStats(ctx context.Context, e env, c *harbor.Client) {
	stats := struct {
		Memory      harbor.MemoryStats      `json:"memory"`
		Concurrency harbor.ConcurrencyStats `json:"concurrency"`
		Health      harbor.Health           `json:"health"`
		Cost        harbor.CostStats        `json:"cost"`
	}{c.MemoryStats(), c.ConcurrencyStats(), c.HealthCheck(ctx), c.CostStats()}
	b, err := json.MarshalIndent(stats, "", "  ")
	if err != nil {
		fmt.Fprintf(e.stderr, "harbor chat: --stats: %v\n", err)
		return
	}
	fmt.Fprintf(e.stderr, "%s\n", b)
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
		return sentError{err} // the vendor started answering: never a refusal
	}
	out.summary(model, finish, s.Usage())
	return nil
}
