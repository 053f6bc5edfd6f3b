package wenxin

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/harborai/harbor-go/llm"
)

// official is the built-in model table (shared/vendors.md §3): Baidu's official model
// name, the wenxinworkshop endpoint that serves it, and its max_output_tokens ceiling.
var official = [...]struct {
	name, endpoint string
	maxOutput      int
}{
	{"ERNIE-4.0-8K", "completions_pro", 2048},
	{"ERNIE-4.0-8K-Latest", "ernie-4.0-8k-latest", 2048},
	{"ERNIE-4.0-8K-Preview", "ernie-4.0-8k-preview", 2048},
	{"ERNIE-4.0-Turbo-8K", "ernie-4.0-turbo-8k", 2048},
	{"ERNIE-4.0-Turbo-128K", "ernie-4.0-turbo-128k", 2048},
	{"ERNIE-3.5-8K", "completions", 2048},
	{"ERNIE-3.5-128K", "ernie-3.5-128k", 2048},
	{"ERNIE-Speed-8K", "ernie_speed", 2048},
	{"ERNIE-Speed-128K", "ernie-speed-128k", 4096},
	{"ERNIE-Speed-Pro-128K", "ernie-speed-pro-128k", 2048},
	{"ERNIE-Lite-8K", "ernie-lite-8k", 2048},
	{"ERNIE-Lite-8K-0922", "eb-instant", 2048},
	{"ERNIE-Tiny-8K", "ernie-tiny-8k", 2048},
	{"ERNIE-Character-8K", "ernie-char-8k", 2048},
	{"ERNIE-Novel-8K", "ernie-novel-8k", 2048},
	{"ERNIE-Function-8K", "ernie-func-8k", 2048},
}

// shortNames are Qianfan v2's spellings of models whose v1 name differs, so that
// "wenxin/ernie-char-8k" works as well as "wenxin/ernie-character-8k".
var shortNames = [...]struct{ name, endpoint string }{
	{"ernie-char-8k", "ernie-char-8k"},
	{"ernie-func-8k", "ernie-func-8k"},
}

// DefaultEndpoints returns a fresh copy of the built-in table from lower-case model
// name ("ernie-4.0-8k") to wenxinworkshop endpoint ("completions_pro"). Model names
// are matched case-insensitively, so "ERNIE-4.0-8K" finds the same entry.
func DefaultEndpoints() map[string]string {
	m := make(map[string]string, len(official)+len(shortNames))
	for _, o := range official {
		m[strings.ToLower(o.name)] = o.endpoint
	}
	for _, s := range shortNames {
		m[s.name] = s.endpoint
	}
	return m
}

// maxOutputFor returns the max_output_tokens ceiling of a built-in endpoint, or 0 for
// an endpoint the user deployed (whose limit harbor cannot know; the vendor checks it).
func maxOutputFor(endpoint string) int {
	for _, o := range official {
		if o.endpoint == endpoint {
			return o.maxOutput
		}
	}
	return 0
}

// models lists the official names for harbor's router. The lower-case ernie-* names
// are left to the Qianfan v2 provider; "wenxin/ernie-4.0-8k" reaches this one.
func models() []llm.Model {
	out := make([]llm.Model, len(official))
	for i, o := range official {
		out[i] = llm.Model{ID: o.name, Object: "model", OwnedBy: "baidu", Provider: Name}
	}
	return out
}

// buildEndpoints merges the user's endpoints over the defaults, keyed by lower-case
// model name; endpoint values are trimmed of slashes (users paste URL tails).
func buildEndpoints(extra map[string]string) map[string]string {
	m := DefaultEndpoints()
	for k, v := range extra {
		m[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(v), "/")
	}
	return m
}

// lookup resolves a model name to its endpoint: the name as given, else in lower
// case. An ASCII name is lowered in a stack buffer, so that the rules and encode can
// each resolve it without allocating.
func (p *Provider) lookup(model string) (string, bool) {
	if ep := p.endpoints[model]; ep != "" {
		return ep, true
	}
	var buf [64]byte
	if len(model) > len(buf) {
		ep := p.endpoints[strings.ToLower(model)]
		return ep, ep != ""
	}
	b := buf[:len(model)]
	for i := 0; i < len(model); i++ {
		c := model[i]
		switch {
		case c >= utf8.RuneSelf:
			ep := p.endpoints[strings.ToLower(model)]
			return ep, ep != ""
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b[i] = c
	}
	ep := p.endpoints[string(b)] // no allocation: a map index by string(bytes)
	return ep, ep != ""
}

// endpoint resolves a model name to its endpoint, or says how to map one.
func (p *Provider) endpoint(model string) (string, error) {
	if ep, ok := p.lookup(model); ok {
		return ep, nil
	}
	known := make([]string, 0, len(official))
	for _, o := range official {
		known = append(known, o.name)
	}
	slices.Sort(known)
	// Not found, as OpenAI's 404 model_not_found: without an endpoint the
	// model does not exist for this provider (the gateway answers 404).
	e := llm.InvalidRequest(Name, model, "model",
		"Wenxin v1 has no endpoint for model %q; known models: %s. For a model you deployed on Qianfan, map its name to the endpoint "+
			"(the last part of its chat URL) in the provider's Options: harbor.WithProviderConfig(\"wenxin\", harbor.ProviderConfig{APIKey: …, SecretKey: …, "+
			"Options: wenxin.Options{Endpoints: map[string]string{%q: \"your_endpoint\"}}})",
		model, strings.Join(known, ", "), model)
	e.Kind, e.Code = llm.ErrNotFound, CodeNoEndpoint
	return "", e
}

// CodeNoEndpoint is the Code of the error for a model Wenxin has no endpoint
// for (ErrNotFound, found before anything is sent): the gateway answers it as
// an unknown model rather than with its Go hint.
const CodeNoEndpoint = "no_endpoint"
