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
//     name no longer reach the model (first).
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
	return append(out, shadow...)
}
