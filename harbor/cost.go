package harbor

import (
	"sync"
)

// WithPrices sets the price table the Client computes ChatCompletion.Cost,
// CallEvent.Cost and CostStats with: each answer's Usage is priced by
// PriceTable.Lookup(the provider that served it, the model sent). Without it the
// Client prices by DefaultPrices(). Build on the defaults to override a few prices
// and keep the rest:
//
//	mine, err := harbor.LoadPriceFile("prices.json")
//	…
//	client, err := harbor.New(harbor.WithPrices(harbor.DefaultPrices().Merge(mine)))
//
// A model the table does not price gets a zero Cost; it is never guessed. An
// empty table (PriceTable{}) turns pricing off. New copies the table (keys in
// lower case), so changing it afterwards changes nothing, and rejects negative
// or non-finite prices and keys not of the form "provider/model".
func WithPrices(t PriceTable) Option {
	return clientOption(func(o *Options) { o.Prices = t })
}

func (t PriceTable) validate() error {
	for _, key := range sortedKeys(t) {
		if err := checkPriceKey(key); err != nil {
			return invalidOption("WithPrices", "WithPrices: %q: %v", key, err)
		}
		if err := checkPrice(t[key]); err != nil {
			return invalidOption("WithPrices", "WithPrices: %q: %v", key, err)
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
		table = sharedDefaultPrices()
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
var sharedDefaultPrices = sync.OnceValue(DefaultPrices)
