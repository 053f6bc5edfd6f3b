package harbor

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/openaicompat"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// builtins are the vendors every Client knows. They are descriptors only: nothing is
// constructed until a request needs one. Order matters only for equal-length
// prefixes, and none are shared.
func builtins() []Descriptor {
	out := make([]Descriptor, len(builtinNames))
	for i, name := range builtinNames {
		out[i], _ = builtinDescriptor(name)
	}
	return out
}

// builtinNames are the names of builtins(), known to New without building their
// descriptors.
var builtinNames = [...]string{deepseek.Name, doubao.Name, qianfan.Name, wenxin.Name, openaicompat.Name}

// builtinDescriptor builds one built-in's descriptor, for New's checks of the
// providers its options configure.
func builtinDescriptor(name string) (Descriptor, bool) {
	switch name {
	case deepseek.Name:
		return deepseek.Descriptor(), true
	case doubao.Name:
		return doubao.Descriptor(), true
	case qianfan.Name:
		return qianfan.Descriptor(), true
	case wenxin.Name:
		return wenxin.Descriptor(), true
	case openaicompat.Name:
		return openaicompat.Descriptor(), true
	}
	return Descriptor{}, false
}

// slot holds one provider of one Client: its descriptor and, once bound, the instance.
type slot struct {
	desc Descriptor
	st   *providerState // the provider's figures and limiter, shared by its slots over time
	mu   sync.Mutex
	p    atomic.Pointer[llm.Provider]
}

// route is where a model name goes: a slot, and the model name to send (the vendor's
// own name after alias and "vendor/" rewriting).
type route struct {
	s     *slot
	model string

	// rw is the provider's Rewrite of model, worked out once when the table is
	// built, for exact ids and aliases; nil: Route works it out. A pointer keeps
	// route, which every call copies a few times, small.
	rw *rewritten
}

type rewritten struct{ sent, thinking string }

// routeTable is immutable once published; lookups take no lock and allocate nothing.
// Registering a provider builds a new table (copy-on-write) and swaps the pointer.
type routeTable struct {
	exact    map[string]route // model ids and aliases
	byName   map[string]*slot // provider names, for "vendor/model"
	prefixes []prefixRoute    // longest first
	slots    []*slot
	models   atomic.Pointer[[]Model] // Models() result, built once per table
}

type prefixRoute struct {
	prefix string
	s      *slot
}

// newSlots makes one unbound slot per descriptor; a later descriptor with the same
// name replaces an earlier one (users override built-ins that way).
func newSlots(descs []Descriptor) []*slot {
	var slots []*slot
	for _, d := range descs {
		slots = replaceSlot(slots, &slot{desc: d})
	}
	return slots
}

func replaceSlot(slots []*slot, s *slot) []*slot {
	for i, old := range slots {
		if old.desc.Name == s.desc.Name {
			out := append([]*slot(nil), slots...)
			out[i] = s
			return out
		}
	}
	return append(slots[:len(slots):len(slots)], s)
}

// buildTable indexes slots by model id, provider name, prefix and alias.
func buildTable(slots []*slot, aliases map[string]string, providers map[string]ProviderConfig) (*routeTable, error) {
	t := &routeTable{exact: map[string]route{}, byName: map[string]*slot{}, slots: slots}
	for _, s := range slots {
		t.byName[s.desc.Name] = s
		for _, m := range s.desc.Models {
			t.exact[m.ID] = route{s: s, model: m.ID}
		}
		for _, p := range s.desc.Prefixes {
			t.prefixes = append(t.prefixes, prefixRoute{prefix: p, s: s})
		}
	}
	sort.SliceStable(t.prefixes, func(i, j int) bool { return len(t.prefixes[i].prefix) > len(t.prefixes[j].prefix) })
	for name, target := range aliases {
		r, ok := t.lookup(target)
		if !ok {
			return nil, invalidOption("WithAlias", "WithAlias(%q, %q): no provider serves %q (use a model id, "+
				"a vendor/model name or a prefix a provider claims)", name, target, target)
		}
		t.exact[name] = r
	}
	for name, r := range t.exact {
		if rw := r.s.desc.Rewrite; rw != nil {
			sent, thinking := rw(providers[r.s.desc.Name].Options, r.model)
			r.rw = &rewritten{sent, thinking}
			t.exact[name] = r
		}
	}
	return t, nil
}

// lookup resolves a model name: exact ids and aliases, then "vendor/model", then prefixes.
func (t *routeTable) lookup(model string) (route, bool) {
	if r, ok := t.exact[model]; ok {
		return r, true
	}
	if i := strings.IndexByte(model, '/'); i > 0 {
		if s, ok := t.byName[model[:i]]; ok {
			rest := model[i+1:]
			if r, ok := t.exact[rest]; ok && r.s == s {
				return r, true // "deepseek/deepseek-chat" still gets the alias handling
			}
			return route{s: s, model: rest}, rest != ""
		}
	}
	for _, p := range t.prefixes {
		if strings.HasPrefix(model, p.prefix) {
			return route{s: p.s, model: model}, true
		}
	}
	return route{}, false
}

