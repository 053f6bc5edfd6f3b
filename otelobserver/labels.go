package otelobserver

import (
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/harborai/harbor-go/harbor"
)

// DefaultProviders are the provider names the metrics report as themselves
// without being listed in Options.Providers: harbor's built-in providers.
var DefaultProviders = []string{"deepseek", "doubao", "wenxin", "qianfan", "openai"}

// Other is the metric attribute value of every provider, model, operation and
// error type outside the known sets.
const Other = "other"

// operations are the metrics' gen_ai.operation.name values besides Other: the
// semantic conventions' inference operations.
var operations = []string{"chat", "text_completion", "generate_content", "embeddings"}

// A labelSet is a fixed set of attribute values, each with an index; every
// other value has the index of Other, the last.
type labelSet struct {
	ids   map[string]int
	names []string
}

func newLabelSet(field string, base, extra []string) (labelSet, error) {
	s := labelSet{ids: map[string]int{}}
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
			return labelSet{}, fmt.Errorf("otelobserver: Options.%s[%d] (%q) is not an attribute value: empty or not UTF-8",
				field, i, strings.ToValidUTF8(name, "\uFFFD"))
		}
		add(name)
	}
	s.names = append(s.names, Other)
	return s, nil
}

func (s labelSet) index(name string) int {
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

func (s labelSet) name(i int) string { return s.names[i] }
func (s labelSet) len() int          { return len(s.names) }

// lazy holds a value made on first use. Two goroutines may both make it; one
// value wins and both use it (the two are equal anyway).
type lazy[T any] struct{ p atomic.Pointer[T] }

func (l *lazy[T]) ptr(mk func() *T) *T {
	if v := l.p.Load(); v != nil {
		return v
	}
	l.p.CompareAndSwap(nil, mk())
	return l.p.Load()
}

// ModelIDs returns the model names of models (Client.Models) as Options.Models
// wants them: every ID, and the model each alias stands for.
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
