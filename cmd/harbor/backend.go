package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// chunkDelay paces the CLI mocks' streams so that a streamed answer looks streamed.
const chunkDelay = 15 * time.Millisecond

// vendor is what the CLI knows about one built-in provider: the environment its real
// endpoint reads (the provider's own Env* constants), and how to serve and reach its
// mock.
type vendor struct {
	provider  string
	keyEnv    string // the key that selects the real vendor
	secretEnv string // a second credential the real vendor needs (Wenxin v1)
	baseEnv   string // a base URL here also selects the real endpoint, key or not
	basePath  string // appended to the mock's URL to form the base URL
	key       string // credentials the mock accepts
	secret    string
	spec      string // the spec/ file its API is described in (conformance/speccheck)
	// lists is true when the provider can ask its vendor for the model list
	// (implements ListModels): 'harbor models --remote' refuses the others up front.
	lists bool
	mock  func() http.Handler
	// keyless, if set, is the provider to use when the base URL is set without a key:
	// local OpenAI-compatible servers (vLLM, Ollama, llama.cpp) need none.
	keyless func() harbor.Descriptor
}

// vendors lists every built-in provider the CLI can serve from a mock. Its order is
// fixed: `harbor mock` gives vendor i the port --addr's port + i.
var vendors = []vendor{
	{provider: deepseek.Name, lists: true, spec: "deepseek", keyEnv: deepseek.EnvAPIKey, baseEnv: deepseek.EnvBaseURL, key: "sk-mock-harbor",
		mock: func() http.Handler {
			return mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-mock-harbor", KeepAlives: 1, ChunkDelay: chunkDelay})
		}},
	{provider: doubao.Name, lists: true, spec: "ark", keyEnv: doubao.EnvAPIKey, baseEnv: doubao.EnvBaseURL, basePath: "/api/v3", key: "ark-mock-harbor",
		mock: func() http.Handler {
			return mockvendor.NewArk(mockvendor.ArkConfig{APIKey: "ark-mock-harbor", ChunkDelay: chunkDelay})
		}},
	{provider: wenxin.Name, spec: "qianfan-v1", keyEnv: wenxin.EnvAPIKey, secretEnv: wenxin.EnvSecretKey, baseEnv: wenxin.EnvBaseURL,
		key: "mock-api-key", secret: "mock-secret-key",
		mock: func() http.Handler {
			return mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: "mock-api-key", SecretKey: "mock-secret-key", ChunkDelay: chunkDelay})
		}},
	{provider: qianfan.Name, lists: true, spec: "qianfan-v2", keyEnv: qianfan.EnvAPIKey, baseEnv: qianfan.EnvBaseURL, basePath: "/v2", key: "bce-v3/ALTAK-mock/harbor",
		mock: func() http.Handler {
			return mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{APIKey: "bce-v3/ALTAK-mock/harbor", ChunkDelay: chunkDelay})
		}},
	{provider: openaicompat.Name, lists: true, spec: "openai", keyEnv: openaicompat.EnvAPIKey, baseEnv: openaicompat.EnvBaseURL, basePath: "/v1", key: "sk-mock-harbor",
		mock: func() http.Handler {
			return mockvendor.NewOpenAI(mockvendor.OpenAIConfig{APIKey: "sk-mock-harbor", ChunkDelay: chunkDelay})
		},
		keyless: func() harbor.Descriptor {
			e := openaicompat.OpenAI()
			e.KeyOptional = true
			return e.Descriptor()
		}},
}

// listingVendors names the providers with a remote model listing, in table order.
func listingVendors() []string {
	var out []string
	for _, v := range vendors {
		if v.lists {
			out = append(out, v.provider)
		}
	}
	return out
}

func findVendor(provider string) (vendor, bool) {
	for _, v := range vendors {
		if v.provider == provider {
			return v, true
		}
	}
	return vendor{}, false
}

// missing returns the environment variables the real vendor needs that are unset.
func (v vendor) missing(getenv func(string) string) []string {
	var out []string
	for _, k := range []string{v.keyEnv, v.secretEnv} {
		if k != "" && getenv(k) == "" {
			out = append(out, k)
		}
	}
	return out
}

// config points harbor at a mock of this vendor served at url.
func (v vendor) config(url string) harbor.ProviderConfig {
	return harbor.ProviderConfig{APIKey: v.key, SecretKey: v.secret, BaseURL: url + v.basePath}
}

// exports is the shell line that points other tools (or harbor) at the mock. The
// values need no quoting.
func (v vendor) exports(url string) string {
	s := fmt.Sprintf("export %s=%s %s=%s", v.baseEnv, url+v.basePath, v.keyEnv, v.key)
	if v.secretEnv != "" {
		s += fmt.Sprintf(" %s=%s", v.secretEnv, v.secret)
	}
	return s
}

