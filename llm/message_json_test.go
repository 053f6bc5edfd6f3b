package llm

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/message_json.golden from Message.MarshalJSON")

// awkward are strings that exercise JSON's escaping: HTML characters,
// controls, invalid UTF-8, U+2028.
var awkward = []string{"", "plain", "<b>&\"quoted\"\\</b>", "line\nbreak\ttab\x01\x1f\x7f", "中文 😀", "bad \xff utf8 \xed\xa0\x80", "\u2028\u2029", "/"}

// goldenMessages are the messages of testdata/message_json.golden.
func goldenMessages() []Message {
	var ms []Message
	for _, s := range awkward {
		ms = append(ms, UserMessage(s), SystemMessage(s), Message{Role: s, Content: s, Name: s, ReasoningContent: s, ToolCallID: s},
			Message{Role: RoleAssistant, ReasoningContent: s, ToolCalls: []ToolCall{{ID: s, Type: "function", Function: FunctionCall{Name: s, Arguments: s}}}},
			UserParts(TextPart(s), ImagePart(s, s), ContentPart{Type: PartVideoURL, VideoURL: &MediaURL{URL: s}},
				ContentPart{Type: PartInputAudio, InputAudio: &InputAudio{Data: s, Format: s}}))
	}
	return append(ms,
		Message{},
		AssistantMessage("ok"),
		ToolMessage("call_0", `{"ok":true}`),
		Message{Role: RoleAssistant, Content: "text and a call", ToolCalls: []ToolCall{{ID: "1"}, {ID: "2", Type: "function"}}},
		Message{Role: RoleAssistant, ToolCalls: []ToolCall{}},                 // empty, not nil: content "" and no tool_calls
		Message{Role: RoleUser, Content: "ignored", Parts: []ContentPart{{}}}, // parts win over content
		Message{Role: RoleUser, Content: "kept", Parts: []ContentPart{}},
		Message{Role: RoleAssistant, Parts: []ContentPart{TextPart("p")}, ToolCalls: []ToolCall{{ID: "1"}}},
		Message{Role: RoleUser, Parts: []ContentPart{{Type: PartImageURL, ImageURL: &MediaURL{}}, {InputAudio: &InputAudio{}}}},
	)
}

// The bytes Message.MarshalJSON writes are those it wrote before it became one
// pass (json.Marshal of an auxiliary struct holding the content marshalled on
// its own): testdata/message_json.golden was written by that implementation
// (go test ./llm -run TestMessageMarshalJSONGolden -update), one message a line.
func TestMessageMarshalJSONGolden(t *testing.T) {
	var got bytes.Buffer
	for _, m := range goldenMessages() {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		got.Write(b)
		got.WriteByte('\n')
	}
	const golden = "testdata/message_json.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got.String())
}

// twoPass is the encoding MarshalJSON replaced, for whatever fields Message
// has: json.Marshal of Message's JSON fields (by reflection, so that a field
// added to Message is in it) with content marshalled first on its own — the
// parts, null for a call with no text, or the string.
func twoPass(t testing.TB, m Message) []byte {
	mt := reflect.TypeFor[Message]()
	var fields []reflect.StructField
	for i := range mt.NumField() {
		f := mt.Field(i)
		if f.Tag.Get("json") == "-" {
			continue
		}
		typ := f.Type
		if f.Name == "Content" {
			typ = reflect.TypeFor[json.RawMessage]()
		}
		fields = append(fields, reflect.StructField{Name: f.Name, Type: typ, Tag: f.Tag})
	}
	aux := reflect.New(reflect.StructOf(fields)).Elem()
	mv := reflect.ValueOf(m)
	for _, f := range fields {
		if f.Name != "Content" {
			aux.FieldByName(f.Name).Set(mv.FieldByName(f.Name))
			continue
		}
		var content []byte
		var err error
		switch {
		case len(m.Parts) > 0:
			content, err = json.Marshal(m.Parts)
		case m.Content == "" && len(m.ToolCalls) > 0:
			content = []byte("null")
		default:
			content, err = json.Marshal(m.Content)
		}
		require.NoError(t, err)
		aux.FieldByName("Content").SetBytes(content)
	}
	b, err := json.Marshal(aux.Interface())
	require.NoError(t, err)
	return b
}

