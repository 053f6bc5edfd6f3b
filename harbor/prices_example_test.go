package harbor_test

import (
	"fmt"

	"github.com/harborai/harbor-go/harbor"
)

// What a DeepSeek call cost: DeepSeek reports the prompt tokens its context cache
// served (prompt_cache_hit_tokens), and those are priced at the cache-hit rate.
func ExampleDefaultPrices() {
	prices := harbor.DefaultPrices()
	price, ok := prices.Lookup("deepseek", "deepseek-v4-flash")
	if !ok {
		panic("not priced")
	}
	usage := harbor.Usage{ // as res.Usage reports it
		PromptTokens:          10_000,
		PromptCacheHitTokens:  8_000,
		PromptCacheMissTokens: 2_000,
		CompletionTokens:      2_000,
	}
	cost := price.CostOf(usage)
	fmt.Printf("input %.5f + cached %.5f + output %.5f = %.5f CNY\n",
		cost.Input, cost.CachedInput, cost.Output, cost.Total)

	_, ok = prices.Lookup("openai", "gpt-4o") // no default: the cost is unknown, not zero
	fmt.Println(ok)
	// Output:
	// input 0.00400 + cached 0.00032 + output 0.01600 = 0.02032 CNY
	// false
}

// Your own prices over the defaults: testdata/prices.json holds DeepSeek's
// off-peak rates and a self-hosted model that costs nothing per token.
func ExampleLoadPriceFile() {
	mine, err := harbor.LoadPriceFile("testdata/prices.json")
	if err != nil {
		panic(err) // an *Error naming the file, line and key
	}
	prices := harbor.DefaultPrices().Merge(mine)

	for _, m := range [][2]string{
		{"deepseek", "deepseek-v4-flash"}, // overridden
		{"deepseek", "deepseek-v4-pro"},   // a default kept
		{"vllm", "Qwen2.5-7B-Instruct"},   // added
	} {
		p, _ := prices.Lookup(m[0], m[1])
		fmt.Printf("%s/%s: input %g, cached %g, output %g\n", m[0], m[1], p.Input, p.CachedInput, p.Output)
	}
	// Output:
	// deepseek/deepseek-v4-flash: input 1, cached 0.02, output 4
	// deepseek/deepseek-v4-pro: input 9, cached 0.3, output 27
	// vllm/Qwen2.5-7B-Instruct: input 0, cached 0, output 0
}
