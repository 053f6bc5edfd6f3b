package gateway

import (
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

// A key's models (KeyConfig.Models) are patterns an operator writes in the
// names harbor's routing uses: a model's own name ("deepseek-*"), an alias
// ("fast"), a chain ("smart") or a provider's "provider/model" form
// ("doubao/*"). Callers send any of these names for the same model, so a
// pattern is matched against the name sent and against where it routes — but
// a pattern never reaches a model through a name that would route elsewhere:
// "deepseek-*" does not allow "openai/deepseek-v4-pro", and "gpt-4o", when a
// chain has that name, does not allow "openai/gpt-4o".

// routing is where model names go, as a key's models see them: harbor's
// routing and the gateway's fallback chains, which harbor walks before it
// routes anything (a chain's name is never routed as a model).
type routing struct {
	client *harbor.Client
	chains map[string][]string // Config.Fallbacks
}

// allows reports whether the key may use model, the name as the caller sent
// it. A key with no models may use every model; otherwise one of its
// patterns must match. A pattern with a "/" ("doubao/*") is matched against
// the name sent and against "<provider>/<model id>" where the name routes
// (harbor.Client.Route): "doubao/*" allows "doubao-seed-1-6-251015" and an
// alias of it. A pattern without one ("deepseek-*", "fast") is matched
// against a name sent without a provider, and against the model id where the
// name routes and the name of an explicit "provider/name", each when, sent
// bare, it routes to the same place and names no chain: "deepseek-*" allows
// "deepseek/deepseek-v4-pro", "deepseek/deepseek-chat" and an alias of
// either, not "openai/deepseek-v4-pro" (a bare "deepseek-v4-pro" goes to
// deepseek).
// A pattern of stars alone allows every name.
//
// A fallback chain's name is allowed when a pattern matches it, or when the
// key allows every model of the chain by the rules above: a chain may end at
// any of its models, so one refused model refuses the chain. A name harbor
// does not route is matched as sent only: an unknown model no pattern names
// is refused (403) before it is found unknown (404).
//
// The name as sent is tried first: a key's calls by its allowed names cost
// no route lookup and allocate nothing.
func (k *vkey) allows(model string, rt routing) bool {
	if len(k.models) == 0 || k.matchesSent(model) {
		return true
	}
	if members, ok := rt.chains[model]; ok {
		for _, m := range members {
			if !k.matchesSent(m) && !k.allowsRouted(m, rt) {
				return false
			}
		}
		return true
	}
	return k.allowsRouted(model, rt)
}

// matchesSent reports whether a pattern matches name as the caller (or a
// chain) names it.
func (k *vkey) matchesSent(name string) bool {
	explicit := strings.Contains(name, "/")
	for _, p := range k.models {
		if (!explicit || strings.Contains(p, "/") || strings.Trim(p, "*") == "") && globMatch(p, name) {
			return true
		}
	}
	return false
}

// allowsRouted reports whether a pattern matches where model routes
// (allows, after the name as sent).
func (k *vkey) allowsRouted(model string, rt routing) bool {
	r, err := rt.client.Route(model)
	if err != nil {
		return false
	}
	// The bare names that say no more than model: the model id it routes to
	// and, for an explicit "provider/name", the name — each only if, sent
	// bare, it goes to the same place and is no chain's name. Looked up once,
	// when a pattern without "/" matches it.
	_, name, explicit := strings.Cut(model, "/")
	var idSame, nameSame *bool
	same := func(bare string, memo **bool) bool {
		if *memo == nil {
			_, chain := rt.chains[bare]
			to, err := rt.client.Route(bare)
			ok := !chain && err == nil && to == r
			*memo = &ok
		}
		return **memo
	}
	for _, p := range k.models {
		if provider, rest, ok := strings.Cut(p, "/"); ok {
			if globMatch(provider, r.Provider) && globMatch(rest, r.Model) {
				return true
			}
			continue
		}
		if globMatch(p, r.Model) && same(r.Model, &idSame) ||
			explicit && globMatch(p, name) && same(name, &nameSame) {
			return true
		}
	}
	return false
}

// globMatch matches name against a pattern in which * stands for any run of
// characters, "/" included.
func globMatch(pattern, name string) bool {
	for {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == name
		}
		if !strings.HasPrefix(name, pattern[:star]) {
			return false
		}
		name, pattern = name[star:], pattern[star+1:]
		if pattern == "" {
			return true
		}
		// Try every place the rest of the pattern could start.
		for i := 0; i <= len(name); i++ {
			if globMatch(pattern, name[i:]) {
				return true
			}
		}
		return false
	}
}
