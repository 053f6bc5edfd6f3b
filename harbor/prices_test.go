package harbor_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/llm"
	"github.com/harborai/harbor-go/providers/deepseek"
	"github.com/harborai/harbor-go/providers/doubao"
	"github.com/harborai/harbor-go/providers/qianfan"
	"github.com/harborai/harbor-go/providers/wenxin"
)

// DeepSeek reports its context-cache split as prompt_cache_hit_tokens; the hit
// tokens are priced at CachedInput, the rest of the prompt at Input.
func TestPriceCostDeepSeekCacheHit(t *testing.T) {
	p, ok := harbor.DefaultPrices().Lookup("deepseek", "deepseek-v4-flash")
	require.True(t, ok)
	require.Positive(t, p.CachedInput)
	require.Less(t, p.CachedInput, p.Input)

	u := harbor.Usage{
		PromptTokens: 10_000, CompletionTokens: 2_000, TotalTokens: 12_000,
		PromptCacheHitTokens: 8_000, PromptCacheMissTokens: 2_000,
		// DeepSeek also sends the OpenAI-style field; it must not be counted twice.
		PromptTokensDetails: &harbor.PromptTokensDetails{CachedTokens: 8_000},
	}
	c := p.CostOf(u)
	assert.InDelta(t, 2_000*p.Input/1e6, c.Input, 1e-12)
	assert.InDelta(t, 8_000*p.CachedInput/1e6, c.CachedInput, 1e-12)
	assert.InDelta(t, 2_000*p.Output/1e6, c.Output, 1e-12)
	assert.InDelta(t, c.Input+c.CachedInput+c.Output, c.Total, 1e-12)
	// With the defaults' peak rates (2, 0.04 and 8 CNY per million): 0.004 + 0.00032 + 0.016.
	assert.InDelta(t, 0.02032, c.Total, 1e-12)
	// Less than the same prompt uncached.
	assert.Less(t, c.Total, p.CostOf(harbor.Usage{PromptTokens: 10_000, CompletionTokens: 2_000}).Total)
}

// The other vendors report cached prompt tokens OpenAI's way, as
// prompt_tokens_details.cached_tokens.
func TestPriceCostOpenAIStyleCachedTokens(t *testing.T) {
	prices := harbor.PriceTable{"qwen/qwen-plus": {Input: 0.8, CachedInput: 0.16, Output: 2}}
	p, ok := prices.Lookup("qwen", "qwen-plus")
	require.True(t, ok)
	c := p.CostOf(harbor.Usage{
		PromptTokens: 5_000, CompletionTokens: 1_000,
		PromptTokensDetails: &harbor.PromptTokensDetails{CachedTokens: 4_000},
	})
	assert.InDelta(t, 1_000*0.8/1e6, c.Input, 1e-12)
	assert.InDelta(t, 4_000*0.16/1e6, c.CachedInput, 1e-12)
	assert.InDelta(t, 1_000*2/1e6, c.Output, 1e-12)
	assert.InDelta(t, 0.00344, c.Total, 1e-12)

	// The default ERNIE-4.0-Turbo-8K price has a cache rate too (40% of input).
	p, ok = harbor.DefaultPrices().Lookup("qianfan", "ernie-4.0-turbo-8k")
	require.True(t, ok)
	assert.InDelta(t, 0.4*p.Input, p.CachedInput, 1e-12)
	c = p.CostOf(harbor.Usage{PromptTokens: 1_000, CompletionTokens: 100,
		PromptTokensDetails: &harbor.PromptTokensDetails{CachedTokens: 400}})
	assert.InDelta(t, 600*3/1e6+400*1.2/1e6+100*9/1e6, c.Total, 1e-12)
}

func TestPriceLookupUnknown(t *testing.T) {
	prices := harbor.DefaultPrices()
	for _, q := range [][2]string{
		{"deepseek", "deepseek-v9"},      // no such model
		{"openai", "gpt-4o"},             // openai-compatible: no defaults
		{"qianfan", "deepseek-v4-flash"}, // a model priced under another provider
		{"deepseek", ""},
		{"", "deepseek-v4-flash"},
		{"doubao", "doubao-seed-1-6-251015"}, // Doubao is not priced by default
	} {
		p, ok := prices.Lookup(q[0], q[1])
		assert.False(t, ok, "%s/%s", q[0], q[1])
		assert.Zero(t, p, "%s/%s", q[0], q[1])
	}
	var nilTable harbor.PriceTable
	_, ok := nilTable.Lookup("deepseek", "deepseek-v4-flash")
	assert.False(t, ok)
}

