package doubao

import (
	"context"
	"net/http"

	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/llm"
)

// Name is the provider name used in routing ("doubao/ep-20240607092512-c5wnh").
const Name = "doubao"

// DefaultBaseURL is Volcengine Ark's public endpoint (region cn-beijing).
const DefaultBaseURL = "https://ark.cn-beijing.volces.com/api/v3"

// Environment variables read when the Config leaves the field empty.
const (
	EnvAPIKey  = "ARK_API_KEY"
	EnvBaseURL = "ARK_BASE_URL"
)

// Options are Ark-specific settings, passed as llm.Config.Options (as Options or
// *Options).
type Options struct {
	// Endpoints maps names of your choosing to Ark endpoint ids ("ep-…"), or to model
	// ids. A request for one of the names is sent with the id it maps to, so
	//
	//	harbor.WithProviderConfig("doubao", harbor.ProviderConfig{Options: doubao.Options{
	//		Endpoints: map[string]string{"support-bot": "ep-20240607092512-c5wnh"},
	//	}})
	//
	// lets callers ask for "doubao/support-bot"; add harbor.WithAlias("support-bot",
	// "doubao/support-bot") to route the bare name too. Errors keep the name asked for.
	Endpoints map[string]string
}

// Models lists the Doubao models of shared/vendors.md §2. Third-party models that Ark
// also hosts (deepseek-v3-2-251201, glm-4-7-251222…) are not listed, since other
// providers own those names: ask for them as "doubao/deepseek-v3-2-251201".
func Models() []llm.Model {
	ids := [...]string{
		"doubao-seed-2-0-pro-260215",
		"doubao-seed-2-0-lite-260215",
		"doubao-seed-2-0-mini-260215",
		"doubao-seed-2-0-code-preview-260215",
		"doubao-seed-1-8-251228",
		"doubao-seed-1-6-251015",
		"doubao-seed-1-6-250615",
		"doubao-seed-1-6-flash-250828",
		"doubao-seed-1-6-flash-250615",
		"doubao-seed-1-6-lite-251015",
		"doubao-seed-1-6-vision-250815",
		"doubao-seed-1-6-thinking-250715",
		"doubao-1-5-pro-32k-250115",
		"doubao-1-5-pro-256k-250115",
		"doubao-1-5-lite-32k-250115",
		"doubao-1-5-vision-pro-32k-250115",
	}
	out := make([]llm.Model, len(ids))
	for i, id := range ids {
		out[i] = llm.Model{ID: id, Object: "model", OwnedBy: "volcengine", Provider: Name}
	}
	return out
}

// Descriptor describes the provider to harbor's router without building it. It
// claims the "doubao-" model ids and the "ep-" endpoint ids.
func Descriptor() llm.Descriptor {
	return llm.Descriptor{
		Name:     Name,
		Models:   Models(),
		Prefixes: []string{"doubao-", "ep-"},
		New:      descriptorNew,
		Check:    check,
		// Ark takes response_format json_schema (with strict): structured.CreateJSON
		// sends typed schemas natively.
		JSONSchema: true,
	}
}

// check is the descriptor's Check: harbor.New reports Options of another type
// (another provider's, say), which New would silently ignore.
func check(cfg llm.Config) error { return setup.CheckOptions[Options](Name, cfg.Options) }

// Provider talks to Volcengine Ark. Build it with New; harbor does that lazily.
// Chat and ChatStream are the engine's (internal/engine); what is Ark's own is in
// rules.go, request.go, errors.go and the conversions.
type Provider struct {
	*client
	endpoints map[string]string
}

// client is the engine, embedded under an unexported name: its methods are the
// provider's, the engine itself stays out of the provider's API.
type client = engine.Client

// New builds the provider from cfg, falling back to ARK_API_KEY and ARK_BASE_URL. It
// does no I/O, and fails with llm.ErrNoCredentials when no key is found.
func New(cfg llm.Config) (*Provider, error) {
	conn, err := engine.Bearer(&cfg, Name, "Volcengine Ark API key", EnvAPIKey, EnvBaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	opts := setup.OptionsOf[Options](cfg.Options)
	p := &Provider{}
	if len(opts.Endpoints) > 0 {
		p.endpoints = make(map[string]string, len(opts.Endpoints)) // a copy: the caller may reuse the map
		for name, id := range opts.Endpoints {
			if name == "" || id == "" {
				return nil, &llm.Error{Provider: Name, Kind: llm.ErrInvalidRequest,
					Message: "doubao.Options.Endpoints: names and endpoint ids must not be empty"}
			}
			p.endpoints[name] = id
		}
	}
	conn.Chat = func(server string) (*http.Request, error) {
		return gen.NewCreateChatCompletionRequestWithBody(server, nil, "application/json", nil)
	}
	conn.List = gen.NewListModelsRequest
	p.client, err = engine.New(engine.Spec{
		Name:   Name,
		Encode: p.encode,
		Decode: engine.Completions(fromReply, fromCompletion),
		Chunks: newChunkDecoder,
		Refine: classifyBody,
		Models: engine.Models(listed),
	}, conn)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// descriptorNew is New for the Descriptor (see setup.AsProvider).
func descriptorNew(cfg llm.Config) (llm.Provider, error) { return setup.AsProvider(New(cfg)) }

// ListModels asks Ark for its model list. Ark may not serve GET /models (reported
// unsupported in 2025): a 404 then comes back as an *llm.Error of Kind
// llm.ErrNotFound that says so.
func (p *Provider) ListModels(ctx context.Context) ([]llm.Model, error) {
	ms, err := p.client.ListModels(ctx)
	if e, ok := err.(*llm.Error); ok && e.StatusCode == http.StatusNotFound {
		e.Kind = llm.ErrNotFound
		e.Message = "this Ark endpoint does not list models (GET /models answered 404); the known Doubao models are listed locally by harbor's Client.Models, and your endpoints in the Ark console"
	}
	return ms, err
}
