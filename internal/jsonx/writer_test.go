package jsonx

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var stringSeeds = []string{"", "plain", "quote \" backslash \\ slash /", "ctl \x00\x01\b\f\n\r\t\x1f\x7f",
	"html <a href=\"x\">&amp;</a>", "中文 é 😀", "bad \xff\xfe utf8 \xc3", "sep \u2028 \u2029", "\ufffd"}

var floatSeeds = []float64{0, -0.0, 0.7, 1, -2, 256, 1e-6, 9.99e-7, 1e20, 1e21, 123456789.125, math.SmallestNonzeroFloat64, math.MaxFloat64, 0.1 + 0.2}

// encodeNoHTML is what an encoding/json Encoder writes for v after
// SetEscapeHTML(false), without the newline Encode ends with.
func encodeNoHTML(t testing.TB, v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// writeString is what Writer.String writes for s.
func writeString(s string, noHTMLEscape bool) string {
	w := Writer{NoHTMLEscape: noHTMLEscape}
	w.String(s)
	return string(w.B)
}

func TestWriterMatchesMarshal(t *testing.T) {
	for _, s := range stringSeeds {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), writeString(s, false), "%q", s)
	}
	for _, f := range floatSeeds {
		want, err := json.Marshal(f)
		require.NoError(t, err)
		var w Writer
		w.Float(f)
		assert.False(t, w.Failed)
		assert.Equal(t, string(want), string(w.B), "%v", f)
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		var w Writer
		w.Float(f)
		assert.True(t, w.Failed, "%v: json.Marshal refuses it", f)
	}

	type inner struct {
		A []string `json:"a"`
		B bool     `json:"b"`
	}
	v := struct {
		X string   `json:"x"`
		Y inner    `json:"y"`
		Z int64    `json:"z"`
		N []string `json:"n"`
	}{"<x>", inner{[]string{"1", "2"}, true}, -3, nil}
	want, err := json.Marshal(v)
	require.NoError(t, err)
	var w Writer
	w.Open()
	w.Key("x")
	w.String(v.X)
	w.Key("y")
	w.Open()
	w.Key("a")
	w.Strings(v.Y.A)
	w.Key("b")
	w.Bool(v.Y.B)
	w.Close()
	w.Key("z")
	w.Int(v.Z)
	w.Key("n")
	w.Strings(v.N)
	w.Close()
	assert.Equal(t, string(want), string(w.B))
}

// With NoHTMLEscape, a Writer writes what an Encoder writes after
// SetEscapeHTML(false): '<', '>' and '&' as they are, the rest as json.Marshal
// writes it (controls, invalid UTF-8, U+2028 and U+2029 still escaped).
func TestWriterNoHTMLEscape(t *testing.T) {
	for _, s := range stringSeeds {
		assert.Equal(t, encodeNoHTML(t, s), writeString(s, true), "%q", s)
	}
	assert.Equal(t, `"<a href=\"x\">&amp;</a> \u2028 \ufffd \u0000"`, writeString("<a href=\"x\">&amp;</a> \u2028 \xff \x00", true))

	type inner struct {
		A []string `json:"a"`
	}
	v := struct {
		X string `json:"x"`
		Y inner  `json:"y"`
	}{"<x> & y", inner{[]string{"<", ">&"}}}
	w := Writer{NoHTMLEscape: true}
	w.Open()
	w.Key("x")
	w.String(v.X)
	w.Key("y")
	w.Open()
	w.Key("a")
	w.Strings(v.Y.A)
	w.Close()
	w.Close()
	assert.Equal(t, encodeNoHTML(t, v), string(w.B))
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		require.Equal(t, string(want), writeString(s, false))
		require.Equal(t, encodeNoHTML(t, s), writeString(s, true))
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range floatSeeds {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		want, err := json.Marshal(v)
		var w Writer
		w.Float(v)
		if err != nil {
			require.True(t, w.Failed)
			return
		}
		require.False(t, w.Failed)
		require.Equal(t, string(want), string(w.B))
	})
}
