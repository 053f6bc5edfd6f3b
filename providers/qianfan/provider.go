package qianfan

import (
	"context"
	"encoding/json"
	"net/http"

	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Name is the provider name used in routing ("qianfan/ernie-4.0-8k").
const Name = "qianfan"

// DefaultBaseURL is Qianfan's public v2 endpoint.
const DefaultBaseURL = "https://qianfan.baidubce.com/v2"

// Environment variables read when the Config leaves the field empty.
const (
	EnvAPIKey  = "QIANFAN_API_KEY"
	EnvBaseURL = "QIANFAN_BASE_URL"
	EnvAppID   = "QIANFAN_APPID"
)

// MaxMetadata is the most entries Qianfan accepts in a request's metadata.
const MaxMetadata = 16

// Options are Qianfan-specific settings, passed as llm.Config.Options (as Options
// or *Options).
type Options struct {
	// Metadata tags every request (Qianfan's `metadata`, at most 16 entries) so that
	// its calls can be picked out of the console's inference logs. A request's
	// ExtraBody["metadata"] replaces it for that request.
	Metadata map[string]string
	// LooseMessageOrder turns off the local checks of message order (first, last and
	// alternating roles). Baidu's rules vary by model; set this if a model accepts an
	// order the checks refuse. The vendor still rejects what it cannot take.
	LooseMessageOrder bool
}

func model(id string) llm.Model {
	return llm.Model{ID: id, Object: "model", OwnedBy: "baidu", Provider: Name}
}

// Descriptor describes the provider to harbor's router without building it. It
// claims the lower-case "ernie-" names; the upper-case official names (ERNIE-4.0-8K)
// belong to the legacy v1 provider. Other models Qianfan hosts (deepseek-v3…) are
// reached as "qianfan/<model>".
func Descriptor() llm.Descriptor {
	return llm.Descriptor{
		Name: Name,
		Models: []llm.Model{
			model("ernie-4.0-8k"), model("ernie-4.0-turbo-8k"), model("ernie-4.0-turbo-128k"),
			model("ernie-3.5-8k"), model("ernie-3.5-128k"),
			model("ernie-speed-8k"), model("ernie-speed-128k"), model("ernie-speed-pro-128k"),
			model("ernie-lite-8k"), model("ernie-lite-pro-128k"), model("ernie-tiny-8k"),
			model("ernie-char-8k"), model("ernie-novel-8k"),
			model("ernie-4.5-turbo-128k"), model("ernie-4.5-turbo-32k"),
			model("ernie-x1-32k"), model("ernie-x1-turbo-32k"), model("ernie-5.0-thinking-latest"),
		},
		Prefixes: []string{"ernie-"},
		New:      descriptorNew,
	}
}

// Provider talks to Qianfan v2. Build it with New; harbor does that lazily.
type Provider struct {
	gen      *gen.Client
	post     *wire.Endpoint // POST /chat/completions with the appid header, prepared once
	http     llm.Doer
	key      string
	chat     *gen.CreateChatCompletionParams // carries the appid header; nil without one
	list     *gen.ListModelsParams
	metadata map[string]string
	loose    bool
}

// New builds the provider from cfg, falling back to QIANFAN_API_KEY, QIANFAN_APPID and
// QIANFAN_BASE_URL. It does no I/O, and fails with llm.ErrNoCredentials when no key
// is found.
func New(cfg llm.Config) (*Provider, error) {
	key, base, err := wire.KeyAndBase(&cfg, Name, "Qianfan v2 API key (bce-v3/…)", EnvAPIKey, EnvBaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	p := &Provider{key: key}
	app, err := wire.Secret(Name, cfg.AppID, wire.Getenv(&cfg), EnvAppID, "AppID")
	if err != nil {
		return nil, err
	}
	if app != "" {
		p.chat = &gen.CreateChatCompletionParams{Appid: &app}
		p.list = &gen.ListModelsParams{Appid: &app}
	}
	o := wire.OptionsOf[Options](cfg.Options)
	if len(o.Metadata) > MaxMetadata {
		return nil, &llm.Error{Provider: Name, Kind: llm.ErrInvalidRequest,
			Message: "Options.Metadata has more than 16 entries; Qianfan accepts at most 16"}
	}
	p.loose = o.LooseMessageOrder
	if len(o.Metadata) > 0 { // a copy: the caller may reuse its map
		p.metadata = make(map[string]string, len(o.Metadata))
		for k, v := range o.Metadata {
			p.metadata[k] = v
		}
	}
	p.http = wire.Doer(&cfg)
	g, err := gen.NewClient(base, gen.WithHTTPClient(p.http), gen.WithRequestEditorFn(wire.Bearer[gen.RequestEditorFn](key)))
	if err != nil {
		return nil, wire.BadBaseURL(Name, err, key)
	}
	tmpl, err := gen.NewCreateChatCompletionRequestWithBody(g.Server, p.chat, "application/json", nil)
	if err != nil {
		return nil, wire.BadBaseURL(Name, err, key)
	}
	p.gen, p.post = g, wire.NewEndpoint(tmpl, wire.BearerHeader(key))
	return p, nil
}

// descriptorNew is New for the Descriptor (see wire.AsProvider).
func descriptorNew(cfg llm.Config) (llm.Provider, error) { return wire.AsProvider(New(cfg)) }

// Name returns "qianfan".
func (p *Provider) Name() string { return Name }

// Chat sends a non-streaming request.
func (p *Provider) Chat(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (*llm.ChatCompletion, error) {
	body, err := p.encode(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := p.post.Post(ctx, p.http, body, call, false)
	if err != nil {
		return nil, wire.TransportError(Name, req.Model, err, p.key)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, p.readError(req.Model, resp)
	}
	res, err := wire.DecodeCompletion(Name, req.Model, resp, completionSchema(), fromReply, fromCompletion, refine, p.key)
	if err != nil {
		return nil, err
	}
	// The body's "as-…" id is the id Baidu's support asks for.
	if id := wire.RequestID(resp.Header); id != "" {
		res.RequestID = id
	} else {
		res.RequestID = res.ID
	}
	return res, nil
}

// ChatStream sends a streaming request and returns once headers arrive.
func (p *Provider) ChatStream(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (llm.ChunkSource, error) {
	body, err := p.encode(req, true)
	if err != nil {
		return nil, err
	}
	resp, err := p.post.Post(ctx, p.http, body, call, true)
	if err != nil {
		return nil, wire.TransportError(Name, req.Model, err, p.key)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, p.readError(req.Model, resp)
	}
	if e := wire.NotAStream(Name, req.Model, resp, refine, p.key); e != nil {
		return nil, e
	}
	// An error event is classified by its code (a mid-stream rate limit is
	// ErrRateLimited, not a generic server error) and keeps its top-level id.
	return wire.NewStream(resp, Name, req.Model, newChunkDecoder(req.Model), p.key).Refine(refine), nil
}

// ListModels asks the vendor for its models. The route (GET /v2/models) is not
// confirmed by the vendor notes; an account or gateway without it answers with an
// error.
func (p *Provider) ListModels(ctx context.Context) ([]llm.Model, error) {
	resp, err := p.gen.ListModels(ctx, p.list)
	if err != nil {
		return nil, wire.TransportError(Name, "", err, p.key)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, p.readError("", resp)
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
