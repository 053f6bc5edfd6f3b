package fastreq_test

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/llm"
)

// TestEveryField is the guard against drift. It walks every JSON field of
// wire.ChatCompletionRequest and of every type it reaches, by reflection (the
// tags, as encoding/json sees them), and builds requests that set each field
// to each form of value it takes: Decode must read every one as json.Unmarshal
// does. A field added to llm's types fails here until Decode reads it (Decode
// itself gives up on it meanwhile: the gateway is slower, never wrong). So does
// a type with its own UnmarshalJSON this walker has no rule for.
//
// It also tries each key repeated and in upper case and each value replaced by
// a value of another kind: Decode must then agree with json.Unmarshal or give
// up.
func TestEveryField(t *testing.T) {
	docs := fieldDocs(t)
	paths := map[string]bool{}
	for _, d := range docs {
		paths[d.path] = true
		check(t, d.path, []byte(d.doc), d.must)
	}
	// The walker reaches through the custom types.
	for _, p := range []string{"request.model", "request.stop", "request.stream_options.include_usage",
		"request.messages[].content[].input_audio.format", "request.messages[].tool_calls[].function.arguments",
		"request.tools[].function.parameters", "request.response_format.json_schema.strict", "request.web_search.reference_num"} {
		assert.True(t, paths[p], "the walker did not reach %s", p)
	}
	t.Logf("%d documents, %d field paths", len(docs), len(paths))
}

// fieldDoc is a request that sets the field at path; must says that Decode
// must read it (false for the variations it may give up on).
type fieldDoc struct {
	path, doc string
	must      bool
}

func fieldDocs(tb testing.TB) []fieldDoc {
	w := &walker{tb: tb}
	all := w.values(reflect.TypeFor[wire.ChatCompletionRequest](), "request", func(v string) string { return v })
	w.add("request (every field)", all[0], true)
	return w.docs
}

type walker struct {
	tb   testing.TB
	docs []fieldDoc
}

func (w *walker) add(path, doc string, must bool) {
	w.docs = append(w.docs, fieldDoc{path: path, doc: doc, must: must})
}

