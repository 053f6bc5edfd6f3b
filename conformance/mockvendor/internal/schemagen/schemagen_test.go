package schemagen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every generated instance is checked by an independent validator,
// santhosh-tekuri/jsonschema (which passes the official JSON-Schema-Test-Suite),
// with format assertions on.

var prompts = []string{"hi", "find harbor", "weather in Paris", "", "引号 \"quoted\" <b>&</b>", "a much longer prompt with many words in it"}

// validator compiles schema (draft 2020-12 unless it says otherwise) or fails.
func validator(t *testing.T, schema string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schema))
	require.NoError(t, err, "schema: %s", schema)
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	require.NoError(t, c.AddResource("schema.json", doc), "schema: %s", schema)
	sch, err := c.Compile("schema.json")
	require.NoError(t, err, "schema: %s", schema)
	return sch
}

// valid generates an instance of schema for prompt in both styles and checks
// it with the validator; it returns the compact instance.
func valid(t *testing.T, sch *jsonschema.Schema, schema, prompt string) string {
	t.Helper()
	compact, err := Generate([]byte(schema), prompt, Compact)
	require.NoError(t, err)
	spaced, err := Generate([]byte(schema), prompt, Spaced)
	require.NoError(t, err)
	require.True(t, json.Valid(compact), "not JSON: %s", compact)
	require.True(t, json.Valid(spaced), "not JSON: %s", spaced)
	var c, s bytes.Buffer
	require.NoError(t, json.Compact(&c, compact))
	require.NoError(t, json.Compact(&s, spaced))
	assert.Equal(t, c.String(), s.String(), "the styles differ only in spaces")
	assert.Equal(t, c.String(), string(compact), "Compact is compact")

	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(compact))
	require.NoError(t, err)
	if err := sch.Validate(inst); err != nil {
		t.Errorf("prompt %q: the instance is not valid for the schema\nschema:   %s\ninstance: %s\n%v", prompt, schema, compact, err)
	}
	again, err := Generate([]byte(schema), prompt, Compact)
	require.NoError(t, err)
	assert.Equal(t, string(compact), string(again), "deterministic")
	return string(compact)
}

