package jsonx

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestTables checks the byte tables written out as literals against their rules:
// plain is printable ASCII but '"' and '\\', and its ASCII half is what an
// Encoder writes as it is after SetEscapeHTML(false) (Writer.NoHTMLEscape);
// htmlSafe is what encoding/json writes as it is by default (a one-byte string
// marshals to itself in quotes).
func TestTables(t *testing.T) {
	for b := range 256 {
		want := b >= 0x20 && b < utf8.RuneSelf && b != '"' && b != '\\'
		if plain[b] != want {
			t.Errorf("plain[%#x] = %v, want %v", b, plain[b], want)
		}
	}
	for b := range utf8.RuneSelf {
		got, err := json.Marshal(string(rune(b)))
		if err != nil {
			t.Fatal(err)
		}
		if want := string(got) == `"`+string(rune(b))+`"`; htmlSafe[b] != want {
			t.Errorf("htmlSafe[%#x] = %v, encoding/json writes %s", b, htmlSafe[b], got)
		}
		if want := encodeNoHTML(t, string(rune(b))) == `"`+string(rune(b))+`"`; plain[b] != want {
			t.Errorf("plain[%#x] = %v, an Encoder without HTML escaping writes %s", b, plain[b], encodeNoHTML(t, string(rune(b))))
		}
	}
}
