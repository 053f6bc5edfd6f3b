package gateway

import (
	"fmt"
	"sort"
	"strings"
)

// Notes are what the gateway's config does that its author may not have
// meant, though it is valid: each a sentence for the operator, in a stable
// order. harbor serve prints them at start; an embedding program should log
// them. They name settings and variables, never a key or a URL's password.
//
//   - cache.redis_url_env names a variable that is not set: the cache has no
//     shared tier, so the instances of a fleet do not share answers;
//   - the openai provider has a base URL and no key: its calls go there
//     without one (a local vLLM or Ollama);
//   - an alias or a fallback chain has the name of a model an offered
//     provider serves and leads elsewhere (a chain: first): calls for that
//     name no longer reach the model (first);
//   - an openai_compatible endpoint's prefix is claimed by another
//     provider: names with it go there, not to the endpoint;
//   - a key's models pattern matches nothing /v1/models lists, nor names an
//     offered provider ("provider/…"): a typo, most likely.
func (s *Server) Notes() []string {
	var out []string
	if s.b.noRedis != "" {
		out = append(out, s.b.noRedis+": the cache has no shared Redis tier, so instances do not share answers")
	}
	out = append(out, s.b.keyless...)
	served := map[string]string{} // model id → its provider, for the offered providers' own models
	for _, m := range s.client.Models() {
		if m.AliasOf == "" && s.offered(m.Provider) {
			served[m.ID] = m.Provider
		}
	}
	// goesTo reports whether name routes to provider p's model id, as
	// "p/id" does: an alias or a chain that leads there first shadows
	// nothing.
	goesTo := func(name, p, id string) bool {
		own, err := s.client.Route(p + "/" + id)
		if err != nil {
			return false
		}
		to, err := s.client.Route(name)
		return err == nil && to == own
	}
	var shadow []string
	for name, target := range s.cfg.Aliases {
		if p, ok := served[name]; ok && !goesTo(target, p, name) {
			shadow = append(shadow, fmt.Sprintf("alias %s has the name of a model %s serves: its calls go to %s instead", name, p, target))
		}
	}
	for name, models := range s.cfg.Fallbacks {
		if p, ok := served[name]; ok && len(models) > 0 && !goesTo(models[0], p, name) {
			shadow = append(shadow, fmt.Sprintf("fallback chain %s has the name of a model %s serves: its calls try %s instead",
				name, p, strings.Join(models, ", ")))
		}
	}
	sort.Strings(shadow)
	out = append(out, shadow...)
	for i, e := range s.cfg.Endpoints {
		if _, ok := findBuiltin(e.Name); ok {
			out = append(out, fmt.Sprintf("openai_compatible[%d] (%s) replaces the built-in provider %s: "+
				"%s's models are the endpoint's, called at its base URL", i, e.Name, e.Name, e.Name))
		}
		for _, prefix := range e.Prefixes {
			if r, err := s.client.Route(prefix + "x"); err == nil && r.Provider != e.Name {
				out = append(out, fmt.Sprintf("openai_compatible %s: names starting %q go to %s, which claims them too; "+
					"callers reach %s with %s/<model>", e.Name, prefix, r.Provider, e.Name, e.Name))
			}
		}
	}
	for _, k := range s.keys.keys {
		for _, p := range k.models {
			if !s.patternMatchesSomething(p) {
				out = append(out, fmt.Sprintf("key %s: models pattern %q matches no model, alias or chain /v1/models lists, "+
					"nor an offered provider", k.id, p))
			}
		}
	}
	return out
}

// patternMatchesSomething reports whether a key's models pattern p allows
// a name /v1/models lists, or a name an offered provider takes with its stars
// made letters ("doubao/ep-*": Doubao's endpoint ids are outside harbor's
// table; "myco-*": an endpoint's prefix, which lists nothing).
func (s *Server) patternMatchesSomething(p string) bool {
	if r, err := s.client.Route(strings.ReplaceAll(p, "*", "x")); err == nil && s.offered(r.Provider) {
		return true
	}
	one := &vkey{models: []string{p}}
	for _, m := range s.models {
		if one.allows(m.ID, s.routing) {
			return true
		}
	}
	return false
}
