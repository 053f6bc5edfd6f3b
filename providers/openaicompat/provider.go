package openaicompat

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"

	gen "github.com/harborai/harbor-go/generated/openai"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Provider talks to one OpenAI-compatible endpoint. Build it with Endpoint.New;
// harbor does that lazily. It is immutable once built.
type Provider struct {
	gen          *gen.Client
	chat         *wire.Endpoint // POST /chat/completions with the endpoint's headers, prepared once
	http         llm.Doer
	name         string
	secrets      []string // the key and credential-looking header values
	aliases      map[string]string
	passThinking bool
}

// New builds the provider from cfg and the Endpoint. It does no I/O. It fails with
// llm.ErrNoCredentials when no key is found and the Endpoint is not KeyOptional, and
// with llm.ErrInvalidRequest when the Endpoint or the base URL is malformed.
func (e Endpoint) New(cfg llm.Config) (*Provider, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	getenv := wire.Getenv(&cfg)
	explicit, field := cfg.APIKey, "APIKey"
	if explicit == "" {
		explicit, field = e.APIKey, "Endpoint.APIKey"
	}
	key, err := wire.Secret(e.Name, explicit, getenv, e.EnvAPIKey, field)
	if err != nil {
		return nil, err
	}
	if key == "" && !e.KeyOptional {
		return nil, wire.NoCredentials(e.Name, e.keyHint())
	}
	base, err := e.baseURL(cfg.BaseURL, getenv, key)
	if err != nil {
		return nil, err
	}

	hdr := make(http.Header)
	if key != "" {
		hdr.Set("Authorization", "Bearer "+key)
	}
	opts := wire.OptionsOf[Options](cfg.Options)
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

	p := &Provider{name: e.Name, secrets: secretsOf(key, hdr), aliases: maps.Clone(e.Aliases), passThinking: e.PassThinking}
	p.http = wire.Doer(&cfg)
	g, err := gen.NewClient(base, gen.WithHTTPClient(p.http), gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		for k, vs := range hdr {
			r.Header.Del(k)
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		return nil
	}))
	if err != nil {
		return nil, wire.BadBaseURL(e.Name, err, p.secrets...)
	}
	tmpl, err := gen.NewCreateChatCompletionRequestWithBody(g.Server, "application/json", nil)
	if err != nil {
		return nil, wire.BadBaseURL(e.Name, err, p.secrets...)
	}
	p.gen, p.chat = g, wire.NewEndpoint(tmpl, hdr)
	return p, nil
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
	if wire.Setting(explicit, getenv, e.EnvBaseURL) == "" && e.BaseURL == "" {
		msg := "openaicompat: endpoint " + e.Name + " has no base URL: set Endpoint.BaseURL"
		if e.EnvBaseURL != "" {
			msg += ", " + e.EnvBaseURL
		}
		return "", &llm.Error{Provider: e.Name, Kind: llm.ErrInvalidRequest, Message: msg + ` or use harbor.WithBaseURL("` + e.Name + `", url)`}
	}
	return wire.BaseURL(e.Name, explicit, getenv, e.EnvBaseURL, e.BaseURL, key)
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

// Name returns the endpoint's name.
func (p *Provider) Name() string { return p.name }

// Chat sends a non-streaming request.
func (p *Provider) Chat(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (*llm.ChatCompletion, error) {
	resp, err := p.send(ctx, req, call, false)
	if err != nil {
		return nil, err
	}
	res, err := wire.DecodeCompletion(p.name, req.Model, resp, completionSchema(), fromReply, fromCompletion, refineBody, p.secrets...)
	if err != nil {
		return nil, err
	}
	res.Provider = p.name
	res.RequestID = wire.RequestID(resp.Header)
	return res, nil
}

// ChatStream sends a streaming request (with stream_options.include_usage, so the
// usage arrives on the last chunk) and returns once headers arrive.
func (p *Provider) ChatStream(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (llm.ChunkSource, error) {
	resp, err := p.send(ctx, req, call, true)
	if err != nil {
		return nil, err
	}
	if e := wire.NotAStream(p.name, req.Model, resp, refineBody, p.secrets...); e != nil {
		return nil, e
	}
	// An error event is classified by its code or type, as the same error
	// answered with an HTTP status would be.
	return wire.NewStream(resp, p.name, req.Model, newChunkDecoder(req.Model), p.secrets...).Refine(refineBody), nil
}

// send encodes req, posts it and returns the 200 response; anything else is an error.
func (p *Provider) send(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions, stream bool) (*http.Response, error) {
	body, err := p.encode(req, stream)
	if err != nil {
		return nil, err
	}
	resp, err := p.chat.Post(ctx, p.http, body, call, stream)
	if err != nil {
		return nil, wire.TransportError(p.name, req.Model, err, p.secrets...)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refine(wire.ReadError(p.name, req.Model, resp, p.secrets...))
	}
	return resp, nil
}

// ListModels asks the server for its models (GET /models).
func (p *Provider) ListModels(ctx context.Context) ([]llm.Model, error) {
	resp, err := p.gen.ListModels(ctx)
	if err != nil {
		return nil, wire.TransportError(p.name, "", err, p.secrets...)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refine(wire.ReadError(p.name, "", resp, p.secrets...))
	}
	var list gen.ModelList
	if err := wire.Decode(p.name, "", resp, &list, json.Unmarshal, p.secrets...); err != nil {
		return nil, err
	}
	out := make([]llm.Model, len(list.Data))
	for i, m := range list.Data {
		out[i] = llm.Model{ID: m.Id, Object: "model", OwnedBy: wire.Str(m.OwnedBy), Provider: p.name}
		if m.Object != nil && *m.Object != "" {
			out[i].Object = *m.Object
		}
	}
	return out, nil
}
