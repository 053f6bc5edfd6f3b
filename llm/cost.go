package llm

// Price is what a model costs, in CNY per million tokens.
type Price struct {
	// Input is the price of prompt tokens the vendor did not serve from its own
	// context cache.
	Input float64 `json:"input"`
	// CachedInput is the price of prompt tokens served from the vendor's context
	// cache (DeepSeek's prompt_cache_hit_tokens, OpenAI-style cached_tokens); 0
	// means the vendor does not discount them, and Input applies.
	CachedInput float64 `json:"cached_input,omitempty"`
	// Output is the price of completion tokens (reasoning tokens included).
	Output float64 `json:"output"`
}

// Cost is what one call cost, in CNY, split the way vendors bill it.
type Cost struct {
	Input       float64 `json:"input"`        // uncached prompt tokens
	CachedInput float64 `json:"cached_input"` // prompt tokens served from the vendor's cache
	Output      float64 `json:"output"`       // completion tokens
	Total       float64 `json:"total"`
}

// CostOf prices usage: uncached prompt tokens at Input, cached ones at
// CachedInput (Input when that is 0), completion tokens at Output.
func (p Price) CostOf(u Usage) Cost {
	cached := u.CachedPromptTokens()
	in := u.PromptTokens - cached
	if in < 0 {
		in = 0
	}
	cachedPrice := p.CachedInput
	if cachedPrice == 0 {
		cachedPrice = p.Input
	}
	c := Cost{
		Input:       float64(in) * p.Input / 1e6,
		CachedInput: float64(cached) * cachedPrice / 1e6,
		Output:      float64(u.CompletionTokens) * p.Output / 1e6,
	}
	c.Total = c.Input + c.CachedInput + c.Output
	return c
}

// CachedPromptTokens is how many prompt tokens the vendor served from its context
// cache: DeepSeek's prompt_cache_hit_tokens, or the OpenAI-style
// prompt_tokens_details.cached_tokens of the others.
func (u Usage) CachedPromptTokens() int {
	if u.PromptCacheHitTokens > 0 {
		return u.PromptCacheHitTokens
	}
	if u.PromptTokensDetails != nil {
		return u.PromptTokensDetails.CachedTokens
	}
	return 0
}
