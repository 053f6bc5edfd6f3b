package structured

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/harborai/harbor-go/harbor"
	"log/slog"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"time"

	gschema "github.com/google/jsonschema-go/jsonschema"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/harborai/harbor-go/llm"
)

// MaxJSONDepth is how deeply the values of a CreateJSON or SchemaFor type may
// nest: every struct, map, slice and array counts one level, the type itself
// (always an object) is level 1, pointers count nothing. A deeper type is an
// ErrInvalidRequest naming the field where it crosses the limit, before any I/O.
// 10 is OpenAI's nesting limit for structured outputs, the strictest of harbor's
// vendors, and deep enough for records with lists of records of lists.
const MaxJSONDepth = 10

// SchemaFor returns the JSON Schema (draft 2020-12) CreateJSON sends for T,
// derived from T's Go type by github.com/google/jsonschema-go:
//
//   - A struct is an object that allows no other properties. Its exported fields
//     are its properties, named as encoding/json names them (the json tag); a
//     field without omitempty or omitzero is required. A `jsonschema:"…"` tag is
//     the property's description, which the model reads.
//   - Strings, bools, integers (with the bounds of their size) and floats are
//     what they are; a slice is an array or null (a nil slice encodes as null), an
//     array an array of its fixed length, a map with string keys an object, a
//     pointer its element or null, an empty interface (any) any value.
//     time.Time, big.Int/Rat/Float and slog.Level are strings, []byte a (base64)
//     string and json.RawMessage any value, as encoding/json writes them. Other
//     types are described by their Go structure, whatever their own MarshalJSON
//     does.
//
// T must be a struct or a map with string keys (or a pointer to one), since the
// vendors' JSON modes answer with an object. A type that JSON Schema cannot
// express is an ErrInvalidRequest whose Param names the field (Order.Items[].Hook):
// channels, functions, complex numbers, unsafe pointers, map keys that are
// neither strings nor encoding.TextMarshalers, interfaces with methods (nothing to decode into), a type that contains
// itself (a recursive type has no schema without $ref, which harbor does not
// send), a type nested deeper than MaxJSONDepth, and an embedded field that
// encoding/json would not flatten (an embedded struct with a json name, an
// embedded non-struct). The schema of a type is worked out once per process.
func SchemaFor[T any]() (json.RawMessage, error) {
	ts := schemaOf(reflect.TypeFor[T]())
	if ts.bad != nil {
		return nil, ts.invalid("")
	}
	return bytes.Clone(ts.raw), nil
}

// typeSchema is what harbor knows of one Go type's schema, worked out once.
type typeSchema struct {
	name     string          // json_schema.name: the type's name, as vendors accept it
	raw      json.RawMessage // the schema as sent
	strict   bool            // fits the strict subset (see strictSubset)
	compiled *jsonschema.Schema

	bad *badType // set when the type has no schema; the rest is then empty
}

// badType says why a type has no schema: Param and message of the
// ErrInvalidRequest built from it, afresh for every call (callers may change
// the *harbor.Error they get).
type badType struct{ param, msg string }

func (ts *typeSchema) invalid(model string) *harbor.Error {
	return llm.InvalidRequest("", model, ts.bad.param, "%s", ts.bad.msg)
}

// schemas caches a *typeSchema per reflect.Type: the schema is derived,
// marshalled and compiled once per type and process.
var schemas sync.Map

func schemaOf(t reflect.Type) *typeSchema {
	if v, ok := schemas.Load(t); ok {
		return v.(*typeSchema)
	}
	v, _ := schemas.LoadOrStore(t, buildSchema(t))
	return v.(*typeSchema)
}

// typeSchemas are the schemas of types whose JSON is not their Go structure, on
// top of those jsonschema-go knows (time.Time, big.*, slog.Level): encoding/json
// writes []byte as a base64 string and json.RawMessage as any JSON value.
var typeSchemas = map[reflect.Type]*gschema.Schema{
	reflect.TypeFor[[]byte]():          {Type: "string", ContentEncoding: "base64"},
	reflect.TypeFor[json.RawMessage](): {},
}

// leafTypes are the types the walk takes as they are: jsonschema-go's and ours.
var leafTypes = map[reflect.Type]bool{
	reflect.TypeFor[time.Time](): true, reflect.TypeFor[slog.Level](): true, reflect.TypeFor[big.Int](): true,
	reflect.TypeFor[big.Rat](): true, reflect.TypeFor[big.Float](): true,
	reflect.TypeFor[[]byte](): true, reflect.TypeFor[json.RawMessage](): true,
}

