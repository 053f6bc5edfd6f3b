package wire

import (
	"sync"
	"sync/atomic"
)

// LazySchema is the ReplySchema of the generated type T (a ChatCompletion or
// ChatCompletionChunk), built on its first use rather than at package init: a
// program that never calls a vendor does not pay for the reflection over its
// types. The zero value is ready to use and needs no init code, so declare it as a
// package-level variable.
type LazySchema[T any] struct {
	schema atomic.Pointer[ReplySchema]
	once   sync.Once
}

// Get returns the schema, building it the first time (see NewReplySchema; msgKey is
// "message" or "delta" and must be the same at every call). After the first call it
// costs one atomic load.
func (l *LazySchema[T]) Get(msgKey string) *ReplySchema {
	if s := l.schema.Load(); s != nil {
		return s
	}
	return l.build(msgKey)
}

func (l *LazySchema[T]) build(msgKey string) *ReplySchema {
	l.once.Do(func() {
		var sample T
		l.schema.Store(NewReplySchema(sample, msgKey))
	})
	return l.schema.Load()
}
