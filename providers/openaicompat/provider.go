package openaicompat

import (
	"maps"
	"net/http"
	"strings"

	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/llm"
)

// Provider talks to one OpenAI-compatible endpoint. Build it with Endpoint.New;
// harbor does that lazily. It is immutable once built. Chat, ChatStream and
// ListModels are the engine's (internal/engine); what is particular to the
// generic OpenAI API is in rules.go, request.go, errors.go and the conversions.
type Provider struct {
	*client
	name         string
	aliases      map[string]string
	passThinking bool
}

// client is the engine, embedded under an unexported name: its methods are the
// provider's, the engine itself stays out of the provider's API.
type client = engine.Client

// New builds the provider from cfg and the Endpoint. It does no I/O. It fails with
// llm.ErrNoCredentials when no key is found and the Endpoint is not KeyOptional, and
// with llm.ErrInvalidRequest when the Endpoint or the base URL is malformed.
func (e Endpoint) New(cfg llm.Config) (*Provider, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	conn, err := e.conn(&cfg)
	if err != nil {
		return nil, err
	}
	p := &Provider{name: e.Name, aliases: maps.Clone(e.Aliases), passThinking: e.PassThinking}
	p.client, err = engine.New(engine.Spec{
		Name:   e.Name,
		Encode: p.encode,
		Decode: engine.Completions(fromReply, fromCompletion),
		Chunks: engine.Chunks(fromReplyChunk, fromChunk),
		Refine: refineBody,
		Models: engine.Models(listed),
	}, conn)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// conn resolves the key (cfg, then the Endpoint, then EnvAPIKey), the base URL and
// the headers: Authorization when there is a key, then the Endpoint's and the
// Options' headers.
func (e Endpoint) conn(cfg *llm.Config) (engine.Conn, error) {
	getenv := setup.Getenv(cfg)
	explicit, field := cfg.APIKey, "APIKey"
	if explicit == "" {
		explicit, field = e.APIKey, "Endpoint.APIKey"
	}
	key, err := setup.Secret(e.Name, explicit, getenv, e.EnvAPIKey, field)
	if err != nil {
		return engine.Conn{}, err
	}
	if key == "" && !e.KeyOptional {
		return engine.Conn{}, setup.NoCredentials(e.Name, e.keyHint())
	}
	base, err := e.baseURL(cfg.BaseURL, getenv, key)
	if err != nil {
		return engine.Conn{}, err
	}
	hdr := make(http.Header)
	if key != "" {
		hdr.Set("Authorization", "Bearer "+key)
	}
	opts := setup.OptionsOf[Options](cfg.Options)
	for _, h := range []http.Header{e.Header, opts.Header} {
		for k, vs := range h {
			hdr[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
	}
	if opts.Organization != "" {
		hdr.Set("OpenAI-Organization", opts.Organization)
	}
	if opts.Project != "" {
		hdr.Set("OpenAI-Project", opts.Project)
	}
	return engine.Conn{
		Base: base, HTTP: setup.Doer(cfg), Header: hdr, Secrets: secretsOf(key, hdr),
		Chat: func(server string) (*http.Request, error) {
			return gen.NewCreateChatCompletionRequestWithBody(server, "application/json", nil)
		},
		List: gen.NewListModelsRequest,
	}, nil
}

func (e Endpoint) keyHint() string {
	var b strings.Builder
	b.WriteString("no API key for " + e.Name + ": ")
	if e.EnvAPIKey != "" {
		b.WriteString("set " + e.EnvAPIKey + " or ")
	}
	b.WriteString(`use harbor.WithAPIKey("` + e.Name + `", key)`)
	b.WriteString(" (for a server without authentication, set Endpoint.KeyOptional)")
	return b.String()
}

func (e Endpoint) baseURL(explicit string, getenv func(string) string, key string) (string, error) {
	if setup.Setting(explicit, getenv, e.EnvBaseURL) == "" && e.BaseURL == "" {
		msg := "openaicompat: endpoint " + e.Name + " has no base URL: set Endpoint.BaseURL"
		if e.EnvBaseURL != "" {
			msg += ", " + e.EnvBaseURL
		}
		return "", &llm.Error{Provider: e.Name, Kind: llm.ErrInvalidRequest, Message: msg + ` or use harbor.WithBaseURL("` + e.Name + `", url)`}
	}
	return setup.BaseURL(e.Name, explicit, getenv, e.EnvBaseURL, e.BaseURL, key)
}

// secretsOf lists what must never appear in an error: the key, and the values of
// headers whose names suggest credentials (an Azure-style api-key, say).
func secretsOf(key string, hdr http.Header) []string {
	var s []string
	if key != "" {
		s = append(s, key)
	}
	for k, vs := range hdr {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "auth") || strings.Contains(lk, "key") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
			s = append(s, vs...)
		}
	}
	return s
}
