package main

import (
	"fmt"
	"time"

	"github.com/harborai/harbor-go/conformance/mockvendor"
	"github.com/harborai/harbor-go/harbor"
)

// keyEnv names the environment variable holding each provider's key.
var keyEnv = map[string]string{
	"deepseek": "DEEPSEEK_API_KEY",
}

// mockKey is the key the CLI's mock vendors accept.
const mockKey = "sk-mock-harbor"

// backend is a harbor client, pointed at the mock vendors when asked to or when the
// provider has no key.
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
// the mock is used only when the provider's key is missing, with a notice on stderr.
func newBackend(provider string, forceMock bool, e env, opts ...harbor.Option) (*backend, error) {
	opts = append([]harbor.Option{harbor.WithGetenv(e.getenv)}, opts...)
	useMock := forceMock
	if !useMock {
		if k := keyEnv[provider]; k != "" && e.getenv(k) == "" {
			useMock = true
			fmt.Fprintf(e.stderr, "harbor: %s is not set, so this answer comes from the built-in mock %s (offline).\n"+
				"        Set %s to call the real API, or pass --mock to pick the mock on purpose.\n", k, provider, k)
		}
	}
	if !useMock {
		c, err := harbor.New(opts...)
		return &backend{client: c}, err
	}
	srv, err := mockvendor.Listen("127.0.0.1:0", mockvendor.NewDeepSeek(mockvendor.DeepSeekConfig{
		APIKey:     mockKey,
		KeepAlives: 1,
		ChunkDelay: 15 * time.Millisecond, // so a streamed answer looks streamed
	}))
	if err != nil {
		return nil, fmt.Errorf("starting the mock vendor: %w", err)
	}
	opts = append(opts, harbor.WithAPIKey("deepseek", mockKey), harbor.WithBaseURL("deepseek", srv.URL()))
	c, err := harbor.New(opts...)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &backend{client: c, mock: srv}, nil
}
