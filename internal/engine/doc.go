// Package engine is the one client under every OpenAI-shaped vendor (DeepSeek,
// Volcengine Ark, Qianfan v2, any OpenAI-compatible server): setup and the call —
// encode, post, transport error, status check, error body, refinement, decode,
// request id, stream — written once, as client-go's rest.Request serves every
// generated client (DESIGN.md decision 9).
//
// # Shape, and why
//
// A provider builds a Client from two values:
//
//   - Spec: what is particular to the vendor, as functions — Encode (its rules and
//     its generated request type), Decode and Chunks (its generated response types
//     and the fast decoder), Refine (its error table), Models (its model list) and
//     a flag or two. The functions are bound once, when the provider is built, so
//     a call costs one indirect call per step and no allocation.
//   - Conn: where and how it sends — base URL, doer, headers with the credentials,
//     the secrets to redact, and the generated request builders of the two routes.
//     Bearer builds one for the usual API-key vendor.
//
// The provider's type embeds *Client, so Name, Chat, ChatStream and ListModels are
// the engine's, and the provider keeps only its rules (rules.go: a table of named
// Rule functions that match its doc.go bullets one to one, checked by Check),
// its request mapping and its quirks. A provider may still define a method
// itself to add a quirk around the engine's (Ark's ListModels explains a 404).
//
// A struct of functions rather than a generic Client[Req, Resp, Chunk]: the
// generated types only ever meet the engine inside functions the provider hands
// over, so type parameters on Client would add nothing the functions do not already
// give, and would make every provider's type spell them out. Generics stay at the
// edges, where a generated type does cross, each written once for every spec:
//
//   - building a Spec's decoders from the generated types and the provider's
//     conversions (Completions, Chunks, Models);
//   - translating requests: tools, tool_choice, response_format, a turn's
//     name, tool_call_id, reasoning_content and tool calls (Tools, ToolChoice,
//     ToolsAndChoice, ResponseFormat, Messages, TurnOf, ToolCalls);
//   - converting answers: lists (Each), optional enums (Str), an answer's message
//     (Answer), logprobs and tool calls (Tokens, ToolCallsOf, whose type sets are
//     the struct shapes every spec declares alike, so the compiler holds each
//     spec to them).
//
// The per-call cost is that of the code it replaced: the Spec's functions are
// plain func values bound at New (the request's method value does not escape),
// and a stream's chunks go through the same decoder calls as before — no extra
// indirection per chunk.
//
// Wenxin v1 has its own shape (access tokens in the URL, `result` bodies, errors
// in 200 answers) and keeps its own call code; it shares the rule table (Rule,
// Check, enginetest.RulesMatchDoc) and the tools translation (Tools).
//
// A sixth OpenAI-compatible vendor is a descriptor (its Name, models, New building
// a Spec and a Conn), a spec under spec/ with its generated client (go generate),
// and a quirk file: its rules table, its encode (the generated request type
// filled from llm.ChatRequest), its conversions and, if its errors need it, its
// Refine. providers/deepseek is the smallest example.
package engine