// schemas are hand-written cases, one or more per keyword the generator
// honours, and the shapes response formats and tools use in practice.
var schemas = []struct{ name, schema string }{
	{"empty", `{}`},
	{"true", `true`},
	{"string", `{"type":"string"}`},
	{"string lengths", `{"type":"string","minLength":30,"maxLength":40}`},
	{"string max 3", `{"type":"string","maxLength":3}`},
	{"string max 0", `{"type":"string","maxLength":0}`},
	{"string min only", `{"type":"string","minLength":80}`},
	{"integer", `{"type":"integer"}`},
	{"integer range", `{"type":"integer","minimum":-5,"maximum":5}`},
	{"integer exclusive", `{"type":"integer","exclusiveMinimum":3,"exclusiveMaximum":5}`},
	{"integer multipleOf", `{"type":"integer","multipleOf":7,"minimum":100}`},
	{"integer multipleOf decimal", `{"type":"integer","multipleOf":2.5,"maximum":-10}`},
	{"integer negative range", `{"type":"integer","minimum":-1000,"maximum":-990}`},
	{"integer big", `{"type":"integer","minimum":1e20}`},
	{"number", `{"type":"number"}`},
	{"number narrow", `{"type":"number","exclusiveMinimum":0.1,"exclusiveMaximum":0.2}`},
	{"number multipleOf 0.1", `{"type":"number","multipleOf":0.1,"minimum":0.25,"maximum":0.95}`},
	{"number multipleOf 0.01 open", `{"type":"number","multipleOf":0.01}`},
	{"number single point", `{"type":"number","minimum":2.5,"maximum":2.5}`},
	{"number only maximum", `{"type":"number","maximum":-3.75}`},
	{"boolean", `{"type":"boolean"}`},
	{"null", `{"type":"null"}`},
	{"nullable string", `{"type":["string","null"]}`},
	{"null first", `{"type":["null","integer"],"minimum":3}`},
	{"enum", `{"enum":["red","green","blue"]}`},
	{"enum typed", `{"type":"integer","enum":["x",1,2.5,3]}`},
	{"enum mixed", `{"enum":[null,true,{"a":1},[1,2]]}`},
	{"const", `{"const":{"kind":"fixed","n":[1,2]}}`},
	{"format date", `{"type":"string","format":"date"}`},
	{"format date-time", `{"type":"string","format":"date-time"}`},
	{"format time", `{"type":"string","format":"time"}`},
	{"format email", `{"type":"string","format":"email"}`},
	{"format uri", `{"type":"string","format":"uri"}`},
	{"format uri-reference", `{"type":"string","format":"uri-reference"}`},
	{"format uuid", `{"type":"string","format":"uuid"}`},
	{"format hostname", `{"type":"string","format":"hostname"}`},
	{"format ipv4", `{"type":"string","format":"ipv4"}`},
	{"format ipv6", `{"type":"string","format":"ipv6"}`},
	{"format duration", `{"type":"string","format":"duration"}`},
	{"format json-pointer", `{"type":"string","format":"json-pointer"}`},
	{"format regex", `{"type":"string","format":"regex"}`},
	{"format unknown", `{"type":"string","format":"x-custom"}`},
	{"pattern digits", `{"type":"string","pattern":"^[0-9]{3}-[0-9]{4}$"}`},
	{"pattern unanchored", `{"type":"string","pattern":"abc"}`},
	{"pattern with lengths", `{"type":"string","pattern":"^[a-z]+$","minLength":10,"maxLength":12}`},
	{"pattern alternatives", `{"type":"string","pattern":"^(cat|dog|bird)s?$"}`},
	{"pattern classes", `{"type":"string","pattern":"^\\w+@\\w+\\.(com|org)$"}`},
	{"pattern negated", `{"type":"string","pattern":"^[^a-z0-9]{2,4}$"}`},
	{"pattern unicode", `{"type":"string","pattern":"^\\p{Han}{2}$"}`},
	{"pattern code", `{"type":"string","pattern":"^[A-Z]{2}\\d{2}[A-Z0-9]{4}$"}`},
	{"pattern min pad", `{"type":"string","pattern":"^ab*$","minLength":5}`},
	{"array", `{"type":"array","items":{"type":"string"}}`},
	{"array bounds", `{"type":"array","items":{"type":"integer"},"minItems":4,"maxItems":6}`},
	{"array max 0", `{"type":"array","maxItems":0}`},
	{"array unique ints", `{"type":"array","items":{"type":"integer","minimum":0,"maximum":3},"minItems":4,"uniqueItems":true}`},
	{"array unique strings", `{"type":"array","items":{"type":"string"},"minItems":3,"uniqueItems":true}`},
	{"array unique enum", `{"type":"array","items":{"enum":["a","b","c"]},"minItems":3,"maxItems":3,"uniqueItems":true}`},
	{"array unique objects", `{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer"},"tag":{"type":"string"}}},"minItems":3,"uniqueItems":true}`},
	{"array unique dates", `{"type":"array","items":{"type":"string","format":"date"},"minItems":5,"uniqueItems":true}`},
	{"prefixItems", `{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"},{"type":"boolean"}],"items":false}`},
	{"prefixItems and items", `{"type":"array","prefixItems":[{"const":"head"}],"items":{"type":"number"},"minItems":3}`},
	{"contains", `{"type":"array","items":{"type":"integer"},"contains":{"minimum":50,"maximum":60},"minContains":2}`},
	{"object", `{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name"]}`},
	{"object strict", `{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"],"additionalProperties":false}`},
	{"object required undeclared", `{"type":"object","required":["a","b"],"additionalProperties":{"type":"integer"}}`},
	{"object maxProperties", `{"type":"object","properties":{"a":{},"b":{},"c":{},"d":{}},"required":["d"],"maxProperties":2}`},
	{"object minProperties", `{"type":"object","properties":{"a":{"type":"string"}},"minProperties":3}`},
	{"object minProperties patterns", `{"type":"object","patternProperties":{"^x_[0-9]+$":{"type":"boolean"}},"additionalProperties":false,"minProperties":2}`},
	{"object patternProperties", `{"type":"object","properties":{"s_name":{"type":"string"}},"patternProperties":{"^s_":{"maxLength":4}}}`},
	{"object dependentRequired", `{"type":"object","properties":{"card":{"type":"string"}},"dependentRequired":{"card":["billing"]},"additionalProperties":{"type":"string","maxLength":2}}`},
	{"object nested", `{"type":"object","properties":{"user":{"type":"object","properties":{"id":{"type":"string","format":"uuid"},"emails":{"type":"array","items":{"type":"string","format":"email"},"minItems":1}},"required":["id","emails"]},"tags":{"type":"array","items":{"type":"string","maxLength":5}}},"required":["user"]}`},
	{"odd property names", `{"type":"object","properties":{"a/b":{"type":"integer"},"c~d":{"type":"string"},"":{"type":"boolean"}},"required":["a/b","c~d",""]}`},
	{"$defs ref", `{"$defs":{"point":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"]}},"type":"object","properties":{"from":{"$ref":"#/$defs/point"},"to":{"$ref":"#/$defs/point"}},"required":["from","to"]}`},
	{"definitions ref", `{"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"id":{"type":"string","pattern":"^id-[0-9]+$"}},"type":"array","items":{"$ref":"#/definitions/id"},"minItems":2}`},
	{"ref with siblings", `{"$defs":{"base":{"type":"object","properties":{"a":{"type":"integer"}}}},"$ref":"#/$defs/base","properties":{"b":{"type":"string"}},"required":["a","b"]}`},
	{"ref escaped", `{"$defs":{"a/b":{"type":"integer","minimum":9},"c d":{"const":"sp"}},"type":"array","prefixItems":[{"$ref":"#/$defs/a~1b"},{"$ref":"#/$defs/c%20d"}],"items":false}`},
	{"recursive tree", `{"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value","children"]}},"$ref":"#/$defs/node"}`},
	{"recursive root", `{"type":"object","properties":{"name":{"type":"string"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},"required":["name","next"]}`},
	{"recursive list required", `{"$defs":{"list":{"type":"object","properties":{"head":{"type":"integer"},"tail":{"oneOf":[{"$ref":"#/$defs/list"},{"type":"null"}]}},"required":["head","tail"]}},"$ref":"#/$defs/list"}`},
	{"allOf", `{"allOf":[{"type":"object","properties":{"a":{"type":"integer","minimum":3}},"required":["a"]},{"properties":{"a":{"maximum":4},"b":{"type":"boolean"}},"required":["b"]}]}`},
	{"allOf bounds", `{"allOf":[{"type":"number","minimum":1,"multipleOf":0.25},{"maximum":2,"multipleOf":0.5}]}`},
	{"allOf types", `{"allOf":[{"type":["string","integer"]},{"type":["integer","null"]}],"minimum":10}`},
	{"allOf enums", `{"allOf":[{"enum":["a","b","c"]},{"enum":["c","d"]}]}`},
	{"anyOf", `{"anyOf":[{"type":"string","maxLength":2},{"type":"integer"}]}`},
	{"anyOf with parent type", `{"type":"integer","anyOf":[{"type":"string"},{"minimum":40,"maximum":42}]}`},
	{"oneOf", `{"oneOf":[{"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number","exclusiveMinimum":0}},"required":["kind","r"]},{"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"number"}},"required":["kind","side"]}]}`},
	{"if then", `{"type":"object","properties":{"country":{"type":"string"}},"if":{"properties":{"country":{"const":"US"}},"required":["country"]},"then":{"properties":{"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["zip"]}}`},
	{"draft-04 exclusive", `{"$schema":"http://json-schema.org/draft-04/schema#","type":"integer","minimum":1,"exclusiveMinimum":true,"maximum":3,"exclusiveMaximum":true}`},
	{"draft-07 tuple", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}`},
	{"draft-07 dependencies", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"a":{"type":"integer"}},"dependencies":{"a":["b"]}}`},
	{"type inferred", `{"properties":{"n":{"minimum":5},"s":{"maxLength":2},"l":{"minItems":2}}}`},
	{"openai strict event", `{"type":"object","properties":{"name":{"type":"string"},"date":{"type":"string"},"participants":{"type":"array","items":{"type":"string"}}},"required":["name","date","participants"],"additionalProperties":false}`},
	{"openai math reasoning", `{"type":"object","properties":{"steps":{"type":"array","items":{"type":"object","properties":{"explanation":{"type":"string"},"output":{"type":"string"}},"required":["explanation","output"],"additionalProperties":false}},"final_answer":{"type":"string"}},"required":["steps","final_answer"],"additionalProperties":false}`},
	{"weather tool", `{"type":"object","properties":{"location":{"type":"string","description":"City and country e.g. Bogotá, Colombia"},"units":{"type":["string","null"],"enum":["celsius","fahrenheit",null]}},"required":["location","units"],"additionalProperties":false}`},
	{"ui recursive", `{"type":"object","properties":{"type":{"type":"string","enum":["div","button","header","section","field","form"]},"label":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}},"attributes":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"value":{"type":"string"}},"required":["name","value"],"additionalProperties":false}}},"required":["type","label","children","attributes"],"additionalProperties":false}`},
}