// Lookup's three steps: exact, lower case, then without a "-YYMMDD" date.
func TestPriceLookupFallbacks(t *testing.T) {
	seed := harbor.Price{Input: 0.8, Output: 2}
	dated := harbor.Price{Input: 0.6, Output: 1.5}
	exact := harbor.Price{Input: 7, Output: 7}
	lite := harbor.Price{Input: 0.1, Output: 0.1}
	prices := harbor.PriceTable{
		"doubao/doubao-seed-1-6":            seed,
		"doubao/doubao-seed-1-6-250615":     dated,
		"wenxin/ernie-lite-8k":              lite,
		"wenxin/ERNIE-Odd-Case":             exact, // hand-built, not lower case: found exactly only
		"local/" + strings.Repeat("m", 200): exact,
	}
	tests := []struct {
		provider, model string
		want            harbor.Price
		found           bool
	}{
		{"doubao", "doubao-seed-1-6", seed, true},
		{"doubao", "doubao-seed-1-6-251015", seed, true},        // date stripped
		{"doubao", "doubao-seed-1-6-250615", dated, true},       // the dated version's own price wins
		{"Doubao", "Doubao-Seed-1-6-251015", seed, true},        // case, then date
		{"wenxin", "ERNIE-Lite-8K", lite, true},                 // case
		{"wenxin", "ERNIE-Lite-8K-0922", harbor.Price{}, false}, // MMDD is not a date suffix
		{"doubao", "doubao-seed-1-6-25101", harbor.Price{}, false},
		{"doubao", "doubao-seed-1-6-2510155", harbor.Price{}, false},
		{"doubao", "doubao-seed-1-6-25101x", harbor.Price{}, false},
		{"doubao", "-251015", harbor.Price{}, false}, // nothing left of the model
		{"wenxin", "ERNIE-Odd-Case", exact, true},
		{"wenxin", "ernie-odd-case", harbor.Price{}, false},
		{"local", strings.Repeat("m", 200), exact, true},             // longer than the stack buffer
		{"LOCAL", strings.Repeat("M", 200) + "-260101", exact, true}, // …with both fallbacks
	}
	for _, tt := range tests {
		got, ok := prices.Lookup(tt.provider, tt.model)
		assert.Equal(t, tt.found, ok, "%s/%s", tt.provider, tt.model)
		assert.Equal(t, tt.want, got, "%s/%s", tt.provider, tt.model)
	}
}

func TestPriceLookupDoesNotAllocate(t *testing.T) {
	prices := harbor.DefaultPrices()
	prices["doubao/doubao-seed-1-6"] = harbor.Price{Input: 1, Output: 1}
	for _, q := range [][2]string{
		{"deepseek", "deepseek-v4-flash"},
		{"wenxin", "ERNIE-4.0-Turbo-8K"},
		{"doubao", "doubao-seed-1-6-251015"},
		{"deepseek", "no-such-model"},
	} {
		allocs := testing.AllocsPerRun(100, func() { prices.Lookup(q[0], q[1]) })
		assert.Zero(t, allocs, "%s/%s", q[0], q[1])
	}
}

func TestLoadPrices(t *testing.T) {
	prices, err := harbor.LoadPrices(strings.NewReader(`{
		"deepseek/deepseek-v4-flash": {"input": 1, "cached_input": 0.02, "output": 4},
		"Wenxin/ERNIE-Speed-8K": {"input": 0, "output": 0},
		"siliconflow/Qwen/Qwen3-8B": {"output": 0.5, "input": 0.25}
	}`))
	require.NoError(t, err)
	assert.Equal(t, harbor.PriceTable{
		"deepseek/deepseek-v4-flash": {Input: 1, CachedInput: 0.02, Output: 4},
		"wenxin/ernie-speed-8k":      {},
		"siliconflow/qwen/qwen3-8b":  {Input: 0.25, Output: 0.5},
	}, prices)

	p, ok := prices.Lookup("siliconflow", "Qwen/Qwen3-8B") // the model is everything after the first "/"
	assert.True(t, ok)
	assert.Equal(t, harbor.Price{Input: 0.25, Output: 0.5}, p)
	_, ok = prices.Lookup("wenxin", "ERNIE-Speed-8K") // a free model is found, at zero
	assert.True(t, ok)

	empty, err := harbor.LoadPrices(strings.NewReader(" {} \n"))
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.NotNil(t, empty)
}

