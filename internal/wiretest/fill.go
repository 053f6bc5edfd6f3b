package wiretest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"

	"github.com/harborai/harbor-go/internal/jsonx"
)

// filler sets the exported fields of generated types to values, for tests that
// compare a generated encoder (AppendJSON) with json.Marshal field by field.
type filler struct {
	// Rand decides which optional fields are set (all of them when nil) and picks
	// strings and numbers.
	Rand *rand.Rand
	// Hooks fill types whose content reflection cannot reach (the generated unions,
	// which keep their JSON in an unexported field).
	Hooks map[reflect.Type]func(r *rand.Rand, v reflect.Value)
}

// awkward are strings that exercise JSON escaping.
var awkward = []string{"", "plain", "<b>&\"quoted\"\\</b>", "line\nbreak\ttab\x01", "中文 😀", "bad \xff utf8", "\u2028"}

// fillAll sets v (a pointer) and everything it reaches.
func (f *filler) fillAll(v any) { f.fill(reflect.ValueOf(v).Elem(), 0) }

func (f *filler) pick(n int) int {
	if f.Rand == nil {
		return 1 % n
	}
	return f.Rand.IntN(n)
}

func (f *filler) set() bool { return f.Rand == nil || f.Rand.IntN(3) > 0 }

func (f *filler) fill(v reflect.Value, depth int) {
	if h, ok := f.Hooks[v.Type()]; ok {
		r := f.Rand
		if r == nil {
			r = rand.New(rand.NewPCG(1, 2))
		}
		h(r, v)
		return
	}
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !f.set() {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth+1)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage and []byte
			v.SetBytes([]byte(`{"k":[1,"<v>"]}`))
			return
		}
		if !f.set() {
			return
		}
		n := 1 + f.pick(2)
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := 0; i < n; i++ {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		if !f.set() {
			return
		}
		v.Set(reflect.MakeMap(v.Type()))
		k := reflect.New(v.Type().Key()).Elem()
		f.fill(k, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		f.fill(e, depth+1)
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString(awkward[f.pick(len(awkward))])
	case reflect.Bool:
		v.SetBool(f.pick(2) == 0)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(f.pick(1000) - 10))
	case reflect.Float64, reflect.Float32:
		v.SetFloat([]float64{0, 0.7, 1e-7, 2, 1e21, -1.5}[f.pick(6)])
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{"type": "object"}))
	}
}

// CheckEncoder compares T's generated AppendJSON with json.Marshal on a T with
// every field set, on a zero T, and on n Ts with random fields set: AppendJSON must
// report true and write json.Marshal's bytes.
func CheckEncoder[T any, PT interface {
	*T
	AppendJSON([]byte) ([]byte, bool)
}](t *testing.T, hooks map[reflect.Type]func(*rand.Rand, reflect.Value), n int) {
	t.Helper()
	check := func(v *T) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		got, ok := PT(v).AppendJSON(nil)
		if !ok {
			t.Fatalf("the encoder gave up on %s", want)
		}
		if string(got) != string(want) {
			t.Fatalf("the encoder wrote\n%s\njson.Marshal writes\n%s", got, want)
		}
	}
	var all T
	(&filler{Hooks: hooks}).fillAll(&all)
	check(&all)
	var zero T
	check(&zero)
	r := rand.New(rand.NewPCG(7, 11))
	for i := 0; i < n; i++ {
		var v T
		(&filler{Rand: r, Hooks: hooks}).fillAll(&v)
		check(&v)
	}
}

