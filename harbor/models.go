package harbor

import (
	"context"
	"fmt"
	"sort"

	"github.com/harborai/harbor-go/llm"
)

// Models lists every model this Client can route to by name, from the providers'
// built-in tables: no network, no provider built. The slice is shared and must not
// be modified.
func (c *Client) Models() []Model {
	t, err := c.table()
	if err != nil {
		return nil
	}
	if m := t.models.Load(); m != nil {
		return *m
	}
	var all []Model
	for _, s := range t.slots {
		for _, m := range s.desc.Models {
			if m.Provider == "" {
				m.Provider = s.desc.Name
			}
			all = append(all, m)
		}
	}
	for _, name := range sortedKeys(c.opts.aliases) {
		if r, ok := t.exact[name]; ok {
			all = append(all, Model{ID: name, Object: "model", Provider: r.s.desc.Name, AliasOf: r.s.desc.Name + "/" + r.model})
		}
	}
	t.models.Store(&all)
	return all
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Route is where a model name goes: the answer of Client.Route.
type Route struct {
	// Provider is the provider that serves the name ("deepseek").
	Provider string
	// Model is the model id that goes on the wire, after the Client's aliases,
	// the "vendor/model" form and the provider's own rewriting (DeepSeek's retired
	// "deepseek-reasoner" is sent as "deepseek-v4-flash").
	Model string
	// Thinking is the thinking mode the name implies (ThinkingEnabled or
	// ThinkingDisabled for DeepSeek's retired names), "" when it implies none. An
	// explicit ChatRequest.Thinking wins over it.
	Thinking string
}

// Route reports which provider serves a model name, the model id it will send and
// the thinking mode the name implies, without building the provider or doing any
// I/O. An unknown name is an ErrUnknownModel.
func (c *Client) Route(model string) (Route, error) {
	r, err := c.resolve(model)
	if err != nil {
		return Route{}, err
	}
	out := Route{Provider: r.s.desc.Name, Model: r.model}
	switch {
	case r.rw != nil:
		out.Model, out.Thinking = r.rw.sent, r.rw.thinking
	case r.s.desc.Rewrite != nil:
		out.Model, out.Thinking = r.s.desc.Rewrite(c.opts.Providers[r.s.desc.Name].Options, r.model)
	}
	return out, nil
}

// ListRemoteModels asks a provider's vendor for its model list (binding the provider
// if needed). Providers whose vendor has no such endpoint return an error.
func (c *Client) ListRemoteModels(ctx context.Context, provider string) ([]Model, error) {
	p, err := c.bind(ctx, provider)
	if err != nil {
		return nil, err
	}
	l, ok := p.(llm.ModelLister)
	if !ok {
		return nil, &Error{Provider: provider, Kind: ErrInvalidRequest, Message: "this vendor has no remote model listing"}
	}
	return l.ListModels(ctx)
}

// bind returns the provider named provider, building it if needed, for a
// management call (ListRemoteModels, Balance) with ctx.
func (c *Client) bind(ctx context.Context, provider string) (llm.Provider, error) {
	if ctx == nil {
		return nil, llm.InvalidRequest(provider, "", "ctx", "the context is nil; pass context.Background() or a request's context")
	}
	t, err := c.table()
	if err != nil {
		return nil, err
	}
	s, ok := t.byName[provider]
	if !ok {
		return nil, &Error{Provider: provider, Kind: ErrUnknownModel, Message: fmt.Sprintf("no provider named %q", provider)}
	}
	return c.provider(s)
}
