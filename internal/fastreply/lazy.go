package fastreply

import (
	"sync"
	"sync/atomic"
)

// LazySchema is the Schema of the generated type T (a ChatCompletion or
// ChatCompletionChunk whose pointer has the generated ReadReply), made on its first
// use rather than at package init. The zero value is ready to use and needs no init
// code, so declare it as a package-level variable.
type LazySchema[T any] struct {
	schema atomic.Pointer[Schema]
	once   sync.Once
}

// Get returns the schema, making it the first time (see newSchema; msgKey is
// "message" or "delta"). After the first call it costs one atomic load. It panics
// if *T has no ReadReply: fastgen's -reply list in generate.go must name T.
func (l *LazySchema[T]) Get(msgKey string) *Schema {
	if s := l.schema.Load(); s != nil {
		return s
	}
	return l.build(msgKey)
}

func (l *LazySchema[T]) build(msgKey string) *Schema {
	l.once.Do(func() {
		l.schema.Store(newSchema(any(new(T)).(replyReader), msgKey))
	})
	return l.schema.Load()
}