var (
	unmarshaler     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// otherKinds replace a field's value in the variations.
var otherKinds = []string{`"s"`, `1.5`, `-3`, `true`, `{}`, `{"a":1}`, `[]`, `["s"]`, `1e999`, `null`}

// values returns JSON values of type t: the first as full as the type goes
// (every field set), then its other forms (null, empty, the other shapes of a
// custom type). wrap turns a value at path into a whole request; every field
// the type reaches is recorded, with wrap, along the way.
func (w *walker) values(t reflect.Type, path string, wrap func(string) string) []string {
	if strings.Count(path, ".") > 8 {
		w.tb.Errorf("%s: the types nest too deep for the walker", path)
		return []string{"null"}
	}
	switch {
	case t == reflect.TypeFor[llm.Message]():
		// Its UnmarshalJSON reads the tagged fields, and Parts (json:"-")
		// from content when it is an array.
		vals := w.object(t, path, wrap)
		cwrap := func(v string) string { return wrap(`{"content":` + v + `}`) }
		parts := w.values(reflect.TypeFor[[]llm.ContentPart](), path+".content", cwrap)
		for _, v := range parts {
			w.add(path+".content", cwrap(v), true)
		}
		return append(vals, `{"role":"user","content":`+parts[0]+`}`)
	case t == reflect.TypeFor[llm.ToolChoice]():
		return []string{`{"type":"function","function":{"name":"f"}}`, `"auto"`, `"none"`, `"required"`, `{"function":{"name":"é"}}`, `null`}
	case t == reflect.TypeFor[wire.StopList]():
		return []string{`["a","\n\n"]`, `"x"`, `[]`, `[null]`, `null`}
	case t == reflect.TypeFor[json.RawMessage]():
		return []string{`{"type": "object", "properties": {"a": {"type":"string"}}}`, `null`, `[1, "x"]`, `"s"`, `2.5`}
	case strings.HasPrefix(t.Name(), "Opt[") && t.PkgPath() == reflect.TypeFor[llm.Message]().PkgPath():
		or, _ := t.MethodByName("Or")
		return withNull(w.values(or.Type.Out(0), path, wrap))
	case reflect.PointerTo(t).Implements(unmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler):
		w.tb.Errorf("%s (%s) has its own UnmarshalJSON or UnmarshalText, whose rule Decode does not know: teach Decode, and this walker, its rule", path, t)
		return []string{"null"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return withNull(w.values(t.Elem(), path, wrap))
	case reflect.Struct:
		return w.object(t, path, wrap)
	case reflect.Slice:
		ev := w.values(t.Elem(), path+"[]", func(v string) string { return wrap("[" + v + "]") })
		return []string{"[" + ev[0] + "]", "[" + strings.Join(ev, ",") + "]", "[]", "null"}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		ev := w.values(t.Elem(), path+"{}", func(v string) string { return wrap(`{"k":` + v + `}`) })
		return []string{`{"k":` + ev[0] + `,"\u00e9":` + ev[len(ev)-1] + `}`, `{}`, `null`}
	case reflect.Interface:
		return []string{`{"type":"object","properties":{"a":{"type":"string","enum":["x","é"]}},"n":-1.5e3,"b":[true,false,null,{}]}`,
			`null`, `[]`, `"s"`, `3`, `{}`}
	case reflect.String:
		return []string{`"s"`, `""`, `"\"q\" \\ \/ \b\f\n\r\t \u00e9\ud83d\ude00 中文 <&>"`, `null`}
	case reflect.Bool:
		return []string{`true`, `false`, `null`}
	case reflect.Int, reflect.Int64:
		return []string{`7`, `0`, `-3`, `123456789012345678`, `null`}
	case reflect.Float64:
		return []string{`0.7`, `0`, `-1.5e-3`, `1e21`, `2`, `null`}
	}
	w.tb.Errorf("%s: the walker has no values for %s: teach it (and Decode) the type", path, t)
	return []string{"null"}
}

// object walks the fields of struct t: each field set to each of its values,
// and the variations of its key and value.
func (w *walker) object(t reflect.Type, path string, wrap func(string) string) []string {
	var full []string
	for _, f := range jsonFields(t) {
		fpath := path + "." + f.name
		key := strconv.Quote(f.name)
		fwrap := func(v string) string { return wrap("{" + key + ":" + v + "}") }
		vals := w.values(f.typ, fpath, fwrap)
		for _, v := range vals {
			w.add(fpath, fwrap(v), true)
		}
		w.add(fpath, wrap("{"+strings.ToUpper(key)+":"+vals[0]+"}"), false)
		w.add(fpath, wrap("{"+key+":"+vals[0]+","+key+":"+vals[len(vals)-1]+"}"), false)
		for _, v := range otherKinds {
			w.add(fpath, fwrap(v), false)
		}
		full = append(full, key+":"+vals[0])
	}
	return []string{"{" + strings.Join(full, ",") + "}", "{}", "null"}
}

// jsonField is a field encoding/json reads.
type jsonField struct {
	name string
	typ  reflect.Type
}

// jsonFields returns the fields encoding/json reads of struct t: tagged or
// exported fields, an untagged embedded struct's fields after them, a name
// taken by a shallower field shadowing a deeper one.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	taken := map[string]bool{}
	for level := []reflect.Type{t}; len(level) > 0; {
		var next []reflect.Type
		for _, lt := range level {
			for i := range lt.NumField() {
				f := lt.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					next = append(next, ft)
					continue
				}
				if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if !taken[name] {
					taken[name] = true
					out = append(out, jsonField{name, f.Type})
				}
			}
		}
		level = next
	}
	return out
}

func withNull(vals []string) []string {
	for _, v := range vals {
		if v == "null" {
			return vals
		}
	}
	return append(vals, "null")
}
