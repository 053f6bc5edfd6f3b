package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Style is how Generate lays out the instance's JSON.
type Style uint8

const (
	// Compact has no spaces: {"a":1,"b":[true,null]}. Tool-call arguments
	// look like this on the wire.
	Compact Style = iota
	// Spaced puts a space after every ":" and ",": {"a": 1, "b": [true, null]},
	// as models usually write JSON in an answer (and as a stream splits it).
	Spaced
)

// Generate returns a JSON instance valid for schema (see the package
// documentation for what is honoured), laid out in style. prompt seeds every
// choice and is the value of unconstrained strings: the same schema and prompt
// give the same bytes. An empty schema, or one that is not an object, is the
// empty schema (true). The only error is schema not being one JSON value.
func Generate(schema []byte, prompt string, style Style) ([]byte, error) {
	root, err := parse(schema)
	if err != nil {
		return nil, err
	}
	g := &gen{root: root, prompt: prompt, seed: hashString(prompt)}
	v := g.value(root, state{path: "#"})
	var b bytes.Buffer
	encode(&b, v, style)
	return b.Bytes(), nil
}

// object is a JSON object that keeps its keys in document order: a schema's
// "properties" order is the order of the instance's properties.
type object struct {
	keys  []string
	vals  map[string]any
	never bool // the false schema: nothing is valid
}

func newObject(n int) *object { return &object{vals: make(map[string]any, n)} }

func (o *object) get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) has(k string) bool { _, ok := o.get(k); return ok }

// set adds or replaces k, keeping its first position.
func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// obj returns k's value when it is an object.
func (o *object) obj(k string) *object {
	v, _ := o.get(k)
	x, _ := v.(*object)
	return x
}

// arr returns k's value when it is an array.
func (o *object) arr(k string) []any {
	v, _ := o.get(k)
	x, _ := v.([]any)
	return x
}

// str returns k's value when it is a string.
func (o *object) str(k string) string {
	v, _ := o.get(k)
	x, _ := v.(string)
	return x
}

// strs returns the strings of k's array value.
func (o *object) strs(k string) []string {
	var out []string
	for _, v := range o.arr(k) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// num returns k's value when it is a number.
func (o *object) num(k string) (json.Number, bool) {
	v, _ := o.get(k)
	n, ok := v.(json.Number)
	return n, ok
}

// maxCount caps every count a schema asks for (minItems, minLength…), so
// that no schema makes the generator build an instance of unbounded size.
const maxCount = 1 << 14

// count returns k's value as a non-negative count (at most maxCount), or def
// when it is absent or not one.
func (o *object) count(k string, def int) int {
	n, ok := o.num(k)
	if !ok {
		return def
	}
	f, err := n.Float64()
	if err != nil || f < 0 {
		return def
	}
	if f > maxCount {
		return maxCount
	}
	return int(f)
}

// clone copies o's top level.
func (o *object) clone() *object {
	c := &object{keys: append([]string(nil), o.keys...), vals: make(map[string]any, len(o.vals)), never: o.never}
	for k, v := range o.vals {
		c.vals[k] = v
	}
	return c
}

// without copies o's top level without the keys drop.
func (o *object) without(drop ...string) *object {
	c := newObject(len(o.keys))
	c.never = o.never
next:
	for _, k := range o.keys {
		for _, d := range drop {
			if k == d {
				continue next
			}
		}
		c.set(k, o.vals[k])
	}
	return c
}

// --- parsing ---

// parse decodes one JSON value: objects become *object (keys in order),
// numbers json.Number.
func parse(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, fmt.Errorf("schemagen: the schema is not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("schemagen: the schema is not one JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // nil, bool, json.Number or string
	}
	switch d {
	case '{':
		o := newObject(4)
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			o.set(k, v)
		}
		_, err = dec.Token() // '}'
		return o, err
	case '[':
		a := []any{}
		for dec.More() {
			v, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err = dec.Token() // ']'
		return a, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// --- encoding ---

// encode writes v (as parse or the generator make it) as JSON.
func encode(b *bytes.Buffer, v any, style Style) {
	colon, comma := ":", ","
	if style == Spaced {
		colon, comma = ": ", ", "
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case nil:
			b.WriteString("null")
		case bool:
			b.WriteString(strconv.FormatBool(x))
		case json.Number:
			b.WriteString(x.String())
		case string:
			writeString(b, x)
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteString(comma)
				}
				walk(e)
			}
			b.WriteByte(']')
		case *object:
			b.WriteByte('{')
			for i, k := range x.keys {
				if i > 0 {
					b.WriteString(comma)
				}
				writeString(b, k)
				b.WriteString(colon)
				walk(x.vals[k])
			}
			b.WriteByte('}')
		default:
			b.WriteString("null")
		}
	}
	walk(v)
}

// writeString writes s as a JSON string, without escaping "<", ">" and "&"
// (vendors do not).
func writeString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte{'\n'}))
}

// canonical is v's compact JSON, used to compare values.
func canonical(v any) string {
	var b bytes.Buffer
	encode(&b, v, Compact)
	return b.String()
}

// --- hashing ---

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
