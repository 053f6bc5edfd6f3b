// Package labelset bounds the values an observer puts in metric labels or
// attributes: a fixed set of names, each with an index, and every other value
// reported as Other. prommetrics and otelobserver share it, so that both bound
// providers, models and error types the same way.
package labelset

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/harborai/harbor-go/harbor"
)

// Other is the value of every name not in a Set.
const Other = "other"

// A Set is a fixed set of values, each with an index; every other value has the
// index of Other, the last.
type Set struct {
	ids   map[string]int
	names []string
}

// New returns the set of base and extra, then Other. extra comes from a user's
// option (field names it in errors, prefixed with pkg): each value must be a
// non-empty UTF-8 string. An empty field skips the check.
func New(pkg, field string, base, extra []string) (Set, error) {
	s := Set{ids: map[string]int{}}
	add := func(name string) {
		if _, ok := s.ids[name]; !ok && name != Other {
			s.ids[name] = len(s.names)
			s.names = append(s.names, name)
		}
	}
	for _, name := range base {
		add(name)
	}
	for i, name := range extra {
		if field != "" && (name == "" || !utf8.ValidString(name)) {
			return Set{}, fmt.Errorf("%s: Options.%s[%d] (%q) is not a label value: empty or not UTF-8",
				pkg, field, i, strings.ToValidUTF8(name, "\uFFFD"))
		}
		add(name)
	}
	s.names = append(s.names, Other)
	return s, nil
}

// Index is name's index, Other's for a name not in the set.
func (s Set) Index(name string) int {
	if len(s.names) <= 9 { // a few short strings: comparing beats hashing
		for i, n := range s.names[:len(s.names)-1] {
			if n == name {
				return i
			}
		}
	} else if i, ok := s.ids[name]; ok {
		return i
	}
	return len(s.names) - 1
}

// Name is the value of index i.
func (s Set) Name(i int) string { return s.names[i] }

// Len is the number of values, Other included.
func (s Set) Len() int { return len(s.names) }

// ModelIDs returns the model names of models (Client.Models) as an observer's
// Models option wants them: every ID, and the model each alias stands for.
func ModelIDs(models []harbor.Model) []string {
	ids := make([]string, 0, len(models))
	for _, m := range models {
		ids = append(ids, m.ID)
		if m.AliasOf != "" {
			ids = append(ids, strings.TrimPrefix(m.AliasOf, m.Provider+"/"))
		}
	}
	return ids
}