func TestGenerateIsValid(t *testing.T) {
	for _, c := range schemas {
		t.Run(c.name, func(t *testing.T) {
			sch := validator(t, c.schema)
			for _, p := range prompts {
				valid(t, sch, c.schema, p)
			}
		})
	}
}

// TestGenerateShapes pins what an instance looks like, where the package
// documentation promises it.
func TestGenerateShapes(t *testing.T) {
	for _, c := range []struct {
		schema, prompt string
		style          Style
		want           string
	}{
		{`{"type":"object","properties":{"query":{"type":"string"}}}`, "find harbor", Compact, `{"query":"find harbor"}`},
		{`{"type":"object","properties":{"b":{"type":"boolean","const":true},"a":{"type":"string"}}}`, "hi", Spaced, `{"b": true, "a": "hi"}`},
		{`{"type":"object","properties":{"a":{"type":"string"}},"required":["z"]}`, "x", Compact, `{"a":"x","z":"x"}`},
		{`{"type":"string","maxLength":5}`, "hello world", Compact, `"hello"`},
		{`{"type":"string","minLength":4}`, "hi", Compact, `"hixx"`},
		{`{"type":"string","pattern":"^[0-9]{3}$"}`, "hi", Compact, `"000"`},
		{`{"type":"number","multipleOf":0.1,"minimum":0.3,"maximum":0.3}`, "hi", Compact, `0.3`},
		{`{"type":"integer","minimum":1e3,"maximum":1000}`, "hi", Compact, `1000`},
		{`{"type":["null","string"]}`, "hi", Compact, `"hi"`},
		{`{"anyOf":[{"type":"integer","const":7},{"type":"string"}]}`, "hi", Compact, `7`},
		{`{"type":"string","anyOf":[{"type":"integer","const":7},{"type":"string","const":"s"}]}`, "hi", Compact, `"s"`},
		{`{"type":"object","properties":{"a":{"type":"string"}}}`, `<&"\>`, Compact, `{"a":"<&\"\\>"}`},
		{`"not a schema"`, "hi", Compact, `"hi"`},
		{``, "hi", Compact, ``}, // not JSON: an error, below
	} {
		got, err := Generate([]byte(c.schema), c.prompt, c.style)
		if c.schema == "" {
			assert.Error(t, err)
			continue
		}
		require.NoError(t, err, c.schema)
		assert.Equal(t, c.want, string(got), c.schema)
	}
	_, err := Generate([]byte(`{} {}`), "hi", Compact)
	assert.Error(t, err, "two values")
}