func TestLoadPricesRejects(t *testing.T) {
	tests := []struct {
		name, json string
		key        string // the key the error must name ("" for none)
		line       int
		want       string
	}{
		{"negative input", `{"a/b": {"input": -1, "output": 2}}`, "a/b", 1, "input is negative (-1)"},
		{"negative cached_input", `{"a/b": {"input": 1, "cached_input": -0.5, "output": 2}}`, "a/b", 1, "cached_input is negative"},
		{"negative output", "{\n\"a/b\": {\"input\": 1, \"output\": 2},\n\"c/d\": {\"input\": 1, \"output\": -2}}", "c/d", 3, "output is negative"},
		{"NaN", `{"a/b": {"input": NaN, "output": 2}}`, "a/b", 1, "invalid character"},
		{"Inf string", `{"a/b": {"input": "Inf", "output": 2}}`, "a/b", 1, "cannot unmarshal string"},
		{"overflow to Inf", `{"a/b": {"input": 1e999, "output": 2}}`, "a/b", 1, "cannot unmarshal number 1e999"},
		{"unknown field", `{"a/b": {"input": 1, "output": 2, "inptu": 3}}`, "a/b", 1, `unknown field "inptu"`},
		{"missing output", `{"a/b": {"input": 1}}`, "a/b", 1, `"input" and "output" are required`},
		{"missing input", `{"a/b": {"cached_input": 1, "output": 1}}`, "a/b", 1, `"input" and "output" are required`},
		{"null price", `{"a/b": null}`, "a/b", 1, `"input" and "output" are required`},
		{"price not an object", `{"a/b": 3}`, "a/b", 1, "cannot unmarshal number"},
		{"no slash", `{"deepseek-v4-flash": {"input": 1, "output": 2}}`, "deepseek-v4-flash", 1, `not a "provider/model" key`},
		{"no provider", `{"/deepseek-v4-flash": {"input": 1, "output": 2}}`, "/deepseek-v4-flash", 1, "no provider"},
		{"no model", `{"deepseek/": {"input": 1, "output": 2}}`, "deepseek/", 1, "no model"},
		{"white space", `{"deepseek/ deepseek-v4-flash": {"input": 1, "output": 2}}`, "deepseek/ deepseek-v4-flash", 1, "white space"},
		{"duplicate", "{\"a/b\": {\"input\": 1, \"output\": 2},\n \"a/b\": {\"input\": 3, \"output\": 4}}", "a/b", 2, `priced twice (also as "a/b")`},
		{"duplicate in another case", "{\"a/b\": {\"input\": 1, \"output\": 2},\n \"A/B\": {\"input\": 3, \"output\": 4}}", "A/B", 2, `priced twice (also as "a/b")`},
		{"not an object", `[{"a/b": {"input": 1, "output": 2}}]`, "", 1, "want a JSON object"},
		{"empty input", ``, "", 1, "want a JSON object"},
		{"unterminated", `{"a/b": {"input": 1, "output": 2}`, "", 1, "malformed JSON"},
		{"trailing data", `{} {}`, "", 1, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prices, err := harbor.LoadPrices(strings.NewReader(tt.json))
			require.Error(t, err)
			assert.Nil(t, prices)
			assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
			var he *harbor.Error
			require.ErrorAs(t, err, &he)
			assert.Equal(t, tt.key, he.Param)
			assert.Contains(t, err.Error(), tt.want)
			if tt.key != "" {
				assert.Contains(t, err.Error(), `"`+tt.key+`"`)
			}
			assert.Contains(t, err.Error(), "line "+strconv.Itoa(tt.line)+":")
		})
	}
}

func TestLoadPriceFile(t *testing.T) {
	prices, err := harbor.LoadPriceFile(filepath.Join("testdata", "prices.json"))
	require.NoError(t, err)
	p, ok := prices.Lookup("vllm", "Qwen2.5-7B-Instruct")
	assert.True(t, ok)
	assert.Zero(t, p)
	p, ok = prices.Lookup("deepseek", "deepseek-v4-flash")
	assert.True(t, ok)
	assert.Equal(t, harbor.Price{Input: 1, CachedInput: 0.02, Output: 4}, p)

	_, err = harbor.LoadPriceFile(filepath.Join(t.TempDir(), "missing.json"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("{\n  \"a/b\": {\"input\": 1, \"output\": 2},\n  \"c/d\": {\"input\": -1, \"output\": 2}\n}\n"), 0o600))
	_, err = harbor.LoadPriceFile(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "price file "+bad+`:3: "c/d": input is negative`)
}

