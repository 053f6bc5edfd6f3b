package fastreq_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/harborai/harbor-go/gateway/internal/fastreq"
	"github.com/harborai/harbor-go/gateway/wire"
	"github.com/harborai/harbor-go/llm"
)

// check decodes doc with Decode and with json.Unmarshal. Decode must agree
// with json.Unmarshal or give up, leaving a zero request; with mustRead it
// must not give up. Decode's value must not change when the input bytes do
// (the gateway reuses its body buffers).
func check(t *testing.T, what string, doc []byte, mustRead bool) {
	t.Helper()
	var want wire.ChatCompletionRequest
	werr := json.Unmarshal(doc, &want)
	data := append([]byte(nil), doc...)
	var got wire.ChatCompletionRequest
	ok := fastreq.Decode(data, &got)
	switch {
	case !ok && mustRead:
		t.Errorf("%s: Decode gave up on %s", what, doc)
	case !ok:
		if !reflect.DeepEqual(got, wire.ChatCompletionRequest{}) {
			t.Errorf("%s: Decode gave up on %s but left %+v", what, doc, got)
		}
	case werr != nil:
		t.Errorf("%s: Decode read %s, which json.Unmarshal refuses: %v", what, doc, werr)
	default:
		for i := range data {
			data[i] = 'x'
		}
		assert.Equal(t, want, got, "%s: %s", what, doc)
	}
}

// Realistic requests (testdata) are read, as encoding/json reads them.
func TestRequests(t *testing.T) {
	for _, name := range testdataFiles(t) {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		check(t, filepath.Base(name), b, true)
	}
}

func testdataFiles(t testing.TB) []string {
	names, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	return names
}

// badBodies are the bodies of gateway's TestMalformedRequests (the deeply
// nested one less deep): Decode gives up on every one but the last two, so
// that the gateway's answers are encoding/json's.
var badBodies = []string{
	``, "  \n", `model=deepseek`, `{"model":"deepseek-v4-flash","messages":[`,
	`{"model":"deepseek-v4-flash"} x`, `[]`, `"hi"`,
	`{"model":"deepseek-v4-flash","temperature":"hot","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"deepseek-v4-flash","max_tokens":1.5,"messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"deepseek-v4-flash","messages":"hi"}`,
	`{"model":"deepseek-v4-flash","stream":"yes","messages":[{"role":"user","content":"hi"}]}`,
	`{"model":5,"messages":[{"role":"user","content":"hi"}]}`,
	`{"model":"deepseek-v4-flash","messages":[{"role":"user","content":5}]}`,
	`{"model":"deepseek-v4-flash","tool_choice":{"type":"function"},"messages":[{"role":"user","content":"hi"}]}`,
	"{\"model\":\"deepseek-v4-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
	`{"model":"deepseek-v4-flash","x":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `,"messages":[{"role":"user","content":"hi"}]}`,
	// valid, and read: the role is checked after decoding
	`{"model":"deepseek-v4-flash","messages":[{"role":"robot","content":"hi"}]}`,
	`null`,
}

func TestBadInput(t *testing.T) {
	for i, b := range badBodies {
		read := i >= len(badBodies)-2
		var got wire.ChatCompletionRequest
		assert.Equal(t, read, fastreq.Decode([]byte(b), &got), "%q", b)
		check(t, "bad input", []byte(b), read)
	}
}

// What Decode reads and what it leaves to encoding/json, case by case.
func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		read bool
	}{
		{`{}`, true},
		{` { "model" : "m" , "messages" : [ ] } `, true},
		{`{"messages":[null,{}]}`, true},
		{`{"messages":[{"role":"user","content":[]}]}`, true},
		{`{"messages":[{"role":"user","content":[null,{"type":"text","text":null}]}]}`, true},
		{`{"messages":[{"role":"assistant","content":null,"tool_calls":[]}]}`, true},
		{`{"messages":[{"role":"assistant","tool_calls":[{"function":null}]}]}`, true},
		{`{"tools":[{"type":"function","function":{"name":"f","parameters":null}}]}`, true},
		{`{"tools":[{"type":"function","function":{"name":"f","parameters":{"a":{"\u00e9":[]},"a":1}}}]}`, true},
		{`{"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":null}}}`, true},
		{`{"response_format":{"type":"json_schema","json_schema":{"name":"n","schema": [ 1 , 2 ] }}}`, true},
		{`{"stop":"x"}`, true},
		{`{"stop":[]}`, true},
		{`{"stop":["a",null]}`, true},
		{`{"stop":null}`, true},
		{`{"tool_choice":"none"}`, true},
		{`{"tool_choice":{"function":{"name":"f"}}}`, true},
		{`{"tool_choice":{"type":null,"function":{"name":"f"}}}`, true},
		{`{"temperature":-0,"seed":-9007199254740993,"max_tokens":0,"n":null,"top_p":1e-7}`, true},
		{`{"model":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, true},
		{`{"unknown":{"deep":[1,{"x":null}]},"ExtraBody":{},"Parts":1}`, true},

		// left to encoding/json, which decides
		{`{"Model":"m"}`, false},             // matched case-insensitively
		{`{"mod\u0065l":"m"}`, false},        // a key with an escape
		{`{"model":"a","model":"b"}`, false}, // repeated
		{`{"messages":[{"role":"user","role":"x"}]}`, false},
		{`{"thinking":{"type":"enabled"},"thinking":{}}`, false}, // encoding/json merges these
		{`{"max_tokens":1e2}`, false},
		{`{"seed":12345678901234567890}`, false},
		{`{"temperature":1e999}`, false},
		{`{"messages":[{"content":{}}]}`, false},
		{`{"messages":[{"content":true}]}`, false},
		{`{"tool_choice":{"type":"function"}}`, false},
		{`{"tool_choice":{"type":"function","function":{"name":""}}}`, false},
		{`{"tool_choice":{"type":1,"function":{"name":"f"}}}`, false},
		{`{"tool_choice":{"Function":{"name":"f"}}}`, false},
		{`{"tool_choice":{"function":{"NAME":"f"}}}`, false},
		{`{"tool_choice":5}`, false},
		{`{"tool_choice":{"type":"function","function":{"name":"f"},"other":2}}`, false}, // only the canonical shape
		{`{"tool_choice":{"type":"function","function":{"name":"f","other":1}}}`, false},
		{`{"tool_choice":{"type":"allowed_tools","function":{"name":"f"}}}`, false},
		{`{"stop":5}`, false},
		{`{"stop":[5]}`, false},
		{`{"model":"\ud83d"}`, false},
		{"{\"model\":\"\xc3\"}", false},
		{`{"model":"m"`, false},
		{`{"model":"m",}`, false},
	} {
		check(t, "case", []byte(tc.doc), tc.read)
		var r wire.ChatCompletionRequest
		assert.Equal(t, tc.read, fastreq.Decode([]byte(tc.doc), &r), tc.doc)
	}
}

