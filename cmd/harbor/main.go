// Command harbor is harbor's command line: chat with any routed model, list models,
// and serve the built-in mock vendors.
//
//	harbor chat [-m MODEL] [--stream] [--mock] "prompt"
//	harbor models [--remote] [--mock]
//	harbor mock [--addr 127.0.0.1:8700] [--vendor deepseek,doubao,wenxin,qianfan,openai]
//
// When the routed vendor's credentials are not in the environment, chat and models
// answer from the built-in mock of that vendor (offline) and say so; set them
// (DEEPSEEK_API_KEY, ARK_API_KEY, WENXIN_API_KEY + WENXIN_SECRET_KEY,
// QIANFAN_API_KEY, OPENAI_API_KEY) to talk to the real API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, tty: isTerminal(os.Stderr)}))
}

// env is everything the commands touch outside themselves, so tests can run them
// in-process.
type env struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	tty            bool // stderr is a terminal: reasoning may be dimmed
}

const usage = `harbor — one OpenAI-style API over DeepSeek, Doubao, Wenxin/Qianfan and OpenAI-compatible vendors

Usage:
  harbor chat [flags] "prompt"     ask a model (prompt from stdin when omitted)
  harbor models [--remote]         list the models harbor can route to
  harbor mock [--addr ADDR]        serve the mock vendors on loopback for other tools

Run 'harbor COMMAND -h' for a command's flags.
Without API keys in the environment, chat and models use the built-in mock vendors.
`

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	switch args[0] {
	case "chat":
		return chatCmd(ctx, args[1:], e)
	case "models":
		return modelsCmd(ctx, args[1:], e)
	case "mock":
		return mockCmd(ctx, args[1:], e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return 0
	default:
		fmt.Fprintf(e.stderr, "harbor: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// report prints an error once, without stacking "harbor:" prefixes.
func report(e env, cmd string, err error) {
	msg := err.Error()
	if !strings.HasPrefix(msg, "harbor:") {
		msg = "harbor " + cmd + ": " + msg
	}
	fmt.Fprintln(e.stderr, msg)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
