package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/harborai/harbor-go/conformance/mockvendor"
)

func mockCmd(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("harbor mock", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address for the mock DeepSeek")
	key := fs.String("key", mockKey, "API key the mock accepts (empty: any)")
	rest, err := parseInterspersed(fs, args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil || len(rest) > 0 {
		fmt.Fprintln(e.stderr, "usage: harbor mock [--addr 127.0.0.1:PORT] [--key KEY]")
		return 2
	}
	srv, err := mockvendor.Listen(*addr, mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: *key}))
	if err != nil {
		fmt.Fprintf(e.stderr, "harbor mock: %v\n", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(e.stdout, "mock deepseek listening on %s\n", srv.URL())
	fmt.Fprintf(e.stdout, "point harbor (or any OpenAI-style client) at it:\n  export DEEPSEEK_BASE_URL=%s DEEPSEEK_API_KEY=%s\n", srv.URL(), *key)
	fmt.Fprintln(e.stdout, "Ctrl-C stops it.")
	<-ctx.Done()
	return 0
}
