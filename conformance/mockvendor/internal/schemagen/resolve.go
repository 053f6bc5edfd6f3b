package schemagen

import (
	"encoding/json"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Resolving a schema: $ref, allOf, anyOf/oneOf and if/then are folded into one
// schema object whose keywords the generator reads directly.

var (
	emptySchema = newObject(0)
	falseSchema = &object{vals: map[string]any{}, never: true}
)

// maxResolve bounds the $ref and combinator expansions of one schema, so that a
// schema referring to itself ({"allOf":[{"$ref":"#"}]}) cannot loop.
const maxResolve = 32

// resolve folds s's references and combinators into one schema object.
func (g *gen) resolve(s any, st *state, guard int) *object {
	switch x := s.(type) {
	case bool:
		if !x {
			return falseSchema
		}
		return emptySchema
	case *object:
		if x.never {
			return x
		}
		if !x.has("$ref") && !x.has("allOf") && !x.has("anyOf") && !x.has("oneOf") && !x.has("if") {
			return x
		}
		out := x.without("$ref", "allOf", "anyOf", "oneOf", "if", "then", "else")
		if guard >= maxResolve {
			return out
		}
		if ref := x.str("$ref"); ref != "" {
			st.refs++
			if t, ok := g.lookup(ref); ok {
				out = merge(out, g.resolve(t, st, guard+1))
			}
		}
		for _, sub := range x.arr("allOf") {
			out = merge(out, g.resolve(sub, st, guard+1))
		}
		for _, kw := range [...]string{"anyOf", "oneOf"} {
			if branches := x.arr(kw); len(branches) > 0 {
				out = merge(out, g.resolve(pickBranch(branches, out, st.minimal()), st, guard+1))
			}
		}
		if cond, ok := x.get("if"); ok {
			out = merge(out, g.resolve(cond, st, guard+1))
			if then, ok := x.get("then"); ok {
				out = merge(out, g.resolve(then, st, guard+1))
			}
		}
		return out
	}
	return emptySchema // not a schema: nothing is asked
}

// pickBranch chooses the anyOf/oneOf branch to build: the first whose type
// fits the surrounding schema's; when only required properties are built, the
// first of those without a $ref, so that recursion ends.
func pickBranch(branches []any, parent *object, minimal bool) any {
	want := typeList(parent)
	fits := func(b any) bool {
		o, ok := b.(*object)
		if !ok {
			return b != false
		}
		return !o.never && typesMeet(want, typeList(o))
	}
	if minimal {
		for _, b := range branches {
			if o, ok := b.(*object); (!ok || !o.has("$ref")) && fits(b) {
				return b
			}
		}
	}
	for _, b := range branches {
		if fits(b) {
			return b
		}
	}
	return branches[0]
}

// lookup resolves a JSON-pointer reference into the root document.
func (g *gen) lookup(ref string) (any, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false // another document, or an anchor-less URL
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if frag == "" {
		return g.root, true
	}
	if frag[0] != '/' {
		return nil, false // an $anchor: not supported
	}
	cur := g.root
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case *object:
			v, ok := x.get(tok)
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// typeList returns a schema's "type" as a list (nil when absent).
func typeList(o *object) []string {
	v, _ := o.get("type")
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// typesMeet reports whether two type lists share a type (an absent list
// allows any; integer is a number).
func typesMeet(a, b []string) bool {
	if a == nil || b == nil {
		return true
	}
	return len(intersectTypes(a, b)) > 0
}

func intersectTypes(a, b []string) []any {
	var out []any
	for _, x := range a {
		for _, y := range b {
			switch {
			case x == y:
				out = append(out, x)
			case x == "number" && y == "integer", x == "integer" && y == "number":
				out = append(out, "integer")
			default:
				continue
			}
			break
		}
	}
	return out
}

// merge combines two schemas that must both hold, keyword by keyword (see the
// package documentation's Limitations).
func merge(a, b *object) *object {
	if a.never || b.never {
		return falseSchema
	}
	if len(b.keys) == 0 {
		return a
	}
	if len(a.keys) == 0 {
		return b
	}
	out := a.clone()
	for _, k := range b.keys {
		bv := b.vals[k]
		av, ok := out.vals[k]
		if !ok {
			out.set(k, bv)
			continue
		}
		switch k {
		case "properties", "patternProperties", "$defs", "definitions":
			ao, aok := av.(*object)
			bo, bok := bv.(*object)
			if !aok || !bok {
				continue
			}
			m := ao.clone()
			for _, pk := range bo.keys {
				if pv, ok := m.vals[pk]; ok {
					m.set(pk, both(pv, bo.vals[pk]))
				} else {
					m.set(pk, bo.vals[pk])
				}
			}
			out.set(k, m)
		case "dependentRequired":
			ao, aok := av.(*object)
			bo, bok := bv.(*object)
			if !aok || !bok {
				continue
			}
			m := ao.clone()
			for _, pk := range bo.keys {
				m.set(pk, unionStrings(m.vals[pk], bo.vals[pk]))
			}
			out.set(k, m)
		case "required":
			out.set(k, unionStrings(av, bv))
		case "type":
			t := intersectTypes(typeList(a), typeList(b))
			if len(t) > 0 {
				out.set(k, t)
			}
		case "enum":
			ae, _ := av.([]any)
			be, _ := bv.([]any)
			var keep []any
			for _, x := range ae {
				for _, y := range be {
					if canonical(x) == canonical(y) {
						keep = append(keep, x)
						break
					}
				}
			}
			if len(keep) > 0 {
				out.set(k, keep)
			}
		case "minimum", "minLength", "minItems", "minProperties", "minContains":
			out.set(k, pickNumber(av, bv, 1))
		case "maximum", "maxLength", "maxItems", "maxProperties", "maxContains":
			out.set(k, pickNumber(av, bv, -1))
		case "exclusiveMinimum":
			out.set(k, pickExclusive(av, bv, 1))
		case "exclusiveMaximum":
			out.set(k, pickExclusive(av, bv, -1))
		case "multipleOf":
			out.set(k, lcmNumber(av, bv))
		case "uniqueItems":
			out.set(k, av == true || bv == true)
		case "items", "additionalProperties", "additionalItems", "contains", "unevaluatedProperties", "unevaluatedItems":
			if _, tuple := av.([]any); tuple {
				continue // draft-7 tuple items: keep the first
			}
			if _, tuple := bv.([]any); tuple {
				continue
			}
			out.set(k, both(av, bv))
		}
		// Any other keyword keeps a's value.
	}
	return out
}

// both is a schema requiring a and b.
func both(a, b any) any {
	switch {
	case a == false || b == false:
		return false
	case a == true:
		return b
	case b == true:
		return a
	}
	o := newObject(1)
	o.set("allOf", []any{a, b})
	return o
}

func unionStrings(a, b any) any {
	var out []any
	seen := map[string]bool{}
	for _, l := range [...]any{a, b} {
		arr, _ := l.([]any)
		for _, e := range arr {
			if s, ok := e.(string); ok && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// pickNumber returns the larger (sign 1) or smaller (sign -1) of two numbers;
// a non-number loses.
func pickNumber(a, b any, sign int) any {
	ra, aok := ratOf(a)
	rb, bok := ratOf(b)
	switch {
	case !aok:
		return b
	case !bok:
		return a
	case ra.Cmp(rb)*sign >= 0:
		return a
	}
	return b
}

// pickExclusive merges exclusive bounds: numbers as pickNumber, draft-4
// booleans or'ed.
func pickExclusive(a, b any, sign int) any {
	ab, aBool := a.(bool)
	bb, bBool := b.(bool)
	switch {
	case aBool && bBool:
		return ab || bb
	case aBool || bBool:
		return a // mixed drafts: keep the first
	}
	return pickNumber(a, b, sign)
}

// lcmNumber is the least common multiple of two positive rationals, so that a
// multiple of it is a multiple of both.
func lcmNumber(a, b any) any {
	ra, aok := ratOf(a)
	rb, bok := ratOf(b)
	if !aok || ra.Sign() <= 0 {
		return b
	}
	if !bok || rb.Sign() <= 0 {
		return a
	}
	// lcm(p1/q1, p2/q2) = lcm(p1, p2) / gcd(q1, q2), in lowest terms.
	var g, l, q big.Int
	g.GCD(nil, nil, ra.Num(), rb.Num())
	l.Mul(ra.Num(), rb.Num())
	l.Quo(&l, &g)
	q.GCD(nil, nil, ra.Denom(), rb.Denom())
	return json.Number(decimal(new(big.Rat).SetFrac(&l, &q)))
}

// ratOf returns a JSON number as an exact rational.
func ratOf(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(n.String())
	return r, ok
}

// hasAny reports whether o has one of keys.
func hasAny(o *object, keys ...string) bool {
	return slices.ContainsFunc(keys, o.has)
}
