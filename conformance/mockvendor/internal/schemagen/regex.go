package schemagen

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// matchString builds a string that pattern matches (a JSON Schema pattern is
// not anchored) with a length in [minLen, maxLen] (maxLen < 0: no limit).
// variant > 0 picks other alternatives, for distinct strings. ok is false when
// Go's regexp cannot parse the pattern or no candidate the generator tries
// fits.
func matchString(pattern string, minLen, maxLen, variant int) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	check, err := regexp.Compile(pattern)
	if err != nil {
		return "", false
	}
	fits := func(s string) bool {
		n := utf8.RuneCountInString(s)
		return n >= minLen && (maxLen < 0 || n <= maxLen) && check.MatchString(s)
	}
	// Repetitions grow 0, 1, 2, 4, 8… up to minLen: a handful of tries even
	// for a long minLength.
	var first string
	prev := -1
	for extra := 0; extra <= max(minLen, 2); extra = max(2*extra, extra+1) {
		var b strings.Builder
		if !build(&b, re, extra, variant) {
			return "", false
		}
		s := b.String()
		if extra == 0 {
			first = s
		}
		if fits(s) {
			return s, true
		}
		n := utf8.RuneCountInString(s)
		if maxLen >= 0 && n > maxLen {
			break // more repetitions only make it longer
		}
		if n == prev {
			break // bounded repeats: more tries cannot grow it
		}
		prev = n
		if n < minLen {
			for _, p := range [...]string{"x", "0", "a", "A", "_", " ", "-", "."} {
				pad := strings.Repeat(p, minLen-n)
				if fits(s + pad) {
					return s + pad, true
				}
				if fits(pad + s) {
					return pad + s, true
				}
			}
		}
	}
	return first, false
}

// build appends a string that re matches, taking extra more repetitions than
// the least each repeat needs. It returns false for a regexp that matches
// nothing.
func build(b *strings.Builder, re *syntax.Regexp, extra, variant int) bool {
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			b.WriteRune(r)
		}
		return true
	case syntax.OpCharClass:
		r, ok := classRune(re.Rune, variant)
		if ok {
			b.WriteRune(r)
		}
		return ok
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
		return true
	case syntax.OpCapture:
		return build(b, re.Sub[0], extra, variant)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, -1
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
		}
		n := lo + extra
		if hi >= 0 && n > hi {
			n = hi
		}
		for i := 0; i < n; i++ {
			if !build(b, re.Sub[0], extra, variant) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !build(b, sub, extra, variant) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		start := variant % len(re.Sub)
		for i := range re.Sub {
			var alt strings.Builder
			if build(&alt, re.Sub[(start+i)%len(re.Sub)], extra, variant) {
				b.WriteString(alt.String())
				return true
			}
		}
		return false
	}
	return false
}

// classRune picks a rune of a character class (pairs of inclusive ranges):
// a letter or digit when the class has one, else its first printable rune.
func classRune(ranges []rune, variant int) (rune, bool) {
	if len(ranges) < 2 {
		return 0, false
	}
	in := func(r rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	const preferred = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var ok []rune
	for _, r := range preferred {
		if in(r) {
			ok = append(ok, r)
		}
	}
	if len(ok) > 0 {
		return ok[variant%len(ok)], true
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if hi >= 0x20 && lo < 0x20 {
			return 0x20, true
		}
		if lo >= 0x20 {
			return lo, true
		}
	}
	return ranges[0], true
}
