package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/harborai/harbor-go/harbor"
)

var modelsCommand = &command{
	name:    "models",
	args:    "[--remote PROVIDER [--mock | --no-mock]]",
	summary: "list the models harbor routes, or ask a vendor for its list",
	about: `Lists the model names harbor routes without a network call: ids, aliases and the
provider each goes to. With --remote, asks that provider's vendor instead; the
endpoint is chosen as for 'harbor chat' (base URL, key or the built-in mock, with
the same exit status 3 for an unasked-for mock answer when stdout is not a terminal).
--remote takes ` + remoteChoices() + `;
asking a vendor without one is a usage error (status 2) and sends nothing.
`,
	exits: []exitStatus{
		exitsOK,
		{exitFailed, "--remote: the call failed (network, vendor error, missing key with\n" +
			"--no-mock)"},
		{exitUsage, "usage error: bad flags or arguments, a --remote provider that is unknown\n" +
			"or has no listing, or a setting refused before anything was sent (a\n" +
			"*_BASE_URL that is not an absolute URL)"},
		{exitMockAnswer, "--remote: the list came from the built-in mock because no key was set,\n" +
			"and stdout is not a terminal (scripts cannot take it for real)"},
		exitsInterrupted,
	},
	define: func(fs *flag.FlagSet) runFunc {
		o := &modelsOptions{}
		fs.StringVar(&o.remote, "remote", "", "ask this provider's vendor for its list: "+remoteChoices())
		o.mock.define(fs)
		return o.run
	},
}

type modelsOptions struct {
	remote string
	mock   mockFlags
}

func (o *modelsOptions) run(ctx context.Context, rest []string, e env) int {
	if len(rest) > 0 {
		return usageError(e, "models", "takes no arguments, got %q", rest[0])
	}
	policy, err := o.mock.policy(e)
	if err != nil {
		return usageError(e, "models", "%v", err)
	}
	c, err := harbor.New(harbor.WithGetenv(e.getenv))
	if err != nil {
		return failed(ctx, e, "models", err)
	}
	if o.remote == "" {
		if o.mock.mock || o.mock.noMock {
			return usageError(e, "models", "--mock and --no-mock apply to --remote only")
		}
		printModels(e, c.Models())
		return exitOK
	}
	if known := providersOf(c.Models()); !slices.Contains(known, o.remote) {
		return usageError(e, "models", "--remote %q: no such provider; choose from %s", o.remote, remoteChoices())
	}
	if v, ok := findVendor(o.remote); ok && !v.lists {
		return usageError(e, "models", "--remote %q: this vendor has no remote model listing, so nothing was sent; "+
			"the providers with one are %s ('harbor models' lists the %s models harbor routes)",
			o.remote, strings.Join(listingVendors(), ", "), o.remote)
	}
	b, err := newBackend(o.remote, policy, e)
	if err != nil {
		return failed(ctx, e, "models", err)
	}
	defer b.close()
	models, err := b.client.ListRemoteModels(ctx, o.remote)
	if err != nil {
		return failed(ctx, e, "models", err)
	}
	printModels(e, models)
	return b.exitCode()
}

// remoteChoices says which built-in providers --remote can ask and which it cannot.
func remoteChoices() string {
	var without []string
	for _, v := range vendors {
		if !v.lists {
			without = append(without, v.provider)
		}
	}
	s := strings.Join(listingVendors(), ", ")
	if len(without) > 0 {
		verb := " has"
		if len(without) > 1 {
			verb = " have"
		}
		s += " (" + strings.Join(without, ", ") + verb + " no remote listing)"
	}
	return s
}

// providersOf lists the providers of models in the order they first appear.
func providersOf(models []harbor.Model) []string {
	var out []string
	for _, m := range models {
		if !slices.Contains(out, m.Provider) {
			out = append(out, m.Provider)
		}
	}
	return out
}

func printModels(e env, models []harbor.Model) {
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
}
