package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway"
	"github.com/harborai/harbor-go/gateway/gatewaytest"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/openaicompat"
)

// newFromYAML parses text and runs New on it with an empty environment; the
// Server, if one starts, is closed.
func newFromYAML(t *testing.T, text string) error {
	t.Helper()
	cfg, err := gateway.ParseConfig([]byte(text + "log: {access: off}\n"))
	require.NoError(t, err)
	cfg.Getenv = func(string) string { return "" }
	s, err := gateway.New(cfg)
	if s != nil {
		require.NoError(t, s.Close())
	}
	return err
}

// A model name defined twice — among the aliases, an endpoint's models and
// aliases, and the fallback chains — is refused at start, naming both places
// (found by a new-user trial: an endpoint's alias "fast" and a top-level one
// were both accepted; /v1/models listed "fast" twice as the endpoint's, and
// calls went to deepseek).
func TestNewRefusesNamesDefinedTwice(t *testing.T) {
	const endpoints = "openai_compatible:\n" +
		"  - {name: local, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, models: [qwen]}\n" +
		"  - {name: local2, base_url: \"http://127.0.0.1:2/v1\", key_optional: true, aliases: {fast: qwen}}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"an alias and an endpoint's alias", endpoints + "aliases: {fast: deepseek/deepseek-v4-flash}\n",
			`config: line 4: aliases.fast and openai_compatible[1] (local2).aliases.fast both define "fast"; give each a name of its own`},
		{"two endpoints' aliases", "openai_compatible:\n" +
			"  - {name: a, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, aliases: {fast: m1}}\n" +
			"  - {name: b, base_url: \"http://127.0.0.1:2/v1\", key_optional: true, aliases: {fast: m2}}\n",
			`config: line 2: openai_compatible[0] (a).aliases.fast and openai_compatible[1] (b).aliases.fast both define "fast"`},
		{"a chain named as an alias", "aliases: {fast: deepseek/deepseek-v4-flash}\nfallbacks: {fast: [deepseek-v4-pro]}\n",
			`config: line 1: aliases.fast and fallbacks.fast both define "fast"`},
		{"a chain named as an endpoint's alias", endpoints + "fallbacks: {fast: [deepseek-v4-pro]}\n",
			`config: line 3: openai_compatible[1] (local2).aliases.fast and fallbacks.fast both define "fast"`},
		{"one model twice in an endpoint", "openai_compatible:\n" +
			"  - {name: a, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, models: [m1, m2, m1]}\n",
			`config: line 2: openai_compatible[0] (a).models lists "m1" twice (models[0] and models[2]); list it once`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorContains(t, newFromYAML(t, tc.yaml), tc.want)
		})
	}

	// A model's name may be taken by an alias or a chain, and two endpoints
	// may serve one model (found by a review: refusing them broke configs
	// that worked); /v1/models lists the name once, as what a call reaches.
	for _, tc := range []struct{ name, yaml, owner string }{
		{"a chain named as an endpoint's model", endpoints + "fallbacks: {qwen: [local/qwen, deepseek-v4-pro]}\n", "harbor"},
		{"an alias named as an endpoint's model", endpoints + "aliases: {qwen: deepseek/deepseek-v4-pro}\n", "deepseek"},
		{"one model in two endpoints", "openai_compatible:\n" +
			"  - {name: a, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, models: [qwen]}\n" +
			"  - {name: b, base_url: \"http://127.0.0.1:2/v1\", key_optional: true, models: [m0, qwen]}\n", "route"},
		{"an endpoint's alias and another's model", "openai_compatible:\n" +
			"  - {name: a, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, models: [qwen2.5], aliases: {qwen: qwen2.5}}\n" +
			"  - {name: b, base_url: \"http://127.0.0.1:2/v1\", key_optional: true, models: [qwen]}\n", "route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := gateway.ParseConfig([]byte(tc.yaml))
			require.NoError(t, err)
			g := gatewaytest.Start(t, cfg)
			c := newCaller(t, g)
			if tc.owner == "route" { // the entry names the provider a call reaches (found by a review)
				r, err := g.Server.Client().Route("qwen")
				require.NoError(t, err)
				tc.owner = r.Provider
			}
			_, body := c.do(http.MethodGet, "/v1/models", "")
			var list struct {
				Data []struct{ ID, Provider string } `json:"data"`
			}
			require.NoError(t, json.Unmarshal(body, &list))
			n := 0
			for _, m := range list.Data {
				if m.ID == "qwen" {
					n++
					if tc.owner != "" {
						assert.Equal(t, tc.owner, m.Provider, "the entry says where a call goes")
					}
				}
			}
			assert.Equal(t, 1, n, "%s", body)
		})
	}

	// Each name once: /v1/models lists each once, chat goes where it says.
	cfg, err := gateway.ParseConfig([]byte(endpoints + "aliases: {quick: deepseek/deepseek-v4-flash}\nfallbacks: {smart: [deepseek-v4-pro, fast]}\n"))
	require.NoError(t, err)
	c := newCaller(t, gatewaytest.Start(t, cfg))
	res, body := c.do(http.MethodGet, "/v1/models", "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	var list struct {
		Data []struct{ ID string } `json:"data"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	seen := map[string]int{}
	for _, m := range list.Data {
		seen[m.ID]++
	}
	for _, id := range []string{"fast", "quick", "qwen", "smart"} {
		assert.Equal(t, 1, seen[id], id)
	}
}

// A key's models given as an empty list, or as nothing, is refused on its
// line: it allowed every model, when its writer meant none yet (found by a
// new-user trial). Models left out still means every model; so does a Go
// KeyConfig with Models nil, and []string{} is refused there too.
func TestKeyModelsEmptyListRefused(t *testing.T) {
	const key = "keys:\n  - id: a\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"an empty list", key + "    models: []\n",
			"config: line 4: keys[0].models: an empty list would allow every model; leave models out for every model, or list some"},
		{"the second key's", key + "  - id: b\n    sha256: 1111111111111111111111111111111111111111111111111111111111111111\n    models: [ ]\n",
			"config: line 6: keys[1].models: an empty list would allow every model"},
		{"no value", key + "    models:\n    # - deepseek-*\n",
			"config: line 4: keys[0].models: no value would allow every model; leave models out for every model, or list some"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gateway.ParseConfig([]byte(tc.yaml))
			assert.ErrorContains(t, err, tc.want)
		})
	}
	for _, ok := range []string{key, key + "    models: [deepseek-*]\n", "openai_compatible:\n  - {name: x, base_url: \"http://127.0.0.1:1/v1\", models: []}\n"} {
		_, err := gateway.ParseConfig([]byte(ok))
		assert.NoError(t, err, ok)
	}

	sum := gateway.HashKey("hk-test")
	for _, tc := range []struct {
		name   string
		models []string
		want   string
	}{
		{"nil: every model", nil, ""},
		{"empty, not nil", []string{}, "config: keys[0] (a): models: an empty list would allow every model; leave models out (nil) for every model, or list some"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := gateway.New(gateway.Config{Keys: []gateway.KeyConfig{{ID: "a", SHA256: sum, Models: tc.models}},
				Getenv: func(string) string { return "" }, Log: gateway.LogConfig{Access: "off"}})
			if s != nil {
				require.NoError(t, s.Close())
			}
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tc.want)
		})
	}
}

// A provider, alias or fallback chain that names nothing harbor knows is
// refused in the config's terms, not in harbor's Go API's
// (WithProviderConfig("deepsek", …), WithFallback("smart"), WithAlias) —
// with what harbor said kept: the providers there are, where the models are
// listed (found by a new-user trial).
func TestNewSaysRoutingMistakesInConfigTerms(t *testing.T) {
	const builtins = "built-in: deepseek, doubao, wenxin, qianfan, openai"
	const local = "openai_compatible:\n  - {name: local, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, prefixes: [local-]}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"a misspelt provider", "providers: {deepsek: {}}\n",
			`config: line 1: providers.deepsek: no such provider (` + builtins + `) — did you mean "deepseek"?`},
		{"a misspelt endpoint", local + "providers: {lokal: {}}\n",
			`config: line 3: providers.lokal: no such provider (` + builtins + `; endpoints: local) — did you mean "local"?`},
		{"a provider nothing is near", "providers: {moonshot: {}}\n",
			`config: line 1: providers.moonshot: no such provider (` + builtins + `); an OpenAI-compatible server of your own goes under openai_compatible`},
		{"a chain's unknown model", "fallbacks:\n  smart: [deepseek-v4-pro, nothing-model]\n",
			`config: line 2: fallbacks.smart[1]: no provider serves the model "nothing-model" (harbor models lists them; ` +
				`or use the provider/model form: deepseek/…, doubao/…, wenxin/…, qianfan/…, openai/…)`},
		{"a chain's unknown model, with an endpoint", local + "fallbacks:\n  smart: [nothing-model]\n",
			`config: line 4: fallbacks.smart[0]: no provider serves the model "nothing-model" (harbor models lists them; ` +
				`or use the provider/model form: deepseek/…, doubao/…, wenxin/…, qianfan/…, openai/…, local/…)`},
		{"an alias to an unknown provider", "aliases: {fast: nothing/abc}\n",
			`config: line 1: aliases.fast: no provider serves the model "nothing/abc": there is no provider "nothing" (` + builtins +
				`); an OpenAI-compatible server of your own goes under openai_compatible`},
		{"an alias to a misspelt provider", "aliases: {fast: deepsek/deepseek-v4-flash}\n",
			`config: line 1: aliases.fast: no provider serves the model "deepsek/deepseek-v4-flash": there is no provider "deepsek" (` +
				builtins + `) — did you mean "deepseek"?`},
		{"an alias to an unknown model", "aliases: {fast: nothing-model}\n",
			`config: line 1: aliases.fast: no provider serves the model "nothing-model" (harbor models lists them;`},
		{"an alias to nothing", "aliases: {fast: }\n", `config: line 1: aliases.fast: no model given`},
		{"an alias to an alias", "aliases: {fast: quick, quick: deepseek-v4-flash}\n",
			`config: line 1: aliases.fast: "quick" is an alias too (aliases.quick); point fast at its model, "deepseek-v4-flash"`},
		{"an alias to a chain", "aliases: {fast: smart}\nfallbacks: {smart: [deepseek-v4-pro]}\n",
			`config: line 1: aliases.fast: "smart" is a fallback chain (fallbacks.smart); an alias stands for one model`},
		{"an empty chain", "fallbacks: {smart: []}\n", `config: line 1: fallbacks.smart: an empty chain; list the models it tries, in order`},
		{"a chain's empty model", "fallbacks: {smart: [deepseek-v4-pro, \"\"]}\n", `config: line 1: fallbacks.smart[1]: no model given`},
		{"a chain in itself", "fallbacks: {smart: [deepseek-v4-pro, smart]}\n", `config: line 1: fallbacks.smart[1]: "smart" is the chain itself`},
		{"a chain in a chain", "fallbacks: {smart: [deepseek-v4-pro], wise: [smart]}\n",
			`config: line 1: fallbacks.wise[0]: "smart" is a fallback chain too (fallbacks.smart); a chain lists models`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := newFromYAML(t, tc.yaml)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, goWords := range []string{"WithProviderConfig", "WithFallback", "WithAlias", "harbor:", "Client.Models()"} {
				assert.NotContains(t, err.Error(), goWords, "no Go API wording")
			}
		})
	}

	for _, ok := range []string{
		local + "providers: {local: {}, deepseek: {}}\n", // an endpoint may be listed among providers
		local + "aliases: {fast: local/anything, quick: deepseek/deepseek-v4-flash}\nfallbacks: {smart: [fast, local-7b, quick, doubao-seed-1-6-251015]}\n",
		"openai_compatible:\n  - {name: x, base_url: \"http://127.0.0.1:1/v1\", key_optional: true, aliases: {kimi: k2}}\naliases: {fast: kimi}\n",
	} {
		assert.NoError(t, newFromYAML(t, ok), ok)
	}

	// A provider of the program's own (ClientOptions) is one: harbor says so.
	s, err := gateway.New(gateway.Config{Providers: map[string]gateway.ProviderConfig{"mine": {}},
		Aliases:       map[string]string{"fast": "mine/m1"},
		ClientOptions: []harbor.Option{harbor.WithProvider(openaicompat.Local("mine", "http://127.0.0.1:1/v1").Descriptor())},
		Getenv:        func(string) string { return "" }, Log: gateway.LogConfig{Access: "off"}})
	require.NoError(t, err)
	require.NoError(t, s.Close())
}
