// Package jsonx reads JSON without reflection, for the few vendor answers harbor
// decodes on every call (chat completions and stream chunks). It is a fast path,
// not a JSON library: a Lexer accepts exactly the documents encoding/json accepts
// and gives up (Failed) on anything it is not sure to decode the same way —
// invalid UTF-8, lone surrogates, keys with escapes, integers written as floats,
// deep nesting. Callers then decode the same bytes with encoding/json, so the
// result, and any error, is encoding/json's. Tests compare both paths on fuzzed
// input.
//
// Its exported surface is what internal/cmd/fastgen's generated code calls (Lexer
// to read, Writer to write), including methods no
// current spec needs yet (Int32, Raw): a spec that gains such a field gets
// code that calls them, with no change here; and what the hand-written fast
// paths over harbor's own types call: the gateway's request reader
// (gateway/internal/fastreq: Peek, Any), llm.Message's encoder and the
// gateway's answer encoder (Writer.NoHTMLEscape). It is not for
// vendor rules nor for any shape of answer (package fastreply).
package jsonx
