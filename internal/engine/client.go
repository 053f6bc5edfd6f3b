package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/internal/vendorerr"
	"github.com/harborai/harbor-go/internal/wire"
	"github.com/harborai/harbor-go/llm"
)

// Refiner corrects an *llm.Error built from a vendor's error body (body: its
// bytes) with what the vendor's codes say, and returns it. The engine calls it for
// every error the vendor wrote: a non-2xx answer, an error object in a 200 answer
// or in place of a stream, and an error event inside a stream (StatusCode 0).
type Refiner = func(e *llm.Error, body []byte) *llm.Error

// Spec is what the engine needs to know of a vendor beyond where to send: its
// rules and quirks, as functions bound when the provider is built.
type Spec struct {
	// Name is the provider name, in errors and on every result.
	Name string
	// Encode applies the vendor's rules to req and returns the body to send; stream
	// asks for the streaming variant. Its errors are returned as they are.
	Encode func(req *llm.ChatRequest, stream bool) ([]byte, error)
	// Decode reads a 200 chat answer (fastreply.DecodeCompletion with the vendor's
	// generated type and converters).
	Decode func(provider, model string, resp *http.Response, refine Refiner, secrets ...string) (*llm.ChatCompletion, error)
	// Chunks returns the decoder of one stream's events (the chunk hook: a
	// decoder may keep per-stream state, as Ark's does to drop repeated roles).
	Chunks func(model string) wire.ChunkDecoder
	// Refine is the vendor's error table; nil keeps errors as wire reads them.
	Refine Refiner
	// Models converts a 200 model-list body; the engine sets each Provider.
	Models func(body []byte) ([]llm.Model, error)
	// BodyRequestID: without a request-id header, the completion's id is the
	// request id (Qianfan's "as-…" id, which Baidu's support asks for).
	BodyRequestID bool
}

// Conn is where and how a provider sends: one value per built provider.
type Conn struct {
	Base    string      // base URL without the trailing "/"
	HTTP    llm.Doer    // harbor's retrying transport, or http.DefaultClient
	Header  http.Header // added to every request: the credentials, vendor headers
	Secrets []string    // redacted from every error
	// Chat and List are the generated request builders of POST /chat/completions
	// and GET /models, called once with the server URL (Base + "/").
	Chat, List func(server string) (*http.Request, error)
}

// Bearer is the Conn of a vendor that takes an API key as a Bearer token: the key
// and base URL from cfg, else the environment (envKey, envBase), else def. With
// no key it fails with llm.ErrNoCredentials naming what to set; keyName describes
// the key ("DeepSeek API key"). The caller adds the request builders.
func Bearer(cfg *llm.Config, name, keyName, envKey, envBase, def string) (Conn, error) {
	key, base, err := setup.KeyAndBase(cfg, name, keyName, envKey, envBase, def)
	if err != nil {
		return Conn{}, err
	}
	return Conn{Base: base, HTTP: setup.Doer(cfg), Header: setup.BearerHeader(key), Secrets: []string{key}}, nil
}

// Client is the engine: one vendor's chat, stream and model list. It is
// immutable once built and safe for concurrent use.
type Client struct {
	spec    Spec
	http    llm.Doer
	chat    *wire.Endpoint // POST /chat/completions, prepared once
	list    *http.Request  // GET /models, the template of every listing
	header  http.Header
	secrets []string
	server  string // base URL + "/", as the generated builders want it
}

// New builds the engine. It does no I/O; a base URL the generated builders
// refuse is an llm.ErrInvalidRequest.
func New(spec Spec, conn Conn) (*Client, error) {
	c := &Client{spec: spec, http: conn.HTTP, header: conn.Header, secrets: conn.Secrets, server: conn.Base + "/"}
	tmpl, err := Template(c, conn.Chat)
	if err != nil {
		return nil, err
	}
	c.chat = wire.NewEndpoint(tmpl, conn.Header)
	if c.list, err = Template(c, conn.List); err != nil {
		return nil, err
	}
	return c, nil
}

// Template calls a generated request builder with c's server URL, as the
// generated client would; for a vendor-only route, sent with Get. (Functions
// rather than methods, here and for Get: a provider embeds *Client, and only
// Name, Chat, ChatStream and ListModels are meant to be its methods.)
func Template(c *Client, build func(server string) (*http.Request, error)) (*http.Request, error) {
	r, err := build(c.server)
	if err != nil {
		return nil, setup.BadBaseURL(c.spec.Name, err, c.secrets...)
	}
	return r, nil
}

