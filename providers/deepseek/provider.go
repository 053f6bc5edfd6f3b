package deepseek

import (
	"context"
	"net/http"
	"sync"

	gen "github.com/harborai/harbor-go/generated/deepseek"
	"github.com/harborai/harbor-go/internal/engine"
	"github.com/harborai/harbor-go/internal/setup"
	"github.com/harborai/harbor-go/llm"
)

// Name is the provider name used in routing ("deepseek/deepseek-v4-pro").
const Name = "deepseek"

// DefaultBaseURL is DeepSeek's public endpoint.
const DefaultBaseURL = "https://api.deepseek.com"

// Environment variables read when the Config leaves the field empty.
const (
	EnvAPIKey  = "DEEPSEEK_API_KEY"
	EnvBaseURL = "DEEPSEEK_BASE_URL"
)

// Alias rewrites a model name to a current model and a thinking mode.
type Alias struct {
	Model    string
	Thinking string // llm.ThinkingEnabled or llm.ThinkingDisabled
}

// DefaultLegacyAliases maps the names DeepSeek retired on 2026-07-24 to what they
// meant: deepseek-v4-flash without and with thinking.
func DefaultLegacyAliases() map[string]Alias {
	return map[string]Alias{
		"deepseek-chat":     {Model: "deepseek-v4-flash", Thinking: llm.ThinkingDisabled},
		"deepseek-reasoner": {Model: "deepseek-v4-flash", Thinking: llm.ThinkingEnabled},
	}
}

// Options are DeepSeek-specific settings, passed as llm.Config.Options.
type Options struct {
	// LegacyAliases overrides DefaultLegacyAliases. A non-nil empty map disables the
	// rewriting (the vendor will then answer 400 for retired names).
	LegacyAliases map[string]Alias
}

// Descriptor describes the provider to harbor's router without building it.
func Descriptor() llm.Descriptor {
	return llm.Descriptor{
		Name: Name,
		Models: []llm.Model{
			{ID: "deepseek-v4-flash", Object: "model", OwnedBy: "deepseek", Provider: Name},
			{ID: "deepseek-v4-pro", Object: "model", OwnedBy: "deepseek", Provider: Name},
			{ID: "deepseek-chat", Object: "model", OwnedBy: "deepseek", Provider: Name, AliasOf: "deepseek-v4-flash"},
			{ID: "deepseek-reasoner", Object: "model", OwnedBy: "deepseek", Provider: Name, AliasOf: "deepseek-v4-flash"},
		},
		Prefixes: []string{"deepseek-"},
		New:      descriptorNew,
		Check:    check,
		// DeepSeek takes json_object only: structured.CreateJSON emulates schemas
		// with it (the schema in a system message that says "JSON", as
		// json_object mode requires).
		JSONSchema: false,
		Rewrite: func(options any, model string) (string, string) {
			return rewrite(legacyAliases(options), model)
		},
	}
}

// check is the descriptor's Check: harbor.New reports Options of another type
// (another provider's, say), which New would silently ignore.
func check(cfg llm.Config) error { return setup.CheckOptions[Options](Name, cfg.Options) }

// legacyAliases returns the retired-name mapping options (Config.Options) ask for.
func legacyAliases(options any) map[string]Alias {
	if o := setup.OptionsOf[Options](options); o.LegacyAliases != nil {
		return o.LegacyAliases
	}
	return defaultAliases()
}

// defaultAliases is DefaultLegacyAliases, shared read-only by every provider that
// does not override it; built on first use (a sync.Once rather than
// sync.OnceValue, whose closures would be allocated at package init).
func defaultAliases() map[string]Alias {
	aliasesOnce.Do(func() { sharedAliases = DefaultLegacyAliases() })
	return sharedAliases
}

var (
	aliasesOnce   sync.Once
	sharedAliases map[string]Alias
)

// rewrite is the model id and thinking mode sent for model: what a retired name
// stands for, or the name itself with no thinking mode implied.
func rewrite(aliases map[string]Alias, model string) (sent, thinking string) {
	if a, ok := aliases[model]; ok {
		return a.Model, a.Thinking
	}
	return model, ""
}

// Provider talks to DeepSeek. Build it with New; harbor does that lazily. Chat,
// ChatStream and ListModels are the engine's (internal/engine); what is
// DeepSeek's own is in rules.go, request.go and the conversions.
type Provider struct {
	*client
	aliases map[string]Alias
	balance *http.Request // GET /user/balance, the template of every call
}

// client is the engine, embedded under an unexported name: its methods are the
// provider's, the engine itself stays out of the provider's API.
type client = engine.Client

// New builds the provider from cfg, falling back to DEEPSEEK_API_KEY and
// DEEPSEEK_BASE_URL. It fails with llm.ErrNoCredentials when no key is found.
func New(cfg llm.Config) (*Provider, error) {
	conn, err := engine.Bearer(&cfg, Name, "DeepSeek API key", EnvAPIKey, EnvBaseURL, DefaultBaseURL)
	if err != nil {
		return nil, err
	}
	conn.Chat = func(server string) (*http.Request, error) {
		return gen.NewCreateChatCompletionRequestWithBody(server, "application/json", nil)
	}
	conn.List = gen.NewListModelsRequest
	p := &Provider{aliases: legacyAliases(cfg.Options)}
	p.client, err = engine.New(engine.Spec{
		Name:   Name,
		Encode: p.encode,
		Decode: engine.Completions(fromReply, fromCompletion),
		Chunks: engine.Chunks(fromReplyChunk, fromChunk),
		Refine: refine,
		Models: engine.Models(listed),
	}, conn)
	if err != nil {
		return nil, err
	}
	if p.balance, err = engine.Template(p.client, gen.NewGetUserBalanceRequest); err != nil {
		return nil, err
	}
	return p, nil
}

// descriptorNew is New for the Descriptor (see setup.AsProvider).
func descriptorNew(cfg llm.Config) (llm.Provider, error) { return setup.AsProvider(New(cfg)) }

// Balance is the account balance, one entry per currency (llm.Balance: amounts are
// decimal strings, as the vendor sends them, so no precision is lost).
type Balance = llm.Balance

// BalanceInfo is the balance in one currency: total, granted and topped up.
type BalanceInfo = llm.BalanceInfo

var _ llm.BalanceChecker = (*Provider)(nil)

// Balance asks the vendor for the account balance (GET /user/balance); through a
// harbor.Client, Client.Balance(ctx, "deepseek") calls it.
func (p *Provider) Balance(ctx context.Context) (*Balance, error) {
	var b gen.Balance
	if err := engine.GetJSON(ctx, p.client, p.balance, &b); err != nil {
		return nil, err
	}
	out := &Balance{IsAvailable: b.IsAvailable}
	for _, i := range b.BalanceInfos {
		out.Infos = append(out.Infos, BalanceInfo{Currency: string(i.Currency), Total: i.TotalBalance, Granted: i.GrantedBalance, ToppedUp: i.ToppedUpBalance})
	}
	return out, nil
}