// TestGenerateRecursionEnds: a schema whose every instance is infinite gets a
// best effort (null deep down) rather than a hang.
func TestGenerateRecursionEnds(t *testing.T) {
	for _, s := range []string{
		`{"type":"object","properties":{"next":{"$ref":"#"}},"required":["next"]}`,
		`{"allOf":[{"$ref":"#"}]}`,
		`{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`,
		`{"type":"array","items":{"$ref":"#"},"minItems":1}`,
	} {
		got, err := Generate([]byte(s), "hi", Compact)
		require.NoError(t, err, s)
		assert.True(t, json.Valid(got), "%s: %s", s, got)
	}
}

// TestGenerateRandomSchemas builds many random schemas from the keywords the
// generator honours, kept satisfiable by construction, and checks every
// instance.
func TestGenerateRandomSchemas(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 60
	}
	for i := range n {
		r := rand.New(rand.NewPCG(uint64(i), 42))
		var defs []string
		schema := randomSchema(r, 0, &defs)
		if len(defs) > 0 {
			// Wrap with the $defs the tree referred to.
			schema = `{"$defs":{` + strings.Join(defs, ",") + `},"allOf":[` + schema + `]}`
		}
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			sch := validator(t, schema)
			for _, p := range prompts[:3] {
				valid(t, sch, schema, p)
			}
		})
	}
}

