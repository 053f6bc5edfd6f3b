package doubao

import (
	"context"
	"encoding/json"
	"net/http"

	gen "github.com/harborai/harbor-go/generated/ark"
	"github.com/harborai/harbor-go/internal/wire"
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
	}
}

// Provider talks to Volcengine Ark. Build it with New; harbor does that lazily.
type Provider struct {
	gen       *gen.Client
	chat      *wire.Endpoint // POST /chat/completions, prepared once
	http      llm.Doer
	key       string
	endpoints map[string]string
}

// New builds the provider from cfg, falling back to ARK_API_KEY and ARK_BASE_URL. It
// does no I/O, and fails with llm.ErrNoCredentials when no key is found.
func New(cfg llm.Config) (*Provider, error) {
	key, base, err := wire.KeyAndBase(&cfg, Name, "Volcengine Ark API key", EnvAPIKey, EnvBaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	opts := wire.OptionsOf[Options](cfg.Options)
	p := &Provider{key: key}
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
	p.http = wire.Doer(&cfg)
	g, err := gen.NewClient(base, gen.WithHTTPClient(p.http), gen.WithRequestEditorFn(wire.Bearer[gen.RequestEditorFn](key)))
	if err != nil {
		return nil, wire.BadBaseURL(Name, err, key)
	}
	tmpl, err := gen.NewCreateChatCompletionRequestWithBody(g.Server, nil, "application/json", nil)
	if err != nil {
		return nil, wire.BadBaseURL(Name, err, key)
	}
	p.gen, p.chat = g, wire.NewEndpoint(tmpl, wire.BearerHeader(key))
	return p, nil
}

// descriptorNew is New for the Descriptor (see wire.AsProvider).
func descriptorNew(cfg llm.Config) (llm.Provider, error) { return wire.AsProvider(New(cfg)) }

// Name returns "doubao".
func (p *Provider) Name() string { return Name }

// send posts an encoded chat request and returns the 200 response, or the vendor's
// error mapped by errors.go.
func (p *Provider) send(ctx context.Context, model string, body []byte, call *llm.CallOptions, stream bool) (*http.Response, error) {
	resp, err := p.chat.Post(ctx, p.http, body, call, stream)
	if err != nil {
		return nil, wire.TransportError(Name, model, err, p.key)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, classify(wire.ReadError(Name, model, resp, p.key))
	}
	return resp, nil
}

// Chat sends a non-streaming request.
func (p *Provider) Chat(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (*llm.ChatCompletion, error) {
	body, err := p.encode(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := p.send(ctx, req.Model, body, call, false)
	if err != nil {
		return nil, err
	}
	res, err := wire.DecodeCompletion(Name, req.Model, resp, completionSchema(), fromReply, fromCompletion, classifyBody, p.key)
	if err != nil {
		return nil, err
	}
	res.RequestID = wire.RequestID(resp.Header)
	return res, nil
}

// ChatStream sends a streaming request and returns once headers arrive.
func (p *Provider) ChatStream(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (llm.ChunkSource, error) {
	body, err := p.encode(req, true)
	if err != nil {
		return nil, err
	}
	resp, err := p.send(ctx, req.Model, body, call, true)
	if err != nil {
		return nil, err
	}
	if e := wire.NotAStream(Name, req.Model, resp, classifyBody, p.key); e != nil {
		return nil, e
	}
	return stream{wire.NewStream(resp, Name, req.Model, newChunkDecoder(req.Model), p.key)}, nil
}

// ListModels asks Ark for its model list. Ark may not serve GET /models (reported
// unsupported in 2025): a 404 then comes back as an *llm.Error of Kind
// llm.ErrNotFound that says so.
func (p *Provider) ListModels(ctx context.Context) ([]llm.Model, error) {
	resp, err := p.gen.ListModels(ctx)
	if err != nil {
		return nil, wire.TransportError(Name, "", err, p.key)
	}
	if resp.StatusCode != http.StatusOK {
		e := classify(wire.ReadError(Name, "", resp, p.key))
		if e.StatusCode == http.StatusNotFound {
			e.Kind = llm.ErrNotFound
			e.Message = "this Ark endpoint does not list models (GET /models answered 404); the known Doubao models are listed locally by harbor's Client.Models, and your endpoints in the Ark console"
		}
		return nil, e
	}
	var list gen.ModelList
	if err := wire.Decode(Name, "", resp, &list, json.Unmarshal, p.key); err != nil {
		return nil, err
	}
	out := make([]llm.Model, len(list.Data))
	for i, m := range list.Data {
		out[i] = llm.Model{ID: m.Id, Object: "model", OwnedBy: wire.Str(m.OwnedBy), Provider: Name}
	}
	return out, nil
}
