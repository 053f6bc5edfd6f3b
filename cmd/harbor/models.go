package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/harborai/harbor-go/harbor"
)

func modelsCmd(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("harbor models", flag.ContinueOnError)
	remote := fs.String("remote", "", "ask this provider's vendor for its list (e.g. deepseek)")
	mock := fs.Bool("mock", false, "with --remote: ask the built-in mock vendor")
	rest, err := parseInterspersed(fs, args, e.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil || len(rest) > 0 {
		fmt.Fprintln(e.stderr, "usage: harbor models [--remote PROVIDER [--mock]]")
		return 2
	}
	var models []harbor.Model
	if *remote == "" {
		c, err := harbor.New(harbor.WithGetenv(e.getenv))
		if err != nil {
			report(e, "models", err)
			return 1
		}
		models = c.Models()
	} else {
		b, err := newBackend(*remote, *mock, e)
		if err != nil {
			report(e, "models", err)
			return 1
		}
		defer b.close()
		if models, err = b.client.ListRemoteModels(ctx, *remote); err != nil {
			report(e, "models", err)
			return 1
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tPROVIDER\tNOTE")
	for _, m := range models {
		note := ""
		if m.AliasOf != "" {
			note = "alias of " + m.AliasOf
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", m.ID, m.Provider, note)
	}
	tw.Flush()
	return 0
}