// randomSchema returns a random satisfiable schema; named subschemas go to defs
// (referred to as #/$defs/dN).
func randomSchema(r *rand.Rand, depth int, defs *[]string) string {
	kinds := []string{"string", "integer", "number", "boolean", "null", "enum", "const", "nullable", "array", "object", "ref", "anyOf", "allOf"}
	if depth >= 3 {
		kinds = kinds[:7]
	}
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch kinds[r.IntN(len(kinds))] {
	case "string":
		var kw []string
		switch r.IntN(4) {
		case 0:
			kw = append(kw, `"format":`+q([]string{"date", "date-time", "email", "uri", "uuid", "ipv4", "hostname", "time"}[r.IntN(8)]))
		case 1:
			kw = append(kw, `"pattern":`+q([]string{"^[a-z]{2,5}$", "^[A-Z][0-9]+$", "x", "^(yes|no|maybe)$", "^\\d{4}-\\d{2}$", "^[^\\s]+$"}[r.IntN(6)]))
		}
		if len(kw) == 0 || strings.Contains(kw[0], "[^") || strings.Contains(kw[0], `"x"`) {
			lo := r.IntN(10)
			kw = append(kw, fmt.Sprintf(`"minLength":%d`, lo))
			if r.IntN(2) == 0 {
				kw = append(kw, fmt.Sprintf(`"maxLength":%d`, lo+r.IntN(20)))
			}
		}
		return `{"type":"string",` + strings.Join(kw, ",") + `}`
	case "integer", "number":
		typ := []string{"integer", "number"}[r.IntN(2)]
		lo := r.IntN(2000) - 1000
		hi := lo + r.IntN(500) + 20
		kw := []string{`"type":"` + typ + `"`}
		if r.IntN(3) > 0 {
			key := []string{"minimum", "exclusiveMinimum"}[r.IntN(2)]
			kw = append(kw, fmt.Sprintf(`"%s":%d`, key, lo))
		}
		if r.IntN(3) > 0 {
			key := []string{"maximum", "exclusiveMaximum"}[r.IntN(2)]
			kw = append(kw, fmt.Sprintf(`"%s":%d`, key, hi))
		}
		if r.IntN(2) == 0 {
			kw = append(kw, `"multipleOf":`+[]string{"0.5", "3", "0.01", "2.5", "7", "0.2"}[r.IntN(6)])
		}
		return "{" + strings.Join(kw, ",") + "}"
	case "boolean":
		return `{"type":"boolean"}`
	case "null":
		return `{"type":"null"}`
	case "enum":
		return `{"enum":["a",1,true,null,{"k":"v"},[1]]}`
	case "const":
		return fmt.Sprintf(`{"const":%d}`, r.IntN(100))
	case "nullable":
		return `{"type":["` + []string{"string", "integer", "boolean"}[r.IntN(3)] + `","null"]}`
	case "array":
		lo := r.IntN(4)
		kw := []string{`"type":"array"`, `"items":` + randomSchema(r, depth+1, defs), fmt.Sprintf(`"minItems":%d`, lo)}
		if r.IntN(2) == 0 {
			kw = append(kw, fmt.Sprintf(`"maxItems":%d`, lo+r.IntN(3)))
		}
		return "{" + strings.Join(kw, ",") + "}"
	case "object":
		n := r.IntN(5)
		var props, req []string
		for i := range n {
			name := fmt.Sprintf("p%d", i)
			props = append(props, q(name)+":"+randomSchema(r, depth+1, defs))
			if r.IntN(2) == 0 {
				req = append(req, q(name))
			}
		}
		kw := []string{`"type":"object"`, `"properties":{` + strings.Join(props, ",") + `}`}
		if len(req) > 0 {
			kw = append(kw, `"required":[`+strings.Join(req, ",")+`]`)
		}
		if r.IntN(2) == 0 {
			kw = append(kw, `"additionalProperties":false`)
		}
		return "{" + strings.Join(kw, ",") + "}"
	case "ref":
		name := fmt.Sprintf("d%d", len(*defs))
		*defs = append(*defs, q(name)+":null") // reserve the name
		sub := randomSchema(r, depth+1, defs)
		for i, d := range *defs {
			if d == q(name)+":null" {
				(*defs)[i] = q(name) + ":" + sub
			}
		}
		return `{"$ref":"#/$defs/` + name + `"}`
	case "anyOf":
		return `{"anyOf":[` + randomSchema(r, depth+1, defs) + "," + randomSchema(r, depth+1, defs) + `]}`
	case "allOf":
		lo := r.IntN(50)
		return fmt.Sprintf(`{"allOf":[{"type":"integer","minimum":%d},{"maximum":%d},{"multipleOf":%d}]}`, lo, lo+60, 1+r.IntN(6))
	}
	return `{}`
}

