package harbor

import (
	"math"
	"strings"
	"sync"
)

// WithPrices sets the price table answers are priced by (ChatCompletion.Cost,
// CallEvent.Cost, the totals of CostStats). The default is DefaultPrices(); to
// change a few prices, merge: WithPrices(harbor.DefaultPrices().Merge(mine)).
// An empty, non-nil table turns pricing off. New rejects negative or non-finite
// prices and keys not of the form "provider/model".
func WithPrices(t PriceTable) Option {
	return clientOption(func(o *Options) { o.Prices = t })
}

func (t PriceTable) validate() error {
	for _, key := range sortedKeys(t) {
		p := t[key]
		prov, model, ok := strings.Cut(key, "/")
		if !ok || prov == "" || model == "" {
			return invalidOption("WithPrices", "WithPrices: key %q is not of the form \"provider/model\"", key)
		}
		for _, v := range [...]float64{p.Input, p.CachedInput, p.Output} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return invalidOption("WithPrices", "WithPrices: %q has a negative or non-finite price (%v)", key, p)
			}
		}
	}
	return nil
}

// price returns the price of model from table, remembered per provider, so that
// pricing a call costs a lock-free map read and no allocation. Model names come
// from routes; a prefix route lets callers name any number of models, so only
// the first maxPricedModels are remembered.
func (st *providerState) price(table PriceTable, model string) (Price, bool) {
	if v, ok := st.prices.Load(model); ok {
		p := v.(pricedModel)
		return p.Price, p.ok
	}
	if table == nil {
		table = defaultPrices()
	}
	p, ok := table.Lookup(st.name, model)
	if st.pricedModels.Add(1) <= maxPricedModels {
		st.prices.Store(model, pricedModel{p, ok})
	}
	return p, ok
}

const maxPricedModels = 1024

type pricedModel struct {
	Price
	ok bool
}

// defaultPrices is the built-in table, built on first use and never written: the
// Clients that price by it share it (DefaultPrices hands out copies).
var defaultPrices = sync.OnceValue(DefaultPrices)
