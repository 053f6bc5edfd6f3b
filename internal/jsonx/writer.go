package jsonx

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Writer appends JSON to B the way encoding/json.Marshal writes it — same member
// order (the caller's), same string escaping (HTML-safe unless NoHTMLEscape is set),
// same number formatting —
// so that fastgen's generated encoders (AppendJSON) can produce exactly
// json.Marshal's bytes without reflection. Failed is set when a value cannot be
// written (a NaN or an infinity, which json.Marshal refuses); the caller then uses
// json.Marshal, which reports the error.
type Writer struct {
	B []byte
	// NoHTMLEscape makes String write '<', '>' and '&' as they are, as an
	// encoding/json Encoder does after SetEscapeHTML(false) (the gateway's
	// answers); everything else is escaped as json.Marshal escapes it.
	NoHTMLEscape bool
	first        bool
	Failed       bool
}

// Open starts an object.
func (w *Writer) Open() {
	w.B = append(w.B, '{')
	w.first = true
}

// Close ends an object.
func (w *Writer) Close() {
	w.B = append(w.B, '}')
	w.first = false
}

// OpenArray starts an array.
func (w *Writer) OpenArray() {
	w.B = append(w.B, '[')
	w.first = true
}

// CloseArray ends an array.
func (w *Writer) CloseArray() {
	w.B = append(w.B, ']')
	w.first = false
}

// Elem starts an array element.
func (w *Writer) Elem() {
	if !w.first {
		w.B = append(w.B, ',')
	}
	w.first = false
}

// Key starts an object member. key must need no escaping (a generated type's JSON
// field name).
func (w *Writer) Key(key string) {
	if !w.first {
		w.B = append(w.B, ',')
	}
	w.first = false
	w.B = append(w.B, '"')
	w.B = append(w.B, key...)
	w.B = append(w.B, '"', ':')
}

// String writes a string, HTML-escaped unless NoHTMLEscape is set.
func (w *Writer) String(s string) {
	if w.NoHTMLEscape {
		// plain's ASCII half is what encoding/json writes as it is when it does
		// not escape HTML: printable ASCII but '"' and '\\' (TestTables).
		w.B = appendString(w.B, s, (*[utf8.RuneSelf]bool)(plain[:utf8.RuneSelf]))
		return
	}
	w.B = appendString(w.B, s, &htmlSafe)
}

// Bool writes a boolean.
func (w *Writer) Bool(v bool) { w.B = strconv.AppendBool(w.B, v) }

// Int writes an integer.
func (w *Writer) Int(v int64) { w.B = strconv.AppendInt(w.B, v, 10) }

// Float writes a float64 as encoding/json does; NaN and infinities fail.
func (w *Writer) Float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.Failed = true
		return
	}
	w.B = appendFloat(w.B, f)
}

// Strings writes a []string (null when nil, as encoding/json does).
func (w *Writer) Strings(ss []string) {
	if ss == nil {
		w.B = append(w.B, "null"...)
		return
	}
	w.OpenArray()
	for _, s := range ss {
		w.Elem()
		w.String(s)
	}
	w.CloseArray()
}

// Null writes null.
func (w *Writer) Null() { w.B = append(w.B, "null"...) }

// Union writes what a generated union's MarshalJSON returned: the JSON its From…
// method stored, which json.Marshal produced (compact and HTML-escaped), so it is
// written as is where encoding/json would compact it again. Empty or failed output
// fails, as it would fail json.Marshal.
func (w *Writer) Union(b []byte, err error) {
	if err != nil || len(b) == 0 {
		w.Failed = true
		return
	}
	w.B = append(w.B, b...)
}

// Marshal writes v with json.Marshal, for the parts of a request the generated
// encoders leave to encoding/json (tools, response formats): its output is what
// encoding/json writes for the same value inside a struct.
func (w *Writer) Marshal(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		w.Failed = true
		return
	}
	w.B = append(w.B, b...)
}

// appendFloat appends f formatted as encoding/json formats a float64 (finite f).
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// htmlSafe marks the ASCII bytes encoding/json writes as they are in a string when
// it escapes HTML (its default): printable ASCII but '"', '\\', '<', '>' and '&'. A
// literal, so that it needs no init code (TestTables checks it).
var htmlSafe = [utf8.RuneSelf]bool{
	0x20: true, true, false, true, true, true, false, true, true, true, true, true, true, true, true, true, // 0x20–0x2f; 0x22 is '"', 0x26 '&'
	true, true, true, true, true, true, true, true, true, true, true, true, false, true, false, true, // 0x30–0x3f; 0x3c is '<', 0x3e '>'
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x40–0x4f
	true, true, true, true, true, true, true, true, true, true, true, true, false, true, true, true, // 0x50–0x5f; 0x5c is '\\'
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x60–0x6f
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x70–0x7f
}

// appendString appends s as a JSON string exactly as encoding/json writes it:
// '"', '\\' and the short control escapes, other control bytes as \u00XX,
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped, and the other ASCII bytes
// as they are where safeSet says so — with htmlSafe, '<', '>' and '&' as \u00XX
// too (json.Marshal); with plain's ASCII half, as they are (SetEscapeHTML(false)).
func appendString(dst []byte, s string, safeSet *[utf8.RuneSelf]bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safeSet[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
