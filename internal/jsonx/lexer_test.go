package jsonx

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docs are JSON documents of every kind the lexer must accept (valid) or refuse.
var validDocs = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `12`, `-12.5e+3`, `1E9`, `0.000`,
	`""`, `"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00"`, `"中文 é 😀"`,
	` { "a" : [ 1 , { "b" : null } , "c" ] , "d" : { } } `,
	`{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}`,
	"\t\r\n[1]\n",
}

var invalidDocs = []string{
	``, ` `, `{`, `}`, `[`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a" 1}`,
	`nul`, `nulll`, `tru`, `True`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x1`, `NaN`,
	`"unterminated`, "\"ctl \x01\"", `"bad \x escape"`, `"\u12"`, `"\u12G4"`, `'single'`,
	`{"a":1}{"b":2}`, `{"a":1} x`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`,
}

func lex(s string) *Lexer {
	l := &Lexer{}
	l.Reset([]byte(s))
	return l
}

func TestSkipAcceptsValidAndRefusesInvalid(t *testing.T) {
	for _, d := range validDocs {
		l := lex(d)
		assert.True(t, l.skip(0) && l.End(), "valid: %s", d)
		assert.True(t, json.Valid([]byte(d)), "the table is right: %s", d)
	}
	for _, d := range invalidDocs {
		l := lex(d)
		assert.False(t, l.skip(0) && l.End(), "invalid: %q", d)
		assert.False(t, json.Valid([]byte(d)), "the table is right: %q", d)
	}
}

func TestStringGivesUpWhereEncodingJSONWouldReplace(t *testing.T) {
	for _, s := range []string{
		"\"\xff\"",             // invalid UTF-8: encoding/json writes U+FFFD
		`"\ud83d"`,             // lone high surrogate
		`"\ude00"`,             // lone low surrogate
		`"\ud83d\u0041"`,       // high surrogate followed by a non-surrogate
		"\"ok \\n then \xc3\"", // invalid UTF-8 after an escape
	} {
		l := lex(s)
		_, ok := l.StringBytes()
		assert.False(t, ok, "%q", s)
		assert.True(t, l.Failed())
	}
}

func TestKeys(t *testing.T) {
	l := lex(` { "a" : 1 , "b":"x" } `)
	require.True(t, l.ObjectStart())
	k, ok := l.Key(true)
	require.True(t, ok)
	assert.Equal(t, "a", string(k))
	n, ok := l.Int()
	require.True(t, ok)
	assert.Equal(t, 1, n)
	k, ok = l.Key(false)
	require.True(t, ok)
	assert.Equal(t, "b", string(k))
	s, ok := l.readString()
	require.True(t, ok)
	assert.Equal(t, "x", s)
	_, ok = l.Key(false)
	assert.False(t, ok)
	assert.False(t, l.Failed())
	assert.True(t, l.End())

	for _, key := range []string{`"a\u0062"`, `"é"`} { // escapes and non-ASCII keys are left to encoding/json
		l := lex(`{` + key + `:1}`)
		require.True(t, l.ObjectStart())
		_, ok := l.Key(true)
		assert.False(t, ok)
		assert.True(t, l.Failed(), key)
	}
}

func TestIntRefusesWhatAnIntFieldRefuses(t *testing.T) {
	for _, s := range []string{`1.0`, `1e3`, `2E1`, `"1"`, `-`, `9223372036854775808`, `1234567890123456789`, `01`} {
		l := lex(s)
		_, ok := l.Int64()
		assert.False(t, ok, s)
		assert.True(t, l.Failed(), s)
		var v int64
		if json.Unmarshal([]byte(s), &v) == nil {
			// encoding/json takes it: only refusing long numbers is allowed, as a
			// fast path may give up on anything.
			assert.GreaterOrEqual(t, len(s), 19, s)
		}
	}
	l := lex(`-42`)
	n, ok := l.Int64()
	require.True(t, ok)
	assert.EqualValues(t, -42, n)
}

// Whatever the lexer accepts, encoding/json accepts, with the same value.
func FuzzLexerAgreesWithEncodingJSON(f *testing.F) {
	for _, d := range append(append([]string{}, validDocs...), invalidDocs...) {
		f.Add([]byte(d))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &Lexer{}
		l.Reset(data)
		if l.skip(0) && l.End() {
			require.True(t, json.Valid(data), "Skip accepted invalid JSON %q", data)
		}

		l.Reset(data)
		if b, ok := l.StringBytes(); ok && l.End() {
			var s string
			require.NoError(t, json.Unmarshal(data, &s), "%q", data)
			require.Equal(t, s, string(b), "%q", data)
			require.True(t, utf8.Valid(b))
		}

		l.Reset(data)
		if n, ok := l.Int64(); ok && l.End() {
			var v int64
			require.NoError(t, json.Unmarshal(data, &v), "%q", data)
			require.Equal(t, v, n, "%q", data)
		}

		l.Reset(data)
		if v, ok := l.Any(); ok && l.End() {
			var want any
			require.NoError(t, json.Unmarshal(data, &want), "%q", data)
			require.Equal(t, want, v, "%q", data)
		}

		l.Reset(data)
		if v, ok := l.Bool(); ok && l.End() {
			var b bool
			require.NoError(t, json.Unmarshal(data, &b), "%q", data)
			require.Equal(t, b, v)
		}
	})
}

// Any reads what json.Unmarshal reads into an interface{}, or gives up.
func TestAny(t *testing.T) {
	docs := append([]string{
		`{"type":"object","properties":{"city":{"type":"string","enum":["Rotterdam","中文"]}},"required":["city"],"additionalProperties":false}`,
		`{"a":1,"a":[2,{"b":null}]}`, // a repeated key keeps the last value
		`{"k\u00e9y":1,"中":2,"":3}`,  // keys with escapes, non-ASCII, empty
		`[]`, `{}`, `[[],{}]`, `-0`, `1e-7`, `1.5E+300`,
	}, validDocs...)
	for _, d := range docs {
		var want any
		require.NoError(t, json.Unmarshal([]byte(d), &want), d)
		l := lex(d)
		got, ok := l.Any()
		require.True(t, ok && l.End(), "gave up on %s", d)
		assert.Equal(t, want, got, d)
	}
	for _, d := range append([]string{`1e999`, "{\"\xff\":1}", `"\ud83d"`, strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2)}, invalidDocs...) {
		l := lex(d)
		_, ok := l.Any()
		assert.False(t, ok && l.End(), "read %q", d)
	}
}
