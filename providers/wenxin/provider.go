package wenxin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gen "github.com/harborai/harbor-go/generated/qianfanv1"
	"github.com/harborai/harbor-go/internal/pool"
	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Name is the provider name used in routing ("wenxin/ernie-4.0-8k").
const Name = "wenxin"

// DefaultBaseURL is Baidu's public endpoint; the token and chat APIs share the host.
const DefaultBaseURL = "https://aip.baidubce.com"

// Environment variables read when the Config leaves the field empty.
const (
	EnvAPIKey    = "WENXIN_API_KEY"
	EnvSecretKey = "WENXIN_SECRET_KEY"
	EnvBaseURL   = "WENXIN_BASE_URL"
)

// Options are Wenxin-specific settings, passed as llm.Config.Options.
type Options struct {
	// Endpoints adds to or overrides DefaultEndpoints: model name (matched
	// case-insensitively) -> wenxinworkshop endpoint, the last part of the chat URL.
	// Add the models you deployed yourself here.
	Endpoints map[string]string
	// PenaltyScore, when non-zero, is sent as penalty_score (Wenxin's repetition
	// penalty, 1.0–2.0) on every request. ExtraBody{"penalty_score": …} sets it per call.
	PenaltyScore float64
	// Now is the clock the access token's lifetime is measured with (a token is used
	// for 90% of its expires_in); nil means time.Now. Tests set it, with the vendor
	// mock's own clock, to expire tokens without waiting.
	Now func() time.Time
}

// Descriptor describes the provider to harbor's router without building it. It
// claims the official mixed-case names ("ERNIE-4.0-8K") and the "ERNIE-" prefix; the
// lower-case ernie-* names belong to Qianfan v2, and "wenxin/ernie-4.0-8k" reaches v1.
func Descriptor() llm.Descriptor {
	return llm.Descriptor{
		Name:     Name,
		Models:   models(),
		Prefixes: []string{"ERNIE-"},
		New:      descriptorNew,
		Check:    check,
		Retry:    transientOK,
		// Wenxin v1 takes json_object only: structured.CreateJSON emulates schemas
		// with it (the schema in a system message).
		JSONSchema: false,
	}
}

// check is the descriptor's Check: harbor.New reports Options of another type
// (another provider's, say), which New would silently ignore.
func check(cfg llm.Config) error { return setup.CheckOptions[Options](Name, cfg.Options) }

// Provider talks to Baidu's legacy Wenxin API. Build it with New; harbor does that
// lazily.
type Provider struct {
	gen       *gen.Client
	http      llm.Doer
	tokens    *tokenSource
	endpoints map[string]string
	penalty   float64
	posts     sync.Map // endpoint -> *chatPost
	nposts    atomic.Int32
}

// chatPost is the prepared POST to one chat endpoint with one access token.
type chatPost struct {
	tok string
	e   *wire.Endpoint
}

// maxPosts bounds the prepared POSTs a provider keeps (one per endpoint used); past
// it, requests to further endpoints are built each time.
const maxPosts = 64

// post returns the prepared POST to endpoint ep with access token tok: the URL the
// generated request builder makes, built on first use and again when the token
// changes.
func (p *Provider) post(ep, tok string) (*wire.Endpoint, error) {
	if v, ok := p.posts.Load(ep); ok {
		if c := v.(*chatPost); c.tok == tok {
			return c.e, nil
		}
	}
	tmpl, err := gen.NewCreateChatCompletionRequestWithBody(p.gen.Server, ep, &gen.CreateChatCompletionParams{AccessToken: tok}, "application/json", nil)
	if err != nil {
		return nil, err
	}
	e := wire.NewEndpoint(tmpl, nil)
	if _, loaded := p.posts.Load(ep); loaded || p.nposts.Add(1) <= maxPosts {
		p.posts.Store(ep, &chatPost{tok: tok, e: e})
	}
	return e, nil
}

// New builds the provider from cfg, falling back to WENXIN_API_KEY,
// WENXIN_SECRET_KEY and WENXIN_BASE_URL. It does no I/O: the access token is fetched
// on first use. It fails with llm.ErrNoCredentials when the key or the secret is missing.
func New(cfg llm.Config) (*Provider, error) {
	getenv := setup.Getenv(&cfg)
	key, err := setup.Secret(Name, cfg.APIKey, getenv, EnvAPIKey, "APIKey")
	if err != nil {
		return nil, err
	}
	secret, err := setup.Secret(Name, cfg.SecretKey, getenv, EnvSecretKey, "SecretKey")
	if err != nil {
		return nil, err
	}
	if key == "" || secret == "" {
		missing := "API key and secret key"
		if key != "" {
			missing = "secret key"
		} else if secret != "" {
			missing = "API key"
		}
		return nil, setup.NoCredentials(Name, "no Wenxin "+missing+": set "+EnvAPIKey+" and "+EnvSecretKey+
			", or use harbor.WithAPIKey(\"wenxin\", key) with the secret key in harbor.WithProviderConfig(\"wenxin\", harbor.ProviderConfig{APIKey: key, SecretKey: secret})")
	}
	base, err := setup.BaseURL(Name, cfg.BaseURL, getenv, EnvBaseURL, DefaultBaseURL, key, secret)
	if err != nil {
		return nil, err
	}
	o := setup.OptionsOf[Options](cfg.Options)
	if o.PenaltyScore != 0 && !(o.PenaltyScore >= 1 && o.PenaltyScore <= 2) {
		return nil, llm.InvalidRequest(Name, "", "penalty_score", "wenxin.Options.PenaltyScore must be between 1.0 and 2.0, got %g", o.PenaltyScore)
	}
	d := setup.Doer(&cfg)
	g, err := gen.NewClient(base, gen.WithHTTPClient(d))
	if err != nil {
		return nil, setup.BadBaseURL(Name, err, key, secret)
	}
	return &Provider{
		gen:       g,
		http:      d,
		tokens:    &tokenSource{gen: g, key: key, secret: secret, now: o.Now},
		endpoints: buildEndpoints(o.Endpoints),
		penalty:   o.PenaltyScore,
	}, nil
}