func TestPriceTableMerge(t *testing.T) {
	defaults := harbor.DefaultPrices()
	mine := harbor.PriceTable{
		"DeepSeek/DeepSeek-V4-Flash": {Input: 1, CachedInput: 0.02, Output: 4}, // overrides, whatever the case
		"vllm/qwen2.5-7b-instruct":   {},
	}
	merged := defaults.Merge(mine)

	p, ok := merged.Lookup("deepseek", "deepseek-v4-flash")
	require.True(t, ok)
	assert.Equal(t, harbor.Price{Input: 1, CachedInput: 0.02, Output: 4}, p)
	_, ok = merged.Lookup("vllm", "qwen2.5-7b-instruct")
	assert.True(t, ok)
	assert.Equal(t, defaults["deepseek/deepseek-v4-pro"], merged["deepseek/deepseek-v4-pro"]) // kept
	assert.Len(t, merged, len(defaults)+1)
	for k := range merged {
		assert.Equal(t, strings.ToLower(k), k)
	}

	// Neither operand changed.
	assert.Equal(t, harbor.DefaultPrices(), defaults)
	assert.Len(t, mine, 2)
	assert.Contains(t, mine, "DeepSeek/DeepSeek-V4-Flash")

	// Nil tables merge; the result is always a new table.
	var none harbor.PriceTable
	assert.Equal(t, harbor.PriceTable{}, none.Merge(nil))
	again := merged.Merge(nil)
	again["x/y"] = harbor.Price{}
	assert.NotContains(t, merged, "x/y")

	// Within one table, the lower-case spelling of a key wins.
	assert.Equal(t, harbor.PriceTable{"a/b": {Input: 2}},
		harbor.PriceTable{"A/B": {Input: 1}, "a/b": {Input: 2}, "A/b": {Input: 3}}.Merge(nil))
}

func TestDefaultPricesIsAFreshCopy(t *testing.T) {
	first := harbor.DefaultPrices()
	want, ok := first.Lookup("deepseek", "deepseek-v4-flash")
	require.True(t, ok)
	n := len(first)

	first["deepseek/deepseek-v4-flash"] = harbor.Price{Input: 1e6}
	delete(first, "deepseek/deepseek-v4-pro")
	first["x/y"] = harbor.Price{}

	second := harbor.DefaultPrices()
	got, ok := second.Lookup("deepseek", "deepseek-v4-flash")
	require.True(t, ok)
	assert.Equal(t, want, got)
	assert.Contains(t, second, "deepseek/deepseek-v4-pro")
	assert.NotContains(t, second, "x/y")
	assert.Len(t, second, n)
}

// Every default price is one LoadPrices would accept, under a lower-case key naming
// a built-in provider and a model that provider lists or claims by prefix.
func TestDefaultPricesAreWellFormed(t *testing.T) {
	prices := harbor.DefaultPrices()
	require.NotEmpty(t, prices)

	data, err := json.Marshal(prices)
	require.NoError(t, err)
	reloaded, err := harbor.LoadPrices(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, prices, reloaded)

	descriptors := map[string]llm.Descriptor{}
	for _, d := range []llm.Descriptor{deepseek.Descriptor(), doubao.Descriptor(), qianfan.Descriptor(), wenxin.Descriptor()} {
		descriptors[d.Name] = d
	}
	for key, p := range prices {
		assert.Equal(t, strings.ToLower(key), key)
		assert.Positive(t, p.Input, key)
		assert.Positive(t, p.Output, key)
		assert.LessOrEqual(t, p.CachedInput, p.Input, key)

		provider, model, _ := strings.Cut(key, "/")
		d, ok := descriptors[provider]
		if !assert.True(t, ok, "%s: not a built-in provider", key) {
			continue
		}
		listed := slices.ContainsFunc(d.Models, func(m llm.Model) bool { return strings.EqualFold(m.ID, model) })
		claimed := slices.ContainsFunc(d.Prefixes, func(prefix string) bool { return strings.HasPrefix(model, prefix) })
		assert.True(t, listed || claimed, "%s: %s neither lists nor claims the model", key, provider)
	}

	// Every model DeepSeek's descriptor lists is priced (aliases included).
	for _, m := range deepseek.Descriptor().Models {
		_, ok := prices.Lookup(deepseek.Name, m.ID)
		assert.True(t, ok, m.ID)
	}
}

func TestLoadPricesReadError(t *testing.T) {
	_, err := harbor.LoadPrices(errReader{})
	assert.ErrorIs(t, err, errBoom)
	assert.ErrorIs(t, err, harbor.ErrInvalidRequest)
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }
