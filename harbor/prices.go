package harbor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"unicode"
)

// A PriceTable maps "provider/model" ("deepseek/deepseek-v4-flash") to what the
// model costs, in CNY per million tokens. DefaultPrices is harbor's own table;
// LoadPrices and LoadPriceFile read yours from JSON, and Merge lays it over the
// defaults. Keys are case-insensitive in ASCII: DefaultPrices, LoadPrices and Merge
// store them in lower case, and Lookup lower-cases what it is asked (build a table
// by hand with lower-case keys to keep that true).
//
// A PriceTable is a plain map: read it from many goroutines at once, but do not
// change it while it is in use.
type PriceTable map[string]Price

// datedSuffixLen is the length of a model id's "-YYMMDD" version suffix
// ("doubao-seed-1-6-251015").
const datedSuffixLen = 7

// Lookup returns the price of model as served by provider, and whether the table
// has one. It tries, in order, and stops at the first key present:
//
//  1. "provider/model" exactly as given;
//  2. the same key in lower case (ASCII), so that "wenxin/ERNIE-4.0-8K" finds
//     "wenxin/ernie-4.0-8k";
//  3. that lower-case key without a trailing "-YYMMDD" date (a dash and six
//     digits), so that "doubao/doubao-seed-1-6-251015" finds
//     "doubao/doubao-seed-1-6": one price for every dated version of a model,
//     unless the table prices that version itself. Shorter suffixes are left
//     alone: "ERNIE-Lite-8K-0922" is a model of its own, not a version of
//     ERNIE-Lite-8K.
//
// Nothing else is guessed: an unknown model is not found, and its cost is
// unknown rather than zero. Lookup does not allocate for keys up to 128 bytes.
func (t PriceTable) Lookup(provider, model string) (Price, bool) {
	if len(t) == 0 {
		return Price{}, false
	}
	var buf [128]byte
	key := append(buf[:0], provider...)
	key = append(key, '/')
	key = append(key, model...)
	if p, ok := t[string(key)]; ok {
		return p, true
	}
	if lowerASCII(key) {
		if p, ok := t[string(key)]; ok {
			return p, true
		}
	}
	if n := len(key) - datedSuffixLen; n > len(provider)+1 && isDatedSuffix(key[n:]) {
		if p, ok := t[string(key[:n])]; ok {
			return p, true
		}
	}
	return Price{}, false
}

// lowerASCII lowers b's ASCII letters in place and reports whether any changed.
func lowerASCII(b []byte) bool {
	changed := false
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
			changed = true
		}
	}
	return changed
}

// lowerKey is a key in lower case (ASCII letters only, like Lookup).
func lowerKey(k string) string {
	for i := 0; i < len(k); i++ {
		if c := k[i]; 'A' <= c && c <= 'Z' {
			b := []byte(k)
			lowerASCII(b[i:])
			return string(b)
		}
	}
	return k
}

// isDatedSuffix reports whether s is "-" and six ASCII digits.
func isDatedSuffix(s []byte) bool {
	if len(s) != datedSuffixLen || s[0] != '-' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Merge returns a new table with t's prices and o's, o's winning where both price
// a model (keys compared case-insensitively): harbor.DefaultPrices().Merge(mine)
// keeps the defaults you did not override. Neither t nor o is changed. All keys of
// the result are in lower case; within one table, an entry whose key is already
// in lower case wins over one that differs from it only in case.
func (t PriceTable) Merge(o PriceTable) PriceTable {
	out := make(PriceTable, len(t)+len(o))
	for _, src := range [...]PriceTable{t, o} {
		// Sorted, so that of two keys differing only in case the lower-case one
		// (which sorts last) deterministically wins.
		for _, k := range slices.Sorted(maps.Keys(src)) {
			out[lowerKey(k)] = src[k]
		}
	}
	return out
}

// LoadPriceFile reads a price table from the JSON file at path, as LoadPrices
// does; its errors name the file and line.
func LoadPriceFile(path string) (PriceTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Message: "price file: " + err.Error(), Err: err, Kind: ErrInvalidRequest}
	}
	defer f.Close()
	return loadPrices(f, path)
}

// LoadPrices reads a price table from JSON: one object whose keys are
// "provider/model" and whose values give the price in CNY per million tokens of
// uncached prompt tokens ("input"), prompt tokens served from the vendor's cache
// ("cached_input", optional: 0 or absent charges them at "input") and completion
// tokens ("output"):
//
//	{
//	  "deepseek/deepseek-v4-flash": {"input": 1, "cached_input": 0.02, "output": 4},
//	  "vllm/qwen2.5-7b-instruct":   {"input": 0, "output": 0}
//	}
//
// The provider is a harbor provider name ("deepseek", "doubao", "qianfan",
// "wenxin", "openai", or an openaicompat Endpoint's name); the model is
// everything after the first "/", so "siliconflow/Qwen/Qwen3-8B" is model
// "Qwen/Qwen3-8B". Keys are stored in lower case (see PriceTable).
//
// It rejects, with an ErrInvalidRequest naming the key and its line: a key not of
// the "provider/model" form (an empty part, or white space), a key given twice
// (in any case), a field other than the three, a missing "input" or "output", and a
// price that is negative, NaN, infinite or not a number. An empty object is an
// empty table.
func LoadPrices(r io.Reader) (PriceTable, error) {
	return loadPrices(r, "")
}