// descriptorNew is New for the Descriptor (see setup.AsProvider).
func descriptorNew(cfg llm.Config) (llm.Provider, error) { return setup.AsProvider(New(cfg)) }

// Name returns "wenxin".
func (p *Provider) Name() string { return Name }

// Chat sends a non-streaming request.
func (p *Provider) Chat(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (*llm.ChatCompletion, error) {
	ep, body, err := p.encode(req, false)
	if err != nil {
		return nil, err
	}
	out, resp, _, err := p.send(ctx, req.Model, ep, body, call, false)
	if err != nil {
		return nil, err
	}
	res := fromResponse(out, req.Model)
	if res.RequestID = vendorerr.RequestID(resp.Header); res.RequestID == "" {
		res.RequestID = out.Id
	}
	return res, nil
}

// ChatStream sends a streaming request and returns once headers arrive.
func (p *Provider) ChatStream(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (llm.ChunkSource, error) {
	ep, body, err := p.encode(req, true)
	if err != nil {
		return nil, err
	}
	_, resp, tok, err := p.send(ctx, req.Model, ep, body, call, true)
	if err != nil {
		return nil, err
	}
	d := &chunkDecoder{model: req.Model, requestID: vendorerr.RequestID(resp.Header), secrets: []string{tok, p.tokens.key, p.tokens.secret}}
	return wire.NewStream(resp, Name, req.Model, d.decode, d.secrets...), nil
}

// decoded is an answer and the storage its usage points to, in one allocation.
type decoded struct {
	r     gen.ChatResponse
	usage gen.Usage
}

var fastDecoders = pool.New("wenxin.decoder", func() *fastDecoder { return new(fastDecoder) },
	func(d *fastDecoder) { d.lastID = "" })

// decodeAnswer reads a whole answer into v (a *decoded): with the fast decoder, or
// with encoding/json where it gives up. A body with neither an answer nor an
// error_code ({}, null, a proxy's own error object) is an error.
func decodeAnswer(b []byte, v any) error {
	a := v.(*decoded)
	d := fastDecoders.Get()
	ok := d.decode(b, &a.r, &a.usage)
	fastDecoders.Put(d)
	if !ok {
		a.r = gen.ChatResponse{}
		if err := json.Unmarshal(b, &a.r); err != nil {
			return err
		}
	}
	if r := &a.r; r.ErrorCode == 0 && r.Id == "" && r.Result == "" && r.FunctionCall == nil && r.Usage == nil {
		return errNoAnswer
	}
	return nil
}

var errNoAnswer = errors.New("the answer has neither a result nor an error_code")

// send posts body to the endpoint with a valid access token. When the vendor answers
// 110/111 (token invalid or expired) it drops that token and sends once more with a
// fresh one — the only retry a provider does itself; transient codes are retried by
// harbor's Doer (see transientOK).
//
// A JSON answer is decoded and returned as out (never an error_code body: those
// become errors). With stream set, an event stream is returned undecoded in resp.
// tok is the access token the answer was got with, for redaction.
func (p *Provider) send(ctx context.Context, model, ep string, body []byte, call *llm.CallOptions, stream bool) (out *gen.ChatResponse, resp *http.Response, tok string, err error) {
	for attempt := 0; ; attempt++ {
		tok, err = p.tokens.get(ctx, model)
		if err != nil {
			return nil, nil, "", err
		}
		secrets := [...]string{tok, p.tokens.key, p.tokens.secret}
		post, err := p.post(ep, tok)
		if err == nil {
			resp, err = post.Post(ctx, p.http, body, call, stream)
		}
		if err != nil {
			return nil, nil, "", transportError(model, err, secrets[:]...)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, nil, "", statusError(model, resp, secrets[:]...)
		}
		if stream && !isJSON(resp.Header) {
			return nil, resp, tok, nil
		}
		a := new(decoded)
		out = &a.r
		if err = wire.Decode(Name, model, resp, a, decodeAnswer, secrets[:]...); err != nil {
			return nil, nil, "", err
		}
		if out.ErrorCode != 0 {
			if isTokenError(out.ErrorCode) && attempt == 0 {
				p.tokens.invalidate(tok)
				continue
			}
			return nil, nil, "", codeError(model, out, vendorerr.RequestID(resp.Header), secrets[:]...)
		}
		if stream {
			return nil, nil, "", &llm.Error{Provider: Name, Model: model, Kind: llm.ErrBadResponse, RequestID: vendorerr.RequestID(resp.Header),
				Message: "asked for an event stream, got a JSON answer without error_code"}
		}
		return out, resp, tok, nil
	}
}
