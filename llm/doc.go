// Package llm holds harbor's vendor-neutral vocabulary: the OpenAI-shaped request,
// response and stream-chunk types, the error type, and the Provider interface that
// every vendor adapter implements.
//
// It is a leaf: it imports only the standard library, so providers/<vendor> and the
// harbor package can both depend on it without a cycle. Users normally never import it
// directly — package harbor re-exports every name here with type aliases, so
// harbor.ChatRequest and llm.ChatRequest are the same type.
package llm
