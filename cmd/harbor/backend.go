package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// chunkDelay paces the CLI mocks' streams so that a streamed answer looks streamed.
const chunkDelay = 15 * time.Millisecond

// vendor is what the CLI knows about one built-in provider: the environment its real
// endpoint needs, and how to serve and reach its mock.
type vendor struct {
	provider  string
	keyEnv    string // the key that selects the real vendor
	secretEnv string // a second credential the real vendor needs (Wenxin v1)
	baseEnv   string
	basePath  string // appended to the mock's URL to form the base URL
	key       string // credentials the mock accepts
	secret    string
	spec      string // the spec/ file its API is described in (conformance/speccheck)
	mock      func() http.Handler
}

// vendors lists every built-in provider the CLI can serve from a mock, in the order
// `harbor mock` assigns ports.
var vendors = []vendor{
	{provider: "deepseek", spec: "deepseek", keyEnv: "DEEPSEEK_API_KEY", baseEnv: "DEEPSEEK_BASE_URL", key: "sk-mock-harbor",
		mock: func() http.Handler {
			return mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{APIKey: "sk-mock-harbor", KeepAlives: 1, ChunkDelay: chunkDelay})
		}},
	{provider: "doubao", spec: "ark", keyEnv: "ARK_API_KEY", baseEnv: "ARK_BASE_URL", basePath: "/api/v3", key: "ark-mock-harbor",
		mock: func() http.Handler {
			return mockvendor.NewArk(mockvendor.ArkConfig{APIKey: "ark-mock-harbor", ChunkDelay: chunkDelay})
		}},
	{provider: "wenxin", spec: "qianfan-v1", keyEnv: "WENXIN_API_KEY", secretEnv: "WENXIN_SECRET_KEY", baseEnv: "WENXIN_BASE_URL",
		key: "mock-api-key", secret: "mock-secret-key",
		mock: func() http.Handler {
			return mockvendor.NewQianfanV1(mockvendor.QianfanV1Config{APIKey: "mock-api-key", SecretKey: "mock-secret-key", ChunkDelay: chunkDelay})
		}},
	{provider: "qianfan", spec: "qianfan-v2", keyEnv: "QIANFAN_API_KEY", baseEnv: "QIANFAN_BASE_URL", basePath: "/v2", key: "bce-v3/ALTAK-mock/harbor",
		mock: func() http.Handler {
			return mockvendor.NewQianfanV2(mockvendor.QianfanV2Config{APIKey: "bce-v3/ALTAK-mock/harbor", ChunkDelay: chunkDelay})
		}},
	{provider: "openai", spec: "openai", keyEnv: "OPENAI_API_KEY", baseEnv: "OPENAI_BASE_URL", basePath: "/v1", key: "sk-mock-harbor",
		mock: func() http.Handler {
			return mockvendor.NewOpenAI(mockvendor.OpenAIConfig{APIKey: "sk-mock-harbor", ChunkDelay: chunkDelay})
		}},
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

// exports is the shell line that points other tools (or harbor) at the mock.
func (v vendor) exports(url string) string {
	s := fmt.Sprintf("export %s=%s %s=%s", v.baseEnv, url+v.basePath, v.keyEnv, v.key)
	if v.secretEnv != "" {
		s += fmt.Sprintf(" %s=%s", v.secretEnv, v.secret)
	}
	return s
}

// backend is a harbor client, pointed at a mock vendor when asked to or when the
// provider has no credentials.
type backend struct {
	client *harbor.Client
	mock   *mockvendor.Server
}

func (b *backend) close() {
	if b.mock != nil {
		b.mock.Close()
	}
}

// newBackend builds the client for a provider. forceMock selects the mock; otherwise
// the mock is used only when the provider's credentials are missing, with a notice
// on stderr. Providers without a built-in mock (user-registered) always go live.
func newBackend(provider string, forceMock bool, e env, opts ...harbor.Option) (*backend, error) {
	opts = append([]harbor.Option{harbor.WithGetenv(e.getenv)}, opts...)
	v, hasMock := findVendor(provider)
	useMock := forceMock
	if hasMock && !useMock {
		if miss := v.missing(e.getenv); len(miss) > 0 {
			useMock = true
			verb := " is"
			if len(miss) > 1 {
				verb = " are"
			}
			fmt.Fprintf(e.stderr, "harbor: %s%s not set, so this answer comes from the built-in mock %s (offline).\n"+
				"        Set%s to call the real API, or pass --mock to pick the mock on purpose.\n",
				strings.Join(miss, " and "), verb, provider, " "+strings.Join(miss, " and "))
		}
	}
	if !useMock {
		c, err := harbor.New(opts...)
		return &backend{client: c}, err
	}
	if !hasMock {
		return nil, fmt.Errorf("harbor: there is no built-in mock for provider %q", provider)
	}
	srv, err := mockvendor.Listen("127.0.0.1:0", v.mock())
	if err != nil {
		return nil, fmt.Errorf("starting the mock vendor: %w", err)
	}
	c, err := harbor.New(append(opts, harbor.WithProviderConfig(provider, v.config(srv.URL())))...)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &backend{client: c, mock: srv}, nil
}