// loadPrices is LoadPrices; name (a file path, or "") prefixes the errors.
func loadPrices(r io.Reader, name string) (PriceTable, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, priceError(name, 0, "", "reading: "+err.Error(), err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	line := func() int { return 1 + bytes.Count(data[:dec.InputOffset()], []byte{'\n'}) }

	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, priceError(name, line(), "", "want a JSON object of \"provider/model\": {\"input\", \"cached_input\", \"output\"}", err)
	}
	t := PriceTable{}
	seen := map[string]string{} // lower-case key -> key as written
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, priceError(name, line(), "", "malformed JSON", err)
		}
		key := tok.(string) // object keys are always strings
		at := line()
		if err := checkPriceKey(key); err != nil {
			return nil, priceError(name, at, key, err.Error(), nil)
		}
		lk := lowerKey(key)
		if prev, dup := seen[lk]; dup {
			return nil, priceError(name, at, key, fmt.Sprintf("priced twice (also as %q)", prev), nil)
		}
		seen[lk] = key

		var v struct {
			Input       *float64 `json:"input"`
			CachedInput *float64 `json:"cached_input"`
			Output      *float64 `json:"output"`
		}
		if err := dec.Decode(&v); err != nil {
			return nil, priceError(name, at, key, "want {\"input\": n, \"cached_input\": n, \"output\": n}", err)
		}
		if v.Input == nil || v.Output == nil {
			return nil, priceError(name, at, key, "\"input\" and \"output\" are required (0 for a free model)", nil)
		}
		p := Price{Input: *v.Input, Output: *v.Output}
		if v.CachedInput != nil {
			p.CachedInput = *v.CachedInput
		}
		if err := checkPrice(p); err != nil {
			return nil, priceError(name, at, key, err.Error(), nil)
		}
		t[lk] = p
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, priceError(name, line(), "", "malformed JSON", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, priceError(name, line(), "", "trailing data after the price object", nil)
	}
	return t, nil
}

// checkPriceKey checks the "provider/model" form of a key.
func checkPriceKey(key string) error {
	provider, model, ok := strings.Cut(key, "/")
	switch {
	case !ok:
		return errors.New(`not a "provider/model" key`)
	case provider == "":
		return errors.New(`no provider before "/"`)
	case model == "":
		return errors.New(`no model after "/"`)
	case strings.ContainsFunc(key, unicode.IsSpace):
		return errors.New("white space in the key")
	}
	return nil
}

// checkPrice rejects negative, NaN and infinite prices.
func checkPrice(p Price) error {
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"input", p.Input}, {"cached_input", p.CachedInput}, {"output", p.Output}} {
		switch {
		case math.IsNaN(f.v) || math.IsInf(f.v, 0):
			return fmt.Errorf("%s is %v", f.name, f.v)
		case f.v < 0:
			return fmt.Errorf("%s is negative (%v)", f.name, f.v)
		}
	}
	return nil
}

// priceError is an ErrInvalidRequest about a price table: `price file
// path:line: "key": msg`, or `prices: line n: "key": msg` without a file.
func priceError(name string, line int, key, msg string, cause error) *Error {
	var b strings.Builder
	switch {
	case name != "":
		b.WriteString("price file " + name)
		if line > 0 {
			fmt.Fprintf(&b, ":%d", line)
		}
	case line > 0:
		fmt.Fprintf(&b, "prices: line %d", line)
	default:
		b.WriteString("prices")
	}
	if key != "" {
		fmt.Fprintf(&b, ": %q", key)
	}
	b.WriteString(": " + msg)
	return &Error{Param: key, Message: b.String(), Err: cause, Kind: ErrInvalidRequest}
}