// table returns the Client's routing table, building it on first use.
func (c *Client) table() (*routeTable, error) {
	if c == nil {
		return nil, errNoClient
	}
	if t := c.routes.Load(); t != nil {
		return t, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.routes.Load(); t != nil {
		return t, nil
	}
	slots := newSlots(append(builtins(), c.opts.descriptors...))
	for _, s := range slots {
		s.st = c.state(s.desc.Name)
	}
	t, err := buildTable(slots, c.opts.aliases, c.opts.Providers)
	if err != nil {
		return nil, err
	}
	c.routes.Store(t)
	return t, nil
}

// Register adds (or replaces) a provider at runtime. Requests already routed keep
// their provider; later ones see the new table. Replacing a provider drops its bound
// instance.
func (c *Client) Register(d Descriptor) error {
	if c == nil {
		return errNoClient
	}
	if d.Name == "" || d.New == nil || strings.ContainsRune(d.Name, '/') {
		return invalidOption("Register", "Register needs a Descriptor with a Name (without \"/\") and a New function")
	}
	if d.Check != nil {
		if err := d.Check(c.opts.Providers[d.Name]); err != nil {
			return err
		}
	}
	if _, err := c.table(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := buildTable(replaceSlot(c.routes.Load().slots, &slot{desc: d, st: c.state(d.Name)}), c.opts.aliases, c.opts.Providers)
	if err != nil {
		return err
	}
	c.routes.Store(t)
	return nil
}

// resolve finds the route for a model name.
func (c *Client) resolve(model string) (route, error) {
	t, err := c.table()
	if err != nil {
		return route{}, err
	}
	r, ok := t.lookup(model)
	if !ok {
		return route{}, &Error{Model: model, Kind: ErrUnknownModel, Message: fmt.Sprintf(
			"no provider serves model %q; see Client.Models() or `harbor models`, or use the vendor/model form (%s)",
			model, strings.Join(providerNames(t), ", "))}
	}
	return r, nil
}

func providerNames(t *routeTable) []string {
	names := make([]string, 0, len(t.slots))
	for _, s := range t.slots {
		names = append(names, s.desc.Name+"/…")
	}
	return names
}

// provider returns the slot's provider, building it on first use: once, however many
// goroutines ask at the same time. A failed build is not cached, so fixing the
// environment and retrying works.
func (c *Client) provider(s *slot) (llm.Provider, error) {
	if p := s.p.Load(); p != nil {
		return *p, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.p.Load(); p != nil {
		return *p, nil
	}
	cfg := c.opts.Providers[s.desc.Name]
	cfg.HTTP = c.doer().withRule(s.desc.Retry)
	if cfg.Getenv == nil {
		cfg.Getenv = c.opts.Getenv
	}
	p, err := s.desc.New(cfg)
	if err != nil {
		msg := err.Error()
		s.st.bindError.Store(&msg)
		return nil, err
	}
	s.st.bindError.Store(nil)
	s.p.Store(&p)
	return p, nil
}

// Bind builds the provider called name now, as its first call would, and
// returns what that build returns: nil once it is built (later calls find it
// built); an *Error of class ErrNoCredentials when its keys are set nowhere;
// ErrInvalidRequest naming the option or environment variable at fault when a
// setting is malformed (a key with a control character, a base URL that is not
// an absolute http(s) URL), never its value. It does no I/O. A failed build is
// not kept, as on a call: Bind again after fixing the environment. A program
// that must not start with a malformed setting, yet may start without some
// provider's key, binds each provider it offers and stops on any error but
// ErrNoCredentials (harbor serve does). An unknown name is ErrInvalidRequest.
func (c *Client) Bind(name string) error {
	t, err := c.table()
	if err != nil {
		return err
	}
	s, ok := t.byName[name]
	if !ok {
		return invalidOption("Bind", "Bind: provider %q is not registered (known: %s)",
			name, strings.Join(c.opts.providerNames(), ", "))
	}
	_, err = c.provider(s)
	return err
}

// BoundProviders lists the providers this Client has built so far, in registration
// order. Right after New it is empty: binding is lazy.
func (c *Client) BoundProviders() []string {
	if c == nil {
		return nil
	}
	t := c.routes.Load()
	if t == nil {
		return nil
	}
	var names []string
	for _, s := range t.slots {
		if s.p.Load() != nil {
			names = append(names, s.desc.Name)
		}
	}
	return names
}
