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
// generated types only ever meet the engine inside the provider's own functions
// (encode builds its request type, the decoders fill its response types), so type
// parameters would add nothing the functions do not already give, and would make
// every provider's type spell them out. The generic helpers here (Tools,
// ToolChoice) are the places where a generated type does cross: the translation of
// tools and tool_choice, identical for every OpenAI-shaped spec.
//
// Wenxin v1 has its own shape (access tokens, `result` bodies, errors in 200
// answers) and keeps its own call code; it shares the rule table (Rule, Check).
//
// A sixth OpenAI-compatible vendor is a descriptor (its Name, models, New), a
// spec under spec/ with its generated client, and a quirk file: its rules, its
// encode and its Refine.
package engine
