package qianfan

import (
	"net/http"

	gen "github.com/harborai/harbor-go/generated/qianfanv2"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/setup"
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
		Check:    check,
		// Qianfan v2 takes response_format json_schema: structured.CreateJSON sends
		// typed schemas natively.
		JSONSchema: true,
	}
}

// check is the descriptor's Check: harbor.New reports Options of another type
// (another provider's, say), which New would silently ignore.
func check(cfg llm.Config) error { return setup.CheckOptions[Options](Name, cfg.Options) }

// Provider talks to Qianfan v2. Build it with New; harbor does that lazily. Chat,
// ChatStream and ListModels are the engine's (internal/engine); what is Qianfan's
// own is in rules.go, request.go, errors.go and the conversions.
type Provider struct {
	*client
	metadata map[string]string
	loose    bool
}

// client is the engine, embedded under an unexported name: its methods are the
// provider's, the engine itself stays out of the provider's API.
type client = engine.Client

// New builds the provider from cfg, falling back to QIANFAN_API_KEY, QIANFAN_APPID and
// QIANFAN_BASE_URL. It does no I/O, and fails with llm.ErrNoCredentials when no key
// is found.
func New(cfg llm.Config) (*Provider, error) {
	conn, err := engine.Bearer(&cfg, Name, "Qianfan v2 API key (bce-v3/…)", EnvAPIKey, EnvBaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	app, err := setup.Secret(Name, cfg.AppID, setup.Getenv(&cfg), EnvAppID, "AppID")
	if err != nil {
		return nil, err
	}
	var chat *gen.CreateChatCompletionParams // carries the appid header; nil without one
	var list *gen.ListModelsParams
	if app != "" {
		chat, list = &gen.CreateChatCompletionParams{Appid: &app}, &gen.ListModelsParams{Appid: &app}
	}
	o := setup.OptionsOf[Options](cfg.Options)
	if len(o.Metadata) > MaxMetadata {
		return nil, &llm.Error{Provider: Name, Kind: llm.ErrInvalidRequest,
			Message: "Options.Metadata has more than 16 entries; Qianfan accepts at most 16"}
	}
	p := &Provider{loose: o.LooseMessageOrder}
	if len(o.Metadata) > 0 { // a copy: the caller may reuse its map
		p.metadata = make(map[string]string, len(o.Metadata))
		for k, v := range o.Metadata {
			p.metadata[k] = v
		}
	}
	conn.Chat = func(server string) (*http.Request, error) {
		return gen.NewCreateChatCompletionRequestWithBody(server, chat, "application/json", nil)
	}
	conn.List = func(server string) (*http.Request, error) { return gen.NewListModelsRequest(server, list) }
	p.client, err = engine.New(engine.Spec{
		Name:          Name,
		Encode:        p.encode,
		Decode:        engine.Completions(fromReply, fromCompletion),
		Chunks:        engine.Chunks(fromReplyChunk, fromChunk),
		Refine:        refine,
		Models:        engine.Models(listed),
		BodyRequestID: true, // the body's "as-…" id is the id Baidu's support asks for
	}, conn)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// descriptorNew is New for the Descriptor (see setup.AsProvider).
func descriptorNew(cfg llm.Config) (llm.Provider, error) { return setup.AsProvider(New(cfg)) }
