package schemagen

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// gen builds one instance.
type gen struct {
	root   any
	prompt string
	seed   uint64
	nodes  int // values built so far
	bytes  int // string bytes built so far
}

// The instance's size is bounded whatever the schema (nested minItems
// multiply): past maxNodes values or maxBytes of strings the generator stops
// adding items and properties, and strings are empty. Real response formats
// and tool parameters stay far below.
const (
	maxNodes = 1 << 16
	maxBytes = 1 << 22
)

func (g *gen) exhausted() bool { return g.nodes > maxNodes || g.bytes > maxBytes }

// state is where in the instance the generator is.
type state struct {
	path    string // JSON pointer of the instance location, for seeding choices
	depth   int    // nesting of the instance location
	refs    int    // $refs followed on the way here
	variant int    // > 0: an alternative instance (for uniqueItems)
}

// Beyond these the generator builds as little as the schema allows (required
// properties only, minItems, null where allowed), and beyond hardDepth it
// gives up with null.
const (
	softDepth = 8
	softRefs  = 2
	hardDepth = 64
)

func (st *state) minimal() bool { return st.depth > softDepth || st.refs > softRefs }

func (st state) child(key string) state {
	st.path += "/" + key
	st.depth++
	return st
}

// rand is a choice for this location: the same schema, prompt and location
// always give the same number.
func (g *gen) rand(st state, salt uint64) uint64 {
	return splitmix64(g.seed ^ hashString(st.path) ^ splitmix64(uint64(st.variant)+salt*0x9e3779b97f4a7c15))
}

// value builds an instance of s at st.
func (g *gen) value(s any, st state) any {
	g.nodes++
	if st.depth > hardDepth || g.exhausted() {
		return nil
	}
	r := g.resolve(s, &st, 0)
	if r.never {
		return nil
	}
	if c, ok := r.get("const"); ok {
		return c
	}
	if e := r.arr("enum"); len(e) > 0 {
		return g.enum(e, r, st)
	}
	switch g.pickType(r, st) {
	case "null":
		return nil
	case "boolean":
		return g.rand(st, 1)&1 == 1
	case "integer":
		return g.number(r, true, st)
	case "number":
		return g.number(r, false, st)
	case "array":
		return g.array(r, st)
	case "object":
		return g.object(r, st)
	}
	return g.string(r, st)
}

// pickType chooses the instance's type (see the package documentation).
func (g *gen) pickType(r *object, st state) string {
	types := typeList(r)
	if len(types) == 0 {
		switch {
		case hasAny(r, "properties", "required", "additionalProperties", "patternProperties", "minProperties", "maxProperties", "dependentRequired"):
			return "object"
		case hasAny(r, "items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems"):
			return "array"
		case hasAny(r, "minLength", "maxLength", "pattern", "format"):
			return "string"
		case hasAny(r, "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
			return "number"
		}
		return "string"
	}
	nullable := false
	first := ""
	for _, t := range types {
		if t == "null" {
			nullable = true
		} else if first == "" {
			first = t
		}
	}
	if first == "" || nullable && st.minimal() {
		return "null"
	}
	return first
}

// enum picks one of e, of r's type when r has one.
func (g *gen) enum(e []any, r *object, st state) any {
	cands := e
	if types := typeList(r); types != nil {
		cands = nil
		for _, v := range e {
			if slicesContainsType(types, v) {
				cands = append(cands, v)
			}
		}
		if len(cands) == 0 {
			cands = e
		}
	}
	return cands[g.rand(st, 2)%uint64(len(cands))]
}

func slicesContainsType(types []string, v any) bool {
	for _, t := range types {
		if jsonType(v, t) {
			return true
		}
	}
	return false
}

// jsonType reports whether v is of JSON Schema type t.
func jsonType(v any, t string) bool {
	switch x := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case []any:
		return t == "array"
	case *object:
		return t == "object"
	case json.Number:
		if t == "number" {
			return true
		}
		if t == "integer" {
			r, ok := ratOf(x)
			return ok && r.IsInt()
		}
	}
	return false
}

