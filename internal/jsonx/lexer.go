package jsonx

import (
	"bytes"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// maxDepth bounds the nesting Skip follows; deeper input is left to encoding/json.
const maxDepth = 256

// Lexer reads one JSON document. Methods that read a value return false (and mark
// the lexer Failed) when the input is not what they can read; once failed, every
// method returns false.
type Lexer struct {
	b      []byte
	i      int
	failed bool
	// scratch holds unescaped string bytes; reused from one string to the next.
	scratch []byte
}

// Reset starts reading data, keeping the scratch buffer.
func (l *Lexer) Reset(data []byte) {
	l.b, l.i, l.failed = data, 0, false
}

// Failed reports whether the lexer gave up.
func (l *Lexer) Failed() bool { return l.failed }

// Fail marks the lexer failed: the caller met something it does not handle.
func (l *Lexer) Fail() { l.failed = true }

func (l *Lexer) fail() bool {
	l.failed = true
	return false
}

func (l *Lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value (after white space), 0 at the end.
func (l *Lexer) peek() byte {
	l.ws()
	if l.failed || l.i >= len(l.b) {
		return 0
	}
	return l.b[l.i]
}

// Peek returns the first byte of the next value, after white space, without
// reading it: for a value of more than one kind (a string or an array, say). It
// returns 0 at the end of the input and after a failure.
func (l *Lexer) Peek() byte { return l.peek() }

// End reports whether only white space is left: encoding/json rejects anything
// after the top-level value.
func (l *Lexer) End() bool {
	l.ws()
	if l.failed || l.i != len(l.b) {
		return l.fail()
	}
	return true
}

// Null consumes a null and reports whether there was one.
func (l *Lexer) Null() bool {
	if l.peek() != 'n' {
		return false
	}
	if !bytes.HasPrefix(l.b[l.i:], litNull) {
		return l.fail()
	}
	l.i += len(litNull)
	return true
}

var (
	litNull  = []byte("null")
	litTrue  = []byte("true")
	litFalse = []byte("false")
)

// Bool reads true or false.
func (l *Lexer) Bool() (bool, bool) {
	switch l.peek() {
	case 't':
		if bytes.HasPrefix(l.b[l.i:], litTrue) {
			l.i += len(litTrue)
			return true, true
		}
	case 'f':
		if bytes.HasPrefix(l.b[l.i:], litFalse) {
			l.i += len(litFalse)
			return false, true
		}
	}
	return false, l.fail()
}

// ObjectStart consumes the '{' of an object.
func (l *Lexer) ObjectStart() bool {
	if l.peek() != '{' {
		return l.fail()
	}
	l.i++
	return true
}

// ArrayStart consumes the '[' of an array.
func (l *Lexer) ArrayStart() bool {
	if l.peek() != '[' {
		return l.fail()
	}
	l.i++
	return true
}

// Key reads the next key of an object and the ':' after it; first says whether it
// is the first member. It returns false at the '}' that closes the object (consumed)
// and on failure. The key's bytes are valid until the next call. Keys with escape
// sequences or non-ASCII bytes fail: encoding/json matches them against field names
// with Unicode case folding, which this fast path does not reproduce.
func (l *Lexer) Key(first bool) ([]byte, bool) {
	c := l.peek()
	if l.failed {
		return nil, false
	}
	if c == '}' {
		l.i++
		return nil, false
	}
	if !first {
		if c != ',' {
			return nil, l.fail()
		}
		l.i++
		c = l.peek()
	}
	if c != '"' {
		return nil, l.fail()
	}
	start := l.i + 1
	j := start
	for j < len(l.b) && plain[l.b[j]] {
		j++
	}
	if j >= len(l.b) || l.b[j] != '"' {
		return nil, l.fail()
	}
	key := l.b[start:j]
	l.i = j + 1
	if l.peek() != ':' {
		return nil, l.fail()
	}
	l.i++
	return key, true
}

// Elem reports whether the array has another element, consuming the ',' before it
// or the ']' after the last one; first says whether no element was read yet.
func (l *Lexer) Elem(first bool) bool {
	c := l.peek()
	if l.failed {
		return false
	}
	if c == ']' {
		l.i++
		return false
	}
	if first {
		return true
	}
	if c != ',' {
		return l.fail()
	}
	l.i++
	return true
}

// StringBytes reads a string and returns its decoded bytes, valid until the next
// call: a sub-slice of the input when the string has no escapes, the lexer's
// scratch buffer otherwise. Invalid UTF-8 fails (encoding/json would replace it
// with U+FFFD).
func (l *Lexer) StringBytes() ([]byte, bool) {
	if l.peek() != '"' {
		return nil, l.fail()
	}
	start := l.i + 1
	ascii := true
	for j := start; j < len(l.b); j++ {
		for j < len(l.b) && plain[l.b[j]] {
			j++
		}
		if j >= len(l.b) {
			break
		}
		switch b := l.b[j]; {
		case b == '"':
			s := l.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, l.fail()
			}
			l.i = j + 1
			return s, true
		case b == '\\':
			return l.unescape(start, j)
		case b < 0x20:
			return nil, l.fail()
		default: // b >= utf8.RuneSelf
			ascii = false
		}
	}
	return nil, l.fail()
}

// plain marks the bytes a string can hold as they are: printable ASCII but the
// quote and the backslash. A literal, so that it needs no init code
// (TestTables checks it).
var plain = [256]bool{
	0x20: true, true, false, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x20–0x2f; 0x22 is '"'
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x30–0x3f
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x40–0x4f
	true, true, true, true, true, true, true, true, true, true, true, true, false, true, true, true, // 0x50–0x5f; 0x5c is '\\'
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x60–0x6f
	true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, // 0x70–0x7f
}

// readString reads a string (see StringBytes) as a Go string.
func (l *Lexer) readString() (string, bool) {
	b, ok := l.StringBytes()
	if !ok {
		return "", false
	}
	return string(b), true
}

// unescape decodes the string starting at start whose first backslash is at esc.
func (l *Lexer) unescape(start, esc int) ([]byte, bool) {
	out := append(l.scratch[:0], l.b[start:esc]...)
	ascii := true
	for _, b := range out {
		if b >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	j := esc
	for j < len(l.b) {
		b := l.b[j]
		switch {
		case b == '"':
			if !ascii && !utf8.Valid(out) {
				return nil, l.fail()
			}
			l.scratch = out
			l.i = j + 1
			return out, true
		case b < 0x20:
			return nil, l.fail()
		case b != '\\':
			if b >= utf8.RuneSelf {
				ascii = false
			}
			out = append(out, b)
			j++
			continue
		}
		if j+1 >= len(l.b) {
			return nil, l.fail()
		}
		switch l.b[j+1] {
		case '"', '\\', '/':
			out = append(out, l.b[j+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(l.b, j+2)
			if !ok {
				return nil, l.fail()
			}
			n := 6
			if r >= 0xD800 && r < 0xE000 { // a surrogate: only a proper pair is taken
				if r >= 0xDC00 || j+11 >= len(l.b) || l.b[j+6] != '\\' || l.b[j+7] != 'u' {
					return nil, l.fail()
				}
				lo, ok := hex4(l.b, j+8)
				if !ok || lo < 0xDC00 || lo >= 0xE000 {
					return nil, l.fail()
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				n = 12
			}
			out = utf8.AppendRune(out, r)
			j += n
			continue
		default:
			return nil, l.fail()
		}
		j += 2
	}
	return nil, l.fail()
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Int reads an integer that fits in a Go int. A number with a fraction or an
// exponent fails (encoding/json refuses it for an integer field), as does one out of
// range.
func (l *Lexer) Int() (int, bool) {
	n, ok := l.Int64()
	if !ok {
		return 0, false
	}
	if bits.UintSize == 32 && (n < math.MinInt32 || n > math.MaxInt32) {
		return 0, l.fail()
	}
	return int(n), true
}

// Int64 reads an integer that fits in an int64 (see Int).
func (l *Lexer) Int64() (int64, bool) {
	c := l.peek()
	if l.failed {
		return 0, false
	}
	j := l.i
	neg := c == '-'
	if neg {
		j++
	}
	start := j
	var n uint64
	for j < len(l.b) && '0' <= l.b[j] && l.b[j] <= '9' {
		n = n*10 + uint64(l.b[j]-'0')
		j++
	}
	digits := j - start
	switch {
	case digits == 0, digits > 18, // 18 digits cannot overflow; longer numbers are left to encoding/json
		digits > 1 && l.b[start] == '0':
		return 0, l.fail()
	}
	if j < len(l.b) {
		if c := l.b[j]; c == '.' || c == 'e' || c == 'E' {
			return 0, l.fail()
		}
	}
	l.i = j
	if neg {
		return -int64(n), true
	}
	return int64(n), true
}

// Int32 reads an integer that fits in an int32 (see Int).
func (l *Lexer) Int32() (int32, bool) {
	n, ok := l.Int64()
	if !ok {
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return 0, l.fail()
	}
	return int32(n), true
}

// Float64 reads a number as encoding/json reads it into a float64; a number out of
// range fails (encoding/json reports an error).
func (l *Lexer) Float64() (float64, bool) {
	if l.peek() == 0 || l.failed {
		return 0, l.fail()
	}
	start := l.i
	if !l.number() {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(l.b[start:l.i]), 64)
	if err != nil {
		return 0, l.fail()
	}
	return f, true
}

// Raw reads one value of any kind (as Skip) and returns its bytes, a sub-slice of
// the input, for a part of a document left to encoding/json.
func (l *Lexer) Raw() ([]byte, bool) {
	l.ws()
	start := l.i
	if !l.skip(0) {
		return nil, false
	}
	return l.b[start:l.i], true
}

// Any reads one value as encoding/json reads it into a nil interface{}: an
// object as a map[string]any (a repeated key keeps its last value), an array as
// a []any (empty, not nil, for []), a number as a float64, a string, a bool or
// nil. Object keys may have escapes and non-ASCII bytes: they are map keys, not
// matched against field names. What the lexer gives up on elsewhere (invalid
// UTF-8, a number out of float64's range, deep nesting) fails here too.
func (l *Lexer) Any() (any, bool) { return l.anyValue(0) }

func (l *Lexer) anyValue(depth int) (any, bool) {
	if depth > maxDepth {
		return nil, l.fail()
	}
	switch l.peek() {
	case '{':
		l.i++
		m := map[string]any{}
		for first := true; ; first = false {
			k, ok := l.mapKey(first)
			if !ok {
				return m, !l.failed
			}
			v, ok := l.anyValue(depth + 1)
			if !ok {
				return nil, false
			}
			m[k] = v
		}
	case '[':
		l.i++
		a := []any{}
		for first := true; l.Elem(first); first = false {
			v, ok := l.anyValue(depth + 1)
			if !ok {
				return nil, false
			}
			a = append(a, v)
		}
		return a, !l.failed
	case '"':
		return l.readString()
	case 't', 'f':
		return l.Bool()
	case 'n':
		return nil, l.Null()
	}
	return l.Float64()
}

// mapKey reads an object key of any content (see Key) as a string.
func (l *Lexer) mapKey(first bool) (string, bool) {
	c := l.peek()
	if l.failed {
		return "", false
	}
	if c == '}' {
		l.i++
		return "", false
	}
	if !first {
		if c != ',' {
			return "", l.fail()
		}
		l.i++
	}
	k, ok := l.readString()
	if !ok {
		return "", false
	}
	if l.peek() != ':' {
		return "", l.fail()
	}
	l.i++
	return k, true
}

// Unknown handles a key that is none of names, the JSON names of the struct being
// read: encoding/json would match it case-insensitively to one of them, which the
// fast path does not reproduce, so it fails; otherwise the value is skipped, as
// encoding/json skips it.
func (l *Lexer) Unknown(key []byte, names []string) {
	for _, n := range names {
		if len(n) == len(key) && bytes.EqualFold(key, []byte(n)) {
			l.Fail()
			return
		}
	}
	l.skip(0)
}

// skip reads and discards one value of any kind, checking that it is valid JSON;
// depth is the nesting it starts at.
func (l *Lexer) skip(depth int) bool {
	if depth > maxDepth {
		return l.fail()
	}
	switch l.peek() {
	case '{':
		l.i++
		for first := true; ; first = false {
			if _, ok := l.Key(first); !ok {
				return !l.failed
			}
			if !l.skip(depth + 1) {
				return false
			}
		}
	case '[':
		l.i++
		for first := true; l.Elem(first); first = false {
			if !l.skip(depth + 1) {
				return false
			}
		}
		return !l.failed
	case '"':
		_, ok := l.StringBytes()
		return ok
	case 't', 'f':
		_, ok := l.Bool()
		return ok
	case 'n':
		return l.Null()
	default:
		return l.number()
	}
}

// number reads a number of any form: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (l *Lexer) number() bool {
	j := l.i
	if j < len(l.b) && l.b[j] == '-' {
		j++
	}
	switch {
	case j < len(l.b) && l.b[j] == '0':
		j++
	case j < len(l.b) && '1' <= l.b[j] && l.b[j] <= '9':
		j = digits(l.b, j)
	default:
		return l.fail()
	}
	if j < len(l.b) && l.b[j] == '.' {
		k := digits(l.b, j+1)
		if k == j+1 {
			return l.fail()
		}
		j = k
	}
	if j < len(l.b) && (l.b[j] == 'e' || l.b[j] == 'E') {
		j++
		if j < len(l.b) && (l.b[j] == '+' || l.b[j] == '-') {
			j++
		}
		k := digits(l.b, j)
		if k == j {
			return l.fail()
		}
		j = k
	}
	l.i = j
	return true
}

func digits(b []byte, j int) int {
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
	}
	return j
}