// DefaultPrices returns harbor's built-in price table, a fresh copy on every call
// (change it freely). Prices are list prices in CNY per million tokens, taken from
// the vendors' own pricing pages (the source and date of each figure are in the
// comments of prices.go); they go stale, and they ignore discounts, resource packs
// and free quotas. Override them with Merge, e.g. from LoadPriceFile.
//
// What it covers, and why not more:
//
//   - deepseek: every model DeepSeek's descriptor lists, plus deepseek-flash (the
//     vendor's current name for Flash), from
//     https://api-docs.deepseek.com/zh-cn/quick_start/pricing/ as of late October
//     2026. DeepSeek bills weekday peak hours (Beijing time 9:00-12:00 and
//     14:00-18:00, Chinese public holidays excepted) at twice the off-peak rate; a
//     Price has one rate, and the defaults are the peak ones, so a cost computed
//     with them is an upper bound: off-peak calls cost half.
//   - qianfan and wenxin: ERNIE-4.0-Turbo-8K only, from Qianfan's prompt-cache
//     notice (https://ai.baidu.com/ai-doc/WENXINWORKSHOP/Rm6uq7jy9, undated), the
//     one ERNIE price found on a Baidu page when the table was written. A later
//     ERNIE price cut may make it an overestimate.
//   - doubao: none. Ark's price page could not be read when the table was
//     written, and its Seed models are priced by input-length tier, which one
//     Price cannot express.
//   - openai and openaicompat endpoints: none; their prices are the endpoint's.
func DefaultPrices() PriceTable {
	t := make(PriceTable, len(defaultPrices))
	for _, e := range defaultPrices {
		t[e.key] = e.price
	}
	return t
}

// defaultPrices is DefaultPrices' table: CNY per million tokens, each with where
// and when the figure was read. Keys are lower case.
//
// Not priced: no source found offline (a price is left out rather than guessed):
//   - doubao/*: every Doubao model harbor lists (doubao-seed-2-0-pro/lite/mini/
//     code-preview-260215, doubao-seed-1-8-251228, doubao-seed-1-6-251015/250615,
//     doubao-seed-1-6-flash-250828/250615, doubao-seed-1-6-lite-251015,
//     doubao-seed-1-6-vision-250815, doubao-seed-1-6-thinking-250715,
//     doubao-1-5-pro-32k/256k-250115, doubao-1-5-lite-32k-250115,
//     doubao-1-5-vision-pro-32k-250115). Ark's "模型价格" page
//     (https://www.volcengine.com/docs/82379/1544106, stored copies of 2026-09-21
//     and 2026-11-05) could only be read up to its introduction, not its tables;
//     figures elsewhere are third parties' and, for the Seed models, depend on the
//     input-length tier (0-32k, 32-128k, 128-256k tokens).
//   - qianfan/* and wenxin/* other than ERNIE-4.0-Turbo-8K (ernie-4.0-8k,
//     ernie-3.5-8k/128k, ernie-speed-*, ernie-lite-*, ernie-tiny-8k, ernie-char-8k,
//     ernie-novel-8k, ernie-4.5-turbo-*, ernie-x1-*, ernie-5.0-thinking-latest, and
//     wenxin's ERNIE-4.0-8K-Latest/Preview, ERNIE-Lite-8K-0922,
//     ERNIE-Function-8K…): no current Qianfan price page was found stored, only
//     2024 figures in third-party posts.
var defaultPrices = [...]struct {
	key   string
	price Price
}{
	// DeepSeek, peak rates: https://api-docs.deepseek.com/zh-cn/quick_start/pricing/
	// ("模型 & 价格"), stored copy undated; it names model version
	// DeepSeek-V4.1-Flash-1017 and announces Search/Fetch billing from
	// 2026-11-01, so it dates from between 2026-10-17 and 2026-11-01 (inferred,
	// not stated); other stored copies of the page agree on the figures. Flash:
	// cache hit 0.04, miss 2, output 8 (off-peak 0.02/1/4); V4-Pro: 0.30/9.0/27.0
	// (off-peak 0.15/4.5/13.5). The page says deepseek-v4-flash is a legacy name
	// still served, "按 Flash 价格计费".
	{"deepseek/deepseek-flash", Price{Input: 2, CachedInput: 0.04, Output: 8}},
	{"deepseek/deepseek-v4-flash", Price{Input: 2, CachedInput: 0.04, Output: 8}},
	{"deepseek/deepseek-v4-pro", Price{Input: 9, CachedInput: 0.30, Output: 27}},
	// deepseek-chat and deepseek-reasoner were retired on 2026-07-24; harbor sends
	// them as deepseek-v4-flash (deepseek.DefaultLegacyAliases), billed as Flash.
	{"deepseek/deepseek-chat", Price{Input: 2, CachedInput: 0.04, Output: 8}},
	{"deepseek/deepseek-reasoner", Price{Input: 2, CachedInput: 0.04, Output: 8}},

	// ERNIE-4.0-Turbo-8K: Qianfan's "prompt cache上线公告",
	// https://ai.baidu.com/ai-doc/WENXINWORKSHOP/Rm6uq7jy9 (stored copy undated):
	// cache hit 0.0012, miss 0.003, output 0.009 元/千tokens. The price is the
	// model's on the Qianfan platform, whichever API (v1 or v2) calls it. Qianfan's
	// notice list names a later "Ernie系列模型降价通知" (price cut) that is not
	// stored, so the current price may be lower: treat this as an upper bound.
	{"qianfan/ernie-4.0-turbo-8k", Price{Input: 3, CachedInput: 1.2, Output: 9}},
	{"wenxin/ernie-4.0-turbo-8k", Price{Input: 3, CachedInput: 1.2, Output: 9}},
}