// CheckDecoder compares T's generated DecodeJSON with json.Unmarshal into a zero T,
// on the JSON of a T with every field set and of n Ts with random fields set, each
// decoded into a fresh T and into the T the previous document was decoded into
// (DecodeJSON reuses its pointers): DecodeJSON must report true and fill the same
// value. Then it checks that DecodeJSON gives up, or agrees, on variations
// encoding/json treats in its own way (keys in another case, repeated keys, null
// values, wrong kinds).
func CheckDecoder[T any, PT interface {
	*T
	DecodeJSON(*jsonx.Lexer, []byte) bool
}](t *testing.T, hooks map[reflect.Type]func(*rand.Rand, reflect.Value), n int) {
	t.Helper()
	var l jsonx.Lexer
	var reused T
	check := func(data []byte, mustRead bool) {
		t.Helper()
		var want T
		werr := json.Unmarshal(data, &want)
		for _, into := range []*T{new(T), &reused} {
			ok := PT(into).DecodeJSON(&l, data)
			switch {
			case !ok && mustRead:
				t.Fatalf("the decoder gave up on %s", data)
			case ok && werr != nil:
				t.Fatalf("the decoder read %s, which json.Unmarshal refuses: %v", data, werr)
			case ok && !reflect.DeepEqual(*into, want):
				t.Fatalf("the decoder read %s as\n%+v\njson.Unmarshal reads\n%+v", data, *into, want)
			}
		}
	}
	var all T
	(&filler{Hooks: hooks}).fillAll(&all)
	b, err := json.Marshal(&all)
	if err != nil {
		t.Fatal(err)
	}
	check(b, true)
	check([]byte("{}"), true)
	check([]byte("null"), true)
	r := rand.New(rand.NewPCG(3, 5))
	for i := 0; i < n; i++ {
		var v T
		(&filler{Rand: r, Hooks: hooks}).fillAll(&v)
		b, err := json.Marshal(&v)
		if err != nil {
			t.Fatal(err)
		}
		check(b, true)
		for _, m := range mutations(r, b) {
			check(m, false)
		}
	}
}

// mutations returns variations of a document: a key upper-cased, a key repeated,
// a value replaced by null, a string, a number or an object.
func mutations(r *rand.Rand, b []byte) [][]byte {
	var out [][]byte
	keys := keyRe.FindAllIndex(b, -1)
	if len(keys) == 0 {
		return nil
	}
	k := keys[r.IntN(len(keys))]
	key := b[k[0]:k[1]]
	up := append(append(append([]byte{}, b[:k[0]]...), bytes.ToUpper(key)...), b[k[1]:]...)
	out = append(out, up)
	if b[0] == '{' && len(keys) > 0 {
		first := keys[0]
		end := valueEnd(b, first[1])
		if end > 0 {
			dup := append(append(append([]byte{'{'}, b[first[0]:end]...), ','), b[1:]...)
			out = append(out, dup)
		}
	}
	for _, v := range []string{"null", `"s"`, "1.5", "-3", `{"a":1}`, "[]", "true", "1e999"} {
		end := valueEnd(b, k[1])
		if end > 0 {
			out = append(out, append(append(append([]byte{}, b[:k[1]]...), v...), b[end:]...))
		}
	}
	return out
}

var keyRe = regexp.MustCompile(`"[a-z_]+":`)

// valueEnd returns the end of the JSON value starting at i, or -1.
func valueEnd(b []byte, i int) int {
	d := json.NewDecoder(bytes.NewReader(b[i:]))
	var raw json.RawMessage
	if err := d.Decode(&raw); err != nil {
		return -1
	}
	return i + int(d.InputOffset())
}

// OpenAIUnionHooks fill the unions every OpenAI-shaped spec generates, whose JSON
// is unexported: a message content as a string (what harbor sends for text) or as
// parts, a tool choice as a mode. text, parts and mode are the generated From…
// methods of the vendor's package, e.g.
//
//	wiretest.OpenAIUnionHooks((*gen.MessageContent).FromMessageContent0,
//		(*gen.MessageContent).FromMessageContent1,
//		func(c *gen.ToolChoice, m string) error { return c.FromToolChoice0(gen.ToolChoice0(m)) })
func OpenAIUnionHooks[C, Part, TC any](text func(*C, string) error, parts func(*C, []Part) error,
	mode func(*TC, string) error) map[reflect.Type]func(*rand.Rand, reflect.Value) {
	return map[reflect.Type]func(*rand.Rand, reflect.Value){
		reflect.TypeFor[C](): func(r *rand.Rand, v reflect.Value) {
			c := v.Addr().Interface().(*C)
			if r.IntN(4) == 0 {
				var p []Part
				_ = json.Unmarshal([]byte(`[{"type":"text","text":"part <text>"}]`), &p)
				_ = parts(c, p)
				return
			}
			_ = text(c, []string{"", "hi", "<b>&\"q\"</b>\n", "中文 😀", "bad \xff", "\u2028"}[r.IntN(6)])
		},
		reflect.TypeFor[TC](): func(_ *rand.Rand, v reflect.Value) {
			_ = mode(v.Addr().Interface().(*TC), "auto")
		},
	}
}
