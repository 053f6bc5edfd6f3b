package gateway

import (
	"strings"

	"github.com/harborai/harbor-go/harbor"
)

// A key's models (KeyConfig.Models) are patterns an operator writes in the
// names harbor's routing uses: a model's own name ("deepseek-*"), an alias
// ("fast"), a chain ("smart") or a provider's "provider/model" form
// ("doubao/*"). Callers send any of these names for the same model, so a
// pattern is matched against the name sent and against the routed forms that
// say no more than it: where the name goes, and the bare name of an explicit
// "provider/model" that goes to the same place. A pattern never reaches a
// model through a name that would route elsewhere.

// routing is where model names go, as a key's models see them: harbor's
// routing and the gateway's fallback chains, which harbor walks before it
// routes anything (a chain's name is never routed as a model).
type routing struct {
	client *harbor.Client
	chains map[string][]string // Config.Fallbacks
}

// allows reports whether the key may use model, the name as the caller sent
// it. A key with no models may use every model; otherwise one of its
// patterns must match:
//
//   - the name as sent ("doubao/*" allows "doubao/doubao-seed-1-6-251015");
//   - for a name harbor routes (harbor.Client.Route): "<provider>/<model>", the
//     provider and the model id it sends the vendor ("doubao/*" allows
//     "doubao-seed-1-6-251015", and an alias of a doubao model);
//   - for a "provider/model" name, model alone when it routes to exactly the
//     same provider and model id ("deepseek-*" allows "deepseek/deepseek-v4-pro",
//     not "openai/deepseek-v4-pro": a bare "deepseek-v4-pro" goes to deepseek).
//
// A fallback chain's name is allowed when a pattern matches it, or when the
// key allows every model of the chain by the rules above: a chain may end at
// any of its models, so one refused model refuses the chain. A name harbor
// does not route has no routed form and is matched as sent only: an unknown
// model no pattern names is refused (403) before it is found unknown (404).
//
// The name as sent is tried first: a key's calls by its allowed names cost
// no route lookup and allocate nothing.
func (k *vkey) allows(model string, rt routing) bool {
	if len(k.models) == 0 || k.matches(model) {
		return true
	}
	if members, ok := rt.chains[model]; ok {
		for _, m := range members {
			if !k.matches(m) && !k.allowsRouted(m, rt) {
				return false
			}
		}
		return true
	}
	return k.allowsRouted(model, rt)
}

// allowsRouted reports whether a pattern matches model's routed forms
// (allows, after the name as sent).
func (k *vkey) allowsRouted(model string, rt routing) bool {
	r, err := rt.client.Route(model)
	if err != nil {
		return false
	}
	// Short enough (32 bytes), the joined name lives on the stack.
	if k.matches(r.Provider + "/" + r.Model) {
		return true
	}
	provider, bare, explicit := strings.Cut(model, "/")
	if !explicit || provider != r.Provider || !k.matches(bare) {
		return false
	}
	same, err := rt.client.Route(bare)
	return err == nil && same == r
}

// matches reports whether one of the key's patterns matches name.
func (k *vkey) matches(name string) bool {
	for _, p := range k.models {
		if globMatch(p, name) {
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