// Name returns the provider name.
func (c *Client) Name() string { return c.spec.Name }

// Chat sends a non-streaming request.
func (c *Client) Chat(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (*llm.ChatCompletion, error) {
	resp, err := c.send(ctx, req, call, false)
	if err != nil {
		return nil, err
	}
	res, err := c.spec.Decode(c.spec.Name, req.Model, resp, c.spec.Refine, c.secrets...)
	if err != nil {
		return nil, err
	}
	res.Provider = c.spec.Name
	res.RequestID = vendorerr.RequestID(resp.Header)
	if res.RequestID == "" && c.spec.BodyRequestID {
		res.RequestID = res.ID
	}
	return res, nil
}

// ChatStream sends a streaming request and returns once headers arrive.
func (c *Client) ChatStream(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions) (llm.ChunkSource, error) {
	resp, err := c.send(ctx, req, call, true)
	if err != nil {
		return nil, err
	}
	if e := wire.NotAStream(c.spec.Name, req.Model, resp, c.spec.Refine, c.secrets...); e != nil {
		return nil, e
	}
	return wire.NewStream(resp, c.spec.Name, req.Model, c.spec.Chunks(req.Model), c.secrets...).Refine(c.spec.Refine).
		BodyRequestID(c.spec.BodyRequestID), nil
}

// send encodes req, posts it and returns the 200 response; anything else is an
// *llm.Error.
func (c *Client) send(ctx context.Context, req *llm.ChatRequest, call *llm.CallOptions, stream bool) (*http.Response, error) {
	body, err := c.spec.Encode(req, stream)
	if err != nil {
		return nil, err
	}
	resp, err := c.chat.Post(ctx, c.http, body, call, stream)
	if err != nil {
		return nil, vendorerr.Transport(c.spec.Name, req.Model, err, c.secrets...)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, c.readError(req.Model, resp)
	}
	return resp, nil
}

// readError turns a non-2xx response into an *llm.Error: the body read by
// vendorerr.Status, then refined by the vendor's table.
func (c *Client) readError(model string, resp *http.Response) *llm.Error {
	var out *llm.Error
	err := wire.ReadBody(resp, func(b []byte) error {
		out = vendorerr.Status(c.spec.Name, model, resp, b, c.secrets...)
		if c.spec.Refine != nil {
			out = c.spec.Refine(out, b)
		}
		return nil
	})
	if out == nil {
		return vendorerr.Transport(c.spec.Name, model, err, c.secrets...)
	}
	return out
}

// ListModels asks the vendor for the models the key can use (GET /models).
func (c *Client) ListModels(ctx context.Context) ([]llm.Model, error) {
	resp, err := get(ctx, c, c.list)
	if err != nil {
		return nil, err
	}
	var out []llm.Model
	err = wire.Decode(c.spec.Name, "", resp, &out, func(b []byte, v any) (err error) {
		*v.(*[]llm.Model), err = c.spec.Models(b)
		return err
	}, c.secrets...)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Provider = c.spec.Name
	}
	return out, nil
}

// get sends a GET built from tmpl (see Template) with the client's headers and
// returns the 200 response; anything else is an *llm.Error, refined as chat
// errors are.
func get(ctx context.Context, c *Client, tmpl *http.Request) (*http.Response, error) {
	req := tmpl.Clone(ctx)
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, vendorerr.Transport(c.spec.Name, "", err, c.secrets...)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, c.readError("", resp)
	}
	return resp, nil
}

// GetJSON is get, then the body decoded into v: a body that does not decode is an
// ErrBadResponse, one that cannot be read a transport error (ErrConnection,
// ErrTimeout, ErrCanceled), as for chat answers, with the client's secrets
// redacted.
func GetJSON(ctx context.Context, c *Client, tmpl *http.Request, v any) error {
	resp, err := get(ctx, c, tmpl)
	if err != nil {
		return err
	}
	return wire.Decode(c.spec.Name, "", resp, v, json.Unmarshal, c.secrets...)
}

// ChatURL returns the URL chat requests are sent to.
func ChatURL(c *Client) *url.URL { return c.chat.URL() }