// --- objects ---

func (g *gen) object(r *object, st state) any {
	props := r.obj("properties")
	patterns := r.obj("patternProperties")
	addl, hasAddl := r.get("additionalProperties")
	required := r.strs("required")
	isRequired := func(k string) bool {
		for _, q := range required {
			if q == k {
				return true
			}
		}
		return false
	}

	var names []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			names = append(names, k)
		}
	}
	if props != nil {
		for _, k := range props.keys {
			if !st.minimal() || isRequired(k) {
				add(k)
			}
		}
	}
	for _, k := range required {
		add(k)
	}
	// dependentRequired, and draft-7 dependencies given as lists.
	for changed := true; changed; {
		changed = false
		for _, kw := range [...]string{"dependentRequired", "dependencies"} {
			deps := r.obj(kw)
			if deps == nil {
				continue
			}
			for _, k := range append([]string(nil), names...) {
				list, ok := deps.vals[k].([]any)
				if !ok {
					continue
				}
				for _, d := range list {
					if s, ok := d.(string); ok && !seen[s] {
						add(s)
						changed = true
					}
				}
			}
		}
	}
	if maxP := r.count("maxProperties", -1); maxP >= 0 && len(names) > maxP {
		kept := names[:0:0]
		room := maxP - len(required)
		for _, k := range names {
			if isRequired(k) {
				kept = append(kept, k)
			} else if room > 0 {
				kept = append(kept, k)
				room--
			}
		}
		names = kept
	}
	if minP := r.count("minProperties", 0); len(names) < minP {
		for i := 1; len(names) < minP && i <= minP+16; i++ {
			switch {
			case !hasAddl || addl != false:
				if k := "property_" + strconv.Itoa(i); !seen[k] {
					add(k)
				}
			case patterns != nil:
				for _, p := range patterns.keys {
					if k, ok := matchString(p, 1+i/10, -1, i); ok && !seen[k] {
						add(k)
						break
					}
				}
			}
		}
	}

	type pattern struct {
		re     *regexp.Regexp
		schema any
	}
	var pats []pattern
	if patterns != nil {
		for _, p := range patterns.keys {
			if re, err := regexp.Compile(p); err == nil {
				pats = append(pats, pattern{re, patterns.vals[p]})
			}
		}
	}
	out := newObject(len(names))
	for _, k := range names {
		if g.exhausted() {
			break
		}
		var s any = true
		declared := false
		if props != nil {
			if ps, ok := props.vals[k]; ok {
				s, declared = ps, true
			}
		}
		matched := false
		for _, p := range pats {
			if p.re.MatchString(k) {
				s = both(s, p.schema)
				matched = true
			}
		}
		if !declared && !matched && hasAddl {
			s = addl
		}
		out.set(k, g.value(s, st.child(escapePointer(k))))
	}
	return out
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// --- arrays ---