// llm.ToolChoice.UnmarshalJSON reads its object form into an anonymous struct
// the drift guard cannot reach: Decode reads only its canonical shape, and
// agrees with the method on it (or gives up) whatever the keys.
func TestToolChoice(t *testing.T) {
	for _, doc := range []string{
		`"auto"`, `"required"`, `""`, `null`, `{"type":"function","function":{"name":"f"}}`, `{"function":{"name":"f"}}`,
		`{"type":"x","function":{"name":"f"},"extra":[1]}`, `{"function":{"name":"f"},"Type":"function"}`,
		`{"type":"function"}`, `{"function":null}`, `{"function":{"name":null}}`, `{"function":{"Name":"f"}}`, `{}`, `[]`, `1`,
	} {
		var want *llm.ToolChoice
		werr := json.Unmarshal([]byte(doc), &want)
		var got wire.ChatCompletionRequest
		if fastreq.Decode([]byte(`{"tool_choice":`+doc+`}`), &got) {
			require.NoError(t, werr, doc)
			assert.Equal(t, want, got.ToolChoice, doc)
		}
		check(t, "tool_choice", []byte(`{"tool_choice":`+doc+`}`), false)
	}
}

// FuzzDecode: whatever Decode reads, json.Unmarshal reads the same; whatever
// it gives up on leaves no half-filled request.
func FuzzDecode(f *testing.F) {
	for _, name := range testdataFiles(f) {
		b, err := os.ReadFile(name)
		require.NoError(f, err)
		f.Add(b)
	}
	for _, b := range badBodies {
		f.Add([]byte(b))
	}
	for _, d := range fieldDocs(f) {
		f.Add([]byte(d.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, "fuzz", data, false)
	})
}