// mockPolicy says when chat and models may answer from a built-in mock.
type mockPolicy int

const (
	mockIfNoKey mockPolicy = iota // the default: when neither key nor base URL is set
	mockAlways                    // --mock
	mockNever                     // --no-mock or HARBOR_NO_MOCK=1
)

// backend is a harbor client, pointed at mock vendors when asked to or when a
// provider has no credentials.
type backend struct {
	client *harbor.Client
	mocks  []*mockvendor.Server
	// implicit is true when a mock answers because no key was set (not --mock):
	// the caller then exits with exitMockAnswer unless the answers go to a terminal.
	implicit    bool
	interactive bool // the answers go to a terminal, where a person reads them
}

func (b *backend) close() {
	for _, m := range b.mocks {
		m.Close()
	}
}

// audience says who reads the answers a backend gives, for the notice and the exit
// status of an unasked-for mock answer.
type audience struct {
	answers     string // what comes from a mock, with its verb: "this answer comes"
	mockAnswers string // what status 3 follows: "this mock answer", "the mock answers"
	interactive bool   // they go to a terminal
	where       string // what is not a terminal when !interactive: "stdout"
}

// newBackend builds the client for a provider whose answer goes to stdout.
func newBackend(provider string, policy mockPolicy, e env, opts ...harbor.Option) (*backend, error) {
	return newBackends([]string{provider}, policy, e, audience{
		answers: "this answer comes", mockAnswers: "this mock answer", interactive: e.stdoutTTY, where: "stdout",
	}, opts...)
}

// newBackends builds one client for several providers. For each, a base URL in the
// environment always selects that endpoint (with the keyless variant of the
// provider when it has one and no key is set). Otherwise, missing credentials
// select the provider's mock under mockIfNoKey, with a notice on stderr, and are an
// error under mockNever. Providers without a built-in mock (user-registered) always
// go live.
func newBackends(providers []string, policy mockPolicy, e env, to audience, opts ...harbor.Option) (*backend, error) {
	opts = append([]harbor.Option{harbor.WithGetenv(e.getenv)}, opts...)
	b := &backend{interactive: to.interactive}
	var mocked []vendor
	for _, provider := range providers {
		v, hasMock := findVendor(provider)
		useMock := policy == mockAlways
		switch {
		case !hasMock || useMock:
		case e.getenv(v.baseEnv) != "":
			if v.keyless != nil && e.getenv(v.keyEnv) == "" {
				opts = append(opts, harbor.WithProvider(v.keyless()))
			}
		default:
			miss := v.missing(e.getenv)
			if len(miss) == 0 {
				break
			}
			names, verb := strings.Join(miss, " and "), " is"
			if len(miss) > 1 {
				verb = " are"
			}
			if policy == mockNever {
				return nil, fmt.Errorf("harbor: %s%s not set, and the built-in mock is off (--no-mock or %s): "+
					"set %s to call the real API, or %s to call another endpoint", names, verb, noMockEnv, names, v.baseEnv)
			}
			useMock, b.implicit = true, true
			fmt.Fprintf(e.stderr, "harbor: %s%s not set, so %s from the built-in mock %s (offline).\n"+
				"        Set %s to call the real API, pass --mock to pick the mock on purpose, or --no-mock to fail instead.\n",
				names, verb, to.answers, provider, names)
		}
		if !useMock {
			continue
		}
		if !hasMock {
			return nil, fmt.Errorf("harbor: there is no built-in mock for provider %q", provider)
		}
		mocked = append(mocked, v)
	}
	if b.implicit && !to.interactive {
		fmt.Fprintf(e.stderr, "        %s is not a terminal, so harbor exits with status %d after %s.\n", to.where, exitMockAnswer, to.mockAnswers)
	}
	for _, v := range mocked {
		srv, err := mockvendor.Listen("127.0.0.1:0", v.mock())
		if err != nil {
			b.close()
			return nil, fmt.Errorf("starting the mock vendor: %w", err)
		}
		b.mocks = append(b.mocks, srv)
		opts = append(opts, harbor.WithProviderConfig(v.provider, v.config(srv.URL())))
	}
	c, err := harbor.New(opts...)
	if err != nil {
		b.close()
		return nil, err
	}
	b.client = c
	return b, nil
}

// exitCode is the status of a successful answer from b.
func (b *backend) exitCode() int {
	if b.implicit && !b.interactive {
		return exitMockAnswer
	}
	return exitOK
}