// MarshalJSON writes what the two-pass encoding writes, for a message with
// every field of every type it reaches set (a field added to Message, a
// content part or a tool call fails here until MarshalJSON writes it), for the
// golden messages, and for random ones; AppendJSON appends the same bytes.
func TestMessageMarshalJSONEveryField(t *testing.T) {
	check := func(m Message) {
		t.Helper()
		got, err := m.MarshalJSON()
		require.NoError(t, err)
		assert.Equal(t, string(twoPass(t, m)), string(got), "%+v", m)
		appended, ok := m.AppendJSON([]byte(`{"before":`))
		assert.True(t, ok)
		assert.Equal(t, `{"before":`+string(got), string(appended))
	}
	var all Message
	fillMessage(t, reflect.ValueOf(&all).Elem(), nil)
	check(all)
	all.Parts = nil // content as a string, with tool calls
	check(all)
	all.Content = "" // content null
	check(all)
	for _, m := range goldenMessages() {
		check(m)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var m Message
		fillMessage(t, reflect.ValueOf(&m).Elem(), r)
		check(m)
	}
}

// fillMessage sets v and everything it reaches: every field when r is nil,
// else a random part of them, with awkward strings. It fails on a type it
// cannot fill from its exported fields (one with its own MarshalJSON, or with
// no exported field), which a new field of such a type would need.
func fillMessage(t *testing.T, v reflect.Value, r *rand.Rand) {
	pick := func(n int) int {
		if r == nil {
			return min(2, n-1) // the HTML string, two elements
		}
		return r.IntN(n)
	}
	set := func() bool { return r == nil || r.IntN(3) > 0 }
	switch v.Kind() {
	case reflect.String:
		v.SetString(awkward[pick(len(awkward))])
	case reflect.Pointer:
		if set() {
			v.Set(reflect.New(v.Type().Elem()))
			fillMessage(t, v.Elem(), r)
		}
	case reflect.Slice:
		if set() {
			n := 1 + pick(2)
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fillMessage(t, v.Index(i), r)
			}
		}
	case reflect.Struct:
		if v.Type() != reflect.TypeFor[Message]() && reflect.PointerTo(v.Type()).Implements(reflect.TypeFor[json.Marshaler]()) {
			t.Fatalf("%s has its own MarshalJSON: teach fillMessage and Message.MarshalJSON about it", v.Type())
		}
		n := 0
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillMessage(t, v.Field(i), r)
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%s has no exported field to fill: teach fillMessage about it", v.Type())
		}
	default:
		t.Fatalf("fillMessage cannot fill a %s: teach it (and Message.MarshalJSON) the type", v.Type())
	}
}

// FuzzMessageMarshalJSON: MarshalJSON writes the two-pass encoding's bytes
// for any strings.
func FuzzMessageMarshalJSON(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, s, uint8(0xff))
	}
	f.Add("", "{}", uint8(0b1010))
	f.Fuzz(func(t *testing.T, a, b string, shape uint8) {
		m := Message{Role: a, Content: b}
		if shape&1 != 0 {
			m.Name, m.ToolCallID = b, a
		}
		if shape&2 != 0 {
			m.ReasoningContent = a
		}
		if shape&4 != 0 {
			m.ToolCalls = []ToolCall{{ID: a, Type: b, Function: FunctionCall{Name: a, Arguments: b}}}
		}
		if shape&8 != 0 {
			m.Content = ""
		}
		if shape&16 != 0 {
			m.Parts = []ContentPart{TextPart(a), {Type: b}}
		}
		if shape&32 != 0 {
			m.Parts = append(m.Parts, ImagePart(a, b), ContentPart{Type: a, VideoURL: &MediaURL{URL: b}, InputAudio: &InputAudio{Data: a, Format: b}})
		}
		got, err := m.MarshalJSON()
		require.NoError(t, err)
		require.Equal(t, string(twoPass(t, m)), string(got))
		appended, ok := m.AppendJSON([]byte("[1,"))
		require.True(t, ok)
		require.Equal(t, "[1,"+string(got), string(appended))
	})
}

// Message.UnmarshalJSON reads the auxiliary struct messageJSON: its keys must
// be Message's own JSON fields, so that what looks at Message by reflection
// sees every key it reads — the gateway's fast request reader
// (gateway/internal/fastreq) gives up on the keys of Message it has no case
// for, and would skip one only messageJSON had.
func TestMessageJSONHasMessageFields(t *testing.T) {
	names := func(rt reflect.Type) []string {
		var out []string
		for i := range rt.NumField() {
			if tag := rt.Field(i).Tag.Get("json"); tag != "-" {
				name, _, _ := strings.Cut(tag, ",")
				out = append(out, name)
			}
		}
		return out
	}
	assert.Equal(t, names(reflect.TypeFor[Message]()), names(reflect.TypeFor[messageJSON]()))
}