func (g *gen) array(r *object, st state) any {
	var tuple []any
	var rest any = true
	itemsV, hasItems := r.get("items")
	if prefix, ok := r.get("prefixItems"); ok {
		tuple, _ = prefix.([]any)
		if hasItems {
			rest = itemsV
		}
	} else if arr, ok := itemsV.([]any); ok {
		tuple = arr
		if ai, ok := r.get("additionalItems"); ok {
			rest = ai
		}
	} else if hasItems {
		rest = itemsV
	}

	minI := r.count("minItems", 0)
	maxI := r.count("maxItems", -1)
	if rest == false && (maxI < 0 || maxI > len(tuple)) {
		maxI = len(tuple)
	}
	contains, hasContains := r.get("contains")
	minC := 0
	if hasContains {
		minC = r.count("minContains", 1)
		minI = max(minI, minC)
	}
	n := minI
	if !st.minimal() {
		n = max(minI, len(tuple), 1+int(g.rand(st, 3)%2))
	}
	if maxI >= 0 && n > maxI {
		n = max(maxI, minI)
	}

	unique := r.vals["uniqueItems"] == true
	out := make([]any, 0, n)
	seen := map[string]bool{}
	for i := 0; i < n && !g.exhausted(); i++ {
		var s any = rest
		if i < len(tuple) {
			s = tuple[i]
		}
		if i < minC {
			s = both(s, contains)
		}
		cst := st.child(strconv.Itoa(i))
		v := g.value(s, cst)
		if unique {
			for try := 1; seen[canonical(v)] && try <= 8; try++ {
				cst.variant = st.variant + i + (try-1)*n
				v = g.value(s, cst)
			}
			if seen[canonical(v)] && len(out)+(n-i) > minI {
				continue // drop a duplicate while enough items remain
			}
			seen[canonical(v)] = true
		}
		out = append(out, v)
	}
	return out
}

// --- strings ---

func (g *gen) string(r *object, st state) any {
	minL := r.count("minLength", 0)
	maxL := r.count("maxLength", -1)
	if p := r.str("pattern"); p != "" {
		if s, ok := matchString(p, minL, maxL, st.variant); ok {
			g.bytes += len(s)
			return s
		}
	}
	if f := r.str("format"); f != "" {
		if s, ok := formatValue(f, g.rand(st, 4), st.variant); ok {
			return s
		}
	}
	s := g.prompt
	if st.variant > 0 {
		s += " " + strconv.Itoa(st.variant+1)
	}
	n := utf8.RuneCountInString(s)
	if maxL >= 0 && n > maxL {
		s = string([]rune(s)[:maxL])
		n = maxL
	}
	if n < minL {
		s += strings.Repeat("x", minL-n)
	}
	g.bytes += len(s)
	return s
}

// formatValue is a well-formed value of format f, or false when the format is
// not one the generator knows.
func formatValue(f string, h uint64, variant int) (string, bool) {
	day := 1 + int(h%28)
	month := 1 + int(h>>8%12)
	date := "2025-" + pad2(month) + "-" + pad2(day)
	clock := pad2(int(h>>16%24)) + ":" + pad2(int(h>>24%60)) + ":00"
	suffix := ""
	if variant > 0 {
		suffix = strconv.Itoa(variant + 1)
	}
	switch f {
	case "date":
		return date, true
	case "date-time":
		return date + "T" + clock + "Z", true
	case "time":
		return clock + "Z", true
	case "email", "idn-email":
		return "user" + suffix + "@example.com", true
	case "hostname", "idn-hostname":
		return "host" + suffix + ".example.com", true
	case "ipv4":
		return "192.0.2." + strconv.Itoa(1+int(h%254)), true
	case "ipv6":
		return "2001:db8::" + strconv.FormatUint(1+h%0xfffe, 16), true
	case "uri", "iri", "uri-reference", "iri-reference":
		return "https://example.com/" + suffix, true
	case "uri-template":
		return "https://example.com/{id}" + suffix, true
	case "uuid":
		return uuid(h), true
	case "duration":
		return "P" + strconv.Itoa(day) + "D", true
	case "json-pointer":
		return "/a" + suffix, true
	case "relative-json-pointer":
		return strconv.Itoa(variant), true
	case "regex":
		return "^a" + suffix + "$", true
	}
	return "", false
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// uuid formats a version-4 UUID from h.
func uuid(h uint64) string {
	lo := splitmix64(h)
	var raw [16]byte
	for i := 0; i < 8; i++ {
		raw[i] = byte(h >> (56 - 8*i))
		raw[8+i] = byte(lo >> (56 - 8*i))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	const hexdigits = "0123456789abcdef"
	var b strings.Builder
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b.WriteByte('-')
		}
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&0xf])
	}
	return b.String()
}
