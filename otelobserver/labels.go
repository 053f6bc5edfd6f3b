package otelobserver

import (
	"sync/atomic"

	"github.com/harborai/harbor-go/harbor"
	"github.com/harborai/harbor-go/internal/labelset"
)

// DefaultProviders are the provider names the metrics report as themselves
// without being listed in Options.Providers: harbor's built-in providers.
var DefaultProviders = []string{"deepseek", "doubao", "wenxin", "qianfan", "openai"}

// Other is the metric attribute value of every provider, model, operation and
// error type outside the known sets.
const Other = labelset.Other

// operations are the metrics' gen_ai.operation.name values besides Other: the
// semantic conventions' inference operations.
var operations = []string{"chat", "text_completion", "generate_content", "embeddings"}

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
func ModelIDs(models []harbor.Model) []string { return labelset.ModelIDs(models) }
