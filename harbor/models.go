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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Route reports which provider serves a model name and the model id it will send,
// without building the provider or doing any I/O.
func (c *Client) Route(model string) (provider, vendorModel string, err error) {
	r, err := c.resolve(model)
	if err != nil {
		return "", "", err
	}
	return r.s.desc.Name, r.model, nil
}

// ListRemoteModels asks a provider's vendor for its model list (binding the provider
// if needed). Providers whose vendor has no such endpoint return an error.
func (c *Client) ListRemoteModels(ctx context.Context, provider string) ([]Model, error) {
	t, err := c.table()
	if err != nil {
		return nil, err
	}
	s, ok := t.byName[provider]
	if !ok {
		return nil, &Error{Provider: provider, Kind: ErrUnknownModel, Message: fmt.Sprintf("no provider named %q", provider)}
	}
	p, err := c.provider(s)
	if err != nil {
		return nil, err
	}
	l, ok := p.(llm.ModelLister)
	if !ok {
		return nil, &Error{Provider: provider, Kind: ErrInvalidRequest, Message: "this vendor has no remote model listing"}
	}
	return l.ListModels(ctx)
}
