package gateway

import (
	"errors"
	"fmt"
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

// The names a config gives models — aliases, an endpoint's models and
// aliases, fallback chains — and the names its routing points at are checked
// here, in the config's terms. harbor.New checks them too, but in its Go API's
// (`WithAlias("fast", "nothing/abc"): …`), and it takes a name defined twice
// as it comes: /v1/models listed both and calls went to one of them.

// checkNames refuses a name defined twice among the top-level aliases, each
// endpoint's aliases and the fallback chains — /v1/models listed it twice,
// with one owner, while calls went to the other — and a model an endpoint's
// models list twice. Models are not counted against the others: an alias or
// a chain may take a model's name, built-in or an endpoint's (Server.Notes
// says so when it leads elsewhere), and two endpoints may serve one model.
func (c *Config) checkNames() error {
	defined := map[string]string{} // name → where it is defined
	define := func(name, where string) error {
		if name == "" {
			return nil // refused where empty names are (Endpoint.Validate, checkRouting)
		}
		if first, ok := defined[name]; ok {
			return fmt.Errorf("%s and %s both define %q; give each a name of its own (calls to it would reach only one of them)",
				first, where, name)
		}
		defined[name] = where
		return nil
	}
	for _, name := range sortedKeys(c.Aliases) {
		if err := define(name, "aliases."+name); err != nil {
			return err
		}
	}
	for i, e := range c.Endpoints {
		at := fmt.Sprintf("openai_compatible[%d] (%s)", i, e.Name)
		listed := map[string]int{}
		for j, m := range e.Models {
			if k, ok := listed[m]; ok {
				return fmt.Errorf("%s.models lists %q twice (models[%d] and models[%d]); list it once", at, m, k, j)
			}
			listed[m] = j
		}
		for _, name := range sortedKeys(e.Aliases) {
			if err := define(name, at+".aliases."+name); err != nil {
				return err
			}
		}
	}
	for _, name := range sortedKeys(c.Fallbacks) {
		if err := define(name, "fallbacks."+name); err != nil {
			return err
		}
	}
	return nil
}

// explainNew is the error for harbor.New's err: the config's own words when
// checkRouting finds why on a client built from opts alone (the providers: the
// config's endpoints and the program's ClientOptions; no aliases or chains),
// else err as it is. The probe is only asked (Client.Route) and closed.
func (c *Config) explainNew(err error, opts []harbor.Option) error {
	probe, perr := harbor.New(opts...)
	if perr != nil {
		return err
	}
	defer probe.Close()
	if why := c.checkRouting(probe); why != nil {
		return why
	}
	return err
}

// checkRouting checks that every provider the config configures exists on
// client and that every alias and every model of a fallback chain routes
// somewhere, in the config's terms — harbor.New checks most of it too, but in
// its Go API's (`WithAlias("fast", "nothing/abc"): …`) — and what harbor
// accepts but cannot mean: an alias to an alias (resolved in no set order),
// an empty chain, a chain that lists itself. Whether a name routes is
// harbor's to say (Client.Route, read-only).
func (c *Config) checkRouting(probe *harbor.Client) error {
	if len(c.Providers) == 0 && len(c.Aliases) == 0 && len(c.Fallbacks) == 0 {
		return nil
	}

	for _, name := range sortedKeys(c.Providers) {
		if !isProvider(probe, name) {
			return fmt.Errorf("providers.%s: no such provider %s", name, c.providerChoices(name))
		}
	}
	for _, name := range sortedKeys(c.Aliases) {
		at, target := "aliases."+name, c.Aliases[name]
		if _, ok := c.Aliases[target]; ok && target != "" {
			// harbor resolves aliases in no set order: one to another
			// worked or not from one start to the next.
			return fmt.Errorf("%s: %q is an alias too (aliases.%s); point %s at its model, %q", at, target, target, name, c.Aliases[target])
		}
		if why := c.routeProblem(probe, target); why != "" {
			if _, ok := c.Fallbacks[target]; ok {
				return fmt.Errorf("%s: %q is a fallback chain (fallbacks.%s); an alias stands for one model", at, target, target)
			}
			return fmt.Errorf("%s: %s", at, why)
		}
	}
	for _, name := range sortedKeys(c.Fallbacks) {
		models := c.Fallbacks[name]
		if len(models) == 0 {
			return fmt.Errorf("fallbacks.%s: an empty chain; list the models it tries, in order", name)
		}
		for i, m := range models {
			at := fmt.Sprintf("fallbacks.%s[%d]", name, i)
			if m == name {
				return fmt.Errorf("%s: %q is the chain itself; a chain lists models", at, m)
			}
			if _, ok := c.Aliases[m]; ok {
				continue // its target is checked above
			}
			if why := c.routeProblem(probe, m); why != "" {
				if _, ok := c.Fallbacks[m]; ok {
					// A chain's models are routed as models: a chain of the
					// name of one (notes.go) is not walked.
					return fmt.Errorf("%s: %q is a fallback chain too (fallbacks.%s); a chain lists models: list its models here", at, m, m)
				}
				return fmt.Errorf("%s: %s", at, why)
			}
		}
	}
	return nil
}

// isProvider reports whether client has a provider called name: whether
// "name/…" routes to it.
func isProvider(client *harbor.Client, name string) bool {
	r, err := client.Route(name + "/model")
	return err == nil && r.Provider == name
}

// routeProblem says why model routes nowhere, in the config's terms, or "":
// an empty name, a "provider/model" whose provider does not exist, or a name
// no provider serves. An error of harbor's other than an unknown model is
// given as it is.
func (c *Config) routeProblem(client *harbor.Client, model string) string {
	if strings.TrimSpace(model) == "" {
		return "no model given"
	}
	_, err := client.Route(model)
	switch {
	case err == nil:
		return ""
	case !errors.Is(err, harbor.ErrUnknownModel):
		return err.Error()
	}
	if p, _, ok := strings.Cut(model, "/"); ok && p != "" && !isProvider(client, p) {
		return fmt.Sprintf("no provider serves the model %q: there is no provider %q %s", model, p, c.providerChoices(p))
	}
	names, _ := c.providerNames()
	return fmt.Sprintf("no provider serves the model %q (harbor models lists them; or use the provider/model form: %s/…)",
		model, strings.Join(names, "/…, "))
}

// providerNames are the names of the built-in providers and of the
// config's endpoints, and how many of them are built-in.
func (c *Config) providerNames() ([]string, int) {
	var names []string
	for _, b := range builtins {
		names = append(names, b.name)
	}
	for _, e := range c.Endpoints {
		names = append(names, e.Name)
	}
	return names, len(builtins)
}

// providerChoices is what follows "no provider name": the providers there
// are and the nearest name, if one is near.
func (c *Config) providerChoices(name string) string {
	names, nb := c.providerNames()
	msg := "(built-in: " + strings.Join(names[:nb], ", ")
	if len(names) > nb {
		msg += "; endpoints: " + strings.Join(names[nb:], ", ")
	}
	msg += ")"
	if near := nearest(name, names); near != "" {
		return msg + fmt.Sprintf(" — did you mean %q?", near)
	}
	return msg + "; an OpenAI-compatible server of your own goes under openai_compatible"
}