// FuzzGenerate: whatever the schema, Generate does not panic or hang, and
// what it returns is JSON.
func FuzzGenerate(f *testing.F) {
	for _, c := range schemas {
		f.Add(c.schema, "hi")
	}
	f.Add(`{"type":"string","pattern":"(a|b)*c{2,3}[^x]$"}`, "")
	f.Add(`{"minProperties":3,"patternProperties":{"^[0-9]+$":{}},"additionalProperties":false}`, "p")
	f.Fuzz(func(t *testing.T, schema, prompt string) {
		out, err := Generate([]byte(schema), prompt, Spaced)
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("not JSON for %s: %s", schema, out)
		}
	})
}

// TestGenerateIsBounded: nested counts multiply, the instance's size does not.
func TestGenerateIsBounded(t *testing.T) {
	for _, s := range []string{
		`{"type":"array","minItems":16384,"items":{"type":"array","minItems":16384,"items":{"type":"array","minItems":16384}}}`,
		`{"type":"array","minItems":100000,"items":{"type":"string","minLength":100000}}`,
		`{"type":"object","minProperties":100000,"additionalProperties":{"type":"array","minItems":100000}}`,
	} {
		out, err := Generate([]byte(s), "hi", Compact)
		require.NoError(t, err)
		assert.True(t, json.Valid(out))
		assert.Less(t, len(out), 8<<20, s)
	}
}