func buildSchema(t reflect.Type) *typeSchema {
	bad := func(param, format string, args ...any) *typeSchema {
		return &typeSchema{bad: &badType{param: param, msg: "structured output: " + fmt.Sprintf(format, args...)}}
	}
	root := t
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	name := typeName(root)
	shown := root.Name() // how errors name the type and the fields' paths
	if shown == "" {
		shown = root.String()
	}
	switch {
	case leafTypes[root]:
		return bad(shown, "the result type must be a struct or a map with string keys, not %s, which is a string in JSON: "+
			"the vendors' JSON modes answer with an object; wrap the value in a struct", t)
	case root.Kind() != reflect.Struct && root.Kind() != reflect.Map:
		return bad(shown, "the result type must be a struct or a map with string keys, not %s: "+
			"the vendors' JSON modes answer with an object; wrap the value in a struct", t)
	}
	w := typeWalk{onPath: map[reflect.Type]bool{}}
	if err := w.check(root, shown, 1); err != nil {
		return bad(err.path, "%s: %s", err.path, err.reason)
	}
	s, err := gschema.ForType(root, &gschema.ForOptions{TypeSchemas: typeSchemas})
	if err != nil { // something the walk let through: report the library's words
		return bad(shown, "%s cannot be expressed as JSON Schema: %v", t, err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return bad(shown, "the JSON Schema of %s does not encode: %v", t, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return bad(shown, "the JSON Schema of %s does not decode: %v", t, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "mem://harbor/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return bad(shown, "the JSON Schema of %s does not load: %v", t, err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return bad(shown, "the JSON Schema of %s does not compile: %v", t, err)
	}
	return &typeSchema{name: name, raw: raw, strict: strictSubset(doc), compiled: compiled}
}

// typeName is the type's name as a json_schema name: [A-Za-z0-9_-]{1,64}, which
// OpenAI requires; "response" for an unnamed type.
func typeName(t reflect.Type) string {
	var b strings.Builder
	for _, r := range t.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	if b.Len() == 0 {
		return "response"
	}
	return b.String()
}

// typeWalk checks a type against what JSON Schema (and encoding/json) can
// express, before jsonschema-go derives its schema, to name the field at fault
// (the library's errors do not) and to enforce MaxJSONDepth. It follows
// jsonschema-go's rules: pointers are followed, a named type met again on its own
// path is a cycle, a struct's fields are reflect.VisibleFields less the
// unexported and json:"-" ones.
type typeWalk struct {
	onPath map[reflect.Type]bool
}

type walkError struct{ path, reason string }

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

func (w *typeWalk) check(t reflect.Type, path string, depth int) *walkError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if leafTypes[t] {
		return nil
	}
	if t.Name() != "" {
		if w.onPath[t] {
			return &walkError{path, fmt.Sprintf("type %s contains itself; recursive types have no JSON Schema without $ref, which harbor does not send", t)}
		}
		w.onPath[t] = true
		defer delete(w.onPath, t)
	}
	container := func() *walkError {
		if depth > MaxJSONDepth {
			return &walkError{path, fmt.Sprintf("the type nests deeper than MaxJSONDepth (%d levels of objects and arrays)", MaxJSONDepth)}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return nil
	case reflect.Interface:
		if t.NumMethod() > 0 {
			return &walkError{path, fmt.Sprintf("interface type %s has methods: JSON cannot be decoded into it (use any, or a concrete type)", t)}
		}
		return nil
	case reflect.Slice, reflect.Array:
		if err := container(); err != nil {
			return err
		}
		return w.check(t.Elem(), path+"[]", depth+1)
	case reflect.Map:
		if t.Key().Kind() != reflect.String && !t.Key().Implements(textMarshaler) {
			return &walkError{path, fmt.Sprintf("map key type %s: JSON object keys are strings (use map[string]…)", t.Key())}
		}
		if err := container(); err != nil {
			return err
		}
		return w.check(t.Elem(), path+"[key]", depth+1)
	case reflect.Struct:
		if err := container(); err != nil {
			return err
		}
		for _, f := range reflect.VisibleFields(t) {
			if err := w.field(f, path, depth); err != nil {
				return err
			}
		}
		return nil
	}
	return &walkError{path, fmt.Sprintf("type %s cannot be expressed in JSON", t)}
}

// field checks one of a struct's visible fields.
func (w *typeWalk) field(f reflect.StructField, path string, depth int) *walkError {
	tag, hasTag := f.Tag.Lookup("json")
	name, _, _ := strings.Cut(tag, ",")
	if f.Anonymous {
		// jsonschema-go flattens every embedded field into its parent (the fields
		// VisibleFields promotes); encoding/json does so only for an untagged
		// embedded struct: refuse the others rather than send a schema the
		// answer would not decode by.
		et := f.Type
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		switch {
		case tag == "-" && (et.Kind() == reflect.Struct || f.IsExported()):
			return &walkError{path + "." + f.Name, `an embedded field tagged json:"-" is not supported (its fields would still be in the schema); remove it or give it a field name`}
		case et.Kind() != reflect.Struct && f.IsExported():
			return &walkError{path + "." + f.Name, "an embedded field of a non-struct type is not supported; give it a field name"}
		case et.Kind() == reflect.Struct && hasTag && name != "":
			return &walkError{path + "." + f.Name, fmt.Sprintf("an embedded struct with a json name (%q) is not supported; make it a named field", name)}
		}
		return nil
	}
	if !f.IsExported() || (name == "-" && !strings.Contains(tag, ",")) {
		return nil
	}
	if d, ok := f.Tag.Lookup("jsonschema"); ok {
		head := d
		if i := strings.IndexAny(d, " \t\n"); i >= 0 {
			head = d[:i]
		}
		if d == "" || strings.Contains(head, "=") { // jsonschema-go's rule, said with the field's name
			return &walkError{path + "." + f.Name, fmt.Sprintf("jsonschema tag %q: the tag is the field's description, "+
				"which must not be empty nor start with WORD= (keys such as description=… are not supported)", d)}
		}
	}
	return w.check(f.Type, path+"."+f.Name, depth+1)
}

// strictSubset reports whether a schema fits the subset OpenAI's strict mode
// takes (Ark and Qianfan v2 take strict too): every object allows no other
// properties and requires all of its own, and no schema is empty (any). harbor
// sends Strict only for such schemas; a type with optional (omitempty) fields,
// maps or any-typed fields is sent without it, and the answer is still validated.
func strictSubset(doc any) bool {
	s, ok := doc.(map[string]any)
	if !ok || len(s) == 0 {
		return false // true (any value), or {}
	}
	_, typed := s["type"]
	if !typed {
		return false
	}
	if props, ok := s["properties"].(map[string]any); ok || isType(s, "object") {
		if ap, ok := s["additionalProperties"].(bool); !ok || ap {
			return false
		}
		req, _ := s["required"].([]any)
		if len(req) != len(props) {
			return false
		}
		for _, p := range props {
			if !strictSubset(p) {
				return false
			}
		}
	}
	if items, ok := s["items"]; ok && !strictSubset(items) {
		return false
	}
	return true
}

func isType(s map[string]any, name string) bool {
	switch t := s["type"].(type) {
	case string:
		return t == name
	case []any:
		for _, v := range t {
			if v == name {
				return true
			}
		}
	}
	return false
}

// maxViolations caps the problems listed in a repair message and in an error
// message; JSONError.Violations keeps them all.
const maxViolations = 20

// check decodes an answer's text into v after validating it against the
// schema; it returns what is wrong with it, nil when nothing is. text may be
// wrapped in a Markdown code fence, which is dropped.
func (ts *typeSchema) check(text string, v any) []string {
	body := unfence(text)
	if body == "" {
		return []string{"the answer is empty: it must be a JSON object"}
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		return []string{"the answer is not valid JSON: " + err.Error()}
	}
	if err := ts.compiled.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return []string{err.Error()}
		}
		var out []string
		leaves(ve.DetailedOutput(), &out)
		if len(out) == 0 {
			out = []string{ve.Error()}
		}
		return out
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		return []string{"the answer does not decode: " + err.Error()}
	}
	return nil
}

// leaves collects the validator's innermost findings as "at /path: message".
func leaves(u *jsonschema.OutputUnit, out *[]string) {
	if len(u.Errors) == 0 {
		if u.Error != nil {
			loc := u.InstanceLocation
			if loc == "" {
				loc = "/"
			}
			*out = append(*out, "at "+loc+": "+u.Error.String())
		}
		return
	}
	for i := range u.Errors {
		leaves(&u.Errors[i], out)
	}
}

// unfence trims text and drops a Markdown code fence around it (```json … ```),
// which models add now and then even in JSON mode.
func unfence(text string) string {
	s := strings.TrimSpace(text)
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	s = strings.TrimSuffix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	} else {
		s = strings.TrimPrefix(s, "```")
	}
	return strings.TrimSpace(s)
}
