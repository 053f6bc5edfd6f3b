// Package llm holds harbor's vendor-neutral vocabulary: the OpenAI-shaped request,
// response and stream-chunk types, the error type, and the Provider interface that
// every vendor adapter implements.
//
// It is a leaf: it imports only the standard library, so providers/<vendor> and the
// harbor package can both depend on it without a cycle. Users normally never import it
// directly: package harbor re-exports, with aliases and doc comments of its own, every
// type, constant, sentinel and constructor a caller needs, so harbor.ChatRequest and
// llm.ChatRequest are the same type. Import llm to write a Provider of your own: the
// helpers for that (InvalidRequest, Canceled, KindForStatus, Redact) and the
// ModelLister interface, RetryRule and PeekBody are not re-exported.
package llm
